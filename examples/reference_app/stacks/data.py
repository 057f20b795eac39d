"""Data: the orders bucket and the orders database, from the environment's DatabaseConfig."""

from aws_cdk import Acknowledgment, Validations
from aws_cdk import aws_s3 as s3
from constructs import Construct

from org_constructs import (
    AbstractStack,
    BucketLifecycleRule,
    EnvironmentConfig,
    SecureBucket,
    SecureDatabase,
    Stage,
    StandardVpc,
)
from org_constructs.core import is_regulated
from stacks.network import rotates_credentials

# Regulated accounts' landing zone: an access log archive, replica buckets in this region.
RECOVERY_REGION = "us-west-2"


class DataStack(AbstractStack):
    """Stateful resources: encrypted with keys that rotate, never destroyed by surprise."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: EnvironmentConfig,
        network: StandardVpc,
    ) -> None:
        self.network = network
        super().__init__(scope, construct_id, config=config, description="Orders data")

    def initialize(self) -> None:
        central_logs, replica = self._landing_zone_buckets() if is_regulated(self) else (None, None)
        self.orders = SecureBucket(
            self,
            "Orders",
            lifecycle_rules=[BucketLifecycleRule.guide_default()],
            access_log_bucket=central_logs,
            replication_destination=replica,
        )
        # Engine, version, class, multi-AZ, backups and deletion protection from the config;
        # regulated environments get enhanced monitoring, Performance Insights and AWS Backup.
        self.database = SecureDatabase.from_config(
            self,
            "Database",
            self.network,
            self.config.database,
            rotation=rotates_credentials(self.config),
            # Dev: the bucket's key encrypts the database too (2 USD a month less).
            encryption_key=self.orders.encryption_key if self.config.stage is Stage.DEV else None,
        )
        self.create_output("OrdersBucketName", self.orders.bucket_name)
        self.create_output("DatabaseEndpoint", self.database.endpoint_address)

    def _landing_zone_buckets(self) -> tuple[s3.IBucket, s3.IBucket]:
        account, region = self.config.account, self.config.region
        central = s3.Bucket.from_bucket_name(
            self, "CentralAccessLogs", f"org-access-logs-{account}-{region}"
        )
        Validations.of(self).acknowledge(
            Acknowledgment(
                id="Annotation::@aws-cdk/aws-s3:accessLogsPolicyNotAdded",
                reason="The landing zone's archive bucket policy admits S3 server access logs "
                "from every bucket in the organisation.",
            )
        )
        replica = s3.Bucket.from_bucket_attributes(
            self,
            "Replica",
            bucket_name=f"orders-replica-{account}-{RECOVERY_REGION}",
            region=RECOVERY_REGION,
        )
        return central, replica
