"""Synthesize every construct (defaults) and every example app into OUTDIR as templates.

Usage: PYTHONPATH=<src of the version to inspect> python scripts/stateful_fixtures.py \
           EXAMPLES_DIR OUTDIR

Runs against whichever org_constructs is importable, so that scripts/breaks.py can synthesize
the last release's code and the current code with the same fixtures. A construct the inspected
version does not have is skipped (it is new); an example is synthesized from EXAMPLES_DIR of
that version. Writes OUTDIR/<fixture>/<stack>.template.json.
"""

from __future__ import annotations

import importlib
import json
import os
import runpy
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("CDK_VALIDATION", "false")

import aws_cdk as cdk

STAGES = ("dev", "production")
PATH_METADATA = {"aws:cdk:enable-path-metadata": True}
"""What `cdk synth` sets: each resource's construct path, so a break names its construct."""
ACCOUNTS = {"dev": "111111111111", "production": "333333333333"}


def _construct_fixtures() -> dict[str, Callable[[cdk.Stack], Any]]:
    """One stack per construct with its defaults; each builder imports what it needs."""

    def vpc(stack: cdk.Stack) -> Any:
        return importlib.import_module("org_constructs").StandardVpc(stack, "Network")

    def bucket(stack: cdk.Stack) -> Any:
        return importlib.import_module("org_constructs").SecureBucket(stack, "Data")

    def queue(stack: cdk.Stack) -> Any:
        return importlib.import_module("org_constructs").SecureQueue(stack, "Jobs")

    def state_machine(stack: cdk.Stack) -> Any:
        body = cdk.aws_stepfunctions.DefinitionBody.from_chainable(
            cdk.aws_stepfunctions.Pass(stack, "Prepare")
        )
        return importlib.import_module("org_constructs").SecureStateMachine(
            stack, "Flow", definition_body=body
        )

    def table(stack: cdk.Stack) -> Any:
        key = cdk.aws_dynamodb.Attribute(name="pk", type=cdk.aws_dynamodb.AttributeType.STRING)
        return importlib.import_module("org_constructs").SecureTable(
            stack, "Orders", partition_key=key
        )

    def cache(stack: cdk.Stack) -> Any:
        org = importlib.import_module("org_constructs")
        return org.SecureCache(stack, "Sessions", vpc=org.StandardVpc(stack, "Network"))

    def container(stack: cdk.Stack) -> Any:
        org = importlib.import_module("org_constructs")
        certificate = cdk.aws_certificatemanager.Certificate.from_certificate_arn(
            stack,
            "Certificate",
            f"arn:aws:acm:{stack.region}:{stack.account}:certificate/"
            "0f1e2d3c-aaaa-bbbb-cccc-1234567890ab",
        )
        return org.ContainerService(
            stack,
            "Web",
            vpc=org.StandardVpc(stack, "Network"),
            image=cdk.aws_ecs.ContainerImage.from_registry("public.ecr.aws/nginx/nginx:latest"),
            certificate=certificate,
        )

    def trigger(stack: cdk.Stack) -> Any:
        job = cdk.aws_lambda.Function.from_function_arn(
            stack, "Job", f"arn:aws:lambda:{stack.region}:{stack.account}:function:report"
        )
        return importlib.import_module("org_constructs").Trigger(
            stack,
            "Nightly",
            target=job,
            schedule=cdk.aws_events.Schedule.cron(minute="0", hour="3"),
        )

    def topic(stack: cdk.Stack) -> Any:
        return importlib.import_module("org_constructs").AlarmTopic(stack, "Alarms")

    def function(stack: cdk.Stack) -> Any:
        org = importlib.import_module("org_constructs")
        code = cdk.aws_lambda.Code.from_inline("def handler(event, context):\n    return 1\n")
        return org.MonitoredFunction(stack, "Function", code=code, handler="index.handler")

    def database(stack: cdk.Stack) -> Any:
        org = importlib.import_module("org_constructs")
        network = org.StandardVpc(stack, "Network", interface_endpoints=["secretsmanager"])
        return org.SecureDatabase(stack, "Database", vpc=network)

    def api(stack: cdk.Stack) -> Any:
        org = importlib.import_module("org_constructs")
        code = cdk.aws_lambda.Code.from_inline("def handler(event, context):\n    return 1\n")
        function = org.MonitoredFunction(stack, "Function", code=code, handler="index.handler")
        return org.SecureApi(stack, "Api", handler=function.alias)

    def notifications(stack: cdk.Stack) -> Any:
        return importlib.import_module("org_constructs").DeploymentNotifications(
            stack, "Deployments"
        )

    def pipeline(stack: cdk.Stack) -> Any:
        org = importlib.import_module("org_constructs")
        config = importlib.import_module("org_constructs.config")
        account = stack.account
        environments = {
            "dev": config.EnvironmentConfig(
                account=account, region="us-east-1", stage=config.Stage.DEV, name="dev"
            )
        }

        def service(scope: Any, name: str, environment: Any) -> None:
            org.SecureBucket(cdk.Stack(scope, "Service"), "Data")

        return org.OrgPipeline(
            stack,
            "Pipeline",
            environments=environments,
            stage=service,
            connection_arn=f"arn:aws:codeconnections:us-east-1:{account}:connection/"
            "0a1b2c3d-4e5f-6789-abcd-ef0123456789",
            repository="acme/orders",
        )

    return {
        "StandardVpc": vpc,
        "SecureBucket": bucket,
        "SecureQueue": queue,
        "SecureStateMachine": state_machine,
        "SecureTable": table,
        "SecureCache": cache,
        "ContainerService": container,
        "Trigger": trigger,
        "SecureDatabase": database,
        "SecureApi": api,
        "AlarmTopic": topic,
        "MonitoredFunction": function,
        "DeploymentNotifications": notifications,
        "OrgPipeline": pipeline,
    }


