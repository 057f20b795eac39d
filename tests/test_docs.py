"""The documentation site: built strictly, complete, and rendered in a real browser.

Also the registries of a construct that the docs hold (its page, its API entry, its place in
the navigation), checked against every construct the package exports (``public_constructs``,
which the other registries' tests use too) in the fast lane, without building the site.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import json
import pkgutil
import re
import subprocess
from collections.abc import Callable, Iterable
from pathlib import Path
from types import ModuleType
from typing import Any

import aws_cdk as cdk
import pytest
import yaml
from constructs import Construct
from PIL import Image

import org_constructs
from org_constructs.monitoring import ALARM_CATALOGUE
from tests.support import REFERENCE_GATE, ROOT, SMALL_EXAMPLES, ValidatedApp, cli_env

BACKGROUND = [REFERENCE_GATE]
"""The site reads the reference app's assembly that the gate synthesized (every stage)."""

DOCS = ROOT / "docs"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# ------------------------------------------------------------------------------- constructs

SUBPACKAGES = (
    "network",
    "storage",
    "messaging",
    "workflows",
    "data",
    "containers",
    "events",
    "database",
    "api",
    "compute",
    "monitoring",
    "notifications",
    "delivery",
    "compliance",
    "core",
)
"""The public subpackages of constructs. Not ``tooling`` (the command line and the gate)."""


def public_modules() -> list[ModuleType]:
    """``org_constructs`` and its public subpackages of constructs."""
    return [org_constructs, *(importlib.import_module(f"org_constructs.{n}") for n in SUBPACKAGES)]


def public_constructs(modules: Iterable[ModuleType] | None = None) -> dict[str, type[Construct]]:
    """Every ``constructs.Construct`` subclass in the ``__all__`` of ``modules`` (default: the
    package and its public subpackages), by name: the constructs every registry must know."""
    found: dict[str, type[Construct]] = {}
    for module in public_modules() if modules is None else modules:
        for name in module.__all__:
            value = getattr(module, name)
            if inspect.isclass(value) and issubclass(value, Construct):
                assert found.setdefault(name, value) is value, f"two public constructs {name}"
    return found


def is_stack(construct: type[Construct]) -> bool:
    """A base for users' stacks (``AbstractStack``): documented in the guides and the API
    reference, with no construct page of its own."""
    return issubclass(construct, cdk.Stack)


def _tolerant_loader() -> type[yaml.SafeLoader]:
    """A YAML loader for mkdocs.yml, whose ``!!python/name:`` tags it reads as None."""

    class Loader(yaml.SafeLoader):
        pass

    Loader.add_multi_constructor("tag:yaml.org,2002:python/", lambda loader, suffix, node: None)
    return Loader


def nav_pages(nav: Any) -> set[str]:
    """Every page the ``nav`` of mkdocs.yml lists."""
    if isinstance(nav, str):
        return {nav}
    if isinstance(nav, list):
        return {page for item in nav for page in nav_pages(item)}
    if isinstance(nav, dict):
        return {page for value in nav.values() for page in nav_pages(value)}
    return set()


def construct_page(name: str, pages: dict[str, str]) -> str | None:
    """The page of ``docs/constructs/`` with a title or section heading naming ``name``."""
    heading = re.compile(rf"^#{{1,2}} .*\b{re.escape(name)}\b", re.MULTILINE)
    found = [page for page, text in sorted(pages.items()) if heading.search(text)]
    return found[0] if found else None


def api_entries(text: str) -> dict[str, str]:
    """The objects ``docs/api.md`` documents (``::: org_constructs.area.Name``), by name."""
    paths = re.findall(r"^::: (org_constructs(?:\.\w+)+)\s*$", text, re.MULTILINE)
    return {path.rsplit(".", 1)[1]: path for path in paths}


def resolve(path: str) -> object:
    module, name = path.rsplit(".", 1)
    return getattr(importlib.import_module(module), name, None)


def included_examples(text: str) -> list[Path]:
    return [ROOT / p for p in re.findall(r'^--8<-- "(examples/[^"]+)"', text, re.MULTILINE)]


