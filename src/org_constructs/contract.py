"""The names that constructs write and the ``org-cdk`` tooling reads, in one place.

Constructs write acknowledgements into construct metadata and templates, declare cdk-nag packs
and create stack outputs; the validation gate, the pytest plugin, the test helpers and the
operations commands read them back. Every key, pack name and output name they share lives here,
so the two sides cannot drift apart. This module imports nothing, so the command line and the
pytest plugin read it without loading aws-cdk-lib.
"""

from __future__ import annotations

__all__ = [
    "ACKNOWLEDGED",
    "APP_SOURCE",
    "AUDIT_CONTEXT",
    "AUDIT_METADATA",
    "BOOTSTRAP_QUALIFIER_CONTEXT",
    "BOOTSTRAP_ROLE_KINDS",
    "CDK_ACKNOWLEDGED_METADATA",
    "CHECKOV_METADATA",
    "CHECKOV_VERSION",
    "CHECK_TOOLS",
    "DEFAULT_PACKS",
    "DEFAULT_QUALIFIER",
    "DEPLOYMENT_TOPIC_OUTPUT",
    "DOCS_SOURCE",
    "EXECUTION_POLICY_NAME",
    "LIBRARY_GRANTS_ID",
    "LIBRARY_SOURCE",
    "MAX_RUNBOOK_URL",
    "MIN_REASON",
    "NAG_PACKS",
    "NAG_SUMMARY_ENVIRONMENT",
    "NAG_SUMMARY_FILE",
    "NAG_TOOL",
    "PACKS_CONTEXT",
    "REGULATED_PACKS",
    "REVIEW_SUFFIX",
    "STAGE_CONTEXT",
    "STATEFUL",
    "TEMPLATE_KEY",
    "VALIDATION_REPORT_CONTEXT",
]

# ----------------------------------------------------------------------- acknowledgements

TEMPLATE_KEY = "org-constructs"
"""A resource's template ``Metadata`` key holding ``{"acknowledged": [...]}``."""
ACKNOWLEDGED = "acknowledged"
"""The list of acknowledgements under ``TEMPLATE_KEY``: ``{tool, rule, reason, source}`` each."""
CHECKOV_METADATA = "checkov"
"""A resource's template ``Metadata`` key holding checkov's own ``{"skip": [{id, comment}]}``."""
NAG_TOOL = "cdk-nag"
"""The tool of cdk-nag acknowledgements; in a template they copy the construct tree's record."""
CHECK_TOOLS = ("checkov", "cfn-guard", "cfn-lint")
"""The template checkers whose findings ``acknowledge_check`` records in the template."""
LIBRARY_SOURCE = "org-constructs"
"""The ``source`` of acknowledgements the library makes for its own resources."""
LIBRARY_GRANTS_ID = "OrgConstructsGrants"
"""The construct id of the policy that holds a grantee's grants from the library's ``grant_*``
methods: a customer-managed policy under the grantee's role, which only the library writes."""
APP_SOURCE = "app"
"""The ``source`` of acknowledgements an app makes with the public verbs."""
MIN_REASON = 20
"""The fewest characters an acknowledgement's reason may have."""
AUDIT_METADATA = "org-constructs:acknowledged-rules"
"""Construct metadata type holding cdk-nag acknowledgements while ``org-cdk validate`` audits."""
CDK_ACKNOWLEDGED_METADATA = "aws:cdk:acknowledged-rules"
"""Construct metadata type of aws-cdk-lib's own ``Validations.of(...).acknowledge``."""

# ----------------------------------------------------------------------- cdk-nag packs

NAG_PACKS: dict[str, str] = {
    "AwsSolutions": "AwsSolutionsChecks",
    "Serverless": "ServerlessChecks",
    "HIPAA.Security": "HIPAASecurityChecks",
    "NIST.800.53.R5": "NIST80053R5Checks",
    "PCI.DSS.321": "PCIDSS321Checks",
}
"""The rule packs by name, as their rule ids begin, and their cdk-nag classes."""
DEFAULT_PACKS = ("AwsSolutions", "Serverless")
"""What every stage is held to unless its configuration says otherwise."""
REGULATED_PACKS = ("HIPAA.Security", "NIST.800.53.R5", "PCI.DSS.321")
"""The packs that make an environment regulated (the constructs' ``regulated`` settings)."""

# ----------------------------------------------------------------------- context keys

