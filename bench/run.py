"""The benchmark harness: whole-process timings of partnerkb, each as a ratio to a floor.

Absolute times on a shared machine drift, so every figure is compared with a baseline measured in
the same run, interleaved with it (command, floor, command, floor...):

- framework floor (`floor_typer.py`): a minimal Typer app's `--help`, and one printing a 20-row
  JSON list — what any Typer command costs before doing anything;
- data floor (`floor_data.py`): a plain Python process that loads the same store with orjson and
  runs the same filter in a loop — what any answer about the whole store costs.

Each figure is the median of several runs (after one unmeasured run that also checks the output);
peak memory is the child's maximum resident set size (`os.wait4`). Stores are generated into
`bench/stores/` on first use (see `generate.py`); results are also saved as JSON in
`bench/results/`.

    python bench/run.py                      # shipped data, 10k and 100k events
    python bench/run.py --sizes 10k --runs 3 # a quick look
    python bench/run.py --with-1m            # adds the 1M-event store (slow: minutes)
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from generate import DEFAULT_OUT, ensure_store, parse_size, size_label  # noqa: E402

RESULTS = HERE / "results"
PYTHON = sys.executable


@dataclass
class Case:
    """A partnerkb command and the floor it is compared with."""

    name: str
    store: str
    argv: list[str]
    floor_name: str
    floor_argv: list[str]
    target: float | None = None
    runs: int = 7


@dataclass
class Result:
    name: str
    store: str
    target: float | None
    runs: int
    seconds: list[float] = field(default_factory=list)
    floor_seconds: list[float] = field(default_factory=list)
    peak_mb: list[float] = field(default_factory=list)
    floor_peak_mb: list[float] = field(default_factory=list)
    rows: int | None = None
    error: str = ""  # why the command failed, if it did
    floor_rows: int | None = None
    output_mb: float = 0.0
    floor_name: str = ""

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def floor_median(self) -> float:
        return statistics.median(self.floor_seconds)

    @property
    def ratio(self) -> float:
        return self.median / self.floor_median

    @property
    def met(self) -> bool | None:
        return None if self.target is None else self.ratio <= self.target


def partnerkb_command() -> list[str]:
    """The installed console script next to this Python, else the module."""
    script = Path(PYTHON).parent / "partnerkb"
    if script.exists():
        return [str(script)]
    found = shutil.which("partnerkb")
    return [found] if found else [PYTHON, "-m", "partnerkb.cli.app"]


def clean_env(home: Path) -> dict[str, str]:
    """No $PARTNERKB_DB and an empty user data folder: the shipped store is the default.

    Bytecode caching stays on, as on a user's machine (a non-editable install compiles it; an
    editable one caches it on first run): PYTHONDONTWRITEBYTECODE would add the compile time of
    every module to every run.
    """
    dropped = ("PARTNERKB_", "PYTHONDONTWRITEBYTECODE", "PYTHONPYCACHEPREFIX")
    env = {k: v for k, v in os.environ.items() if not k.startswith(dropped)}
    env.update(
        HOME=str(home),
        XDG_DATA_HOME=str(home / "data"),
        PYTHONHASHSEED="0",
        COLUMNS="100",
        LC_ALL="C.UTF-8",
    )
    return env


def run_once(argv: list[str], env: dict[str, str], stdout: Any) -> tuple[float, float, int]:
    """Wall seconds, peak resident megabytes and exit code of one whole process."""
    started = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=stdout, stderr=subprocess.PIPE, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    assert proc.stderr is not None
    err = proc.stderr.read().decode("utf-8", "replace")
    proc.stderr.close()
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} exited {proc.returncode}: {err.strip()[:500]}")
    return elapsed, usage.ru_maxrss / 1024, proc.returncode


def checked_run(argv: list[str], env: dict[str, str]) -> tuple[int | None, float]:
    """One unmeasured run (warms caches): how many rows its JSON output holds, and its size."""
    with tempfile.TemporaryFile() as out:
        run_once(argv, env, out)
        out.seek(0)
        content = out.read()
    if not content.lstrip().startswith((b"[", b"{")):
        return None, len(content) / 1e6
    import orjson

    parsed = orjson.loads(content)
    return (len(parsed) if isinstance(parsed, list) else 1), len(content) / 1e6


def measure(case: Case, env: dict[str, str], log: Any) -> Result:
    result = Result(case.name, case.store, case.target, case.runs, floor_name=case.floor_name)
    result.rows, result.output_mb = checked_run(case.argv, env)
    result.floor_rows, _ = checked_run(case.floor_argv, env)
    same_question = case.name.startswith("timeline") and "typer" not in case.floor_name
    if same_question and result.rows != result.floor_rows:
        log(f"  warning: {case.name} gave {result.rows} rows, its floor {result.floor_rows}")
    for _ in range(case.runs):
        seconds, peak, _ = run_once(case.argv, env, subprocess.DEVNULL)
        result.seconds.append(seconds)
        result.peak_mb.append(peak)
        seconds, peak, _ = run_once(case.floor_argv, env, subprocess.DEVNULL)
        result.floor_seconds.append(seconds)
        result.floor_peak_mb.append(peak)
    log(
        f"  {case.store:>7}  {case.name:<34} {result.median:7.3f} s"
        f"  floor {result.floor_median:7.3f} s  x{result.ratio:.2f}  {max(result.peak_mb):7.0f} MB"
    )
    return result


def import_time_ms(runs: int, env: dict[str, str]) -> float:
    """Median of the self time of partnerkb's own modules when the app is imported."""
    totals = []
    for _ in range(runs):
        proc = subprocess.run(
            [PYTHON, "-X", "importtime", "-c", "import partnerkb.cli.app"],
            capture_output=True,
            text=True,
            env=env,
            check=True,
        )
        total = 0
        for line in proc.stderr.splitlines():
            parts = line.split("|")
            if len(parts) == 3 and parts[2].strip().startswith("partnerkb"):
                total += int(parts[0].split(":")[1])
        totals.append(total / 1000)
    return statistics.median(totals)


