"""Benchmark of the writes: one add-meeting on a 100k-event store, a 1,000-meeting batch through
--from-json, eight concurrent writers on a 14 MB store with how long each write holds the lock
(as multiples of the floor below, one whole write of that store alone, measured in the same run),
and --from-json batches of 10k and 100k lines (is the time per line steady?) — each timed as a
whole process.

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
    python bench/bench_write.py --only concurrency --writers 8 --each 10 --conc-events 6k
    python bench/bench_write.py --only scaling --batch-lines 10k,100k
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from generate import DEFAULT_OUT, ensure_store, parse_size, size_label  # noqa: E402
from run import clean_env as run_env  # noqa: E402

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

# Each writer records how long each of its writes held the store's lock (from the moment
# StoreLock.acquire returns to release) and how many writes timed out waiting for it; the
# figures go to stdout as JSON. The lock timeout is the default 10 s, as a user would have it.
CONCURRENT_WRITER = """
import json, sys, time
from partnerkb import locking, store as store_module
from partnerkb.cli.app import app

held, checks, timeouts, failures = [], [], 0, []
release = locking.StoreLock.release
# the step that puts a new file in place (older versions: commit, which also synced the folder)
step = "put_in_place" if hasattr(store_module.PreparedFile, "put_in_place") else "commit"
put = getattr(store_module.PreparedFile, step)
wrote = False

def timed_put_in_place(self):
    global wrote
    wrote = True
    put(self)

def timed_release(self):
    global wrote
    if self.acquired_at is not None and self._fd is not None:
        (held if wrote else checks).append(time.monotonic() - self.acquired_at)
    wrote = False
    release(self)

locking.StoreLock.release = timed_release
setattr(store_module.PreparedFile, step, timed_put_in_place)
store, writer, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
first, second, source = sys.argv[4:7]
for n in range(count):
    day = f"{1500 + writer}-{n // 28 % 12 + 1:02d}-{n % 28 + 1:02d}"
    try:
        app(["add-meeting", "--db", store, "--date", day, "--participant", first,
             "--participant", second, "--source", source, "--allow-duplicate"])
    except SystemExit as done:
        if done.code == 3:
            timeouts += 1
        elif done.code not in (0, None):
            failures.append(f"writer {writer} failed at {n}: {done.code}")
print(json.dumps({"held": held, "checks": checks, "timeouts": timeouts, "failures": failures}))
"""


def partnerkb_command() -> list[str]:
    script = Path(PYTHON).parent / "partnerkb"
    return [str(script)] if script.exists() else [PYTHON, "-m", "partnerkb.cli.app"]


def clean_env(home: Path) -> dict[str, str]:
    """bench/run.py's environment (no $PARTNERKB_*, the user folders in `home`, bytecode caching
    on as on a user's machine), with no colour and a lock wait long enough for every writer."""
    env = run_env(home)
    env.update(NO_COLOR="1", PARTNERKB_LOCK_TIMEOUT="600")
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
    parser.add_argument("--each", type=int, default=10, help="meetings per writer (10)")
    parser.add_argument("--conc-events", type=parse_size, default=6000,
                        help="events in the concurrency store (6k, about 14 MB; 0: shipped)")
    parser.add_argument("--batch-lines", default="10k,100k",
                        help="sizes of the --from-json scaling rows (10k,100k; 0 skips them)")
    parser.add_argument("--only", choices=("single", "concurrency", "scaling"),
                        help="run one part only")
    args = parser.parse_args(argv)

    pkb = partnerkb_command()
    report: dict[str, Any] = {"events": args.events, "runs": args.runs, "results": []}
    if args.only in (None, "single"):
        single_writes(args, pkb, report)
    if args.only in (None, "concurrency") and not args.skip_concurrency:
        report["concurrency"] = concurrency(args.writers, args.each, pkb, args.conc_events)
    sizes = [parse_size(s) for s in args.batch_lines.split(",") if s.strip() not in ("", "0")]
    if args.only in (None, "scaling") and sizes:
        print()
        report["batch_scaling"] = batch_scaling(sizes, pkb)
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"write-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"\nsaved {out}")
    return 0


