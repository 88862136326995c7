"""``maillage serve`` in a child process, as an attacker meets it: on 127.0.0.1, its
settings from ``MAILLAGE_*`` variables, its whole log (stderr) in a file the tests read."""

from __future__ import annotations

import contextlib
import os
import re
import selectors
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from node.home import create_home

ROOT = Path(__file__).resolve().parents[2]
START_SECONDS = 30


class ServedNode:
    """A node served by ``python -m node serve --port 0``; ``files`` caps its open files."""

    def __init__(self, root: Path, *, files: int | None = None, **settings: Any) -> None:
        self.home = root / "lieu"
        with create_home(self.home, name="Lieu attaqué"):
            pass
        self.log_path = root / "serve.log"
        env = {k: v for k, v in os.environ.items() if not k.startswith("MAILLAGE_")}
        env.update({f"MAILLAGE_{name.upper()}": str(value) for name, value in settings.items()})
        env["MAILLAGE_POLLING"] = "false"
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "node", "serve", "--home", str(self.home), "--port", "0"],
                cwd=ROOT,
                env=env,
                stdout=subprocess.PIPE,
                stderr=log,
            )
        if files is not None:
            _limit_files(self.process.pid, files)
        line = self._first_line(time.monotonic() + START_SECONDS)
        found = re.search(r"http://127\.0\.0\.1:([0-9]+)/", line)
        assert found, line
        self.port = int(found.group(1))

    def _first_line(self, deadline: float) -> str:
        assert self.process.stdout is not None
        buffer = b""
        with selectors.DefaultSelector() as selector:
            selector.register(self.process.stdout, selectors.EVENT_READ)
            while b"\n" not in buffer:
                remaining = deadline - time.monotonic()
                assert remaining > 0, f"the node printed no address: {self.log()[-2000:]}"
                if selector.select(remaining):
                    chunk = os.read(self.process.stdout.fileno(), 4096)
                    assert chunk, f"the node exited: {self.log()[-2000:]}"
                    buffer += chunk
        return buffer.split(b"\n", 1)[0].decode("utf-8")

    def log(self, since: int = 0) -> str:
        with self.log_path.open("rb") as log:
            log.seek(since)
            return log.read().decode("utf-8", "replace")

    def log_size(self) -> int:
        return self.log_path.stat().st_size

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()


def _limit_files(pid: int, files: int) -> None:
    """Cap the open files of the child (at once: it opens no connection before it listens)."""
    import resource

    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.prlimit(pid, resource.RLIMIT_NOFILE, (files, hard))


@contextlib.contextmanager
def served(root: Path, **settings: Any) -> Iterator[ServedNode]:
    node = ServedNode(root, **settings)
    try:
        yield node
    finally:
        node.stop()


def connect(port: int, source: str = "127.0.0.1", timeout: float = 5.0) -> socket.socket:
    """A connection to the node from ``source`` (any 127.x.y.z is this machine)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.settimeout(timeout)
        sock.bind((source, 0))
        sock.connect(("127.0.0.1", port))
    except BaseException:
        sock.close()
        raise
    return sock


def exchange(port: int, data: bytes, *, timeout: float = 5.0, source: str = "127.0.0.1"):
    """Send ``data``, read until the node closes the connection (or ``timeout``): the bytes
    received and the seconds it took."""
    start = time.monotonic()
    received = b""
    with connect(port, source, timeout) as sock:
        sock.sendall(data)
        with contextlib.suppress(TimeoutError, ConnectionResetError):
            while chunk := sock.recv(65536):
                received += chunk
    return received, time.monotonic() - start


def status(wire: bytes) -> int:
    """The status of the final answer in ``wire`` (after any ``100 Continue``)."""
    codes = re.findall(rb"^HTTP/1\.[01] ([0-9]{3}) ", wire, flags=re.M)
    assert codes, wire[:200]
    return int(codes[-1])