def cases(stores: list[tuple[str, Path, dict[str, Any]]], runs: int) -> list[Case]:
    pkb = partnerkb_command()
    typer_floor = [PYTHON, str(HERE / "floor_typer.py")]
    data_floor = [PYTHON, str(HERE / "floor_data.py")]
    found: list[Case] = [
        Case(
            "--help",
            "shipped",
            [*pkb, "--help"],
            "typer --help",
            [*typer_floor, "--help"],
            target=1.5,
            runs=runs,
        ),
        Case(
            "search Shusha --format json",
            "shipped",
            [*pkb, "search", "Shusha", "--format", "json"],
            "typer 20-row JSON",
            [*typer_floor, "rows"],
            target=1.5,
            runs=runs,
        ),
        Case(
            "timeline --format json",
            "shipped",
            [*pkb, "timeline", "--format", "json"],
            "typer 20-row JSON",
            [*typer_floor, "rows"],
            runs=runs,
        ),
        Case(
            "show icesco --format json",
            "shipped",
            [*pkb, "show", "icesco", "--format", "json"],
            "typer 20-row JSON",
            [*typer_floor, "rows"],
            runs=runs,
        ),
        Case(
            "typer --help with Rich (default)",
            "-",
            [*typer_floor, "--help", "--rich-help"],
            "typer --help",
            [*typer_floor, "--help"],
            runs=runs,
        ),
    ]
    for label, path, probe in stores:
        n = probe["events"]
        size_runs = runs if n <= 10_000 else max(3, runs - 2) if n <= 100_000 else 3
        target = 1.5 if n == 100_000 else None
        db = ["--db", str(path)]
        since, until = probe["since"], probe["until"]
        found += [
            Case(
                f"search {probe['search']} --format json",
                label,
                [*pkb, "search", probe["search"], "--format", "json", *db],
                "orjson load + substring",
                [*data_floor, str(path), "search", probe["search"]],
                target=target,
                runs=size_runs,
            ),
            Case(
                f"timeline --since {since} --until {until}",
                label,
                [*pkb, "timeline", "--since", since, "--until", until, "--format", "json", *db],
                "orjson load + overlap",
                [*data_floor, str(path), "timeline", *_iso_window(since, until)],
                target=target,
                runs=size_runs,
            ),
            Case(
                "show <person> --format json",
                label,
                [*pkb, "show", probe["show"], "--format", "json", *db],
                "orjson load + id lookup",
                [*data_floor, str(path), "show", probe["show"]],
                runs=size_runs,
            ),
        ]
        if n <= 100_000:  # every event of the store, as `partnerkb timeline | ...` asks
            found.append(
                Case(
                    f"timeline --since {since} --until {until}",
                    label,
                    [*pkb, "timeline", "--since", since, "--until", until, "--format", "json", *db],
                    "the same, GC off",
                    [*data_floor, "--no-gc", str(path), "timeline", *_iso_window(since, until)],
                    runs=size_runs,
                )
            )
            found.append(
                Case(
                    "timeline --format json (all events)",
                    label,
                    [*pkb, "timeline", "--format", "json", *db],
                    "orjson load + sort all",
                    [*data_floor, str(path), "timeline", "0000-00-00", "9999-99-99"],
                    runs=size_runs,
                )
            )
    return found


