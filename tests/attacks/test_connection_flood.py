"""One address opens connections by the hundred and holds them. A real ``maillage serve``
with a low per-address cap and few files (like ``LimitNOFILE``, only smaller): a visitor from
another address is still served at once, the extra connections are refused and closed, and
the log grows by a few lines, not by megabytes of tracebacks."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import io
import logging
import resource
import socket
import time
from pathlib import Path

import pytest

from node.cli.log_throttle import OUT_OF_FILES, LogThrottle
from node.web.server import ConnectionLimits, address_key, peer_address
from tests.attacks.served import ServedNode, exchange, status

PER_ADDRESS = 20
FLOOD = 400
WAVE = 50
FILES = 256  # the child's open-file limit: the flood alone would exceed it
MAX_LOG_GROWTH = 100_000  # bytes


@pytest.fixture
def enough_files():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = FLOOD + 200
    if hard != resource.RLIM_INFINITY and hard < wanted:
        pytest.skip(f"this test needs {wanted} open files, the hard limit is {hard}")
    if soft != resource.RLIM_INFINITY and soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
    yield
    resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def _flood(port: int, count: int) -> list[socket.socket]:
    """``count`` connections from 127.0.0.1, by waves that the listening queue (128) holds:
    none waits for the node to accept the others."""
    socks = []
    for number in range(count):
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setblocking(False)
        socks.append(sock)
        sock.connect_ex(("127.0.0.1", port))
        if number % WAVE == WAVE - 1:
            time.sleep(0.1)
    return socks


def _held(sock: socket.socket) -> bool:
    """Connected, and neither answered nor closed by the node."""
    try:
        sock.getpeername()
    except OSError:  # still connecting (its SYN was dropped: the backlog was full), or reset
        return False
    try:
        sock.recv(1, socket.MSG_PEEK)
    except BlockingIOError:
        return True  # nothing said, nothing closed
    except OSError:
        return False
    return False  # answered (503) or closed


def _refusal(sock: socket.socket) -> bytes:
    try:
        return sock.recv(65536)
    except OSError:
        return b""


def test_a_flood_from_one_address_leaves_the_node_to_the_others(
    tmp_path: Path, enough_files
) -> None:
    node = ServedNode(tmp_path, files=FILES, max_connections_per_address=PER_ADDRESS)
    socks: list[socket.socket] = []
    try:
        before = node.log_size()
        socks = _flood(node.port, FLOOD)
        time.sleep(0.5)  # the node accepts, counts, refuses
        wire, seconds = exchange(
            node.port,
            b"GET /.well-known/maillage HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
            source="127.0.0.2",
            timeout=5,
        )
        assert wire and status(wire) == 200, wire[:200]
        assert seconds < 2
        deadline = time.monotonic() + 5
        while (held := sum(map(_held, socks))) > PER_ADDRESS and time.monotonic() < deadline:
            time.sleep(0.2)
        assert held <= PER_ADDRESS
        refusals = [answer for sock in socks if not _held(sock) and (answer := _refusal(sock))]
        assert refusals and all(answer.startswith(b"HTTP/1.1 503 ") for answer in refusals)
        assert b"Trop de connexions" in refusals[0]
        time.sleep(0.5)
        growth = node.log_size() - before
        assert growth < MAX_LOG_GROWTH, node.log(before)[-3000:]
        assert "Traceback" not in node.log(before)
    finally:
        for sock in socks:
            sock.close()
        node.stop()


def test_asyncio_running_out_of_files_is_one_short_line_a_while() -> None:
    """What asyncio logs, a hundred times per turn of its loop, when ``accept`` fails for
    want of files: one short line through the throttle, not a traceback each time."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    now = [0.0]
    handler.addFilter(LogThrottle(window=10, burst=5, clock=lambda: now[0]))
    asyncio_log = logging.getLogger("asyncio")
    asyncio_log.addHandler(handler)
    loop = asyncio.new_event_loop()
    try:
        listening = socket.socket()
        with contextlib.closing(listening):
            for turn in range(2000):
                now[0] = turn * 0.01  # 20 s in all
                try:
                    raise OSError(errno.EMFILE, "Too many open files")
                except OSError as exc:
                    loop.call_exception_handler(
                        {
                            "message": "socket.accept() out of system resource",
                            "exception": exc,
                            "socket": listening,
                        }
                    )
    finally:
        loop.close()
        asyncio_log.removeHandler(handler)
    lines = stream.getvalue().splitlines()
    assert len(lines) <= 5 * 3  # 20 s: two windows and the start of a third
    assert all(line.startswith(OUT_OF_FILES) for line in lines)
    assert "Traceback" not in stream.getvalue()
    assert any("messages semblables omis" in line for line in lines)


def test_an_ipv6_network_is_one_address_and_a_proxy_counts_only_in_all() -> None:
    limits = ConnectionLimits(per_address=2, total=5)
    machine = [address_key(peer_address((f"2001:db8:1:2::{n}", 443, 0, 0))) for n in (1, 2, 3)]
    assert len(set(machine)) == 1
    assert limits.admit(machine[0]) is None and limits.admit(machine[1]) is None
    assert "max_connections_per_address" in limits.admit(machine[2])
    assert address_key(peer_address(("::ffff:192.0.2.7", 80, 0, 0))) == "192.0.2.7"
    proxy = address_key(peer_address(("127.0.0.1", 5000)))
    assert all(limits.admit(proxy, exempt=True) is None for _ in range(3))
    assert "max_connections =" in limits.admit(proxy, exempt=True)
    limits.release(machine[0])
    assert limits.admit(address_key(peer_address(("2001:db8:1:3::1", 443, 0, 0)))) is None
