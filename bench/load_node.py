"""A node served by ``maillage serve`` in a subprocess, for ``bench.load``."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

START_TIMEOUT_S = 120


@dataclass
class Served:
    process: subprocess.Popen
    port: int

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


#: wrk's connections all come from 127.0.0.1; 200 visitors come from 200 addresses.
ENVIRONMENT = {"MAILLAGE_MAX_CONNECTIONS_PER_ADDRESS": "1000"}


def start_node(home: Path, port: int, log: Path, poll_seconds: int | None = None) -> Served:
    """``maillage serve`` of ``home`` on 127.0.0.1:``port``, once it says it serves."""
    env = {**os.environ, **ENVIRONMENT}
    command = [sys.executable, "-m", "node", "serve", "--home", str(home)]
    command += ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
    if poll_seconds is not None:
        command += ["--poll-seconds", str(poll_seconds)]
    with log.open("ab") as errors:
        process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=errors, text=True, env=env
        )
    assert process.stdout is not None
    deadline = time.monotonic() + START_TIMEOUT_S
    line = process.stdout.readline()  # « Nœud Maillage … en service sur http://… »
    if "en service" not in line or time.monotonic() > deadline:
        process.kill()
        raise RuntimeError(f"maillage serve did not start: {line!r}; see {log}")
    return Served(process, port)


def cpu_seconds(pid: int) -> float:
    """User and system CPU seconds of process ``pid`` (and its threads) so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def memory_mb(pid: int) -> dict[str, float]:
    status = Path(f"/proc/{pid}/status").read_text()
    values = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
    return {name: round(int(values[name].split()[0]) / 1024, 1) for name in ("VmRSS", "VmHWM")}
