#!/usr/bin/env python3
"""listaudit against the DuckDB baseline, side by side on the same files.

    python3 bench/compare.py [--sizes 1000000,10000000] [--runs 3] [--data DIR] [--xlsx]

Generates each dataset once with the project's seeded generator (outside the
repository: DIR defaults to $TMPDIR/listaudit-bench), warms the page cache,
then runs listaudit and DuckDB alternately, `--runs` times each, and prints
wall time, CPU time (user + system) and peak RSS, medians, with the ratio
listaudit / DuckDB. Needs `pip install duckdb` for the baseline; without it
only listaudit is measured. With --xlsx the subscribers are audited as an
.xlsx workbook (the generator writes one beside the CSV; Excel holds at most
1,048,575 rows) and listaudit alone is measured: the baseline reads CSV.
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BINARY = os.path.join(ROOT, "target", "release", "listaudit")
GENERATOR = os.path.join(ROOT, "target", "release", "examples", "gen")


def measure(argv):
    """Runs argv; returns (wall s, cpu s, peak RSS MiB, exit code)."""
    started = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    stderr = proc.stderr.read().decode(errors="replace")
    proc.stderr.close()
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        sys.exit(f"{argv[0]} failed ({code}):\n{stderr}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, code


def warm(paths):
    for path in paths:
        with open(path, "rb") as f:
            while f.read(1 << 24):
                pass


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000000,10000000")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--jobs", default=str(os.cpu_count() or 1))
    parser.add_argument("--data", default=os.path.join(tempfile.gettempdir(), "listaudit-bench"))
    parser.add_argument("--extra", default="", help="more listaudit flags, space-separated")
    parser.add_argument("--xlsx", action="store_true",
                        help="audit the subscribers as an .xlsx workbook (listaudit only)")
    parser.add_argument("--same-checks", action="store_true",
                        help="also run listaudit with only the five checks the baseline makes")
    args = parser.parse_args()
    subprocess.run(["cargo", "build", "--release", "--quiet", "--bin", "listaudit",
                    "--example", "gen"], cwd=ROOT, check=True)
    try:
        import duckdb  # noqa: F401
        have_duckdb = True
        have_duckdb = not args.xlsx
    except ImportError:
        print("duckdb is not installed (pip install duckdb): measuring listaudit only",
              file=sys.stderr)
        have_duckdb = False
    baseline = os.path.join(ROOT, "bench", "duckdb_baseline.py")
    rows = []
    for size in [int(s) for s in args.sizes.split(",")]:
        data = os.path.join(args.data, f"s{size}")
        subscribers = os.path.join(data, "subscribers.xlsx" if args.xlsx else "subscribers.csv")
        consent = os.path.join(data, "consent.csv")
        if not os.path.exists(subscribers) or not os.path.exists(os.path.join(data, "manifest.json")):
            subprocess.run([GENERATOR, "--subscribers", str(size), "--out", data,
                            *(["--xlsx"] if args.xlsx else [])], check=True)
        out = os.path.join(args.data, "out")
        tools = {
            "listaudit": [BINARY, "audit", subscribers, "--consent", consent,
                          "--as-of", "2025-01-01", "--out-dir", out, "-j", args.jobs,
                          *args.extra.split()],
        }
        if args.same_checks:
            # no opt-in, no purpose, stale, withdrawn, erasure
            tools["listaudit-5"] = tools["listaudit"] + ["--select", "C001,C002,C004,R001,R002"]
        if have_duckdb:
            tools["duckdb"] = [sys.executable, baseline, subscribers, consent, out,
                               "--threads", args.jobs]
        results = {name: [] for name in tools}
        warm([subscribers, consent])
        for run in range(args.runs):
            for name, argv in tools.items():
                shutil.rmtree(out, ignore_errors=True)
                results[name].append(measure(argv))
                wall, cpu, rss, _ = results[name][-1]
                print(f"s{size} run {run + 1} {name:11} {wall:7.2f} s wall {cpu:7.2f} s cpu "
                      f"{rss:8.0f} MiB", file=sys.stderr)
        shutil.rmtree(out, ignore_errors=True)
        size_mb = (os.path.getsize(subscribers) + os.path.getsize(consent)) / 1e6
        for name, runs in results.items():
            rows.append((size, name, size_mb,
                         statistics.median(r[0] for r in runs),
                         statistics.median(r[1] for r in runs),
                         statistics.median(r[2] for r in runs)))
    print(f"\n| subscribers | tool | input MB | wall s | cpu s | peak RSS MiB | MB/s | wall vs duckdb | RSS vs duckdb |")
    print("|---:|---|---:|---:|---:|---:|---:|---:|---:|")
    for size, name, size_mb, wall, cpu, rss in rows:
        duck = next((r for r in rows if r[0] == size and r[1] == "duckdb"), None)
        ratio = f"{wall / duck[3]:.2f}x" if duck else "-"
        rss_ratio = f"{rss / duck[5]:.2f}x" if duck else "-"
        print(f"| {size:,} | {name} | {size_mb:,.0f} | {wall:.2f} | {cpu:.2f} | {rss:,.0f} | "
              f"{size_mb / wall:,.0f} | {ratio} | {rss_ratio} |")


if __name__ == "__main__":
    main()
