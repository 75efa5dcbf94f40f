"""``kneekit bench``: what users feel, each figure measured against a baseline in the same run.

Issue #6 lists the measurements and their targets: timer accuracy in a real kernel, client page
start-up in Chromium, clinic scale, kernel memory and import time. ``--json`` prints one object
with a key per measurement; otherwise a table a person can read. Everything runs on this machine
only (127.0.0.1 and IPC sockets) and within set time limits.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

Section = Callable[[bool], dict[str, Any]]


def _timer(quick: bool) -> dict[str, Any]:
    from kneekit.bench import timer

    return timer.measure(timer.QUICK_ROUTINE if quick else timer.ROUTINE)


def _startup(quick: bool) -> dict[str, Any]:
    from kneekit.bench import startup

    return startup.measure(runs=1 if quick else 5)


def _scale(quick: bool) -> dict[str, Any]:
    from kneekit.bench import scale

    db = os.environ.get("KNEEKIT_BENCH_DB") or None
    return scale.measure(clients=20, days=60, db=db) if quick else scale.measure(db=db)


def _memory(quick: bool) -> dict[str, Any]:
    from kneekit.bench import memory

    return memory.measure(rounds=1 if quick else 3)


def _import(quick: bool) -> dict[str, Any]:
    from kneekit.bench import importtime

    return importtime.measure(repeat=2 if quick else 7)


def _burst(quick: bool) -> dict[str, Any]:
    from kneekit.bench import burst

    return burst.measure(runs=1 if quick else 3)


SECTIONS: dict[str, Section] = {
    "timer": _timer,
    "startup": _startup,
    "scale": _scale,
    "memory": _memory,
    "import": _import,
    "burst": _burst,
}
"""Each measurement, by its key in the JSON object (issue #6 names the keys; issue #14 adds
``burst``)."""


def run(
    names: Sequence[str], quick: bool = False, progress: Callable[[str], object] = print
) -> dict[str, Any]:
    """Run the named measurements; one that cannot run here gives ``{"error": why}``."""
    from kneekit.bench.kernel import BenchError  # jupyter_client: only when measuring

    results: dict[str, Any] = {
        "machine": {
            "cpus": os.cpu_count(),
            "load_1min": round(os.getloadavg()[0], 2),
            "python": platform.python_version(),
        },
        "quick": quick,
    }
    began = time.monotonic()
    for name in names:
        progress(f"Measuring {name}...")
        start = time.monotonic()
        try:
            results[name] = SECTIONS[name](quick)
        except BenchError as exc:
            results[name] = {"error": str(exc)}
        results[name]["seconds"] = round(time.monotonic() - start, 1)
    results["seconds"] = round(time.monotonic() - began, 1)
    return results


ROWS: dict[str, list[tuple[str, str, str, str]]] = {
    "timer": [
        ("drift at the end", "{drift_ms} ms", "naive {naive_drift_ms} ms", "<= 20 ms"),
        ("max lateness of a step", "{max_late_ms} ms", "naive {naive_max_late_ms} ms", "<= 100 ms"),
        (
            "seconds shown late, median",
            "{second_late_median_ms} ms",
            "max {second_late_max_ms} ms",
            "",
        ),
    ],
    "startup": [
        ("client page, kernel on demand", "{client_s} s", "bare {bare_s} s", "x{ratio} <= x1.3"),
    ],
    "scale": [
        (
            "overview of {rows} rows",
            "{overview_s} s",
            "all rows {overview_all_rows_s} s",
            "<= 0.5 s",
        ),
        ("one client's trend (PNG)", "{trend_s} s", "figure alone {trend_figure_s} s", "<= 0.15 s"),
        ("trend, 10x rows vs a tenth", "x{trend_ratio}", "tenth {trend_small_s} s", "<= x1.5"),
        ("one client's export (JSON)", "{export_s} s", "CSV {export_csv_s} s", ""),
    ],
    "memory": [
        (
            "client-page kernel RSS",
            "{client_rss_mb} MiB",
            "bare {bare_rss_mb} MiB",
            "x{ratio} <= x1.25",
        ),
    ],
    "import": [
        (
            "import kneekit",
            "{kneekit_s:.4f} s",
            "ipywidgets {ipywidgets_s:.3f} s",
            "x{ratio} <= x1.2",
        ),
        ("import kneekit.widgets", "{widgets_s:.3f} s", "", "x{widgets_ratio}"),
    ],
    "burst": [
        (
            "client page, {bad_loads} bad loads",
            "{during_bad_loads_s} s",
            "idle {idle_s} s",
            "x{ratio} <= x1.5",
        ),
    ],
}
"""Each measurement's lines in the table: what, measured, baseline, target (formatted from its
JSON values)."""


def table(results: dict[str, Any]) -> str:
    """The results as a table: each measurement, its baseline, its target, and whether met."""
    machine = results["machine"]
    lines = [
        f"kneekit bench: {machine['cpus']} CPUs, load {machine['load_1min']} at the start, "
        f"Python {machine['python']}"
        + (" (quick: sizes too small to judge)" if results["quick"] else "")
    ]
    for name in SECTIONS:
        if name not in results:
            continue
        r = results[name]
        if "error" in r:
            lines.append(f"\n{name}: could not run: {r['error']}")
            continue
        verdict = "targets met" if r["met"] else "TARGET MISSED"
        lines.append(f"\n{name} ({r['seconds']} s): {verdict}")
        for row in ROWS[name]:
            what, measured, baseline, target = (part.format(**r) for part in row)
            lines.append(f"  {what:32} {measured:>18}   {baseline:<28} {target}")
    lines.append(f"\nTotal {results['seconds']} s.")
    return "\n".join(lines)


NEEDS = ("playwright", "psutil")
"""What the bench uses beyond kneekit's own dependencies: the ``bench`` extra."""


