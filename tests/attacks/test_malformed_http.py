"""Requests aiohttp cannot parse, forms that cannot be read, ``Expect: 100-continue``: each
gets a French 4xx at once from a real ``maillage serve``, and its log holds the access line
of it, never a traceback."""

from __future__ import annotations

import socket
import struct
import time

import orjson
import pytest

from tests.attacks.served import ServedNode, connect, exchange, status

QUICK = 2.0  # seconds: an answer, and the connection closed


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory):
    served = ServedNode(tmp_path_factory.mktemp("malformed"))
    yield served
    served.stop()


def post(path: str, content_type: str, body: bytes, extra: str = "") -> bytes:
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        f"Content-Type: {content_type}\r\nContent-Length: {len(body)}\r\n{extra}\r\n"
    )
    return head.encode("latin-1") + body


def _log_after(node: ServedNode, offset: int) -> str:
    """The log since ``offset``, once the access line of the request is in it."""
    deadline = time.monotonic() + 3
    while "maillage.access" not in (text := node.log(offset)) and time.monotonic() < deadline:
        time.sleep(0.05)
    return text


def _assert_french_4xx(node: ServedNode, request: bytes, expected: int) -> dict:
    offset = node.log_size()
    wire, seconds = exchange(node.port, request)
    assert wire, "no answer"
    assert status(wire) == expected, wire[:300]
    assert seconds < QUICK, f"{seconds:.1f} s to answer and close"
    head, _, body = wire.rpartition(b"\r\n\r\n")
    assert b"application/json" in head
    error = orjson.loads(body)
    assert set(error) == {"error", "message"} and error["message"]
    log = _log_after(node, offset)
    assert "maillage.access" in log
    assert "Traceback" not in log and " ERROR " not in log, log[-3000:]
    return error


UNPARSABLE = {
    "nul-in-header": b"GET / HTTP/1.1\r\nHost: x\r\nX-Nom: a\x00b\r\n\r\n",
    "garbage-line": b"\x00\x01\x02 garbage\r\n\r\n",
    "tls-hello": b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + b"\x00" * 40,
    "bad-chunk": (
        b"POST /inbox HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Transfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n"
    ),
}


@pytest.mark.parametrize("request_bytes", UNPARSABLE.values(), ids=UNPARSABLE.keys())
def test_what_aiohttp_cannot_parse_is_a_french_400(node: ServedNode, request_bytes) -> None:
    error = _assert_french_4xx(node, request_bytes, 400)
    assert error["error"] == "bad-request"
    assert "illisible" in node.log()


FORMS = {
    "multipart-without-boundary": ("multipart/form-data", b"mode=subscribe"),
    "multipart-empty-boundary": ("multipart/form-data; boundary=", b"x"),
    "multipart-garbage": ("multipart/form-data; boundary=XX", b"garbage"),
    "multipart-truncated": (
        "multipart/form-data; boundary=XX",
        b'--XX\r\nContent-Disposition: form-data; name="mode"\r\n\r\nsub',
    ),
    "multipart-nameless": (
        "multipart/form-data; boundary=XX",
        b"--XX\r\nContent-Disposition: form-data\r\n\r\nv\r\n--XX--\r\n",
    ),
    "unknown-charset": ("application/x-www-form-urlencoded; charset=bogus", b"mode=a"),
    "not-utf8": ("application/x-www-form-urlencoded", b"mode=\xff\xfe"),
}


@pytest.mark.parametrize("path", ["/inbox", "/admin/connexion"])
@pytest.mark.parametrize("form", FORMS.values(), ids=FORMS.keys())
def test_a_form_that_cannot_be_read_is_a_french_400(node: ServedNode, path, form) -> None:
    content_type, body = form
    error = _assert_french_4xx(node, post(path, content_type, body), 400)
    assert error["error"] == "bad-form"


def test_a_body_that_cannot_be_decoded_is_a_french_400(node: ServedNode) -> None:
    request = post("/inbox", "application/json", b"not gzip", "Content-Encoding: gzip\r\n")
    assert _assert_french_4xx(node, request, 400)["error"] == "bad-body"


def test_a_refused_expectation_closes_at_once(node: ServedNode) -> None:
    """No ``100 Continue`` for a body that will not be read, and no 10 s wait for it."""
    head = (
        "POST /inbox HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        "Content-Length: {length}\r\nExpect: {expect}\r\nConnection: close\r\n\r\n"
    )
    too_large = head.format(length=10**8, expect="100-continue").encode()
    error = _assert_french_4xx(node, too_large, 413)
    assert error["error"] == "too-large"
    unknown = head.format(length=5, expect="café-offert").encode()
    assert _assert_french_4xx(node, unknown, 417)["error"] == "expectation-failed"
    wire, _ = exchange(node.port, too_large)
    assert b"100 Continue" not in wire


def test_a_good_expectation_is_told_to_continue(node: ServedNode) -> None:
    body = b'{"mode": "bogus"}'
    with connect(node.port, timeout=QUICK) as sock:
        sock.sendall(
            b"POST /inbox HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: %d\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n" % len(body)
        )
        assert sock.recv(65536) == b"HTTP/1.1 100 Continue\r\n\r\n"
        sock.sendall(body)
        wire = b""
        while chunk := sock.recv(65536):
            wire += chunk
    assert status(wire) == 400 and b'"bad-mode"' in wire


def test_a_client_gone_mid_body_leaves_no_traceback(node: ServedNode) -> None:
    offset = node.log_size()
    with connect(node.port) as sock:
        sock.sendall(post("/inbox", "application/json", b"{" * 100)[:-90])
        time.sleep(0.2)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # RST
    log = _log_after(node, offset)
    assert "POST /inbox" in log
    assert "Traceback" not in log and " ERROR " not in log, log[-3000:]
