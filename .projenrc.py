"""Project definition for org-constructs.

projen generates ``pyproject.toml``, ``.gitignore``, ``.gitattributes``, ``LICENSE`` and
``.projen/*`` from this file. Edit this file, then run::

    PROJEN_DISABLE_POST=1 python .projenrc.py

and commit the result. The test command fails when the generated files differ from what this
file produces, so nobody edits them by hand.
"""

from projen import License
from projen.python import PythonProject

VERSION = "0.8.5"
REPOSITORY = "https://github.com/org-constructs/org-constructs"

# The exact versions the test suite runs against. Runtime ranges stay wide for consumers;
# the development environment pins what CI has proven.
AWS_CDK_LIB_TESTED = "2.275.0"
CONSTRUCTS_TESTED = "10.8.1"
PYTEST = "9.2.0"

# `pip install 'org-constructs[validate]'`: the checkers behind `org-cdk validate`. checkov is
# not here: it pins boto3 and packaging versions that conflict with most environments, so it
# runs from an environment of its own (pipx / uv tool), found on PATH.
VALIDATE_EXTRA = [
    "cdk-nag>=3.0.2,<4",
    "cdklabs-cdk-validator-cfnguard>=0.0.60",
    "cfn-lint>=1.52,<2",
    "ruff>=0.6",
]

project = PythonProject(
    name="org-constructs",
    module_name="org_constructs",
    version=VERSION,
    author_name="org-constructs maintainers",
    author_email="maintainers@org-constructs.dev",
    description=(
        "AWS CDK v2 L3 constructs with secure, cost-aware defaults, typed per-environment "
        "configuration, alarm and dashboard packs, and a test and validation toolkit."
    ),
    license="Apache-2.0",
    uv=True,
    sample=False,
    github=False,
    projenrc_python=True,
    deps=[
        "aws-cdk-lib>=2.269,<3",
        "click>=8.1,<9",
        "constructs>=10.5,<11",
    ],
    dev_deps=[
        f"aws-cdk-lib=={AWS_CDK_LIB_TESTED}",
        f"constructs=={CONSTRUCTS_TESTED}",
        "build==1.6.1",
        # The peer library benchmarks/run.py measures the monitoring packs against.
        "cdk-monitoring-constructs==10.3.3",
        "cdk-nag==3.0.2",
        "cdklabs-cdk-validator-cfnguard==0.0.62",
        "cfn-lint==1.58.0",
        "click==8.5.1",
        "commitizen==4.19.3",
        "griffelib==2.4.1",
        "hypothesis==6.170.15",
        "diagrams==0.25.1",
        "mkdocs==1.6.1",
        "mkdocs-material==9.8.2",
        "mkdocstrings[python]==1.0.8",
        "mkdocstrings-python==2.0.11",
        "pillow==13.0.0",
        "coverage[toml]==7.17.4",
        "boto3==1.44.8",
        "moto[server]==5.2.5",
        "mypy==2.4.1",
        "pytest-xdist==3.8.0",
        "PyYAML==6.0.4",
        "ruff==0.17.6",
        "syrupy==7.0.2",
        "twine==7.0.0",
        "types-PyYAML==6.0.12.20261113",
        "uv==0.13.9",
    ],
    pytest_options={"version": PYTEST, "test_match": ["tests"]},
    uv_options={
        "build_system": {
            "requires": ["hatchling>=1.27"],
            "build_backend": "hatchling.build",
        },
        "project": {
            "name": "org-constructs",
            "version": VERSION,
            "description": (
                "AWS CDK v2 L3 constructs with secure, cost-aware defaults, typed "
                "per-environment configuration, alarm and dashboard packs, and a test and "
                "validation toolkit."
            ),
            "readme": "README.md",
            "requires_python": ">=3.10",
            "license": "Apache-2.0",
            "license_files": ["LICENSE"],
            "authors": [
                {"name": "org-constructs maintainers", "email": "maintainers@org-constructs.dev"}
            ],
            "keywords": ["aws", "aws-cdk", "cdk", "constructs", "infrastructure-as-code", "l3"],
            "classifiers": [
                "Development Status :: 3 - Alpha",
                "Framework :: AWS CDK",
                "Framework :: AWS CDK :: 2",
                "Framework :: Pytest",
                "Intended Audience :: Developers",
                "Intended Audience :: System Administrators",
                "Operating System :: OS Independent",
                "Programming Language :: Python :: 3",
                "Programming Language :: Python :: 3 :: Only",
                "Programming Language :: Python :: 3.10",
                "Programming Language :: Python :: 3.11",
                "Programming Language :: Python :: 3.12",
                "Programming Language :: Python :: 3.13",
                "Topic :: System :: Systems Administration",
                "Topic :: Software Development :: Libraries",
                "Typing :: Typed",
            ],
            "urls": {
                "Homepage": REPOSITORY,
                "Documentation": f"{REPOSITORY}/tree/main/docs",
                "Source": REPOSITORY,
                "Issues": f"{REPOSITORY}/issues",
                "Changelog": f"{REPOSITORY}/blob/main/CHANGELOG.md",
            },
            "optional_dependencies": {
                "testing": ["pytest>=8", "syrupy>=4"],
                "docs": ["diagrams>=0.23"],
                "ops": ["boto3>=1.34"],
                # The emulator patches moto's CloudFormation internals: one minor at a time.
                "local": ["moto[server]>=5.2.5,<5.3", "boto3>=1.34"],
                "validate": VALIDATE_EXTRA,
                "yaml": ["PyYAML>=6"],
                # `org-cdk new` and OrgCdkPythonApp: a service repo as a projen project.
                "project": ["projen>=0.104.17,<0.105"],
            },
            "scripts": {"org-cdk": "org_constructs.tooling.cli:main"},
            "entry_points": {
                "pytest11": {"org_constructs": "org_constructs.testing.plugin"},
            },
        },
    },
)

