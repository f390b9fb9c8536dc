"""Runs the benchmarks and prints one table: `python -m bench [--units N] [--only B1,B3]`."""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import sys
from collections.abc import Callable

from bench import b1_planning, b2_throughput, b3_broadcast
from bench.databases import postgres_database, postgres_reachable, sqlite_database

Row = tuple[str, str, str, str]


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


async def b1(units: int, rows: list[Row]) -> None:
    databases: list[tuple[str, Callable[[], object]]] = [("SQLite", sqlite_database)]
    if await postgres_reachable():
        databases.append(("PostgreSQL", postgres_database))
    for name, database in databases:
        async with database() as url:  # type: ignore[attr-defined]
            f = await b1_planning.measure(name, url, units)
        rows.append(
            (
                f"B1 reminder planning, {name}",
                f"{f.units:,} units, {f.reports:,} reports, {f.planned:,} reminders "
                f"({f.day:%d/%m/%Y}), {f.statements} SQL statements",
                f"{f.pass_seconds:.3f} s; count(*) {f.count_seconds * 1000:.1f} ms; "
                f"ratio {f.ratio:.1f}×",
                f"< 1 s {verdict(f.pass_seconds < 1)}, < 5× {verdict(f.ratio < 5)}",
            )
        )
        print(" | ".join(rows[-1]), flush=True)


async def b2(updates: int, rows: list[Row]) -> None:
    async with sqlite_database() as url:
        f = await b2_throughput.measure(url, updates)
    rows.append(
        (
            "B2 update throughput, SQLite",
            f"{f.updates:,} updates (/tasks, then a done press, per head)",
            f"bot {f.bot_per_second:.0f}/s; echo bot {f.echo_per_second:.0f}/s; "
            f"ratio {f.ratio:.2f} (the same calls without a database: "
            f"{f.replay_per_second:.0f}/s, {f.replay_ratio:.2f})",
            f"≥ 0.5 {verdict(f.ratio >= 0.5)}",
        )
    )
    print(" | ".join(rows[-1]), flush=True)


async def b3(recipients: int, rows: list[Row]) -> None:
    async with sqlite_database() as url:
        f = await b3_broadcast.measure(url, recipients)
    rows.append(
        (
            "B3 broadcast, SQLite",
            f"{f.recipients:,} recipients, API limit 30/s with 429",
            f"{f.rate:.2f}/s in {f.seconds:.0f} s; ratio {f.rate_ratio:.3f}; "
            f"duplicates {f.duplicates}, lost {f.lost}, 429s {f.too_many_requests}",
            f"≥ 0.95 {verdict(f.rate_ratio >= 0.95)}, 0 dup "
            f"{verdict(f.duplicates == 0)}, 0 lost {verdict(f.lost == 0)}",
        )
    )
    rows.append(
        (
            "B4 peak RSS of the bot process",
            f"{f.recipients:,} units loaded, the broadcast under way",
            f"{f.peak_rss_mb:.0f} MB",
            f"< 200 MB {verdict(f.peak_rss_mb < 200)}",
        )
    )
    print(" | ".join(rows[-2]), flush=True)
    print(" | ".join(rows[-1]), flush=True)


async def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--units", type=int, default=15_000, help="units for B1, B3 and B4")
    parser.add_argument("--updates", type=int, default=1_000, help="heads for B2")
    parser.add_argument(
        "--only", default="B1,B2,B3", help="comma-separated: B1,B2,B3 (B3 gives B4)"
    )
    args = parser.parse_args(argv)
    wanted = {part.strip().upper() for part in args.only.split(",")}
    print(f"Machine: {machine()}", flush=True)
    rows: list[Row] = []
    if "B1" in wanted:
        await b1(args.units, rows)
    if "B2" in wanted:
        await b2(args.updates, rows)
    if "B3" in wanted or "B4" in wanted:
        await b3(args.units, rows)
    print()
    print("| Benchmark | Workload | Result | Target |")
    print("|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1:])))
