"""The app the pipeline delivers: one stack with a bucket, per environment."""

from org_constructs import AbstractStack, SecureBucket


class ServiceStack(AbstractStack):
    """The service's data bucket, with the stage's defaults (kept outside dev)."""

    def initialize(self) -> None:
        data = SecureBucket(self, "Data")
        self.create_output("DataBucketName", data.bucket_name, description="The data bucket")
