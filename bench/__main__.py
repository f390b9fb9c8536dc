"""Runs the benchmarks and prints one table: `python -m bench [--quick] [--only B1,B2]`."""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime

from bench import b1_planning, b2_wave, b3_broadcast, b5_replies
from bench.databases import postgres_database, postgres_reachable, sqlite_database

Row = tuple[str, str, str, str]
NATIONAL = 15_000
QUICK = 1_500


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in open("/proc/cpuinfo", encoding="utf-8"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        memory = f", {pages / 2**30:.0f} GiB RAM"
    except (ValueError, OSError):
        pass
    return (
        f"{cpu}, {os.cpu_count()} cores{memory}; Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}"
    )


def verdict(ok: bool) -> str:
    return "✅" if ok else "❌"


def spread(values: list[float], fmt: str = "{:.0f}") -> str:
    """min/median/max."""
    if not values:
        return "–"
    return "/".join(fmt.format(v) for v in (min(values), statistics.median(values), max(values)))


def emit(rows: list[Row], row: Row) -> None:
    rows.append(row)
    print(" | ".join(row), flush=True)


async def b1(
    sizes: list[int], rows: list[Row], peaks: list[tuple[str, float]], units: int
) -> None:
    databases: list[tuple[str, Callable[[], object]]] = [("SQLite", sqlite_database)]
    if await postgres_reachable():
        databases.append(("PostgreSQL", postgres_database))
    for name, database in databases:
        for size in sizes:
            async with database() as url:  # type: ignore[attr-defined]
                f = await b1_planning.measure(name, url, size)
            if size == units:
                peaks.append((f"the daily pass on {name} (B1)", f.peak_rss_mb))
            targets = f"≤ 2× {verdict(f.ratio <= 2)}"
            if size == NATIONAL:
                targets = f"< 1 s {verdict(f.pass_median < 1)}, " + targets
            emit(
                rows,
                (
                    f"B1 morning pass, {name}",
                    f"{f.units:,} units, {f.reports:,} reports, {f.planned:,} reminders "
                    f"({f.day:%d/%m/%Y}), {f.statements} SQL statements",
                    f"pass {spread(f.pass_seconds, '{:.3f}')} s; its SQL alone "
                    f"{spread(f.sql_seconds, '{:.3f}')} s; ratio {f.ratio:.2f}× "
                    f"({f.pass_median / f.units * 1e6:.0f} µs a unit); planned and queued "
                    f"by the daily pass in a process of its own: {f.queued:,} in "
                    f"{f.queued_seconds:.2f} s, peak RSS {f.peak_rss_mb:.0f} MB "
                    f"({f.rss_before_mb:.0f} MB before the pass)",
                    targets,
                ),
            )


async def b2(
    units: int,
    rounds: int,
    rows: list[Row],
    peaks: list[tuple[str, float]],
    seconds: float | None,
) -> None:
    async with sqlite_database() as url:
        f = await b2_wave.measure(url, units, rounds, seconds)
    peaks.append(("the bot through the morning pass and its wave (B2)", f.peak_rss_mb))
    for rate in b2_wave.RATES:
        wave, idle = f.spread("wave", rate), f.spread("idle", rate)
        emit(
            rows,
            (
                f"B2 replies during the wave, {rate} updates/s, SQLite",
                f"{units:,} units; ✅ on the digest and /tasks, {rounds} rounds of "
                f"{f.round_seconds:.0f} s each",
                f"p95 ms wave {wave}, idle {idle}; ratio {f.ratio(rate):.2f}",
                f"≤ 1.5× {verdict(f.ratio(rate) <= 1.5)}",
            ),
        )
    emit(
        rows,
        (
            "B2 the wave itself, SQLite",
            f"{f.digests:,} reminders queued by the morning pass, API limit 30/s with 429",
            f"digests {f.bulk_rate:.2f}/s, replies {f.reply_rate:.2f}/s "
            f"over {f.wave_seconds:.0f} s; "
            f"drain ratio {f.drain_ratio:.3f}; duplicates {f.duplicates}, lost {f.lost}; "
            f"429s: replies {f.reply_429}, digests {f.bulk_429}; unanswered {f.unanswered}; "
            f"p95 ms of /tasks wave {f.wave_by_kind['tasks']:.0f}, idle "
            f"{f.idle_by_kind['tasks']:.0f}; of ✅ wave {f.wave_by_kind['press']:.0f}, "
            f"idle {f.idle_by_kind['press']:.0f}"
            + ("; the wave ended before the rounds" if f.rounds_after_wave else ""),
            f"≥ 0.9 {verdict(f.drain_ratio >= 0.9)}, 0 dup {verdict(f.duplicates == 0)}, "
            f"0 lost {verdict(f.lost == 0)}, 0 reply 429 {verdict(f.reply_429 == 0)}",
        ),
    )


async def b3(recipients: int, rows: list[Row], peaks: list[tuple[str, float]]) -> None:
    async with sqlite_database() as url:
        f = await b3_broadcast.measure(url, recipients)
    peaks.append(("the bot through the broadcast (B3)", f.peak_rss_mb))
    emit(
        rows,
        (
            "B3 broadcast, SQLite",
            f"{f.recipients:,} recipients, API limit 30/s with 429",
            f"{f.rate:.2f}/s in {f.seconds:.0f} s (thirds {spread(f.thirds, '{:.2f}')}/s); "
            f"ratio {f.rate_ratio:.3f}; duplicates {f.duplicates}, lost {f.lost}, "
            f"429s {f.too_many_requests}",
            f"≥ 0.95 {verdict(f.rate_ratio >= 0.95)}, 0 dup "
            f"{verdict(f.duplicates == 0)}, 0 lost {verdict(f.lost == 0)}",
        ),
    )


async def b5(updates: int, rows: list[Row]) -> None:
    async with sqlite_database() as url:
        f = await b5_replies.measure(url, updates)
    emit(
        rows,
        (
            "B5 replies alone, SQLite",
            f"{f.updates:,} updates (/tasks, then a done press, per head)",
            f"updates/s: bot {spread(f.bot)}, replay bot {spread(f.replay)}, echo bot "
            f"{spread(f.echo)}; bot/echo {f.ratio:.2f}, replay/echo {f.replay_ratio:.2f}",
            "figure only",
        ),
    )


async def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"{QUICK:,} units everywhere and B1 at that size only (a few minutes)",
    )
    parser.add_argument("--units", type=int, help=f"units for B2, B3, B4 (default {NATIONAL:,})")
    parser.add_argument("--curve", help="B1's sizes, comma-separated (default 1500,15000,150000)")
    parser.add_argument("--updates", type=int, help="heads for B5 (default 1,000)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of B2 (at least 3)")
    parser.add_argument("--only", default="B1,B2,B3,B5", help="comma-separated: B1,B2,B3,B5")
    args = parser.parse_args(argv)
    units = args.units or (QUICK if args.quick else NATIONAL)
    if args.curve:
        sizes = [int(part) for part in args.curve.split(",")]
    else:
        sizes = [QUICK] if args.quick else [NATIONAL // 10, NATIONAL, NATIONAL * 10]
    updates = args.updates or (150 if args.quick else 1_000)
    wanted = {part.strip().upper() for part in args.only.split(",")}
    print(f"Machine: {machine()}", flush=True)
    print(f"Date: {datetime.now(UTC):%d/%m/%Y %H:%M} UTC", flush=True)
    started = time.monotonic()
    rows: list[Row] = []
    peaks: list[tuple[str, float]] = []
    took: list[str] = []

    def lap(name: str, since: float) -> None:
        took.append(f"{name} {time.monotonic() - since:.0f} s")

    if "B1" in wanted:
        since = time.monotonic()
        await b1(sizes, rows, peaks, units)
        lap("B1", since)
    if "B2" in wanted:
        since = time.monotonic()
        # --quick: rounds of 3 s (30 and 90 updates), so that they fit in a short wave.
        await b2(units, args.rounds, rows, peaks, 3.0 if args.quick else None)
        lap("B2", since)
    if "B3" in wanted:
        since = time.monotonic()
        await b3(units, rows, peaks)
        lap("B3", since)
    if peaks:
        emit(
            rows,
            (
                "B4 peak RSS",
                f"{units:,} units: " + ", ".join(what for what, _mb in peaks),
                " / ".join(f"{mb:.0f} MB" for _what, mb in peaks),
                f"< 200 MB {verdict(max(mb for _what, mb in peaks) < 200)}",
            ),
        )
    if "B5" in wanted:
        since = time.monotonic()
        await b5(updates, rows)
        lap("B5", since)
    print()
    print(f"({time.monotonic() - started:.0f} s: {', '.join(took)})")
    print("| Benchmark | Workload | Result (min/median/max) | Target |")
    print("|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1:])))
