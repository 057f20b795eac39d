"""aws-cdk-lib feature flags the constructs depend on, pinned on their own subtree.

A consumer's app may have no feature flags at all (a bare ``cdk.App()`` in a unit test) or a
``cdk.json`` from an older ``cdk init``. Where a flag changes what a construct's resources
allow, the construct sets the flag for its own children, so its resources come out the same
under any app context. Flags that change logical ids are never pinned: the user's app
decides those.
"""

from __future__ import annotations

from collections.abc import Mapping

from constructs import Construct

__all__ = [
    "API_ACCESS_LOG_ARN",
    "ECS_SERVICE_ARN_WITH_CLUSTER",
    "S3_ACCESS_LOGS_BY_POLICY",
    "pin_feature_flags",
]

S3_ACCESS_LOGS_BY_POLICY = {"@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy": True}
"""Access-log buckets grant S3's log delivery through a bucket policy, not the
``LogDeliveryWrite`` ACL, which a bucket with ACLs disabled (owner-enforced) cannot take."""


API_ACCESS_LOG_ARN = {"@aws-cdk/aws-apigateway:logGroupDestinationArnWithoutWildcard": True}
"""A stage's access log destination is the log group's ARN without the trailing ``:*`` (the
form API Gateway documents), in any app."""


ECS_SERVICE_ARN_WITH_CLUSTER = {"@aws-cdk/aws-ecs:arnFormatIncludesClusterName": True}
"""A service's ARN names its cluster (``service/<cluster>/<service>``), the format ECS has
used for every account since 2021: the ARN ECS's deployment events carry."""


def pin_feature_flags(construct: Construct, flags: Mapping[str, object]) -> None:
    """Set ``flags`` as context on ``construct``: call before it has children."""
    for key, value in flags.items():
        construct.node.set_context(key, value)
