"""The vendored front-end files are exactly the ones recorded, at the recorded versions.

static/vendor/MANIFEST.json names each file's package, version and sha256, and the advisories
checked against that version. A file changed, added or removed without its record fails here, so
an upgrade cannot skip the audit.
"""

import hashlib
import json
import re
from pathlib import Path

from django.conf import settings

VENDOR = Path(settings.BASE_DIR) / "static" / "vendor"
MANIFEST = json.loads((VENDOR / "MANIFEST.json").read_text())
# What describes the folder rather than being served from it.
NOT_VENDORED = {"MANIFEST.json", "README"}


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_every_vendored_file_is_recorded_and_unchanged():
    on_disk = {
        path.relative_to(VENDOR).as_posix(): _sha256(path)
        for path in VENDOR.rglob("*")
        if path.is_file() and path.name not in NOT_VENDORED
    }
    recorded = {name: record["sha256"] for name, record in MANIFEST["files"].items()}

    assert on_disk.keys() - recorded.keys() == set(), "record these files in MANIFEST.json"
    assert recorded.keys() - on_disk.keys() == set(), "these recorded files are gone"
    changed = [name for name in recorded if on_disk[name] != recorded[name]]
    assert changed == [], "changed without updating MANIFEST.json (version, sha256, audit)"


def test_each_file_says_the_version_its_record_gives():
    versions = {
        "bootstrap/bootstrap.min.css": r"Bootstrap\s+v(\d+\.\d+\.\d+)",
        "htmx/htmx.min.js": r'version:"(\d+\.\d+\.\d+)"',
    }
    assert set(versions) == {n for n in MANIFEST["files"] if not n.endswith("LICENSE")}
    for name, pattern in versions.items():
        found = re.search(pattern, (VENDOR / name).read_text(encoding="utf-8"))
        package = MANIFEST["packages"][MANIFEST["files"][name]["package"]]

        assert found, f"no version in {name}"
        assert found.group(1) == package["version"], name


def test_each_package_was_audited():
    for name, package in MANIFEST["packages"].items():
        audit = package["audit"]

        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", audit["checked_on"]), name
        assert audit["result"], name
        assert package["version"] in (VENDOR / "README").read_text(), f"README: {name} version"
