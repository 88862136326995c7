"""``docs/benchmarks.md``, written whole from ``docs/benchmarks.json``.

The JSON keeps each benchmark's last result with when, where and on which commit it was
measured; a run of some benchmarks replaces their entries and the Markdown is written again
from all of them, so that a benchmark of 20 minutes (``network``) need not run for the report
to be whole. Nothing in the Markdown is written by hand: the why and the history of the
figures live in ``docs/performance.md``.
"""

from __future__ import annotations

import json
import os
import platform
import sqlite3
import subprocess
import time
from importlib import metadata
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
JSON_PATH = DOCS / "benchmarks.json"
MARKDOWN_PATH = DOCS / "benchmarks.md"
LIBRARIES = ("cryptography", "aiohttp", "whoosh-reloaded", "orjson", "pydantic")


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _memory_gib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 2**20, 1)
    except OSError:
        pass
    return None


def load_average() -> float | None:
    try:
        return os.getloadavg()[0]
    except OSError:
        return None


def commit() -> str:
    try:
        done = subprocess.run(
            ["git", "-C", str(ROOT), "describe", "--always", "--dirty"],
            capture_output=True,
            text=True,
            check=False,
            timeout=10,
        )
        return done.stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def machine() -> dict[str, Any]:
    versions = {}
    for name in LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "absent"
    try:
        from cryptography.hazmat.backends.openssl.backend import backend

        versions["OpenSSL"] = backend.openssl_version_text()
    except Exception:
        pass
    versions["SQLite"] = sqlite3.sqlite_version
    return {
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "memory_gib": _memory_gib(),
        "system": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "libraries": versions,
    }


def stamp(started: float, load_before: float | None) -> dict[str, Any]:
    """When, where and how a benchmark just ran."""
    return {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "commit": commit(),
        "seconds": round(time.monotonic() - started, 1),
        "load_before": None if load_before is None else round(load_before, 2),
        "load_after": None if (after := load_average()) is None else round(after, 2),
    }


def read_json(path: Path = JSON_PATH) -> dict[str, Any]:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {"benchmarks": {}}


def record(name: str, result: dict[str, Any], meta: dict[str, Any], path: Path = JSON_PATH) -> dict:
    data = read_json(path)
    data.setdefault("benchmarks", {})[name] = {"meta": meta, "machine": machine(), "result": result}
    path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n")
    return data


def _machine_table(m: dict[str, Any]) -> str:
    libraries = ", ".join(f"{k} {v}" for k, v in m["libraries"].items())
    rows = [
        ("processor", f"{m['cpu']}, {m['cores']} cores"),
        ("memory", f"{m['memory_gib']} GiB"),
        ("system", m["system"]),
        ("Python", m["python"]),
        ("libraries", libraries),
    ]
    return "\n".join(["| | |", "|---|---|", *(f"| {k} | {v} |" for k, v in rows)])


def _meta_line(meta: dict[str, Any]) -> str:
    load = ""
    if meta.get("load_before") is not None:
        load = f", load average {meta['load_before']} → {meta['load_after']}"
    return f"_Measured {meta['date']}, commit `{meta['commit']}`, in {meta['seconds']} s{load}._"


def markdown(data: dict[str, Any], modules: dict[str, ModuleType], command: str) -> str:
    entries = data.get("benchmarks", {})
    newest = max((e["meta"]["date"] for e in entries.values()), default="never")
    machines = {json.dumps(e["machine"], sort_keys=True) for e in entries.values()}
    parts = [
        "# Benchmarks",
        f"_Written by `{command}` from `docs/benchmarks.json`; latest run {newest}. Do not "
        "edit by hand: `make bench` runs every benchmark below but `network` (≈ 25 min: "
        "`python -m bench network`), `python -m bench NAME …` only those named, and each run "
        "rewrites this file whole from the last result of each. Every figure is measured on "
        "this machine; a goal is met only if it holds on every run. How the goals are met, "
        "what was tried and the earlier figures: [performance.md](performance.md)._",
    ]
    if entries:
        first = next(iter(entries.values()))["machine"]
        parts += ["## The machine", _machine_table(first)]
        if len(machines) > 1:
            parts.append("_(Some benchmarks ran with other library versions: see their JSON.)_")
    goal_rows = []
    for name, module in modules.items():
        entry = entries.get(name)
        if entry is None or not hasattr(module, "goals"):
            continue
        for figure, value, goal, met in module.goals(entry["result"]):
            goal_rows.append(
                f"| {name} | {figure} | {value} | {goal} | {'yes' if met else '**NO**'} |"
            )
    if goal_rows:
        parts += [
            "## Goals",
            "| benchmark | figure | median (min – max) | goal | met on every run |\n"
            "|---|---|---|---|---|\n" + "\n".join(goal_rows),
        ]
    for name, module in modules.items():
        entry = entries.get(name)
        if entry is None:
            parts.append(f"## `{name}`\n\nNot run yet: `python -m bench {name}`.")
            continue
        parts.append(module.report(entry["result"]).strip() + "\n\n" + _meta_line(entry["meta"]))
    return "\n\n".join(parts) + "\n"


def write(
    data: dict[str, Any], modules: dict[str, ModuleType], command: str, path: Path = MARKDOWN_PATH
) -> None:
    path.write_text(markdown(data, modules, command))
