"""Slow clients hold nothing for long: headers sent a byte at a time (« slowloris »), a
connection left idle, a body that trickles. A real ``maillage serve`` with short clocks; each
connection must be closed within its documented timeout plus a margin."""

from __future__ import annotations

import selectors
import socket
import time

import orjson
import pytest

from tests.attacks.served import ServedNode, connect, exchange, status

HEADER_SECONDS = 1.0
KEEPALIVE_SECONDS = 2.0
BODY_SECONDS = 1.5
MARGIN = 1.5  # loaded CI machines
SLOW_CLIENTS = 60


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory):
    served = ServedNode(
        tmp_path_factory.mktemp("slow"),
        header_timeout_seconds=HEADER_SECONDS,
        keepalive_seconds=KEEPALIVE_SECONDS,
        body_timeout_seconds=BODY_SECONDS,
    )
    yield served
    served.stop()


def _closed_by_server(sock: socket.socket) -> bool:
    try:
        return sock.recv(65536) == b""  # EOF (a slow client gets no answer)
    except BlockingIOError:
        return False
    except ConnectionResetError:
        return True


def test_headers_sent_a_byte_at_a_time_are_cut_off(node: ServedNode) -> None:
    start = time.monotonic()
    socks = [connect(node.port) for _ in range(SLOW_CLIENTS)]
    closed: dict[int, float] = {}
    try:
        for sock in socks:
            sock.setblocking(False)
            sock.send(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        with selectors.DefaultSelector() as selector:
            for number, sock in enumerate(socks):
                selector.register(sock, selectors.EVENT_READ, number)
            deadline = start + HEADER_SECONDS + MARGIN
            while len(closed) < len(socks) and time.monotonic() < deadline:
                for key, _ in selector.select(timeout=0.2):
                    if _closed_by_server(key.fileobj):
                        closed[key.data] = time.monotonic() - start
                        selector.unregister(key.fileobj)
                for number, sock in enumerate(socks):
                    if number not in closed:
                        try:
                            sock.send(b"X")  # one more byte of a header that never ends
                        except OSError:
                            closed[number] = time.monotonic() - start
        # Meanwhile a visitor is served as usual.
        wire, seconds = exchange(
            node.port, b"GET /.well-known/maillage HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        )
        assert status(wire) == 200 and seconds < 2
    finally:
        for sock in socks:
            sock.close()
    assert len(closed) == SLOW_CLIENTS, f"{SLOW_CLIENTS - len(closed)} slow clients still open"
    assert max(closed.values()) <= HEADER_SECONDS + MARGIN
    assert min(closed.values()) >= HEADER_SECONDS * 0.9  # the documented time, not sooner


def test_an_idle_connection_is_closed_after_keepalive(node: ServedNode) -> None:
    with connect(node.port, timeout=KEEPALIVE_SECONDS + MARGIN + 2) as sock:
        sock.sendall(b"GET /.well-known/maillage HTTP/1.1\r\nHost: x\r\n\r\n")
        received = b""
        while b"\r\n\r\n" not in received:
            received += sock.recv(65536)
        answered = time.monotonic()
        assert status(received) == 200
        while sock.recv(65536):  # the rest of the answer, then the end of the connection
            pass
        idle = time.monotonic() - answered
    assert KEEPALIVE_SECONDS * 0.9 <= idle <= KEEPALIVE_SECONDS + MARGIN


def test_the_next_request_on_a_kept_connection_has_the_header_clock(node: ServedNode) -> None:
    with connect(node.port, timeout=HEADER_SECONDS + MARGIN + 2) as sock:
        sock.sendall(b"GET /.well-known/maillage HTTP/1.1\r\nHost: x\r\n\r\n")
        received = b""
        while b"}" not in received:
            received += sock.recv(65536)
        sock.sendall(b"GET / HTTP/1.1\r\n")  # then nothing: its head never ends
        started = time.monotonic()
        sock.settimeout(HEADER_SECONDS + MARGIN)
        assert sock.recv(65536) == b""
        assert time.monotonic() - started <= HEADER_SECONDS + MARGIN


def test_a_trickling_body_is_answered_408(node: ServedNode) -> None:
    head = (
        b"POST /inbox HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Content-Length: 1000\r\n\r\n{"
    )
    start = time.monotonic()
    received = b""
    with connect(node.port) as sock:
        sock.sendall(head)
        sock.settimeout(0.2)
        while time.monotonic() - start < BODY_SECONDS + MARGIN:
            try:
                chunk = sock.recv(65536)
            except TimeoutError:
                try:
                    sock.send(b" ")
                except OSError:
                    break
                continue
            if not chunk:
                break
            received += chunk
    seconds = time.monotonic() - start
    assert status(received) == 408, received[:200]
    assert orjson.loads(received.partition(b"\r\n\r\n")[2])["error"] == "timeout"
    assert seconds <= BODY_SECONDS + MARGIN
    assert "Traceback" not in node.log()