def _context(app_dir: Path) -> dict[str, Any]:
    context: dict[str, Any] = {}
    cdk_json = app_dir / "cdk.json"
    if cdk_json.exists():
        context.update(json.loads(cdk_json.read_text()).get("context", {}))
    saved = app_dir / "cdk.context.json"
    if saved.exists():
        context.update(json.loads(saved.read_text()))
    return context


def synth_constructs(examples: Path, out: Path) -> None:
    context = _context(examples / "minimal_app")
    for name, build in _construct_fixtures().items():
        for stage in STAGES:
            app = cdk.App(
                context={**context, **PATH_METADATA, "stage": stage}, outdir=str(out / "_cdk")
            )
            stack = cdk.Stack(
                app,
                f"{name}-{stage}",
                env=cdk.Environment(account=ACCOUNTS[stage], region="us-east-1"),
                tags={"Environment": stage},
            )
            try:
                build(stack)
            except (AttributeError, ImportError) as error:
                print(f"skip {name}: not in this version ({error})", file=sys.stderr)
                break
            template = app.synth().get_stack_by_name(stack.stack_name).template
            target = out / name / f"{stack.stack_name}.template.json"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(json.dumps(template, indent=1, sort_keys=True))


def synth_example(app_dir: Path, out: Path) -> None:
    """Run the example's app.py in this process, as `cdk synth` would with its cdk.json.

    The CDK CLI hands context and the output folder to the app through environment variables
    that aws-cdk-lib reads in its Node.js process, started once per Python process; so here
    they go to ``App(...)`` directly.
    """
    assembly = out / "_cdk" / app_dir.name
    context = _context(app_dir)
    original = cdk.App.__init__

    def init(self: cdk.App, *args: Any, **kwargs: Any) -> None:
        kwargs["context"] = {**context, **PATH_METADATA, **(kwargs.get("context") or {})}
        kwargs["outdir"] = str(assembly)
        original(self, *args, **kwargs)

    cdk.App.__init__ = init  # type: ignore[method-assign]
    sys.path.insert(0, str(app_dir))
    cwd = Path.cwd()
    try:
        os.chdir(app_dir)
        runpy.run_path(str(app_dir / "app.py"), run_name="__main__")
    finally:
        cdk.App.__init__ = original  # type: ignore[method-assign]
        os.chdir(cwd)
        sys.path.remove(str(app_dir))
        for module in [m for m in sys.modules if m == "stacks" or m.startswith("stacks.")]:
            del sys.modules[module]
    for template in assembly.glob("*.template.json"):
        target = out / app_dir.name / template.name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(json.loads(template.read_text()), indent=1, sort_keys=True))


def main(argv: list[str]) -> int:
    examples, out = Path(argv[1]).resolve(), Path(argv[2]).resolve()
    out.mkdir(parents=True, exist_ok=True)
    synth_constructs(examples, out)
    for app_dir in sorted(p for p in examples.iterdir() if (p / "app.py").is_file()):
        synth_example(app_dir, out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