def single_writes(args: argparse.Namespace, pkb: list[str], report: dict[str, Any]) -> None:
    """One add-meeting and a --from-json batch on the big store, against the floor."""
    source, _ = ensure_store(DEFAULT_OUT, args.events, log=print)
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


def concurrency(writers: int, each: int, pkb: list[str], events: int) -> dict[str, Any]:
    """`writers` processes adding `each` meetings at once to a copy of a store of `events`
    events (0: the shipped store), with the default lock timeout: meetings added, time-outs,
    and how long each write held the lock (median, 95th percentile, longest)."""
    from partnerkb.model import VALIDATORS
    from partnerkb.store import read_store, shipped_store_path

    source = shipped_store_path() if not events else ensure_store(DEFAULT_OUT, events)[0]
    with tempfile.TemporaryDirectory(prefix="partnerkb-bench-conc-") as tmp:
        store = Path(tmp) / "kb.json"
        shutil.copyfile(source, store)
        before = len(read_store(store).records("events"))
        ids = pick_ids(store, writers)
        env = clean_env(Path(tmp))
        floor_copy = Path(tmp) / "floor.json"  # the floor: one whole write, alone
        shutil.copyfile(store, floor_copy)
        floor = [timed([PYTHON, "-c", FLOOR, str(floor_copy), "indent"], env) for _ in range(3)]
        env.pop("PARTNERKB_LOCK_TIMEOUT")  # the default, 10 s
        started = time.perf_counter()
        procs = [
            subprocess.Popen([PYTHON, "-c", CONCURRENT_WRITER, str(store), str(w), str(each),
                              *ids["pairs"][w % len(ids["pairs"])], ids["source"]],
                             env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            for w in range(writers)
        ]  # fmt: skip
        held: list[float] = []
        checks: list[float] = []
        timeouts, failures = 0, []
        for proc in procs:
            out, err = proc.communicate()
            if proc.returncode != 0:
                failures.append(err.decode(errors="replace")[-300:])
                continue
            figures = json.loads(out.decode().strip().splitlines()[-1])
            held += figures["held"]
            checks += figures["checks"]
            timeouts += figures["timeouts"]
            failures += figures["failures"]
        elapsed = time.perf_counter() - started
        floor += [timed([PYTHON, "-c", FLOOR, str(floor_copy), "indent"], env) for _ in range(3)]
        data = read_store(store)
        for table in VALIDATORS:
            for record in data.records(table):
                VALIDATORS[table](record)
        added = len(data.records("events")) - before
        size_mb = store.stat().st_size / 1e6
    ok = not failures and added + timeouts == writers * each
    held.sort()
    p95 = held[min(len(held) - 1, int(len(held) * 0.95))] if held else 0.0
    median = statistics.median(held) if held else 0.0
    print(f"\n{writers} writers x {each} add-meeting at once on a {size_mb:.0f} MB store: "
          f"{added} meetings added, {timeouts} timed out (default 10 s), in {elapsed:.1f} s; "
          f"file valid: yes; {'ok' if ok else 'FAILED: ' + '; '.join(failures)}")
    floor_med = statistics.median(floor)
    whole = sum(1 for h in held if h > floor_med / 2)
    print(f"lock held per write: median {median * 1000:.1f} ms, 95th percentile "
          f"{p95 * 1000:.1f} ms, longest {held[-1] * 1000 if held else 0:.1f} ms "
          f"({len(held)} writes); {len(checks)} times the lock was taken only to find the "
          f"store changed meanwhile (longest {max(checks, default=0) * 1000:.1f} ms)")
    print(f"floor (one whole write of this store alone: orjson load, dump, fsync, rename): "
          f"median {floor_med * 1000:.0f} ms; lock held median {median / floor_med:.3f}x, 95th "
          f"percentile {p95 / floor_med:.2f}x the floor; {whole} writes held it longer than "
          f"half the floor (a whole write under the lock)")
    return {"writers": writers, "each": each, "store_mb": size_mb, "added": added,
            "timeouts": timeouts, "seconds": elapsed, "lock_held_seconds": held,
            "lock_held_median": median, "lock_held_p95": p95, "checks_seconds": checks,
            "floor_seconds": floor, "floor_median": floor_med,
            "held_whole_writes": whole, "ok": ok}  # fmt: skip


def batch_scaling(sizes: list[int], pkb: list[str]) -> list[dict[str, Any]]:
    """add-meeting --from-json of N meetings (all with ICESCO and Morocco, on N different days:
    each is checked against ICESCO's other meetings) on the shipped store, and `import` of the
    same lines for comparison; then the largest batch with a bad last line, which must be
    refused. Linear when the time per line stays the same as N grows."""
    from partnerkb.store import shipped_store_path

    rows = []
    with tempfile.TemporaryDirectory(prefix="partnerkb-bench-batch-") as tmp:
        env = clean_env(Path(tmp))
        for size in sizes:
            lines = b"".join(
                json.dumps({"date": date.fromordinal(620_000 + n).isoformat(),
                            "participants": ["icesco", "morocco"],
                            "source": "newsaz-2024-01-31-samadov-almalik"}).encode() + b"\n"
                for n in range(size)
            )  # fmt: skip
            path = Path(tmp) / f"batch-{size}.jsonl"
            path.write_bytes(lines)
            records = Path(tmp) / f"import-{size}.jsonl"  # the same meetings, as import reads them
            records.write_bytes(b"".join(
                json.dumps({"type": "event", "kind": "meeting",
                            "date": date.fromordinal(620_000 + n).isoformat(),
                            "participants": ["icesco", "morocco"],
                            "sources": ["newsaz-2024-01-31-samadov-almalik"]}).encode() + b"\n"
                for n in range(size)
            ))  # fmt: skip
            store = Path(tmp) / "kb.json"
            shutil.copyfile(shipped_store_path(), store)
            batch = timed([*pkb, "add-meeting", "--db", str(store), "--from-json", str(path)], env)
            shutil.copyfile(shipped_store_path(), store)
            imported = timed([*pkb, "import", "--db", str(store), str(records)], env)
            row = {"lines": size, "from_json_seconds": batch, "import_seconds": imported,
                   "us_per_line": batch / size * 1e6}  # fmt: skip
            print(f"--from-json {size:>8,} lines {batch:8.1f} s ({row['us_per_line']:6.0f} µs a "
                  f"line); import of the same {imported:6.1f} s")
            rows.append(row)
        size = sizes[-1]
        bad = Path(tmp) / "bad-last.jsonl"
        bad.write_bytes(path.read_bytes() + b'{"date": "not a date", "participants": 5}\n')
        shutil.copyfile(shipped_store_path(), store)
        started = time.perf_counter()
        refused = subprocess.run([*pkb, "add-meeting", "--db", str(store), "--from-json",
                                  str(bad)], env=env, capture_output=True)  # fmt: skip
        seconds = time.perf_counter() - started
        print(f"--from-json {size + 1:>8,} lines, the last one bad: exit {refused.returncode} in "
              f"{seconds:.1f} s")
        rows.append({"lines": size + 1, "bad_last_line": True, "exit": refused.returncode,
                     "from_json_seconds": seconds})  # fmt: skip
    if len(sizes) > 1:
        first, last = rows[0], rows[len(sizes) - 1]
        print(f"time per line at {last['lines']:,} lines / at {first['lines']:,}: "
              f"{last['us_per_line'] / first['us_per_line']:.2f}x (1.00x is linear)")
    return rows


if __name__ == "__main__":
    sys.exit(main())