STAGE_CONTEXT = "stage"
"""The context key naming the stage to synthesize (``-c stage=dev``)."""
PACKS_CONTEXT = "org-constructs:nag-packs"
"""Context key that replaces the packs an app declares (``org-cdk validate --packs``)."""
AUDIT_CONTEXT = "org-constructs:audit-acknowledgements"
"""Context key set by ``org-cdk validate``: acknowledgements are recorded, not applied, so the
report can say which finding each one covers and which ones cover nothing."""
RULES_CONTEXT = "org-constructs:rules"
"""The ``cdk.json`` context key listing the organisation's own cfn-guard rules (files or
folders of ``.guard`` files, relative to the app) that ``org-cdk validate`` runs."""
VALIDATION_REPORT_CONTEXT = "@aws-cdk/core:validationReportJson"
"""aws-cdk-lib's context key that writes ``policy-validation-report.json`` into the assembly."""
NAG_SUMMARY_ENVIRONMENT = "ORG_CDK_NAG_SUMMARY"
"""Set by ``org-cdk validate``: the file where the nag plugin lists the packs of each scope."""
NAG_SUMMARY_FILE = "org-constructs-nag.json"
"""That file's name inside the cloud assembly."""

# ----------------------------------------------------------------------- stack outputs

DEPLOYMENT_TOPIC_OUTPUT = "DeploymentTopicArn"
"""The stack output of ``DeploymentNotifications`` that ``org-cdk deploy --notify`` looks for."""

# ----------------------------------------------------------------------- delivery

DEFAULT_QUALIFIER = "hnb659fds"
"""The CDK bootstrap qualifier when the app sets none (``cdk bootstrap``'s own default)."""
BOOTSTRAP_QUALIFIER_CONTEXT = "@aws-cdk/core:bootstrapQualifier"
"""The context key of the app's bootstrap qualifier, as aws-cdk-lib's synthesizer reads it."""
BOOTSTRAP_ROLE_KINDS = ("deploy", "file-publishing", "image-publishing", "lookup")
"""The roles ``cdk bootstrap`` makes for deployments: ``cdk-<qualifier>-<kind>-role-<account>-
<region>`` (the execution role, ``cfn-exec``, is CloudFormation's)."""
EXECUTION_POLICY_NAME = "org-cdk-cfn-execution"
"""The managed policy ``DeploymentAccess`` makes and ``org-cdk bootstrap`` passes as
``--cloudformation-execution-policies``."""
REVIEW_SUFFIX = "-review"
"""The review role is the deploy role's name with this suffix, and the GitHub environment of a
stage's prepare job (``org-cdk pipeline github``) the stage's name with it."""

CHECKOV_VERSION = "3.3.30"
"""The checkov release the gate is tested with, and the one every place that installs checkov
for it installs: ``scripts/setup.sh``, a service repository's ``scripts/setup.sh`` (``org-cdk
new``), the workflow of ``org-cdk pipeline github`` and ``OrgPipeline``'s synth step."""

# ----------------------------------------------------------------------- stateful resources

STATEFUL: dict[str, tuple[str, ...]] = {
    "AWS::S3::Bucket": ("BucketName",),
    "AWS::KMS::Key": ("KeySpec", "KeyUsage", "MultiRegion"),
    "AWS::Logs::LogGroup": ("LogGroupName",),
    "AWS::EC2::VPC": ("CidrBlock", "InstanceTenancy"),
    "AWS::EC2::Subnet": ("CidrBlock", "AvailabilityZone", "VpcId"),
    "AWS::RDS::DBInstance": (
        "DBInstanceIdentifier",
        "DBName",
        "MasterUsername",
        "StorageEncrypted",
        "KmsKeyId",
        "Engine",
    ),
    "AWS::RDS::DBCluster": (
        "DBClusterIdentifier",
        "DatabaseName",
        "MasterUsername",
        "StorageEncrypted",
        "KmsKeyId",
        "Engine",
    ),
    "AWS::DynamoDB::Table": ("TableName", "KeySchema"),
    "AWS::SQS::Queue": ("QueueName", "FifoQueue"),
    "AWS::StepFunctions::StateMachine": ("StateMachineName", "StateMachineType"),
    "AWS::ElastiCache::ReplicationGroup": (
        "ReplicationGroupId",
        "AtRestEncryptionEnabled",
        "KmsKeyId",
        "CacheSubnetGroupName",
        "Port",
    ),
    "AWS::ElastiCache::ServerlessCache": ("ServerlessCacheName", "Engine", "KmsKeyId"),
    "AWS::SecretsManager::Secret": ("Name",),
}
"""Stateful resource types and the properties whose change replaces the resource.

``scripts/breaks.py`` guards them between releases; ``org-cdk change-set summary`` fails a
change set that replaces or removes one of them.
"""

# ----------------------------------------------------------------------- runbooks

DOCS_SOURCE = "https://github.com/org-constructs/org-constructs/blob"
"""Where the library's documentation is read at a given version: ``<DOCS_SOURCE>/v<version>/...``;
alarm descriptions link ``<DOCS_SOURCE>/v<installed version>/docs/alarms.md#<anchor>``."""

MAX_RUNBOOK_URL = 256
"""The longest runbook URL (``ServiceMonitoring(runbook_url=...)``, ``runbook_url`` of an
environment): with the longest alarm text it stays within CloudWatch's 1,024-character
alarm description."""
