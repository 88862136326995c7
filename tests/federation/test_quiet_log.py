"""A quiet log: an idle node writes nothing at INFO; a round writes what it stored, a peer
its change of state (failing, back), each once; the access log can be turned off."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from node import scheduler
from node.app import AccessLogger, create_app
from node.appkeys import WRITER
from node.cli.serve import access_logger
from node.federation import peers
from node.federation.sync import REPLICATOR
from node.home import create_home
from node.settings import Settings
from tests.support.http_servers import serve
from tests.support.live_nodes import LiveNode, until
from tests.support.samples import OFFER

LOGGERS = ("maillage", "apscheduler", "aiohttp")


def capture(caplog: pytest.LogCaptureFixture) -> None:
    """Capture INFO and above of the node's loggers and of the libraries it runs on."""
    for name in LOGGERS:
        caplog.set_level(logging.INFO, logger=name)


def ours(records: list[logging.LogRecord], *names: str) -> list[str]:
    """The lines at INFO and above of ``names`` (default: every logger captured)."""
    return [
        f"{r.name} {r.levelname} {r.getMessage()}"
        for r in records
        if r.levelno >= logging.INFO
        and any(r.name == n or r.name.startswith(n + ".") for n in names or LOGGERS)
    ]


def sync_lines(records: list[logging.LogRecord]) -> list[str]:
    """Replication's lines (not push's one-time « public_url absent » warning)."""
    return ours(records, "maillage.sync")


def count_calls(owner: Any, name: str) -> list[int]:
    """Count the calls of ``owner.name`` (a job's ``run_once``, looked up at each run)."""
    calls = [0]
    original = getattr(owner, name)

    async def counted(*args: Any, **kwargs: Any) -> Any:
        calls[0] += 1
        return await original(*args, **kwargs)

    setattr(owner, name, counted)
    return calls


async def test_an_idle_node_logs_nothing(tmp_path: Path, caplog: pytest.LogCaptureFixture):
    """A new node (``maillage init``), its sync job every second, its catch-up job every
    half second: over several periods of both, not one line at INFO or above, and never a
    line of apscheduler's (its start and stop included). Rounds that find nothing new
    among peers are quiet too: see the next test."""
    with create_home(tmp_path / "lieu", name="Lieu"):
        pass
    settings = Settings.load(tmp_path / "lieu", poll_seconds=1)
    assert settings.polling and settings.log_level == "info"
    capture(caplog)
    client = await serve(settings)
    try:
        app = client.server.app
        started = len(caplog.records)  # start-up may say that it builds the search index
        catch_ups = count_calls(app[WRITER], "catch_up")
        rounds = count_calls(app[REPLICATOR], "run_once")
        await until(
            lambda: catch_ups[0] >= 8 and rounds[0] >= 3,
            timeout=20,
            step=0.1,
            what="eight catch-up periods and three sync periods",
        )
        assert ours(caplog.records[started:]) == []
    finally:
        await client.close()
    assert [r for r in caplog.records if r.name.startswith("apscheduler")] == []


async def test_a_round_logs_what_it_stored_and_a_peer_its_changes_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    a, b = await LiveNode(tmp_path, "A").start(), await LiveNode(tmp_path, "B").start()
    try:
        for i in range(3):
            await a.put(f"offre-{i}", {**OFFER, "title": f"Offre {i}"})
        capture(caplog)
        await b.put(a.did, {"url": a.url}, col="follow")  # a round starts at once
        await b.sync()
        await until(lambda: b.seq_of(a.did) == 3, what="B copies A")
        await b.sync()  # nothing new: nothing logged
        assert sync_lines(caplog.records) == [
            "maillage.sync INFO copie : 3 entrées de 1 flux (1 pair)"
        ]

        caplog.clear()
        await a.stop()
        for _ in range(3):
            await b.sync()
        assert peers.peers(b.store)[a.url].failures == 3  # each failure is counted
        lines = sync_lines(caplog.records)
        assert len(lines) == 1 and lines[0].startswith(f"maillage.sync WARNING pair {a.url} : ")
        assert "injoignable" in lines[0] and "1 échec de suite" in lines[0]

        caplog.clear()
        await a.start()  # same port
        await a.put("offre-3", OFFER)
        await b.sync()
        await b.sync()
        assert sync_lines(caplog.records) == [
            f"maillage.sync INFO pair {a.url} : de nouveau joignable après 3 échecs",
            "maillage.sync INFO copie : 1 entrée de 1 flux (1 pair)",
        ]
    finally:
        await b.stop()
        await a.stop()


@pytest.mark.parametrize("enabled", [True, False])
async def test_the_access_log_can_be_turned_off(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, enabled: bool
) -> None:
    """The runner of ``maillage serve``: one line per request, none with access_log off."""
    with create_home(tmp_path / "lieu", name="Lieu"):
        pass
    settings = Settings.load(tmp_path / "lieu", access_log=enabled, polling=False)
    capture(caplog)
    runner = web.AppRunner(
        create_app(settings), access_log_class=AccessLogger, access_log=access_logger(settings)
    )
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    url = f"http://127.0.0.1:{runner.addresses[0][1]}"
    try:
        async with aiohttp.ClientSession() as session, session.get(f"{url}/feeds") as response:
            assert response.status == 200
    finally:
        await runner.cleanup()
    access = [r.getMessage() for r in caplog.records if r.name == "maillage.access"]
    if enabled:
        assert len(access) == 1 and " GET /feeds 200 " in access[0]
    else:
        assert access == []


def test_access_log_is_a_documented_setting_on_by_default() -> None:
    field = Settings.model_fields["access_log"]
    assert field.default is True and "requête" in (field.description or "")


def test_apscheduler_stays_quiet_under_a_chatty_parent_logger() -> None:
    """Set on apscheduler's child loggers, WARNING holds even when ``apscheduler`` itself is
    set lower (as ``caplog`` does above, or a logging configuration could)."""
    parent = logging.getLogger("apscheduler")
    saved = parent.level
    parent.setLevel(logging.DEBUG)
    try:
        scheduler.setup(web.Application())
        for name in ("apscheduler.scheduler", "apscheduler.executors.default"):
            assert not logging.getLogger(name).isEnabledFor(logging.INFO), name
            assert logging.getLogger(name).isEnabledFor(logging.WARNING), name
    finally:
        parent.setLevel(saved)
