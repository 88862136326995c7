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

from bench.corpus import make_feeds
from protocol.chains import ChainSet
from protocol.encoding import b64url_decode
from protocol.entries import SIGNING_DOMAIN
from protocol.keys import verifier_for
from protocol.verification import verify_lines


def run(authors: int = 20, per_author: int = 100, rounds: int = 7, batch: int = 25) -> dict:
    """Each round walks the corpus in batches of ``batch`` entries, timing the bare loop and
    the full loop on the same batch back to back (in alternating order), so that the noise
    of a shared machine falls on both alike. Each pair gives a ratio (full rate / bare
    rate); the figure is the median over all pairs of all rounds."""
    entries = make_feeds(authors, per_author)
    lines = [e.line for e in entries]
    bare_inputs = [
        (
            verifier_for(e.author),
            b64url_decode(e.sig),
            SIGNING_DOMAIN + orjson.dumps(e.header, option=orjson.OPT_SORT_KEYS),
        )
        for e in entries
    ]
    # Keep only bytes and key objects: the parsed corpus would otherwise sit in the heap the
    # garbage collector walks, a cost of this benchmark and not of verification.
    del entries
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
    ratios.sort()
    return {
        "entries": len(lines),
        "mean_line_bytes": round(sum(map(len, lines)) / len(lines)),
        "rounds": rounds,
        "batch": batch,
        "bare_ed25519_per_s": round(statistics.median(bare_rates)),
        "entries_verified_per_s": round(statistics.median(full_rates)),
        "ratio_median": round(statistics.median(ratios), 3),
        "ratio_p25": round(ratios[len(ratios) // 4], 3),
        "ratio_p75": round(ratios[3 * len(ratios) // 4], 3),
    }


def report(result: dict) -> str:
    return (
        f"verify: {result['entries']} entries (mean {result['mean_line_bytes']} B), "
        f"{result['rounds']} rounds of paired batches of {result['batch']}\n"
        f"  bare Ed25519 verify      {result['bare_ed25519_per_s']:>8} /s (median of rounds)\n"
        f"  entry verify + chain     {result['entries_verified_per_s']:>8} /s (median of rounds)\n"
        f"  ratio, median of pairs   {result['ratio_median']:.3f} "
        f"(p25 {result['ratio_p25']:.3f}, p75 {result['ratio_p75']:.3f})   goal ≥ 0.90"
    )
