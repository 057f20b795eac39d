"""org-cdk cost: fixed monthly prices from the shipped table; usage-based charges named."""

from __future__ import annotations

import json

from org_constructs.tooling.cost import estimate_template, price_table


def test_price_table_states_source_and_date() -> None:
    table = price_table()
    assert table["recorded"] == "2026-11-25"
    assert "us-east-1" in table["region"]
    assert "pricing" in table["source"]


def test_prices_what_bills_by_the_hour_or_month() -> None:
    template = {
        "Resources": {
            "Nat": {"Type": "AWS::EC2::NatGateway", "Properties": {}},
            "Key": {"Type": "AWS::KMS::Key", "Properties": {}},
            "Alarm": {"Type": "AWS::CloudWatch::Alarm", "Properties": {"Period": 60}},
            "Board": {"Type": "AWS::CloudWatch::Dashboard", "Properties": {}},
            "Endpoint": {
                "Type": "AWS::EC2::VPCEndpoint",
                "Properties": {"VpcEndpointType": "Interface", "SubnetIds": ["a", "b"]},
            },
            "Db": {
                "Type": "AWS::RDS::DBInstance",
                "Properties": {
                    "Engine": "postgres",
                    "DBInstanceClass": "db.t3.micro",
                    "AllocatedStorage": "20",
                    "MultiAZ": True,
                },
            },
            "Chat": {"Type": "AWS::Chatbot::SlackChannelConfiguration", "Properties": {}},
            "Fn": {"Type": "AWS::Lambda::Function", "Properties": {}},
        }
    }
    cost = estimate_template(template, stack="S", stage="dev")
    by_id = {line.logical_id: 0.0 for line in cost.lines}
    for line in cost.lines:
        by_id[line.logical_id] += line.monthly
    assert by_id["Nat"] == 32.85
    assert by_id["Key"] == 1.0
    assert by_id["Alarm"] == 0.1
    assert by_id["Board"] == 3.0
    assert by_id["Endpoint"] == 14.6
    assert by_id["Db"] == round(0.018 * 730 * 2, 2) + round(0.115 * 20 * 2, 2)
    assert by_id["Chat"] == 0.0
    assert cost.unpriced == {"AWS::Lambda::Function": 1}


def test_unknown_database_class_is_listed_not_guessed() -> None:
    template = {
        "Resources": {
            "Db": {
                "Type": "AWS::RDS::DBInstance",
                "Properties": {"Engine": "postgres", "DBInstanceClass": "db.x2g.16xlarge"},
            }
        }
    }
    cost = estimate_template(template)
    assert cost.lines == []
    assert cost.unknown == ["Db: RDS postgres db.x2g.16xlarge"]


def test_table_is_valid_json_shipped_with_the_package() -> None:
    table = price_table()
    json.dumps(table)
    assert table["hours_per_month"] == 730
