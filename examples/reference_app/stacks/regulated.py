"""Whether an environment is held to the regulated rule packs (HIPAA, NIST 800-53, PCI DSS)."""

from org_constructs import EnvironmentConfig

REGULATED_PACKS = frozenset({"HIPAA.Security", "NIST.800.53.R5", "PCI.DSS.321"})


def is_regulated(config: EnvironmentConfig) -> bool:
    """True when the environment declares any of the regulated packs."""
    return bool(REGULATED_PACKS & set(config.security.nag_packs))


# Buckets the organisation's landing zone provides in every regulated account: the central
# access log archive, and a versioned replica bucket in the recovery region.
RECOVERY_REGION = "us-west-2"


def central_log_bucket_name(config: EnvironmentConfig) -> str:
    """The landing zone's access log archive bucket in the environment's account and region."""
    return f"org-access-logs-{config.account}-{config.region}"


def replica_bucket_name(config: EnvironmentConfig, service: str) -> str:
    """The landing zone's replica bucket for ``service`` in the recovery region."""
    return f"{service}-replica-{config.account}-{RECOVERY_REGION}"
