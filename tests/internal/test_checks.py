"""The argument checks' own facts."""

from __future__ import annotations

import pytest

from org_constructs._internal import checks
from org_constructs.errors import ValidationError


def test_the_regions_accepted_without_asking_are_regions_aws_cdk_lib_knows() -> None:
    assert checks.known_regions() >= checks.COMMON_REGIONS


@pytest.mark.parametrize("region", ["eu-west-1", "us-isob-east-1"])
def test_a_region_aws_cdk_lib_knows_is_accepted(region: str) -> None:
    checks.check_region("where", "region", region)


def test_a_region_nobody_knows_is_refused() -> None:
    with pytest.raises(ValidationError, match="is not a region that aws-cdk-lib knows"):
        checks.check_region("where", "region", "eu-wset-1")
