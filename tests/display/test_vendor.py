"""The files vendored by ``make vendor`` are those recorded: every file the node serves is
in the manifest with its sha256, has its package's licence beside it, and nothing else."""

from __future__ import annotations

import json
import re

from node.display import vendor
from tests.conftest import ROOT


def test_every_vendored_file_matches_its_recorded_sha256_and_has_its_licence():
    manifest = json.loads(vendor.MANIFEST.read_text(encoding="utf-8"))
    assert set(manifest) == {package.folder for package in vendor.PACKAGES}
    for package in vendor.PACKAGES:
        recorded = manifest[package.folder]
        assert (recorded["package"], recorded["version"]) == (package.name, package.version)
        assert recorded["licence"] == package.licence
        folder = vendor.VENDOR / package.folder
        licence = folder / package.licence_file
        assert licence.is_file() and licence.stat().st_size > 500, licence
        files = {target for _, target in package.files} | {package.licence_file}
        assert set(recorded["files"]) == files
        for name, digest in recorded["files"].items():
            assert vendor.sha256(folder / name) == digest, f"{package.folder}/{name}"
        on_disk = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
        assert on_disk == files, f"{package.folder}: files not recorded"


def test_the_readme_lists_every_file_and_the_makefile_pins_the_same_versions():
    manifest = json.loads(vendor.MANIFEST.read_text(encoding="utf-8"))
    assert vendor.README.read_text(encoding="utf-8") == vendor.readme(manifest)
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    pinned = re.search(r"^NPM_VENDORED := (.+)$", makefile, re.M)
    assert pinned is not None
    assert pinned.group(1).split() == [f"{p.name}@{p.version}" for p in vendor.PACKAGES]


def test_every_served_file_is_vendored_and_has_a_content_type():
    for url, path in vendor.served().items():
        assert url.startswith(vendor.URL_PREFIX) and path.is_file(), url
        assert vendor.content_type(path)
