"""template_of and find_resources."""

from __future__ import annotations

import pytest
from aws_cdk import Stack
from aws_cdk import aws_sns as sns
from aws_cdk.assertions import Template

from org_constructs.testing import find_resources, template_json, template_of
from tests.support import make_app


def test_template_of_synthesizes_once(monkeypatch: pytest.MonkeyPatch) -> None:
    stack = Stack(make_app(), "S")
    sns.Topic(stack, "Topic")
    calls: list[Stack] = []
    original = Template.from_stack

    def counting(stack: Stack) -> Template:
        calls.append(stack)
        return original(stack)

    monkeypatch.setattr(Template, "from_stack", counting)
    first = template_of(stack)
    assert template_of(stack) is first
    assert calls == [stack]


def test_find_resources_by_type_and_props() -> None:
    stack = Stack(make_app(), "S")
    sns.Topic(stack, "Plain")
    sns.Topic(stack, "Named", topic_name="named", display_name="Named topic")
    template = template_of(stack)
    assert len(find_resources(template, "AWS::SNS::Topic")) == 2
    (named,) = find_resources(template, "AWS::SNS::Topic", {"TopicName": "named"}).values()
    assert named["Properties"]["DisplayName"] == "Named topic"
    assert find_resources(template, "AWS::SNS::Topic", {"TopicName": "other"}) == {}
    assert find_resources(template, "AWS::S3::Bucket") == {}


def test_find_resources_matches_nested_values_partially() -> None:
    template = {
        "Resources": {
            "A": {"Type": "T", "Properties": {"L": [{"K": 1, "X": 2}], "M": {"K": 1, "Y": 3}}},
            "B": {"Type": "T", "Properties": {"L": [{"K": 1}, {"K": 2}]}},
        }
    }
    assert list(find_resources(template, "T", {"L": [{"K": 1}]})) == ["A"]
    assert list(find_resources(template, "T", {"M": {"K": 1}})) == ["A"]
    assert find_resources(template, "T", {"M": "flat"}) == {}


def test_template_json_is_a_copy() -> None:
    original = {"Resources": {"A": {"Type": "T"}}}
    copy = template_json(original)
    copy["Resources"]["A"]["Type"] = "changed"
    assert original["Resources"]["A"]["Type"] == "T"
