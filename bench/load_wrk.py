"""The wrk side of ``python -m bench load``: the request mix, the Lua script, its results.

The Lua script (written into the benchmark's temp dir) picks each request from a fixed list
of paths (cacheable: the same answer again and again, as when a newspaper links to one
search) or, with probability ``random_share``, builds one never asked before: a random word
searched, or a random page of a listing. ``response()`` counts statuses (503 with
``Retry-After`` apart); ``done()`` prints one JSON line with the counts and wrk's latency
percentiles.
"""

from __future__ import annotations

import json
import random
import subprocess
from pathlib import Path
from urllib.parse import quote

from bench.words_fr import MORE_WORDS

WRK = "/usr/bin/wrk"
#: wrk's own timeout: a request slower than this is an error, not a latency.
WRK_TIMEOUT = "30s"

_LUA = r"""
local paths = {PATHS}
local words = {WORDS}
local listings = {LISTINGS}
local random_share = {SHARE}
local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
  table.insert(threads, thread)
end

function init(args)
  math.randomseed(os.time() * 100 + id)
  statuses = {}
  busy = 0
  busy_without_retry = 0
end

function request()
  if math.random() < random_share then
    local kind = math.random(4)
    local path
    if kind == 1 then
      path = "/?q=" .. words[math.random(#words)] .. "+" .. words[math.random(#words)]
    elseif kind == 2 then
      path = "/api/search?q=" .. words[math.random(#words)] .. "&page=" .. math.random(1, 3)
    elseif kind == 3 then
      path = "/?col=listing&page=" .. math.random(1, 75)
    else
      path = listings[math.random(#listings)]
    end
    return wrk.format("GET", path)
  end
  return wrk.format("GET", paths[math.random(#paths)])
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  if status == 503 then
    if headers["Retry-After"] or headers["retry-after"] then
      busy = busy + 1
    else
      busy_without_retry = busy_without_retry + 1
    end
  end
end

function done(summary, latency, requests)
  local counts = {}
  local total_busy, total_bad_busy = 0, 0
  for _, thread in ipairs(threads) do
    local s = thread:get("statuses")
    for code, n in pairs(s) do
      counts[code] = (counts[code] or 0) + n
    end
    total_busy = total_busy + thread:get("busy")
    total_bad_busy = total_bad_busy + thread:get("busy_without_retry")
  end
  local parts = {}
  for code, n in pairs(counts) do
    table.insert(parts, string.format('"%d": %d', code, n))
  end
  local e = summary.errors
  io.write(string.format(
    'WRK-RESULT {"statuses": {%s}, "busy_retry_after": %d, "busy_without_retry_after": %d, '
    .. '"requests": %d, "duration_us": %d, "errors": {"connect": %d, "read": %d, '
    .. '"write": %d, "timeout": %d, "status": %d}, "latency_us": {"p50": %d, "p90": %d, '
    .. '"p95": %d, "p99": %d, "max": %d, "mean": %.0f}}\n',
    table.concat(parts, ", "), total_busy, total_bad_busy, summary.requests,
    summary.duration, e.connect, e.read, e.write, e.timeout, e.status,
    latency:percentile(50), latency:percentile(90), latency:percentile(95),
    latency:percentile(99), latency.max, latency.mean))
end
"""


def lua_list(items: list[str]) -> str:
    return "{" + ", ".join(json.dumps(item) for item in items) + "}"


def mix(node_did: str, publisher_did: str, listings: list[str]) -> list[str]:
    """The 30 fixed request shapes (paths, percent-encoded)."""

    def q(text: str) -> str:
        return quote(text, safe="")

    return [
        "/",
        f"/?q={q('coworking')}",
        f"/?q={q('fablab')}",
        f"/?q={q('formation numérique')}",
        f"/?q={q('réemploi')}",
        f"/?q={q('couture petite série')}",
        f"/?q={q('atelier')}&department=33",
        f"/?q={q('coworking')}&department=75",
        "/?department=24",
        f"/?q={q('tiers-lieu')}&near=Bordeaux",
        f"/?q={q('coworking')}&near=44.84,-0.58&radius_km=30",
        f"/?q={q('fablab près de Lyon')}",
        f"/?q={q('café associatif')}",
        "/?q=" + q('"espace de coworking"'),
        "/?col=listing&page=3",
        f"/api/search?q={q('coworking')}",
        f"/api/search?q={q('fablab')}&department=69",
        f"/api/search?q={q('formation numérique')}",
        f"/api/search?q={q('atelier')}&near=45.18,0.72&radius_km=50",
        f"/api/search?q={q('numérique')}&sort=recent",
        f"/api/search?q={q('cowork*')}",
        f"/search.atom?q={q('coworking')}",
        f"/search.atom?q={q('fablab')}&department=33",
        f"/lieux/{node_did}",
        f"/lieux/{publisher_did}",
        *listings[:5],
    ]


def write_script(path: Path, paths: list[str], listings: list[str], random_share: float) -> None:
    words = sorted({quote(w, safe="") for w in MORE_WORDS.split()})
    random.Random(7).shuffle(words)
    script = (
        _LUA.replace("{PATHS}", lua_list(paths))
        .replace("{WORDS}", lua_list(words[:2000]))
        .replace("{LISTINGS}", lua_list(listings))
        .replace("{SHARE}", str(random_share))
    )
    path.write_text(script)


def run_wrk(
    url: str, script: Path, connections: int, threads: int, duration: int
) -> subprocess.Popen:
    return subprocess.Popen(
        [
            WRK,
            f"-c{connections}",
            f"-t{threads}",
            f"-d{duration}s",
            f"--timeout={WRK_TIMEOUT}",
            "--latency",
            "-s",
            str(script),
            url,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def parse(output: str) -> dict:
    for line in output.splitlines():
        if line.startswith("WRK-RESULT "):
            return json.loads(line[len("WRK-RESULT ") :])
    raise RuntimeError(f"wrk gave no result:\n{output[-2000:]}")
