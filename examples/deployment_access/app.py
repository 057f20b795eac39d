"""Deployment access: what each account needs for the GitHub Actions workflow to deploy there.

cdk deploy -c stage=dev --all        # with the account's administrator credentials, once
org-cdk bootstrap examples/reference_app --stage dev --trust PIPELINE_ACCOUNT

One stack per account of environments.json: the GitHub OIDC provider, the role of the
environment's `deploy_role_arn` (assumed by the jobs of the repository's GitHub environment of
the same name, by OIDC, with no stored key) and the execution policy that `cdk bootstrap`
gives CloudFormation instead of AdministratorAccess. The repository comes from the
`deployment-access:repository` context (cdk.json).
"""

from pathlib import Path

import aws_cdk as cdk
from stacks import AccessStack

from org_constructs import load_environments, selected_environments
from org_constructs.compliance import apply_nag_packs

app = cdk.App()
environments = load_environments(Path(__file__).parent / "environments.json")
repository = app.node.get_context("deployment-access:repository")
for name, config in selected_environments(app, environments).items():
    stack = AccessStack(app, f"Access-{name}", config=config, repository=repository)
    apply_nag_packs(stack, config.security.nag_packs)
app.synth()