def undocumented(constructs: dict[str, type[Construct]], docs: Path = DOCS) -> list[str]:
    """What the docs lack for each construct: a page in ``docs/constructs/`` naming it, which
    the navigation of mkdocs.yml lists and which includes an example file that uses it, from
    an example app the gate runs (``SMALL_EXAMPLES``), and an entry in ``docs/api.md`` (for
    stack bases, the entry only)."""
    pages = {
        f"constructs/{page.name}": page.read_text() for page in (docs / "constructs").glob("*.md")
    }
    text = (docs.parent / "mkdocs.yml").read_text()
    config = yaml.load(text, Loader=_tolerant_loader())  # noqa: S506 - a SafeLoader subclass
    navigation = nav_pages(config["nav"])
    api = api_entries((docs / "api.md").read_text())
    problems: list[str] = []
    for name, construct in sorted(constructs.items()):
        if name not in api:
            problems.append(f"{name}: no '::: org_constructs.<area>.{name}' in docs/api.md")
        elif resolve(api[name]) is not construct:
            problems.append(f"{name}: docs/api.md documents {api[name]}, which is not it")
        if is_stack(construct):
            continue
        page = construct_page(name, pages)
        if page is None:
            problems.append(f"{name}: no page in docs/constructs/ with a heading naming it")
            continue
        if page not in navigation:
            problems.append(f"{name}: {page} is not in the nav of mkdocs.yml")
        uses = re.compile(rf"\b{re.escape(name)}(\.from_config)?\(")
        examples = included_examples(pages[page])
        if not any(path.is_file() and uses.search(path.read_text()) for path in examples):
            problems.append(f"{name}: {page} includes no example from examples/ that uses it")
        for app in sorted({path.relative_to(ROOT / "examples").parts[0] for path in examples}):
            if app not in SMALL_EXAMPLES:
                problems.append(
                    f"{name}: examples/{app} is not in SMALL_EXAMPLES (tests/support.py)"
                )
    return problems


KNOWN_CONSTRUCTS = {
    "AbstractStack",
    "AlarmTopic",
    "DeploymentNotifications",
    "MonitoredFunction",
    "SecureBucket",
    "ServiceMonitoring",
    "StandardVpc",
}


def test_discovery_finds_the_known_constructs_and_nothing_else() -> None:
    found = public_constructs()
    assert set(found) >= KNOWN_CONSTRUCTS
    for name in ("BucketLifecycleRule", "MonitoredResource", "AlarmSettings", "Deployment"):
        assert name not in found, "not a construct"
    assert all(issubclass(construct, Construct) for construct in found.values())


WITHOUT_CONSTRUCTS = ("config", "contract", "encryption", "errors", "testing")
"""Public modules that export no construct (checked), beside ``tooling`` (never walked)."""


def test_every_public_module_is_walked_or_holds_no_construct() -> None:
    """A new subpackage of constructs must join ``SUBPACKAGES``, or discovery misses it."""
    names = {m.name for m in pkgutil.iter_modules(org_constructs.__path__)}
    public = {name for name in names if not name.startswith("_")}
    known = {*SUBPACKAGES, *WITHOUT_CONSTRUCTS, "tooling"}
    assert public == known, "a module of org_constructs is not sorted here"
    modules = [importlib.import_module(f"org_constructs.{name}") for name in WITHOUT_CONSTRUCTS]
    assert public_constructs(modules) == {}


def type_checking_imports(source: str) -> dict[str, str]:
    """Name -> module of the imports under ``if TYPE_CHECKING:`` in ``source``."""
    imports: dict[str, str] = {}
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING":
            for statement in node.body:
                if isinstance(statement, ast.ImportFrom) and statement.module:
                    imports.update({alias.name: statement.module for alias in statement.names})
    return imports


