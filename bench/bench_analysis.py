"""Benchmark of the analysts' commands on a large store: upcoming, plans, partners, roles, stats,
check, and --source on timeline, list and search — each as a multiple of `timeline` on the same
store.

Every figure is a whole process (start-up, reading the store, the answer in JSON to /dev/null),
the median of --runs runs after one unmeasured run that warms the caches and checks the exit
code. The commands run interleaved, round by round (timeline, upcoming, plans, ..., timeline,
upcoming, ...), so that a machine slowing down or speeding up weighs on all alike; the figure
that counts is the ratio to the reference measured in the same rounds:

- `timeline --format json` over every event of the store (the target: at most 1.5x);
- `timeline --since 2024-01 --until 2024-03 --format json` (for information: little more than
  reading the store, the floor of any answer about the whole of it).

The store comes from `bench/generate.py` (generated into `bench/stores/` on first use); the
benchmark only reads it. Results are printed as Markdown and saved in
`bench/results/analysis-<time>.json` (gitignored). Exits 1 if a target is missed.

    python bench/bench_analysis.py                      # 100k events, 5 runs
    python bench/bench_analysis.py --events 10k --runs 3
    python bench/bench_analysis.py --only check,stats
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from generate import DEFAULT_OUT, ensure_store, parse_size, size_label  # noqa: E402
from run import clean_env, machine, partnerkb_command  # noqa: E402

RESULTS = HERE / "results"
TARGET = 1.5
REFERENCE = "timeline"
WINDOW = "timeline --since/--until"


def first_source(store: Path) -> str:
    """The id of the store's first source (what --source asks about)."""
    import orjson

    tables = orjson.loads(store.read_bytes())
    return str(next(iter(tables["sources"].values()))["id"])


def commands(store: Path, probe: dict[str, Any]) -> dict[str, list[str]]:
    """name -> partnerkb arguments; the two references first."""
    source = first_source(store)
    person = probe["show"]
    return {
        REFERENCE: ["timeline"],
        WINDOW: ["timeline", "--since", probe["since"], "--until", probe["until"]],
        "upcoming": ["upcoming"],
        "upcoming --as-of 2024-02-01": ["upcoming", "--as-of", "2024-02-01"],
        "plans": ["plans"],
        "partners <person>": ["partners", person],
        "partners <person> --stale 1y": ["partners", person, "--stale", "1y"],
        "roles --at 2020": ["roles", "--at", "2020"],
        "stats --by kind": ["stats"],
        "stats --by entity": ["stats", "--by", "entity"],
        "check": ["check"],
        "check --strict": ["check", "--strict"],
        "timeline --source <id>": ["timeline", "--source", source],
        "list entities --source <id>": ["list", "entities", "--source", source],
        "search Shusha --source <id>": ["search", "Shusha", "--source", source],
    }


def measure(
    cases: dict[str, list[str]], store: Path, runs: int, log: Any
) -> dict[str, dict[str, Any]]:
    pkb = partnerkb_command()
    with tempfile.TemporaryDirectory(prefix="partnerkb-bench-") as home:
        env = clean_env(Path(home))
        argv = {name: [*pkb, *args, "--format", "json", "--db", str(store)]
                for name, args in cases.items()}  # fmt: skip
        seconds: dict[str, list[float]] = {name: [] for name in cases}
        peaks: dict[str, list[float]] = {name: [] for name in cases}
        codes = {}
        for name, command in argv.items():  # unmeasured: warms caches, checks the exit code
            codes[name] = _run(command, env)[2]
            log(f"  {name}: exit code {codes[name]}")
        for round_ in range(runs):
            for name, command in argv.items():
                elapsed, peak, _ = _run(command, env)
                seconds[name].append(elapsed)
                peaks[name].append(peak)
            log(f"  round {round_ + 1}/{runs} done")
    reference = statistics.median(seconds[REFERENCE])
    window = statistics.median(seconds[WINDOW])
    return {
        name: {
            "median_s": statistics.median(seconds[name]),
            "runs_s": seconds[name],
            "peak_mb": max(peaks[name]),
            "x_timeline": statistics.median(seconds[name]) / reference,
            "x_window": statistics.median(seconds[name]) / window,
            "exit_code": codes[name],
        }
        for name in cases
    }


def _run(command: list[str], env: dict[str, str]) -> tuple[float, float, int]:
    """Wall seconds, peak MB and exit code of one run. Exit code 1 is an answer too (`check`
    found something; nothing matched); anything else stops the benchmark."""
    started = time.perf_counter()
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - started
    code = os.waitstatus_to_exitcode(status)
    assert proc.stderr is not None
    err = proc.stderr.read().decode("utf-8", "replace")
    proc.stderr.close()
    if code not in (0, 1):
        raise SystemExit(f"{' '.join(command)} exited {code}: {err.strip()[:500]}")
    return elapsed, usage.ru_maxrss / 1024, code


def markdown(results: dict[str, dict[str, Any]], label: str, runs: int, info: Any) -> str:
    lines = [
        f"{label} events, {runs} runs each, interleaved; machine: {info['cores']} cores "
        f"({info['cpu']}), Python {info['python']}, load average "
        f"{info['load_before'][0]:.2f} before, {info['load_after'][0]:.2f} after; {info['date']}.",
        "",
        "| command | median | × timeline (all events) | target | × timeline --since/--until "
        "| peak MB | exit |",
        "|---|---:|---:|---|---:|---:|---:|",
    ]
    for name, r in results.items():
        target = "" if name in (REFERENCE, WINDOW) else (
            f"≤ {TARGET:g}× {'✔' if r['x_timeline'] <= TARGET else '✘'}"
        )  # fmt: skip
        lines.append(
            f"| `{name}` | {r['median_s'] * 1000:.0f} ms | {r['x_timeline']:.2f}× | {target} "
            f"| {r['x_window']:.2f}× | {r['peak_mb']:.0f} | {r['exit_code']} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=parse_size, default=100_000, help="store size: 100k")
    parser.add_argument("--runs", type=int, default=5, help="runs of each command (median)")
    parser.add_argument("--only", default="", help="comma-separated words: only commands with one")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    store, probe = ensure_store(DEFAULT_OUT, args.events, log=log)
    cases = commands(store, probe)
    if args.only:
        words = [w.strip() for w in args.only.split(",") if w.strip()]
        cases = {n: a for n, a in cases.items()
                 if n in (REFERENCE, WINDOW) or any(w in n for w in words)}  # fmt: skip
    info = machine()
    results = measure(cases, store, args.runs, log)
    info["load_after"] = os.getloadavg()
    table = markdown(results, size_label(args.events), args.runs, info)
    print(table)
    RESULTS.mkdir(exist_ok=True)
    saved = RESULTS / f"analysis-{time.strftime('%Y%m%d-%H%M%S')}.json"
    saved.write_text(json.dumps({"machine": info, "results": results, "table": table}, indent=2)
                     + "\n")  # fmt: skip
    log(f"saved {saved}")
    missed = [n for n, r in results.items() if n not in (REFERENCE, WINDOW)
              and r["x_timeline"] > TARGET]  # fmt: skip
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
