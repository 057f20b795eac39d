"""The cdk-nag rule packs by name (kept free of imports so configuration can check names)."""

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