def test_every_construct_is_exported_from_the_top_level() -> None:
    """What users import comes from ``org_constructs``: each construct a subpackage exports
    is in its ``__all__``, its ``_LAZY`` table (imported on first use) and, for type checkers,
    its ``TYPE_CHECKING`` imports, all three naming the same subpackage."""
    lazy: dict[str, str] = vars(org_constructs)["_LAZY"]
    source = (ROOT / "src" / "org_constructs" / "__init__.py").read_text()
    typed = type_checking_imports(source)
    assert typed == lazy, "_LAZY and the TYPE_CHECKING imports differ"
    assert set(lazy) <= set(org_constructs.__all__), "a lazy name missing from __all__"
    for module in public_modules()[1:]:
        for name in public_constructs([module]):
            assert name in org_constructs.__all__, f"{name} is not in org_constructs.__all__"
            assert lazy.get(name) == module.__name__, f"_LAZY[{name!r}] is not {module.__name__}"


def phantom_module() -> ModuleType:
    """A subpackage that exports a construct and a stack base no registry knows."""
    module = ModuleType("org_constructs_phantom")

    class Phantom(Construct):
        pass

    class PhantomStack(cdk.Stack):
        pass

    names = {"NotAConstruct": object, "Phantom": Phantom, "PhantomStack": PhantomStack}
    module.__dict__.update(names, __all__=sorted(names))
    return module


def test_an_unregistered_construct_is_reported() -> None:
    found = public_constructs([org_constructs, phantom_module()])
    assert {"Phantom", "PhantomStack"} <= set(found)
    assert "NotAConstruct" not in found
    problems = undocumented(found)
    assert problems == [
        "Phantom: no '::: org_constructs.<area>.Phantom' in docs/api.md",
        "Phantom: no page in docs/constructs/ with a heading naming it",
        "PhantomStack: no '::: org_constructs.<area>.PhantomStack' in docs/api.md",
    ]


def test_a_page_outside_the_navigation_or_without_its_example_is_reported(
    tmp_path: Path,
) -> None:
    docs = tmp_path / "docs"
    (docs / "constructs").mkdir(parents=True)
    (docs / "api.md").write_text("::: org_constructs.network.StandardVpc\n")
    page = '# StandardVpc\n\n--8<-- "examples/reference_app/app.py"\n'
    (docs / "constructs" / "standard-vpc.md").write_text(page)
    (tmp_path / "mkdocs.yml").write_text("nav:\n  - Home: index.md\n")
    assert undocumented({"StandardVpc": org_constructs.StandardVpc}, docs) == [
        "StandardVpc: constructs/standard-vpc.md is not in the nav of mkdocs.yml",
        "StandardVpc: constructs/standard-vpc.md includes no example from examples/ that uses it",
        "StandardVpc: examples/reference_app is not in SMALL_EXAMPLES (tests/support.py)",
    ]


def test_every_construct_has_a_page_an_api_entry_and_a_nav_entry() -> None:
    assert undocumented(public_constructs()) == []


