"""The documentation site: built strictly, complete, and rendered in a real browser."""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image

from org_constructs.monitoring import ALARM_CATALOGUE
from tests.support import REFERENCE_GATE, ROOT, ValidatedApp, cli_env

pytestmark = pytest.mark.e2e

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
CONSTRUCT_PAGES = {
    "StandardVpc": "constructs/standard-vpc.md",
    "SecureBucket": "constructs/secure-bucket.md",
    "AlarmTopic": "constructs/monitoring.md",
    "ServiceMonitoring": "constructs/monitoring.md",
    "MonitoredFunction": "constructs/monitored-function.md",
    "DeploymentNotifications": "constructs/deployment-notifications.md",
}


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


def test_every_construct_has_a_page(site: Path) -> None:
    import org_constructs

    exported = {name for name in org_constructs.__all__ if name in CONSTRUCT_PAGES}
    assert exported == set(CONSTRUCT_PAGES)
    nav = (ROOT / "mkdocs.yml").read_text()
    for name, page in CONSTRUCT_PAGES.items():
        assert page in nav, f"{page} is not in the navigation"
        assert name in (DOCS / page).read_text()
        assert (site / page.replace(".md", "/index.html")).is_file()


def test_every_alarm_has_a_runbook_section(site: Path) -> None:
    text = (DOCS / "alarms.md").read_text()
    html = (site / "alarms" / "index.html").read_text()
    for pack, alarms in ALARM_CATALOGUE.items():
        for key in alarms:
            anchor = f"{pack}-{key.replace('_', '-')}"
            assert f'id="{anchor}"' in html, anchor
            section = text.split(f'<a id="{anchor}"></a>', 1)[1].split("<a id=", 1)[0]
            for part in ("**Means**", "**Look**", "**Fix**", "**Roll back**"):
                assert part in section, f"{anchor} lacks {part}"


def test_every_included_example_file_exists() -> None:
    included = [
        match.group(1)
        for page in DOCS.rglob("*.md")
        for match in re.finditer(r'^--8<-- "([^"]+)"', page.read_text(), re.MULTILINE)
    ]
    assert "examples/monitored_function/app.py" in included
    assert "examples/deployment_notifications/app.py" in included
    assert [path for path in included if not (ROOT / path).is_file()] == []


def test_generated_stack_pages_list_every_resource(
    site: Path, validated_example: Callable[..., ValidatedApp]
) -> None:
    # The production assembly the validation gate synthesized, which the pages were made from.
    assembly = validated_example("reference_app").assembly
    templates = sorted(assembly.glob("Orders-production-*.template.json"))
    assert len(templates) == 4
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
    svg = (DOCS / "reference-app" / "dependencies.svg").read_text()
    assert svg.count('class="node"') == 4
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
