"""Benchmark of the writes: one add-meeting on a 100k-event store, a 1,000-meeting batch through
--from-json, and eight concurrent writers — each timed as a whole process.

A write must rewrite the whole file, so its floor is a plain Python process that loads the same
store with orjson and writes it back atomically (temporary file, fsync, rename) in the same
deterministic form partnerkb writes (sorted keys, two-space indent). The figures are ratios to
that floor, measured in the same run and interleaved with it (floor, command, floor, command...);
target: within 1.5x. Two variants of the floor are shown for reference: one writing compact JSON
(no indent, no sorting: what the deterministic format costs) and one with the garbage collector
off (a plain process that knows the trick partnerkb's reader uses).

The 100k store comes from `bench/generate.py` (generated into `bench/stores/` on first use) and is
copied to a temporary folder: the benchmark never writes the generator's file.

    python bench/bench_write.py                 # 100k events, 3 runs each
    python bench/bench_write.py --events 10k --runs 5
    python bench/bench_write.py --skip-concurrency
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
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

RESULTS = HERE / "results"
PYTHON = sys.executable

# The floor: load with orjson, write back atomically. `compact` drops indent and key sorting;
# `nogc` turns the garbage collector off first (partnerkb's reader pauses it while parsing).
FLOOR = """
import gc, os, sys, tempfile, orjson
path, compact = sys.argv[1], sys.argv[2] == "compact"
if sys.argv[2] == "nogc":
    gc.disable()
data = orjson.loads(open(path, "rb").read())
option = 0 if compact else orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS
content = orjson.dumps(data, option=option) + b"\\n"
fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path) or ".", suffix=".tmp")
with os.fdopen(fd, "wb") as handle:
    handle.write(content)
    handle.flush()
    os.fsync(handle.fileno())
os.replace(tmp, path)
"""

CONCURRENT_WRITER = """
import sys
from partnerkb.cli.app import app

store, writer, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
for n in range(count):
    day = f"{1500 + writer}-{n // 28 % 12 + 1:02d}-{n % 28 + 1:02d}"
    try:
        app(["add-meeting", "--db", store, "--date", day, "--participant", "icesco",
             "--participant", "morocco", "--source", "newsaz-2024-01-31-samadov-almalik",
             "--allow-duplicate"])
    except SystemExit as done:
        if done.code not in (0, None):
            sys.exit(f"writer {writer} failed at {n}: {done.code}")
