"""The home's faults, met by the real ``maillage`` command: a full disk during ``import``,
``search`` and ``reindex``, a zeroed page of the database, a file where the index's folder
goes, a home that cannot be written. Each time: a French message, the exit status, no
traceback, and nothing lost.

A full disk is a small tmpfs (we run as root in CI), else ``RLIMIT_FSIZE`` (SIGXFSZ ignored,
so writes fail with EFBIG). A read-only home is a read-only bind mount, else ``chattr +i``,
else the home of another user run as ``nobody``; a test skips when none of these works here.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import json
import os
import re
import resource
import shutil
import signal
import sqlite3
import struct
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from node.home import create_home, open_home
from node.io.csv_import import import_file
from node.io.csv_mapping import CGET_2019
from search.index import SearchIndex, index_path
from tests.support.samples import OFFER

ROOT = Path(__file__).resolve().parents[2]
CENSUS = ROOT.parent / "shared" / "data" / "cget-tiers-lieux-2019.csv"
ROWS = 1512
NOBODY = 65534
TIMEOUT = 60  # seconds a command may take at most on a loaded machine (it takes 1 to 3)
MB = 1 << 20


# -- running the command ---------------------------------------------------------------------


def maillage(
    *args: str | Path, preexec: Callable[[], None] | None = None
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAILLAGE_")}
    return subprocess.run(
        [sys.executable, "-m", "node", *map(str, args)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        preexec_fn=preexec,
    )


def told(run: subprocess.CompletedProcess[str], status: int, *phrases: str) -> str:
    """The error output of ``run``, once it is checked: ``status``, French ``phrases``, no
    traceback anywhere."""
    assert "Traceback" not in run.stdout + run.stderr, run.stderr
    assert run.returncode == status, (run.returncode, run.stdout[-2000:], run.stderr)
    for phrase in phrases:
        assert phrase in run.stderr, (phrase, run.stderr)
    return run.stderr


# -- a populated home ------------------------------------------------------------------------


def census(folder: Path) -> Path:
    """The 2019 census if ``../shared`` is beside the project, else a file of the same form."""
    if CENSUS.exists():
        return CENSUS
    towns = [  # (town, postcode, INSEE code, department, region, lat, lon)
        ("Périgueux", "24000", "24322", "24", "75", 45.1846, 0.7214),
        ("Bordeaux", "33000", "33063", "33", "75", 44.8378, -0.5792),
        ("Nantes", "44000", "44109", "44", "52", 47.2184, -1.5536),
        ("Lyon", "69001", "69381", "69", "84", 45.7640, 4.8357),
    ]
    path = folder / "recensement.csv"
    columns = ["ID", "NOM_TL", "ADRESSE", "CP", "NOMCOM", "INSEECOM", "INSEEDEP", "INSEEREG"]
    with path.open("w", encoding="utf-8", newline="") as stream:
        out = csv.writer(stream)
        out.writerow([*columns, "LAT", "LONG", "WEB", "TYPO"])
        for n in range(1, ROWS + 1):
            town, cp, insee, dep, region, lat, lon = towns[n % len(towns)]
            name, street = f"Coworking {town} n° {n}", f"{n} rue de la Gare"
            where = [f"{lat + n / 1e5:.6f}", f"{lon:.6f}"]
            typo = "Tiers lieux à dominante coworking"
            out.writerow([n, name, street, cp, town, insee, dep, region, *where, "", typo])
    return path


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A home holding the census (1,512 listings) and one offer, indexed; and the CSV file."""
    folder = tmp_path_factory.mktemp("faults")
    data = census(folder)
    home = folder / "reseau"
    with create_home(home, name="Réseau des tiers-lieux") as node:
        summary = import_file(node, data, CGET_2019)
        assert summary.created == ROWS, summary.skipped[:3]
    offer = folder / "offre.json"
    offer.write_text(json.dumps(OFFER), "utf-8")
    told(maillage("offer", "put", "--home", home, offer), 0)
    with open_home(home) as node:
        index, _ = SearchIndex.build(index_path(home), node.store)
        index.close()
    return home, data


