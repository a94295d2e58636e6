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
import contextlib
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
    # a second floor run in the same rounds: the ratio is then to the sum of both floors
    floor2_name: str = ""
    floor2_argv: list[str] = field(default_factory=list)
    seconds_target: float | None = None  # an absolute bound too (issue 10: < 1 s)
    # argv of the runs after the checked one, by run (a write must not repeat itself)
    argv_of_run: Any = None
    floor_argv_of_run: Any = None
    floor2_argv_of_run: Any = None
    engine: str = ""


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
    floor2_name: str = ""
    floor2_seconds: list[float] = field(default_factory=list)
    floor2_peak_mb: list[float] = field(default_factory=list)
    seconds_target: float | None = None
    engine: str = ""

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def floor_median(self) -> float:
        return statistics.median(self.floor_seconds)

    @property
    def floor2_median(self) -> float:
        return statistics.median(self.floor2_seconds) if self.floor2_seconds else 0.0

    @property
    def ratio(self) -> float:
        return self.median / (self.floor_median + self.floor2_median)

    @property
    def met(self) -> bool | None:
        if self.target is None and self.seconds_target is None:
            return None
        ratio_ok = self.target is None or self.ratio <= self.target
        seconds_ok = self.seconds_target is None or self.median < self.seconds_target
        return ratio_ok and seconds_ok


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
    result = Result(case.name, case.store, case.target, case.runs, floor_name=case.floor_name,
                    floor2_name=case.floor2_name, seconds_target=case.seconds_target,
                    engine=case.engine)  # fmt: skip

    def argv(of_run: Any, default: list[str], run: int) -> list[str]:
        return list(of_run(run)) if of_run is not None else default

    result.rows, result.output_mb = checked_run(argv(case.argv_of_run, case.argv, -1), env)
    result.floor_rows, _ = checked_run(argv(case.floor_argv_of_run, case.floor_argv, -1), env)
    if case.floor2_argv:
        checked_run(argv(case.floor2_argv_of_run, case.floor2_argv, -1), env)
    same_question = case.name.startswith("timeline") and "typer" not in case.floor_name
    if same_question and result.rows != result.floor_rows:
        log(f"  warning: {case.name} gave {result.rows} rows, its floor {result.floor_rows}")
    for run in range(case.runs):
        seconds, peak, _ = run_once(argv(case.argv_of_run, case.argv, run), env,
                                    subprocess.DEVNULL)  # fmt: skip
        result.seconds.append(seconds)
        result.peak_mb.append(peak)
        seconds, peak, _ = run_once(argv(case.floor_argv_of_run, case.floor_argv, run), env,
                                    subprocess.DEVNULL)  # fmt: skip
        result.floor_seconds.append(seconds)
        result.floor_peak_mb.append(peak)
        if case.floor2_argv:
            seconds, peak, _ = run_once(argv(case.floor2_argv_of_run, case.floor2_argv, run),
                                        env, subprocess.DEVNULL)  # fmt: skip
            result.floor2_seconds.append(seconds)
            result.floor2_peak_mb.append(peak)
    floors = f"{result.floor_median:7.3f} s"
    if case.floor2_argv:
        floors += f" + {result.floor2_median:7.3f} s"
    log(
        f"  {case.store:>7} {case.engine:>6}  {case.name:<44} {result.median:7.3f} s"
        f"  floor {floors}  x{result.ratio:.2f}  {max(result.peak_mb):7.0f} MB"
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


# the commands of issue 10's targets, on both engines, against the framework floor plus a plain
# process answering the same question on the same file (SQLite: floor_sqlite.py, JSON:
# floor_data.py)
TYPO = "Shusa"  # one letter left out of Shusha (docs/search.md)
TWO_WORDS = "Samadov Baku"
LIMIT = 50


def engine_cases(
    label: str, engine: str, path: Path, probe: dict[str, Any], runs: int, work: Path | None
) -> list[Case]:
    """The six commands of issue 10 on one store. `work`: a copy of the store that add-meeting
    may write to (None: no add-meeting)."""
    pkb = partnerkb_command()
    typer_floor = [PYTHON, str(HERE / "floor_typer.py"), "rows"]
    plain = [PYTHON, str(HERE / ("floor_sqlite.py" if engine == "sqlite" else "floor_data.py"))]
    plain_name = "plain sqlite3" if engine == "sqlite" else "orjson load"
    n = probe["events"]
    size_runs = runs if n <= 10_000 else max(3, runs - 2) if n <= 100_000 else 3
    bound = 1.0 if engine == "sqlite" and n >= 1_000_000 else None
    ratio = 2.0 if engine == "sqlite" and n >= 1_000_000 else None
    db = ["--db", str(path)]
    since, until = _iso_window(probe["since"], probe["until"])
    common = dict(floor_name="typer 20-row JSON", floor_argv=typer_floor, target=ratio,
                  runs=size_runs, floor2_name=plain_name, seconds_target=bound,
                  engine=engine)  # fmt: skip
    found = []
    for words in (probe["search"], TWO_WORDS, TYPO):
        floor = [*plain, str(path), "search", words]
        found.append(Case(f"search {words} --format json", label,
                          [*pkb, "search", *words.split(), "--format", "json", *db],
                          floor2_argv=floor, **common))  # type: ignore[arg-type]  # fmt: skip
    window = ["--since", probe["since"], "--until", probe["until"]]
    found.append(Case(
        f"timeline {' '.join(window)} --limit {LIMIT}", label,
        [*pkb, "timeline", *window, "--limit", str(LIMIT), "--format", "json", *db],
        floor2_argv=[*plain, str(path), "timeline", since, until, str(LIMIT)],
        **common,  # type: ignore[arg-type]
    ))  # fmt: skip
    found.append(Case(
        "show <person> --format json", label,
        [*pkb, "show", probe["show"], "--format", "json", *db],
        floor2_argv=[*plain, str(path), "show", probe["show"]], **common,  # type: ignore[arg-type]
    ))  # fmt: skip
    if work is not None and probe.get("guest") and probe.get("source"):
        def meeting(run: int) -> list[str]:
            return [*pkb, "add-meeting", "--db", str(work), "--date", f"{1901 + run}-06-15",
                    "--participant", f"{probe['show']}:host", "--participant",
                    f"{probe['guest']}:guest", "--source", probe["source"]]  # fmt: skip

        def plain_meeting(run: int) -> list[str]:
            return [*plain, str(work), "add-meeting", f"{1801 + run}-06-15", probe["show"],
                    probe["guest"], probe["source"]]  # fmt: skip

        found.append(Case("add-meeting", label, meeting(0), floor2_argv=plain_meeting(0),
                          argv_of_run=meeting, floor2_argv_of_run=plain_meeting,
                          **common))  # type: ignore[arg-type]  # fmt: skip
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
    ]
    legacy = [r for r in results if not r.floor2_name]
    if legacy:
        lines += [
            "| store | command | partnerkb (median) | floor | floor (median) | ratio | target "
            "| peak MB (floor) | rows | runs |",
            "|---|---|---:|---|---:|---:|---|---:|---:|---:|",
        ]
    for r in legacy:
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
    engines = [r for r in results if r.floor2_name]
    if engines:
        if legacy:
            lines.append("")
        lines += [
            "| store | engine | command | partnerkb (median) | typer floor | plain process "
            "| ratio to both | target | peak MB (plain) | rows | runs |",
            "|---|---|---|---:|---:|---:|---:|---|---:|---:|---:|",
        ]
    for r in engines:
        if r.error:
            why = " ".join(r.error.split()).replace("|", "/")[:100]
            lines.append(f"| {r.store} | {r.engine} | `{r.name}` | failed: {why} |" + " |" * 7)
            continue
        target = ""
        if r.met is not None:
            bounds = [f"< {r.seconds_target:g} s"] if r.seconds_target else []
            bounds += [f"≤ {r.target:g}×"] if r.target else []
            peak_ok = max(r.peak_mb) <= PEAK_MB
            target = f"{', '.join(bounds)}, ≤ {PEAK_MB} MB {'✔' if r.met and peak_ok else '✘'}"
        lines.append(
            f"| {r.store} | {r.engine} | `{r.name}` | {r.median * 1000:.0f} ms "
            f"| {r.floor_median * 1000:.0f} ms | {r.floor2_median * 1000:.0f} ms "
            f"| {r.ratio:.2f}× | {target} | {max(r.peak_mb):.0f} ({max(r.floor2_peak_mb):.0f}) "
            f"| {'' if r.rows is None else r.rows} | {r.runs} |"
        )
    growth = growth_lines(engines)
    if growth:
        lines += ["", *growth]
    return "\n".join(lines)