@pytest.fixture(scope="module")
def site(
    tmp_path_factory: pytest.TempPathFactory, validated_example: Callable[..., ValidatedApp]
) -> Path:
    """``scripts/docs.sh``: regenerate, then ``mkdocs build --strict`` (warnings fail it).

    The reference app's pages come from the gate's assemblies (``org-cdk docs --assembly``),
    so the docs build synthesizes nothing the gate's tests have not already synthesized.
    """
    out = tmp_path_factory.mktemp("site")
    assembly = validated_example("reference_app").assembly
    result = subprocess.run(
        ["bash", str(ROOT / "scripts" / "docs.sh"), str(out), str(assembly)],
        cwd=ROOT,
        env=cli_env(),
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return out


@pytest.mark.e2e
def test_every_construct_page_is_built(site: Path) -> None:
    pages = {
        f"constructs/{page.name}": page.read_text() for page in (DOCS / "constructs").glob("*.md")
    }
    for name, construct in public_constructs().items():
        page = None if is_stack(construct) else construct_page(name, pages)
        if page is not None:
            assert (site / page.replace(".md", "/index.html")).is_file(), page


@pytest.mark.e2e
def test_every_alarm_has_a_runbook_section(site: Path) -> None:
    text = (DOCS / "alarms.md").read_text()
    html = (site / "alarms" / "index.html").read_text()
    for pack, alarms in ALARM_CATALOGUE.items():
        for key in alarms:
            anchor = f"{pack}-{key}".replace("_", "-")  # as the descriptions link it
            assert f'id="{anchor}"' in html, anchor
            section = text.split(f'<a id="{anchor}"></a>', 1)[1].split("<a id=", 1)[0]
            for part in ("**Means**", "**Look**", "**Fix**", "**Roll back**"):
                assert part in section, f"{anchor} lacks {part}"


@pytest.mark.e2e
def test_every_included_example_file_exists() -> None:
    included = [
        match.group(1)
        for page in DOCS.rglob("*.md")
        for match in re.finditer(r'^--8<-- "([^"]+)"', page.read_text(), re.MULTILINE)
    ]
    assert "examples/monitored_function/app.py" in included
    assert "examples/deployment_notifications/app.py" in included
    assert [path for path in included if not (ROOT / path).is_file()] == []


@pytest.mark.e2e
def test_generated_stack_pages_list_every_resource(
    site: Path, validated_example: Callable[..., ValidatedApp]
) -> None:
    # The production assembly the validation gate synthesized, which the pages were made from.
    assembly = validated_example("reference_app").assembly
    templates = sorted(assembly.glob("Orders-production-*.template.json"))
    assert len(templates) == 5
    for template in templates:
        stack = template.name.removesuffix(".template.json")
        page = (DOCS / "reference-app" / f"{stack}.md").read_text()
        resources = json.loads(template.read_text())["Resources"]
        missing = [logical_id for logical_id in resources if f"`{logical_id}`" not in page]
        assert missing == [], f"{stack}: {missing}"
        assert (site / "reference-app" / stack / "index.html").is_file()
    index = (DOCS / "reference-app" / "index.md").read_text()
    assert "```mermaid" in index
    assert "Orders_production_Compute --> Orders_production_Data" in index
    assert "Orders_production_Compute --> Orders_production_Notifications" in index
    svg = (DOCS / "reference-app" / "dependencies.svg").read_text()
    assert svg.count('class="node"') == 5
    assert "Orders&#45;production&#45;Network" in svg


def screenshot(page: Path, target: Path, profile: Path) -> Image.Image:
    subprocess.run(
        [
            "chromium",
            *CHROMIUM_FLAGS,
            f"--user-data-dir={profile}",
            "--window-size=1280,1600",
            f"--screenshot={target}",
            page.as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    return Image.open(target).convert("RGB")


def dom(page: Path, profile: Path) -> str:
    return subprocess.run(
        ["chromium", *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--dump-dom", page.as_uri()],
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    ).stdout


@pytest.mark.e2e
@pytest.mark.parametrize(
    ("page", "heading"),
    [("index.html", "org-constructs"), ("reference-app/index.html", "Stacks of stage production")],
)
def test_pages_render_in_a_browser(site: Path, tmp_path: Path, page: str, heading: str) -> None:
    """Headless Chromium draws the page: not blank, the heading in the DOM, pictures loaded."""
    shots = ROOT / "build" / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    target = shots / f"{page.replace('/', '-').removesuffix('.html')}.png"
    image = screenshot(site / page, target, tmp_path / "profile")
    assert image.size == (1280, 1600)
    colours = image.getcolors(maxcolors=1_000_000) or []
    assert len(colours) > 200, "the page rendered (nearly) blank"
    top = image.crop((0, 0, 1280, 60)).getcolors(maxcolors=100_000) or []
    dominant = max(top)[1]
    assert dominant != (255, 255, 255), "the header bar did not render"
    html = dom(site / page, tmp_path / "profile-dom")
    assert heading in html
    for picture in re.findall(r'<img[^>]+src="([^"]+)"', html):
        assert (site / page).parent.joinpath(picture).is_file(), picture