def copy_home(template: Path, where: Path, index: bool = True) -> Path:
    home = where / "lieu"
    shutil.copytree(template, home, symlinks=True)
    if not index:
        shutil.rmtree(home / "index")
    return home


def listings(home: Path) -> int:
    """How many listings the store holds, once it is checked whole (read only)."""
    conn = sqlite3.connect(f"{(home / 'store.sqlite3').as_uri()}?mode=ro", uri=True)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        entries, top = conn.execute("SELECT COUNT(*), MAX(seq) FROM entries").fetchone()
        assert entries == top  # one log, seq 1..n: no gap, nothing half written
        return conn.execute("SELECT COUNT(*) FROM records WHERE col = 'listing'").fetchone()[0]
    finally:
        conn.close()


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def tree(path: Path) -> dict[str, str]:
    return {str(p.relative_to(path)): digest(p) for p in sorted(path.rglob("*")) if p.is_file()}


# -- a full disk -----------------------------------------------------------------------------


class Disk:
    """Where a test puts its home, and how the disk fills: a tmpfs of its own (room left
    ``fill(n)``: a file takes the rest), else the size a file may reach (``RLIMIT_FSIZE``)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.mounted = False
        self.limit: int | None = None
        self.filler = folder / "remplissage"

    def preexec(self) -> None:
        if self.limit is not None:
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # EFBIG instead of being killed
            resource.setrlimit(resource.RLIMIT_FSIZE, (self.limit, self.limit))

    def fill(self, room: int) -> None:
        """Leave about ``room`` bytes that the next command may write."""
        if not self.mounted:
            self.limit = room
            return
        stats = os.statvfs(self.folder)
        take = stats.f_bavail * stats.f_frsize - room
        with self.filler.open("ab") as stream:
            chunk = b"\0" * MB
            while take > 0:
                try:
                    take -= stream.write(chunk[: min(take, MB)])
                    stream.flush()
                except OSError:
                    break

    def free(self) -> None:
        self.limit = None
        self.filler.unlink(missing_ok=True)


@pytest.fixture
def disk(tmp_path: Path) -> Iterator[Disk]:
    folder = tmp_path / "disque"
    folder.mkdir()
    result = Disk(folder)
    if os.geteuid() == 0:
        mount = ["mount", "-t", "tmpfs", "-o", "size=48m", "tmpfs", str(folder)]
        result.mounted = subprocess.run(mount, capture_output=True).returncode == 0
    try:
        yield result
    finally:
        unmount = ["umount", str(folder)]
        if result.mounted and subprocess.run(unmount, capture_output=True).returncode:
            subprocess.run(["umount", "-l", str(folder)], capture_output=True)


def test_an_import_stopped_by_a_full_disk_says_what_is_stored_and_a_rerun_completes_it(
    template: tuple[Path, Path], disk: Disk
) -> None:
    home, data = template
    with create_home(disk.folder / "lieu", name="Réseau") as node:
        new = node.settings.home
    disk.fill(int((home / "store.sqlite3").stat().st_size * 0.45))
    run = maillage("import", "--home", new, "--format", "cget", data, preexec=disk.preexec)
    said = told(run, 2, "import interrompu", "lignes sur 1512", "Pour reprendre", "relancé")
    assert "disque plein" in said or "erreur du disque" in said  # tmpfs, or RLIMIT_FSIZE
    stored = int(re.search(r"Avant l'arrêt, (\d+) lignes? sur 1512", said)[1])
    assert 0 < stored < ROWS
    assert f"({stored} fiches nouvelles" in said
    assert f"{ROWS - stored} lignes ne l'ont pas été, à partir de la ligne {stored + 2}" in said
    disk.free()
    assert listings(new) == stored  # whole batches, exactly what the message says
    again = maillage("import", "--home", new, "--format", "cget", data)
    told(again, 0)
    assert f"publiées   : {ROWS - stored} ({ROWS - stored} nouvelles" in again.stdout
    assert f"inchangées : {stored}" in again.stdout
    assert listings(new) == ROWS


def test_a_search_on_a_full_disk_answers_from_the_index_as_it_was(
    template: tuple[Path, Path], disk: Disk, tmp_path: Path
) -> None:
    if not disk.mounted:  # a file size limit stops SQLite's -shm before the index
        pytest.skip("needs a tmpfs: RLIMIT_FSIZE cannot fail the index and not the store")
    home = copy_home(template[0], disk.folder)
    offer = tmp_path / "fraiseuse.json"
    offer.write_text(json.dumps({**OFFER, "title": "Fraiseuse numérique zorglub"}), "utf-8")
    told(maillage("offer", "put", "--home", home, offer), 0)  # in the store, not in the index
    disk.fill(0)
    run = maillage("search", "--home", home, "découpe laser")
    said = told(run, 0, "attention", "l'index de recherche", "n'a pas pu être mis à jour")
    assert "disque plein" in said and "libérez de la place" in said
    assert "Découpe laser sur bois" in run.stdout
    disk.free()
    assert listings(home) == ROWS
    run = maillage("search", "--home", home, "zorglub")
    assert told(run, 0) == "" and "Fraiseuse numérique zorglub" in run.stdout


def test_a_search_or_reindex_that_must_rebuild_the_index_on_a_full_disk_says_so(
    template: tuple[Path, Path], disk: Disk
) -> None:
    home = copy_home(template[0], disk.folder, index=False)
    disk.fill(256 * 1024)
    for command in ("search", "reindex"):
        run = maillage(command, "--home", home, preexec=disk.preexec)
        told(run, 2, "disque plein", "l'index de recherche", "n'a pas pu être reconstruit")
        assert "la base de données n'a pas été touchée" in run.stderr
        assert not (home / "index").exists()  # what was written of it took room: removed
    disk.free()
    assert listings(home) == ROWS
    run = maillage("search", "--home", home, "--col", "listing")
    assert told(run, 0) == "" and f"{ROWS} résultats" in run.stdout


def test_a_reindex_on_a_full_disk_says_so_and_the_next_one_works(
    template: tuple[Path, Path], disk: Disk
) -> None:
    home = copy_home(template[0], disk.folder)
    disk.fill(0 if disk.mounted else 512 * 1024)  # the old index goes, the new takes more
    run = maillage("reindex", "--home", home, preexec=disk.preexec)
    told(run, 2, "disque plein", "n'a pas pu être reconstruit", "relancez")
    disk.free()
    assert listings(home) == ROWS
    run = maillage("reindex", "--home", home)
    assert "Index reconstruit : 1513 documents" in run.stdout and told(run, 0) == ""


# -- a damaged database ----------------------------------------------------------------------


def zero_page(store: Path, table: str) -> None:
    """Write zeros over one page: the first one (the header), or the root of ``table``."""
    conn = sqlite3.connect(store)
    try:
        query = "SELECT rootpage FROM sqlite_master WHERE name = ?"
        page = 1 if table == "header" else conn.execute(query, (table,)).fetchone()[0]
    finally:
        conn.close()
    size = struct.unpack(">H", store.read_bytes()[16:18])[0]
    size = 65536 if size == 1 else size
    with store.open("r+b") as stream:
        stream.seek(size * (page - 1))
        stream.write(bytes(size))


@pytest.mark.parametrize(
    ("table", "index"),
    [("header", True), ("feeds", True), ("records", False)],
    ids=["header", "feeds-read-by-every-search", "records-read-by-a-rebuild"],
)
def test_a_zeroed_page_met_by_search_says_the_database_is_damaged_and_what_to_do(
    template: tuple[Path, Path], tmp_path: Path, table: str, index: bool
) -> None:
    home = copy_home(template[0], tmp_path, index=index)
    store = home / "store.sqlite3"
    zero_page(store, table)
    before = digest(store)
    run = maillage("search", "--home", home, "découpe laser")
    said = told(run, 2, "base de données", "endommagé", "sauvegarde", "maillage recover")
    assert "docs/deploiement.md, section 10" in said and str(store) in said
    assert digest(store) == before  # nothing written into the damaged file
    assert run.stdout == ""


# -- a file where the index goes -------------------------------------------------------------


def test_a_file_where_the_index_goes_is_left_alone_and_said(
    template: tuple[Path, Path], tmp_path: Path
) -> None:
    home = copy_home(template[0], tmp_path, index=False)
    notes = home / "index"
    notes.write_text("mes notes de la réunion du 12\n", "utf-8")
    for command in ("search", "reindex"):
        run = maillage(command, "--home", home)
        told(run, 2, f"{notes} existe mais n'est pas un dossier", "index de recherche")
        assert notes.read_text("utf-8") == "mes notes de la réunion du 12\n"
    notes.rename(home / "notes.txt")
    assert "Découpe laser sur bois" in maillage("search", "--home", home, "laser").stdout


# -- a home that cannot be written -----------------------------------------------------------


def _as_nobody() -> None:
    os.setgroups([])
    os.setgid(NOBODY)
    os.setuid(NOBODY)


@contextlib.contextmanager
def read_only(home: Path, how: str) -> Iterator[tuple[Path, Callable[[], None] | None]]:
    """``home`` made read-only ``how``: the path to give the command, and how to run it."""
    if os.geteuid() != 0:
        pytest.skip("needs root (mount, chattr, setuid)")
    if how == "mount":
        view = home.with_name("lecture-seule")
        view.mkdir()
        mounted = subprocess.run(["mount", "--bind", str(home), str(view)], capture_output=True)
        if mounted.returncode:
            pytest.skip(f"no bind mount here: {mounted.stderr.strip()}")
        try:
            remount = ["mount", "-o", "remount,ro,bind", str(view)]
            if subprocess.run(remount, capture_output=True).returncode:
                pytest.skip("no read-only remount here")
            yield view, None
        finally:
            subprocess.run(["umount", str(view)], capture_output=True)
    elif how == "chattr":
        if subprocess.run(["chattr", "-R", "+i", str(home)], capture_output=True).returncode:
            subprocess.run(["chattr", "-R", "-i", str(home)], capture_output=True)
            pytest.skip("chattr +i does not work here")
        try:
            yield home, None
        finally:
            subprocess.run(["chattr", "-R", "-i", str(home)], capture_output=True)
    else:
        probe = [sys.executable, "-c", "import node"]
        try:
            ran = subprocess.run(probe, cwd=ROOT, preexec_fn=_as_nobody, capture_output=True)
        except OSError:  # the Python itself cannot be run
            ran = None
        if ran is None or ran.returncode:
            pytest.skip("this Python cannot run as nobody (one of its folders is private)")
        for path in [home, *home.rglob("*")]:
            os.chown(path, NOBODY, NOBODY)  # the owner, without the right to write
            path.chmod(0o500 if path.is_dir() else 0o400)
        yield home, _as_nobody


@pytest.mark.parametrize("how", ["mount", "chattr", "nobody"])
def test_a_read_only_home_answers_reading_commands_and_says_why_it_cannot_write(
    template: tuple[Path, Path], tmp_path: Path, how: str
) -> None:
    home = copy_home(template[0], tmp_path)
    before = tree(home)
    offer = tmp_path / "offre.json"
    offer.write_text(json.dumps({**OFFER, "title": "Autre offre"}), "utf-8")
    with read_only(home, how) as (path, preexec):
        run = maillage("offer", "list", "--home", path, preexec=preexec)
        assert told(run, 0) == "" and "Découpe laser sur bois" in run.stdout
        run = maillage("profile", "show", "--home", path, preexec=preexec)
        told(run, 0)
        run = maillage("search", "--home", path, "découpe laser", preexec=preexec)
        assert told(run, 0) == "" and "Découpe laser sur bois" in run.stdout
        run = maillage("admin-link", "--home", path, preexec=preexec)
        told(run, 2, "lien de connexion impossible à créer", "lecture seule", "admin.sqlite3")
        assert "/admin/connexion" not in run.stdout
        run = maillage("offer", "put", "--home", path, offer, preexec=preexec)
        told(run, 2, "lecture seule", "rien n'a été écrit")
    assert tree(home) == before  # nothing written, nothing lost
