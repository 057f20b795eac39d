"""A CodePipeline that delivers the app to dev, then staging, then production (approved).

cdk synth                     # the pipeline stack and every stage it deploys
cdk deploy Delivery           # once, from the pipeline account: then it updates itself

The pipeline account, the connection to the repository and who hears about deployments are
the `org-pipeline` context of cdk.json; the environments come from environments.json. Each
target account is bootstrapped once to trust the pipeline account:
`org-cdk bootstrap --stage dev --trust 999999999999` (and staging, production).
"""

from pathlib import Path

import aws_cdk as cdk
from stacks import PipelineStack

from org_constructs import load_environments
from org_constructs.compliance import apply_nag_packs

app = cdk.App()
settings = app.node.try_get_context("org-pipeline")
stack = PipelineStack(
    app,
    "Delivery",
    environments=load_environments(Path(__file__).parent / "environments.json"),
    connection_arn=settings["connection_arn"],
    repository=settings["repository"],
    emails=settings["emails"],
    env=cdk.Environment(account=settings["account"], region=settings["region"]),
)
# The pipeline's own packs; each stage's stacks declare their environment's (stacks/pipeline.py).
apply_nag_packs(stack, ("AwsSolutions", "Serverless"))
app.synth()
