"""The data stack: a SecureBucket with the guide's lifecycle and a least-privilege grant."""

from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3

from org_constructs import AbstractStack, BucketLifecycleRule, BucketTransition, SecureBucket


class DataStack(AbstractStack):
    """Reports: encrypted, versioned, logged; archived after 90 days; read by one role."""

    def initialize(self) -> None:
        reports = SecureBucket(
            self,
            "Reports",
            lifecycle_rules=[
                BucketLifecycleRule.guide_default(),
                BucketLifecycleRule(
                    id="archive",
                    transitions=[
                        BucketTransition(s3.StorageClass.INFREQUENT_ACCESS, 30),
                        BucketTransition(s3.StorageClass.GLACIER_INSTANT_RETRIEVAL, 90),
                    ],
                    abort_incomplete_multipart_upload_days=None,
                ),
            ],
        )
        reader = iam.Role(
            self,
            "ReportReader",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description="Reads reports",
        )
        # The grant acknowledges its own wildcard findings (the read action families, the
        # published/ objects), naming itself; org-cdk validate lists them as acknowledged.
        reports.grant_read(reader, "published/*")
        self.create_output("ReportsBucketName", reports.bucket_name, description="Reports bucket")
