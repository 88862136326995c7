"""What the command-line tests share: sample records, running ``maillage`` in-process."""

from __future__ import annotations

import json
import os
from pathlib import Path

from node.cli.main import main
from node.store.database import Store

PROFILE = {
    "name": "La Fabrique du Périgord",
    "summary": "Fablab associatif : découpe laser, impression 3D, couture, réparation.",
    "families": ["fablab", "repair-cafe"],
    "address": {"city": "Périgueux", "postcode": "24000", "insee_code": "24322"},
    "department": "24",
    "geo": {"lat": "45.1846", "lon": "0.7214"},
    "status": "actif",
}
LASER = {
    "title": "Découpe laser",
    "category": "production.prototypage",
    "enjeux": ["transition-ecologique"],
    "conditions": {"pricing": "tarif", "price": "25.00", "unit": "heure"},
    "valid_until": "2099-06-30",
}
VISIERES = {
    "title": "Élastique pour 500 visières",
    "category": "production.petite-serie",
    "quantity": 500,
    "unit": "mètres",
    "urgency": "haute",
}


def clean_environment(monkeypatch) -> None:
    """No ``MAILLAGE_*`` variable of the developer's shell reaches the commands."""
    for name in list(os.environ):
        if name.startswith("MAILLAGE_"):
            monkeypatch.delenv(name)


def run(capsys, *args: str | Path) -> tuple[int, str, str]:
    status = main([str(a) for a in args])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return status, out, err


def make_home(tmp_path: Path, capsys) -> Path:
    """A home whose feed is empty (no recovery key: its commitment would be entry 1)."""
    path = tmp_path / "lieu"
    args = ("init", "--home", path, "--name", "La Fabrique", "--no-recovery-key")
    assert run(capsys, *args)[0] == 0
    return path


def write(tmp_path: Path, value: object, name: str = "fiche.json") -> Path:
    path = tmp_path / name
    if isinstance(value, bytes):
        path.write_bytes(value)
    else:
        path.write_text(value if isinstance(value, str) else json.dumps(value), "utf-8")
    return path


def head(home: Path) -> int:
    store = Store(home / "store.sqlite3")
    try:
        feeds = store.feeds()
        return feeds[0].seq if feeds else 0
    finally:
        store.close()


def snapshot(path: Path) -> dict[str, tuple[bytes, int]]:
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(path.iterdir())}
