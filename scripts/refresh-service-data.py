#!/usr/bin/env python3
"""Regenerates assets/service-authorization.json, the action table `ecr-share lint`
embeds, from AWS's published service authorization data.

The PyPI package `parliament` ships that data whole as `parliament/iam_definition.json`
(about 10 MB, every AWS service). This script downloads the package with pip into a
temporary folder (no install, no dependencies), reads the file out of the wheel and
keeps only what the linter needs:

- the services ecr, ecr-public, iam and sts;
- for each action: its resource types, each with whether it is required (`*` in the
  source) and the condition keys that apply to it, plus the condition keys that apply
  to the action whatever the resource (the source's resource type "");
- for each resource type: its ARN format, which tells whether a Resource ARN can
  name that type at all.

The result is written sorted, two-space indented, one key per line, so a refresh shows
as a readable diff. The package version and the wheel's SHA-256 are recorded inside.

Usage: scripts/refresh-service-data.py [VERSION]   (default: the newest parliament)
"""

import hashlib
import json
import pathlib
import subprocess
import sys
import tempfile
import zipfile

SERVICES = ("ecr", "ecr-public", "iam", "sts")
PACKAGE = "parliament"
MEMBER = "parliament/iam_definition.json"
OUTPUT = pathlib.Path(__file__).resolve().parent.parent / "assets" / "service-authorization.json"


def download(version, folder):
    """The wheel of parliament (VERSION, or the newest), downloaded into folder."""
    requirement = f"{PACKAGE}=={version}" if version else PACKAGE
    subprocess.run(
        [
            sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
            "--only-binary", ":all:", "--disable-pip-version-check",
            "--dest", str(folder), requirement,
        ],
        check=True,
    )
    wheels = sorted(pathlib.Path(folder).glob(f"{PACKAGE}-*.whl"))
    if len(wheels) != 1:
        sys.exit(f"expected one {PACKAGE} wheel in {folder}, found {len(wheels)}")
    return wheels[0]


def wheel_version(wheel):
    """The version from the wheel's name: parliament-1.6.4-py3-none-any.whl -> 1.6.4."""
    return wheel.name.split("-")[1]


def compact_service(blocks):
    """One service's actions and resource types from its blocks in the source.

    The source lists some services twice (iam under two names, one listing more
    actions). Actions are merged; where both blocks have an action, the block with more
    actions (the newer listing) wins."""
    blocks = sorted(blocks, key=lambda block: len(block["privileges"]), reverse=True)
    actions = {}
    resource_types = {}
    for block in blocks:
        for resource in block["resources"]:
            resource_types.setdefault(resource["resource"], resource["arn"])
        for privilege in block["privileges"]:
            name = privilege["privilege"]
            if name in actions:
                continue
            types = {}
            keys = set()
            for use in privilege["resource_types"]:
                kind = use["resource_type"]
                if kind == "":
                    keys.update(use["condition_keys"])
                    continue
                required = kind.endswith("*")
                types[kind.rstrip("*")] = {
                    "required": required,
                    "condition_keys": sorted(set(use["condition_keys"])),
                }
            actions[name] = {"resource_types": types, "condition_keys": sorted(keys)}
    return {"actions": actions, "resource_types": resource_types}


def main():
    version = sys.argv[1] if len(sys.argv) > 1 else None
    with tempfile.TemporaryDirectory() as folder:
        wheel = download(version, folder)
        digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
        with zipfile.ZipFile(wheel) as archive:
            definition = json.loads(archive.read(MEMBER))
        found = wheel_version(wheel)

    services = {}
    for prefix in SERVICES:
        blocks = [block for block in definition if block["prefix"] == prefix]
        if not blocks:
            sys.exit(f"{MEMBER} of {PACKAGE} {found} has no service {prefix}")
        services[prefix] = compact_service(blocks)

    document = {
        "source": {
            "package": PACKAGE,
            "version": found,
            "file": MEMBER,
            "wheel_sha256": digest,
            "regenerate": "scripts/refresh-service-data.py",
        },
        "services": services,
    }
    text = json.dumps(document, indent=2, sort_keys=True, ensure_ascii=True) + "\n"
    OUTPUT.write_text(text)
    counts = ", ".join(f"{p} {len(services[p]['actions'])}" for p in SERVICES)
    print(f"wrote {OUTPUT.name} from {PACKAGE} {found}: {counts} actions")


if __name__ == "__main__":
    main()