PEAK_MB = 300  # issue 10: peak memory of any command on the 1M-event SQLite store


def growth_lines(results: list[Result]) -> list[str]:
    """How each command's time grows from the smallest store to the largest, per engine."""
    by_command: dict[tuple[str, str], dict[str, Result]] = {}
    for r in results:
        if not r.error:
            by_command.setdefault((r.engine, r.name), {})[r.store] = r
    lines = []
    for (engine, name), stores in by_command.items():
        if len(stores) < 2:
            continue
        ordered = sorted(stores.values(), key=lambda r: parse_size(r.store))
        first, last = ordered[0], ordered[-1]
        steps = " → ".join(f"{r.store} {r.median * 1000:.0f} ms" for r in ordered)
        lines.append(f"| {engine} | `{name}` | {steps} | {last.median / first.median:.1f}× "
                     f"({first.store} → {last.store}) |")  # fmt: skip
    if lines:
        lines = ["| engine | command | median by size | growth |", "|---|---|---|---:|", *lines]
    return lines


def measure_import(label: str, jsonl: Path, home: Path, env: dict[str, str], log: Any) -> str:
    """`partnerkb import` of a JSONL file into a new SQLite store: wall time, peak memory."""
    store = home / f"import-{label}.sqlite"
    pkb = partnerkb_command()
    run_once([*pkb, "init", "--db", str(store)], env, subprocess.DEVNULL)
    seconds, peak, _ = run_once([*pkb, "import", str(jsonl), "--db", str(store)], env,
                                subprocess.DEVNULL)  # fmt: skip
    size = store.stat().st_size / 1e6
    store.unlink()
    line = (f"| {label} | import {jsonl.name} ({jsonl.stat().st_size / 1e6:.0f} MB) into a new "
            f"SQLite store | {seconds:.1f} s | {peak:.0f} MB | {size:.0f} MB |")  # fmt: skip
    log(f"  {label:>7}  import: {seconds:.1f} s, {peak:.0f} MB")
    return line


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
    parser.add_argument(
        "--engines",
        default="json,sqlite",
        help="the engines of issue 10's rows (search, timeline --limit, show, add-meeting "
        "against the framework floor plus a plain process): json, sqlite, or both",
    )
    parser.add_argument(
        "--json-sizes",
        default="",
        help="sizes for the JSON engine's issue-10 rows (default: those under 1M; a "
        "1M-event JSON store takes ~25 s and 9 GB a command)",
    )
    parser.add_argument(
        "--no-legacy",
        action="store_true",
        help="leave out the shipped-data rows and the JSON rows against the data floor alone",
    )
    parser.add_argument(
        "--import",
        dest="import_",
        action="store_true",
        help="also time `import` of each size's JSONL (generated beside the stores) into a "
        "new SQLite store",
    )
    parser.add_argument(
        "--no-writes", action="store_true", help="leave out add-meeting (it copies the store)"
    )
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    sizes = [parse_size(s) for s in args.sizes.split(",") if s.strip()]
    if args.with_1m and 1_000_000 not in sizes:
        sizes.append(1_000_000)
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    if any(e not in ("json", "sqlite") for e in engines):
        parser.error("--engines: json, sqlite or both")
    json_sizes = [parse_size(s) for s in args.json_sizes.split(",") if s.strip()] or [
        n for n in sizes if n < 1_000_000  # ~25 s and 9 GB a command: only when asked
    ]

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    legacy_stores = []
    engine_stores = []
    for n in sizes:
        for engine in engines:
            if engine == "json" and n not in json_sizes:
                continue
            path, probe = ensure_store(args.stores, n, engine=engine, log=log)
            engine_stores.append((size_label(n), engine, path, probe))
        if not args.no_legacy:
            path, probe = ensure_store(args.stores, n, log=log)
            legacy_stores.append((size_label(n), path, probe))
    info = machine()
    with tempfile.TemporaryDirectory(prefix="partnerkb-bench-") as home:
        env = clean_env(Path(home))
        info["import_ms"] = import_time_ms(args.runs, env)
        todo = [] if args.no_legacy else cases(legacy_stores, args.runs)
        for label, engine, path, probe in engine_stores:
            work = None
            wanted = not args.only or args.only in "add-meeting"
            if not args.no_writes and wanted:
                work = Path(home) / f"work-{label}{path.suffix}"
                log(f"copying {path} to {work} for add-meeting")
                shutil.copyfile(path, work)
            todo += engine_cases(label, engine, path, probe, args.runs, work)
        results = []
        for case in todo:
            if args.only and args.only not in case.name:
                continue
            try:
                results.append(measure(case, env, log))
            except RuntimeError as exc:  # one failing command must not lose the other figures
                log(f"  {case.store:>7}  {case.name}: FAILED {exc}")
                failed = Result(case.name, case.store, case.target, case.runs, error=str(exc),
                                floor2_name=case.floor2_name, engine=case.engine)  # fmt: skip
                results.append(failed)
            if case.name == "add-meeting" and case.argv_of_run is not None:
                with contextlib.suppress(OSError):  # done with this store's copy
                    Path(case.argv_of_run(0)[case.argv_of_run(0).index("--db") + 1]).unlink()
        imports = []
        if args.import_:
            for n in sizes:
                jsonl = args.stores / f"events-{size_label(n)}.jsonl"
                if not jsonl.exists():
                    from generate import jsonl_of_sqlite

                    source, _ = ensure_store(args.stores, n, engine="sqlite", log=log)
                    jsonl_of_sqlite(source, jsonl)
                imports.append(measure_import(size_label(n), jsonl, Path(home), env, log))
    info["load_after"] = os.getloadavg()
    table = markdown(results, info)
    if imports:
        head = "| store | what | time | peak memory | SQLite file |\n|---|---|---:|---:|---:|"
        table += "\n\n" + "\n".join([head, *imports])
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
    missed = [
        r for r in results
        if r.error or r.met is False
        or (r.floor2_name and r.met is not None and max(r.peak_mb) > PEAK_MB)
    ]  # fmt: skip
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
