"""Entries verified per second (line checks + chain) against bare Ed25519 verifications.

Both are measured side by side, alternating, on the same entries: the bare loop calls
``Ed25519PublicKey.verify`` on the exact signing inputs with keys and signatures already
decoded; the full loop runs ``verify_line`` and ``ChainSet.append`` on the raw lines.
"""

from __future__ import annotations

import gc
import statistics
import time

import orjson

from bench import sections
from bench.corpus import make_feeds
from protocol.chains import ChainSet
from protocol.encoding import b64url_decode
from protocol.entries import SIGNING_DOMAIN
from protocol.keys import verifier_for
from protocol.verification import verify_lines

FIGURES = (
    sections.Figure("bare_ed25519_per_s", "bare Ed25519 verifications", "/s", 0),
    sections.Figure("entries_verified_per_s", "entries verified and chained", "/s", 0),
    sections.Figure("ratio_median", "ratio entries ÷ bare (median of pairs)", "", 3, "≥ 0.90"),
    sections.Figure("ratio_p25", "ratio, p25 of pairs", "", 3),
    sections.Figure("ratio_p75", "ratio, p75 of pairs", "", 3),
)


def run(quick: bool = False, runs: int = 5) -> dict:
    """``runs`` complete measurements one after the other (quick: one, on a smaller
    corpus)."""
    params = (
        {"authors": 10, "per_author": 50, "rounds": 2, "batch": 25}
        if quick
        else {"authors": 20, "per_author": 100, "rounds": 7, "batch": 25}
    )
    entries = make_feeds(params["authors"], params["per_author"])
    params["entries"] = len(entries)
    params["mean_line_bytes"] = round(sum(len(e.line) for e in entries) / len(entries))
    measured = [
        _measure(entries, params["rounds"], params["batch"]) for _ in range(1 if quick else runs)
    ]
    return {"params": params, "runs": measured}


def _measure(entries: list, rounds: int, batch: int) -> dict:
    """Each round walks the corpus in batches of ``batch`` entries, timing the bare loop and
    the full loop on the same batch back to back (in alternating order), so that the noise
    of a shared machine falls on both alike. Each pair gives a ratio (full rate / bare
    rate); the figure is the median over all pairs of all rounds."""
    lines = [e.line for e in entries]
    bare_inputs = [
        (
            verifier_for(e.author),
            b64url_decode(e.sig),
            SIGNING_DOMAIN + orjson.dumps(e.header, option=orjson.OPT_SORT_KEYS),
        )
        for e in entries
    ]
    gc.collect()
    clock = time.perf_counter

    def bare(lo: int, hi: int) -> float:
        start = clock()
        for public_key, sig, message in bare_inputs[lo:hi]:
            public_key.verify(sig, message)
        return clock() - start

    def full(chains: ChainSet, lo: int, hi: int) -> float:
        start = clock()
        for entry in verify_lines(lines[lo:hi]):
            chains.append(entry)
        return clock() - start

    def one_round() -> tuple[float, float, list[float]]:
        chains = ChainSet()
        bare_time = full_time = 0.0
        pair_ratios = []
        for i, lo in enumerate(range(0, len(lines), batch)):
            hi = lo + batch
            if i % 2:
                b = bare(lo, hi)
                f = full(chains, lo, hi)
            else:
                f = full(chains, lo, hi)
                b = bare(lo, hi)
            bare_time += b
            full_time += f
            pair_ratios.append(b / f)
        return len(lines) / bare_time, len(lines) / full_time, pair_ratios

    one_round()  # warm up caches
    bare_rates, full_rates, ratios = [], [], []
    for _ in range(rounds):
        b, f, pairs = one_round()
        bare_rates.append(b)
        full_rates.append(f)
        ratios.extend(pairs)
    return {
        "bare_ed25519_per_s": round(statistics.median(bare_rates)),
        "entries_verified_per_s": round(statistics.median(full_rates)),
        "ratio_median": round(statistics.median(ratios), 3),
        "ratio_p25": round(sections.quantile(ratios, 0.25), 3),
        "ratio_p75": round(sections.quantile(ratios, 0.75), 3),
    }


def report(result: dict) -> str:
    p = result["params"]
    what = (
        f"{p['entries']:,} signed offer entries ({p['authors']} authors × {p['per_author']}, "
        f"interleaved; mean line {p['mean_line_bytes']:,} bytes), walked in batches of "
        f"{p['batch']}. For each batch, back to back and in alternating order: **bare** "
        "`Ed25519PublicKey.verify` on the exact signing inputs (keys built and signatures "
        "decoded beforehand), and **full** `verify_lines` on the raw lines (canonical form, "
        "profile, header rules, author, body hash, signature, entry id) then "
        "`ChainSet.append` (seq, prev, fork). Each pair gives a ratio (full throughput ÷ "
        f"bare); a run's ratio is the median of the pairs of its {p['rounds']} rounds."
    )
    return sections.section(
        "verify", "Entry verification against bare Ed25519", what, result, FIGURES
    )


def goals(result: dict) -> list[tuple]:
    return sections.simple_goals(result, FIGURES)
