"""The orders stack: a SecureTable from the environment's config, one writer, one reader."""

from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam

from org_constructs import AbstractStack, SecureTable

STRING = dynamodb.AttributeType.STRING


class OrdersStack(AbstractStack):
    """Orders: on demand, encrypted with a rotating key, recoverable 35 days back; deletion
    protection outside dev."""

    def initialize(self) -> None:
        # Deletion protection and the recovery window from the environment (config.table):
        # off in dev (the stack deletes its table), on in staging and production.
        orders = SecureTable.from_config(
            self,
            "Orders",
            self.config.table,
            partition_key=dynamodb.Attribute(name="pk", type=STRING),
            sort_key=dynamodb.Attribute(name="sk", type=STRING),
            time_to_live_attribute="expires",
            global_secondary_indexes=[
                dynamodb.GlobalSecondaryIndexProps(
                    index_name="byCustomer",
                    partition_key=dynamodb.Attribute(name="customer", type=STRING),
                    sort_key=dynamodb.Attribute(name="sk", type=STRING),
                )
            ],
        )
        api = iam.Role(
            self,
            "OrdersApi",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description="Takes and updates orders",
        )
        reports = iam.Role(
            self,
            "OrdersReports",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description="Reads orders for the nightly report",
        )
        # Each grant acknowledges its own wildcard findings (the key's action families, the
        # table's indexes), naming itself; org-cdk validate lists them as acknowledged.
        orders.grant_read_write_data(api)
        orders.grant_read_data(reports)
        self.create_output("OrdersTableName", orders.table_name, description="Orders table")
