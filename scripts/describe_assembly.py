"""Print the stacks of a synthesized cloud assembly: environment, protection, resources, outputs.

Usage: python scripts/describe_assembly.py CDK_OUT_DIR
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any


def describe(assembly: Path) -> str:
    manifest = json.loads((assembly / "manifest.json").read_text(encoding="utf-8"))
    lines: list[str] = []
    stacks = {
        name: artifact
        for name, artifact in manifest.get("artifacts", {}).items()
        if artifact.get("type") == "aws:cloudformation:stack"
    }
    lines.append(f"{len(stacks)} stack(s) in {assembly.name}/")
    for name, artifact in stacks.items():
        properties: dict[str, Any] = artifact.get("properties", {})
        template = json.loads((assembly / properties["templateFile"]).read_text(encoding="utf-8"))
        resources = template.get("Resources", {})
        types = Counter(
            r["Type"] for r in resources.values() if r.get("Type") != "AWS::CDK::Metadata"
        )
        lines.append("")
        lines.append(f"stack {properties.get('stackName', name)}")
        lines.append(f"  environment           {artifact.get('environment')}")
        lines.append(f"  description           {template.get('Description', '-')}")
        protection = properties.get("terminationProtection", False)
        lines.append(f"  termination protection {'on' if protection else 'off'}")
        tags = properties.get("tags", {})
        lines.append(f"  stack tags            {', '.join(f'{k}={v}' for k, v in tags.items())}")
        lines.append(f"  resources             {sum(types.values())}")
        for resource_type, count in sorted(types.items()):
            lines.append(f"    {count:3d} x {resource_type}")
        for output_id, output in template.get("Outputs", {}).items():
            export = output.get("Export", {}).get("Name", "-")
            lines.append(f"  output                {output_id} (export {export})")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    print(describe(Path(argv[1])))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
