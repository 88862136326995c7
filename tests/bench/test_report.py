"""The benchmarks' report: a goal is met only on every run, and the document is whole."""

from __future__ import annotations

import inspect
import json
from types import SimpleNamespace

from bench import document, sections

FIGURES = (
    sections.Figure("p95_ms", "search p95", "ms", 1, "≤ 20"),
    sections.Figure("rate", "records/s", "/s", 0),
)


def test_a_goal_is_met_only_if_it_holds_on_every_run() -> None:
    runs = [{"p95_ms": 12.0, "rate": 1500}, {"p95_ms": 21.5, "rate": 1600}, {"p95_ms": 9.0}]
    assert sections.goals(runs, FIGURES) == [
        ("search p95", "12.0 ms (9.0 ms – 21.5 ms)", "≤ 20 ms", False)
    ]
    assert sections.goals(runs[:1], FIGURES)[0][3] is True
    table = sections.table(runs, FIGURES)
    assert (
        "| search p95 | 12.0 ms | 21.5 ms | 9.0 ms | **12.0 ms** | 9.0 ms – 21.5 ms "
        "| ≤ 20 ms | **NO** |" in table
    )
    assert "| records/s | 1,500 /s | 1,600 /s | – | **1,550 /s** |" in table


def test_a_skipped_benchmark_says_why() -> None:
    text = sections.section("load", "Charge", "What.", {"skipped": "wrk absent"}, FIGURES)
    assert "**Skipped**: wrk absent." in text
    assert sections.simple_goals({"skipped": "x"}, FIGURES) == []


def test_the_document_is_written_whole_from_every_last_result(tmp_path) -> None:
    module = SimpleNamespace(
        report=lambda r: sections.section("demo", "Demo", "What.", r, FIGURES),
        goals=lambda r: sections.simple_goals(r, FIGURES),
    )
    path = tmp_path / "b.json"
    meta = {
        "date": "2026-12-02 17:00 UTC",
        "commit": "abc",
        "seconds": 1.0,
        "load_before": 0.1,
        "load_after": 0.2,
    }
    document.record("demo", {"runs": [{"p95_ms": 8.0, "rate": 10}]}, meta, path)
    data = document.record("demo", {"runs": [{"p95_ms": 25.0, "rate": 10}]}, meta, path)
    assert json.loads(path.read_text()) == data  # the last result replaces the earlier
    text = document.markdown(data, {"demo": module, "other": module}, "make bench")
    assert text.startswith("# Benchmarks\n")
    assert "| demo | search p95 | 25.0 ms | ≤ 20 ms | **NO** |" in text
    assert (
        "_Measured 2026-12-02 17:00 UTC, commit `abc`, in 1.0 s, load average 0.1 → 0.2._" in text
    )
    assert "Not run yet: `python -m bench other`." in text
    assert "## The machine" in text and "processor" in text


def test_every_benchmark_runs_quick_and_reports_its_goals() -> None:
    """``make bench-quick`` passes ``quick=True`` to every benchmark, and the report calls
    ``report`` and ``goals`` on each result."""
    from bench.__main__ import BENCHMARKS

    assert [
        name
        for name, module in BENCHMARKS.items()
        if "quick" not in inspect.signature(module.run).parameters
        or not callable(getattr(module, "report", None))
        or not callable(getattr(module, "goals", None))
    ] == []