def _run(args: argparse.Namespace) -> int:
    missing = [name for name in NEEDS if importlib.util.find_spec(name) is None]
    if missing:
        print(
            f"kneekit bench needs {' and '.join(missing)}, which kneekit does not install by "
            "default. Install them with: pip install 'kneekit[bench]' (in a clone of kneekit, "
            "the README's test command installs them too).",
            file=sys.stderr,
        )
        return 2
    names = args.only or list(SECTIONS)
    if getattr(args, "db", None) and "://" in args.db:
        os.environ["KNEEKIT_BENCH_DB"] = args.db  # the scale figures on that server

    def progress(text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    results = run(names, args.quick, progress)
    print(json.dumps(results, indent=2) if args.json else table(results))
    return 1 if any("error" in results[n] for n in names) else 0


def _options(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument(
        "--only",
        nargs="+",
        choices=list(SECTIONS),
        metavar="NAME",
        help=f"run only these measurements ({', '.join(SECTIONS)})",
    )
    parser.add_argument(
        "--quick", action="store_true", help="tiny sizes: checks that it runs, measures nothing"
    )
    parser.add_argument(
        "--db",
        default=argparse.SUPPRESS,
        metavar="URL",
        help="run the clinic-scale figures on this database server (e.g. PostgreSQL) instead of "
        "temporary SQLite files; kneekit makes and drops two schemas of its own there",
    )
    parser.set_defaults(run=_run)
    return parser


def add_command(commands: Any) -> argparse.ArgumentParser:
    """Add ``bench`` to the ``kneekit`` subcommands (what ``add_subparsers`` returned)."""
    return _options(
        commands.add_parser(
            "bench",
            help="measure timer accuracy, page start-up, clinic scale and memory",
            description="Measure what users feel, each figure against a baseline in the same "
            "run (about 5 minutes; uses a real kernel, Chromium and a temporary clinic).",
        )
    )


def bench_main(argv: Sequence[str] | None = None) -> int:
    """``python -m kneekit.bench``: the same as ``kneekit bench``."""
    args = _options(argparse.ArgumentParser(prog="kneekit bench")).parse_args(argv)
    return int(args.run(args))
