"""The service stack of every environment: least privilege, no open ports, its snapshot."""

from stacks import ServiceStack
from syrupy.assertion import SnapshotAssertion

from org_constructs.testing import (
    assert_no_open_ingress,
    assert_no_wildcard_iam,
    find_resources,
    template_of,
)


def test_least_privilege(service_stack: ServiceStack) -> None:
    assert_no_wildcard_iam(template_of(service_stack))  # no "*" / "s3:*", no Resource "*"


def test_no_open_ports(service_stack: ServiceStack) -> None:
    assert_no_open_ingress(template_of(service_stack), allowed_ports=[443])


def test_the_vpc_spans_the_configured_zones(service_stack: ServiceStack) -> None:
    subnets = find_resources(template_of(service_stack), "AWS::EC2::Subnet")
    zones = {subnet["Properties"]["AvailabilityZone"] for subnet in subnets.values()}
    expected = service_stack.config.availability_zones or ()
    assert zones == set(expected[: service_stack.config.vpc.max_azs])


def test_snapshot(service_stack: ServiceStack, cfn_snapshot: SnapshotAssertion) -> None:
    # Record with `pytest --snapshot-update`, then review the JSON files like code.
    assert template_of(service_stack) == cfn_snapshot