"""


def partnerkb_command() -> list[str]:
    script = Path(PYTHON).parent / "partnerkb"
    return [str(script)] if script.exists() else [PYTHON, "-m", "partnerkb.cli.app"]


def clean_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PARTNERKB_")}
    env.update(HOME=str(home), XDG_DATA_HOME=str(home / "data"), NO_COLOR="1",
               PARTNERKB_LOCK_TIMEOUT="600")  # fmt: skip
    return env


def timed(argv: list[str], env: dict[str, str], stdin: bytes | None = None) -> float:
    started = time.perf_counter()
    done = subprocess.run(argv, env=env, input=stdin, capture_output=True, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"failed ({done.returncode}): {' '.join(argv[:4])}...\n"
                         f"{done.stderr.decode(errors='replace')}")  # fmt: skip
    return elapsed


def pick_ids(store: Path, count: int) -> dict[str, Any]:
    """Pairs of people who share no stored event, and a source (loaded once, not timed): the
    meetings added are new, so the duplicate check runs in full and refuses none of them."""
    import orjson

    tables = orjson.loads(store.read_bytes())
    people = [e["id"] for e in tables["entities"].values() if e["kind"] == "person"]
    met = set()
    for event in tables["events"].values():
        ids = sorted({p["entity"] for p in event.get("participants") or []})
        met.update((a, b) for i, a in enumerate(ids) for b in ids[i + 1 :])
    pairs = []
    for n in range(len(people) * 3):
        a, b = sorted((people[n % len(people)], people[(n * 7 + 3) % len(people)]))
        if a != b and (a, b) not in met:
            pairs.append((a, b))
        if len(pairs) >= count:
            break
    source = next(iter(tables["sources"].values()))["id"]
    return {"pairs": pairs, "source": source}


def meeting_args(ids: dict[str, Any], n: int) -> list[str]:
    a, b = ids["pairs"][n % len(ids["pairs"])]
    day = f"{1700 + n // 336}-{n // 28 % 12 + 1:02d}-{n % 28 + 1:02d}"
    return ["--date", day, "--participant", a, "--participant", b, "--source", ids["source"]]


def batch_lines(ids: dict[str, Any], count: int, offset: int) -> bytes:
    lines = []
    for n in range(offset, offset + count):
        args = meeting_args(ids, n)
        lines.append(json.dumps({"date": args[1], "participants": [args[3], args[5]],
                                 "source": ids["source"], "topics": ["benchmark"]}))  # fmt: skip
    return ("\n".join(lines) + "\n").encode()


def ratio_line(name: str, seconds: list[float], floor: list[float], target: float | None) -> dict:
    med, floor_med = statistics.median(seconds), statistics.median(floor)
    ratio = med / floor_med
    verdict = "" if target is None else ("  ok" if ratio <= target else "  OVER TARGET")
    print(f"{name:<44} {med:7.2f} s   floor {floor_med:6.2f} s   ratio {ratio:5.2f}x{verdict}")
    return {"name": name, "seconds": seconds, "floor_seconds": floor, "median": med,
            "floor_median": floor_med, "ratio": ratio, "target": target}  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=parse_size, default=100_000, help="store size (100k)")
    parser.add_argument("--runs", type=int, default=3, help="runs of each command (3)")
    parser.add_argument("--batch", type=int, default=1000, help="meetings in the batch (1000)")
    parser.add_argument("--skip-concurrency", action="store_true")
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--each", type=int, default=100, help="meetings per writer (100)")
    args = parser.parse_args(argv)

    source, _ = ensure_store(DEFAULT_OUT, args.events, log=print)
    pkb = partnerkb_command()
    report: dict[str, Any] = {"events": args.events, "runs": args.runs, "results": []}
    with tempfile.TemporaryDirectory(prefix="partnerkb-bench-write-") as tmp:
        work = Path(tmp) / "store.json"
        shutil.copyfile(source, work)
        env = clean_env(Path(tmp))
        ids = pick_ids(work, args.batch * args.runs + args.runs)
        size_mb = work.stat().st_size / 1e6
        print(f"store: {args.events:,} events ({size_label(args.events)}), {size_mb:.0f} MB\n")

        floor, compact, nogc, single, batch = [], [], [], [], []
        for run in range(args.runs):
            floor.append(timed([PYTHON, "-c", FLOOR, str(work), "indent"], env))
            single.append(timed([*pkb, "add-meeting", "--db", str(work),
                                 *meeting_args(ids, run)], env))  # fmt: skip
            floor.append(timed([PYTHON, "-c", FLOOR, str(work), "indent"], env))
            lines = batch_lines(ids, args.batch, args.runs + run * args.batch)
            batch.append(timed([*pkb, "add-meeting", "--db", str(work), "--from-json", "-"],
                               env, stdin=lines))  # fmt: skip
            compact.append(timed([PYTHON, "-c", FLOOR, str(work), "compact"], env))
            nogc.append(timed([PYTHON, "-c", FLOOR, str(work), "nogc"], env))
        report["results"].append(ratio_line("add-meeting (one)", single, floor, 1.5))
        report["results"].append(
            ratio_line(f"add-meeting --from-json ({args.batch:,} meetings)", batch, floor, 1.5)
        )
        report["results"].append(
            ratio_line("(floor writing compact JSON, for reference)", compact, floor, None)
        )
        report["results"].append(
            ratio_line("(floor with the garbage collector off)", nogc, floor, None)
        )
        report["results"].append(ratio_line("add-meeting (one), against that floor", single,
                                            nogc, None))  # fmt: skip
        report["results"].append(ratio_line(f"--from-json ({args.batch:,}), against that floor",
                                            batch, nogc, None))  # fmt: skip
        undo = [timed([*pkb, "undo", "--yes", "--db", str(work)], env)]
        report["results"].append(ratio_line(f"undo of a {args.batch:,}-meeting batch", undo,
                                            floor, None))  # fmt: skip

    if not args.skip_concurrency:
        report["concurrency"] = concurrency(args.writers, args.each, pkb)
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"write-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"\nsaved {out}")
    return 0


def concurrency(writers: int, each: int, pkb: list[str]) -> dict[str, Any]:
    """`writers` processes adding `each` meetings at once to a copy of the shipped store."""
    from partnerkb.model import VALIDATORS
    from partnerkb.store import read_store, shipped_store_path

    with tempfile.TemporaryDirectory(prefix="partnerkb-bench-conc-") as tmp:
        store = Path(tmp) / "kb.json"
        shutil.copyfile(shipped_store_path(), store)
        before = len(read_store(store).records("events"))
        env = clean_env(Path(tmp))
        started = time.perf_counter()
        procs = [
            subprocess.Popen([PYTHON, "-c", CONCURRENT_WRITER, str(store), str(w), str(each)],
                             env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            for w in range(writers)
        ]  # fmt: skip
        failures = [p.communicate()[1].decode() for p in procs if p.wait() != 0]
        elapsed = time.perf_counter() - started
        data = read_store(store)
        for table in VALIDATORS:
            for record in data.records(table):
                VALIDATORS[table](record)
        added = len(data.records("events")) - before
    ok = not failures and added == writers * each
    print(f"\n{writers} writers x {each} add-meeting at once: {added} meetings added "
          f"(expected {writers * each}) in {elapsed:.1f} s, "
          f"{elapsed / max(added, 1) * 1000:.0f} ms each; file valid: yes; "
          f"{'ok' if ok else 'FAILED: ' + '; '.join(failures)}")  # fmt: skip
    return {"writers": writers, "each": each, "added": added, "seconds": elapsed, "ok": ok}


if __name__ == "__main__":
    sys.exit(main())