pyproject = project.try_find_object_file("pyproject.toml")
assert pyproject is not None
pyproject.add_override(
    "tool.hatch.build.targets.wheel",
    {"packages": ["src/org_constructs"]},
)
pyproject.add_override(
    "tool.hatch.build.targets.sdist",
    {"include": ["src/org_constructs", "README.md", "CHANGELOG.md", "LICENSE"]},
)
# The library supports Python 3.10, but the development tools pinned above need 3.11 or
# newer: resolve the development environment for those versions only.
pyproject.add_override("tool.uv.environments", ["python_version >= '3.11'"])
pyproject.add_override(
    "tool.ruff",
    {
        "line-length": 100,
        "target-version": "py310",
        "src": ["src", "tests", "examples", "benchmarks"],
        "extend-exclude": ["cdk.out", "node_modules"],
    },
)
# Releases: commitizen computes the next version from Conventional Commits (scripts/release.py).
pyproject.add_override(
    "tool.commitizen",
    {
        "name": "cz_conventional_commits",
        "version_provider": "pep621",
        "tag_format": "v$version",
        # While 0.x, a breaking change bumps the minor version; from 1.0 on, the major.
        "major_version_zero": VERSION.startswith("0."),
        "version_files": [".projenrc.py:^VERSION ="],
        "bump_message": "chore(release): $new_version",
    },
)
# Docs pages include example files with snippet markers, which are not Python.
pyproject.add_override("tool.ruff.format.exclude", ["docs/**"])
pyproject.add_override(
    "tool.ruff.lint",
    {
        "select": ["E", "W", "F", "I", "B", "UP", "SIM", "RUF", "S", "PT", "N", "C4", "PL"],
        "ignore": ["PLR0913", "PLR2004", "PLR0912", "PLR0915", "PLC0415"],
    },
)
pyproject.add_override(
    "tool.ruff.lint.per-file-ignores",
    {
        "tests/**": ["S101", "S603", "S607", "PLR0911"],
        # The consuming repo's own tests, as its team writes them.
        "examples/*/tests/**": ["S101"],
        "benchmarks/**": ["S603", "S607", "T201"],
        # Project scripts run git, the CDK CLI and tools with fixed arguments.
        "scripts/**": ["S603", "S607", "T201"],
        ".projenrc.py": ["S101"],
    },
)
pyproject.add_override(
    "tool.mypy",
    {
        "strict": True,
        "python_version": "3.10",
        "mypy_path": "src",
        "explicit_package_bases": True,
        "warn_unreachable": True,
        "exclude": ["cdk\\.out/", "node_modules/"],
    },
)
# Lambda handlers in the examples use boto3, which ships without type information.
pyproject.add_override(
    "tool.mypy.overrides",
    [{"module": ["boto3", "boto3.*", "botocore.*"], "ignore_missing_imports": True}],
)
pyproject.add_override(
    "tool.pytest.ini_options",
    {
        "testpaths": ["tests"],
        # The slowest tests are printed after every run, so that a slow one is seen the day
        # it lands (benchmarks/run.py records the suite's time and test count).
        # pytest-xdist, one worker per CPU (at most 4), a test module's tests in one worker:
        # each worker's jsii kernel holds half the session's objects, and both cores work.
        # `-n 0` runs in this process (to debug one test).
        "addopts": [
            "-ra",
            "--strict-markers",
            "-p",
            "no:cacheprovider",
            "--durations=15",
            "--numprocesses=auto",
            "--maxprocesses=4",
            "--dist=loadfile",
        ],
        "markers": [
            "e2e: end to end (the CDK CLI, an emulator, a browser, a fresh virtual environment,"
            " a release clone); `pytest -m 'not e2e'` is the fast lane",
        ],
    },
)
pyproject.add_override(
    "tool.coverage.run",
    # The CLI tests run `org-cdk` in subprocesses: measure those too.
    {
        "source": ["org_constructs"],
        "branch": True,
        "parallel": True,
        "patch": ["subprocess"],
        # scripts/breaks.py synthesizes the last release's code from a temporary export.
        "omit": ["*/old/src/*"],
    },
)
pyproject.add_override(
    "tool.coverage.paths",
    {"source": ["src/org_constructs", "*/site-packages/org_constructs"]},
)
pyproject.add_override(
    "tool.coverage.report",
    {
        "fail_under": 90,
        # Scratch clones that tests synthesize from (their own src/ trees, not remapped).
        "omit": ["*/pytest-of-*/*"],
        "show_missing": True,
        "skip_covered": True,
        "exclude_also": ["if TYPE_CHECKING:", "@overload", "raise NotImplementedError"],
    },
)

License(project, spdx="Apache-2.0", copyright_owner="org-constructs maintainers")

for pattern in [
    "/node_modules/",
    "uv.lock",
    "cdk.out/",
    ".venv/",
    "/.tools/",
    "/.cache/",
    "/build/",
    "/dist/",
    ".coverage*",
    "/benchmarks/out/",
    "/docs/reference-app/",
]:
    project.gitignore.add_patterns(pattern)
# The default Python ignore list hides any folder named lib/; the examples may use one.
project.gitignore.remove_patterns("lib/")

# Tasks mirror the scripts the README gives, so `projen <task>` and the scripts agree.
project.test_task.reset("bash scripts/test.sh")
project.add_task("main", exec="bash scripts/main.sh", description="The main job: set up, synth")
project.add_task("setup", exec="bash scripts/setup.sh", description="Install the toolchain")

project.synth()