def _iso_window(since: str, until: str) -> tuple[str, str]:
    """The days partnerkb reads --since/--until as (first day of since, last day of until)."""
    from partnerkb.dates import parse_bound

    return str(parse_bound(since)[0]), str(parse_bound(until)[1])


def machine() -> dict[str, Any]:
    import typer

    cpu = ""
    with_cpuinfo = Path("/proc/cpuinfo")
    if with_cpuinfo.exists():
        for line in with_cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return {
        "cores": os.cpu_count(),
        "cpu": cpu,
        "python": platform.python_version(),
        "typer": typer.__version__,
        "load_before": os.getloadavg(),
        "date": time.strftime("%Y-%m-%d %H:%M"),
    }


def markdown(results: list[Result], info: dict[str, Any]) -> str:
    lines = [
        f"Machine: {info['cores']} cores ({info['cpu']}), Python {info['python']}, "
        f"Typer {info['typer']}; load average {info['load_before'][0]:.2f} before, "
        f"{info['load_after'][0]:.2f} after; {info['date']}.",
        f"partnerkb's own modules take {info['import_ms']:.1f} ms to import with the app "
        "(`-X importtime`, median).",
        "",
        "| store | command | partnerkb (median) | floor | floor (median) | ratio | target "
        "| peak MB (floor) | rows | runs |",
        "|---|---|---:|---|---:|---:|---|---:|---:|---:|",
    ]
    for r in results:
        if r.error:
            why = " ".join(r.error.split()).replace("|", "/")[:100]
            lines.append(f"| {r.store} | `{r.name}` | failed: {why} |" + " |" * 7)
            continue
        target = "" if r.target is None else f"≤ {r.target:g}× {'✔' if r.met else '✘'}"
        lines.append(
            f"| {r.store} | `{r.name}` | {r.median * 1000:.0f} ms | {r.floor_name} "
            f"| {r.floor_median * 1000:.0f} ms | {r.ratio:.2f}× | {target} "
            f"| {max(r.peak_mb):.0f} ({max(r.floor_peak_mb):.0f}) "
            f"| {'' if r.rows is None else r.rows} | {r.runs} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes",
        default="10k,100k",
        help="event counts of the generated stores, e.g. 10k,100k ('' for none)",
    )
    parser.add_argument("--with-1m", action="store_true", help="also the 1M-event store")
    parser.add_argument(
        "--runs",
        type=int,
        default=7,
        help="runs per figure for small stores (100k: 2 fewer; 1M: 3)",
    )
    parser.add_argument("--stores", type=Path, default=DEFAULT_OUT, help="where stores are kept")
    parser.add_argument("--only", default="", help="only commands whose name contains this")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    sizes = [parse_size(s) for s in args.sizes.split(",") if s.strip()]
    if args.with_1m and 1_000_000 not in sizes:
        sizes.append(1_000_000)

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    stores = []
    for n in sizes:
        path, probe = ensure_store(args.stores, n, log=log)
        stores.append((size_label(n), path, probe))
    info = machine()
    with tempfile.TemporaryDirectory(prefix="partnerkb-bench-") as home:
        env = clean_env(Path(home))
        info["import_ms"] = import_time_ms(args.runs, env)
        results = []
        for case in cases(stores, args.runs):
            if args.only and args.only not in case.name:
                continue
            try:
                results.append(measure(case, env, log))
            except RuntimeError as exc:  # one failing command must not lose the other figures
                log(f"  {case.store:>7}  {case.name}: FAILED {exc}")
                failed = Result(case.name, case.store, case.target, case.runs, error=str(exc))
                results.append(failed)
    info["load_after"] = os.getloadavg()
    table = markdown(results, info)
    print(table)
    RESULTS.mkdir(exist_ok=True)
    saved = RESULTS / f"run-{time.strftime('%Y%m%d-%H%M%S')}.json"
    saved.write_text(
        json.dumps(
            {"machine": info, "results": [asdict(r) for r in results], "table": table}, indent=2
        )
        + "\n"
    )
    log(f"saved {saved}")
    missed = [r for r in results if r.error or r.met is False]
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
