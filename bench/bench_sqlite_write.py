"""Writes on a SQLite store at scale (issue 10): one add-meeting against its floors, then eight
writers adding 100 meetings each at once.

- add-meeting, one whole process, the median of --runs runs, each run interleaved with the
  framework floor (`bench/floor_typer.py rows`: the least a Typer app costs) and a plain stdlib
  `sqlite3` process doing the same write the same way (the duplicate check through the indexes —
  events of the kind, overlapping the day, involving one of the participants —, the
  participants and source looked up by id, then the event's row, its derived rows and a history
  row inserted, committed). Target: under 1 s, and at most 2x the framework floor plus the plain
  process. Peak memory: the largest resident size of any partnerkb process (`wait4`); target
  300 MB.
- --writers processes at once, each adding --each meetings (of its own two people, who never
  met, on days of its own, so the duplicate check runs in full and refuses none), one
  interpreter per writer running `add-meeting` in a loop; a write's latency is the whole
  command, the wait for SQLite's lock included ($PARTNERKB_LOCK_TIMEOUT=600). Then: exactly
  writers x each events and history entries more, `PRAGMA quick_check` ok, every new event valid
  (model.VALIDATORS) with its references stored and its derived rows written, and, up to
  --check-max events, `partnerkb check` (which reads the whole store: 12 kB of memory an event).

The store must be a SQLite store (`bench/generate.py --engine sqlite`, or `partnerkb convert`);
it is copied beside itself first (the copy is removed at the end): the benchmark never writes the
file given. Results are printed and saved to `bench/results/sqlite-write-<time>.json`.

    python bench/bench_sqlite_write.py --store bench/stores/events-100k.sqlite
    python bench/bench_sqlite_write.py --store /tmp/events-1m.sqlite --runs 3
    python bench/bench_sqlite_write.py --store kb.sqlite --only concurrency --each 20
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from run import clean_env as run_env  # noqa: E402

RESULTS = HERE / "results"
PYTHON = sys.executable

# The plain process: the same write through the same indexes, with nothing but sqlite3 and json.
PLAIN = """
import json, sqlite3, sys
path, day, first, second, source = sys.argv[1:6]
conn = sqlite3.connect(path, isolation_level=None, timeout=600)
conn.execute("BEGIN IMMEDIATE")
people = [json.loads(conn.execute("SELECT record FROM entities WHERE id = ?", (i,)).fetchone()[0])
          for i in (first, second)]
json.loads(conn.execute("SELECT record FROM sources WHERE id = ?", (source,)).fetchone()[0])
for (text,) in conn.execute(
        "SELECT record FROM events WHERE +kind = 'meeting' AND (latest >= ? OR latest IS NULL)"
        " AND (earliest <= ? OR earliest IS NULL) AND id IN (SELECT event_id FROM event_entities"
        " WHERE entity_id IN (?, ?))", (day, day, first, second)).fetchall():
    json.loads(text)
doc = conn.execute("SELECT coalesce(max(doc), 0) + 1 FROM events").fetchone()[0]
event_id = f"{day}-plain-{doc}"
title = f"{people[0]['name']} meets {people[1]['name']}"
record = {"id": event_id, "kind": "meeting", "title": title,
          "date": {"edtf": day, "earliest": day, "latest": day}, "place": None,
          "participants": [{"entity": first, "part": None}, {"entity": second, "part": None}],
          "organizations": [], "topics": [], "tags": [], "summary": None, "status": "happened",
          "status_history": [{"status": "happened", "as_of": day, "sources": [
              {"source": source, "locator": None}]}],
          "fulfils": None, "fulfilled_by": None, "related_events": [],
          "sources": [{"source": source, "locator": None}]}
conn.execute("INSERT INTO events (doc, id, kind, title, status, date, earliest, latest, place,"
             " summary, record) VALUES (?, ?, 'meeting', ?, 'happened', ?, ?, ?, NULL, NULL, ?)",
             (doc, event_id, title, day, day, day, json.dumps(record, sort_keys=True)))
for n, entity in enumerate((first, second), 1):
    conn.execute("INSERT INTO participants VALUES (?, ?, NULL, NULL, ?)", (event_id, entity, n))
    conn.execute("INSERT INTO event_entities VALUES (?, ?)", (event_id, entity))
    conn.execute("INSERT INTO refs VALUES (?, ?)", (event_id, entity))
conn.execute("INSERT INTO refs VALUES (?, ?)", (event_id, source))
conn.execute("INSERT INTO citations VALUES (?, ?, NULL, 1)", (event_id, source))
conn.execute("INSERT INTO names VALUES (?, ?)", (event_id, event_id))
conn.execute("INSERT INTO names VALUES (?, ?)", (event_id, title.lower()))
entry = conn.execute("SELECT coalesce(max(doc), 0) + 1 FROM history").fetchone()[0]
conn.execute("INSERT INTO history (doc, id, at, command, record) VALUES (?, ?, '', 'plain', ?)",
             (entry, f"h-{entry:06d}", json.dumps({"changes": [{"id": event_id}]})))
conn.execute("COMMIT")
"""

# One writer: add-meeting `count` times in one interpreter, timing each whole command.
WRITER = """
import json, sys, time
from partnerkb.cli.app import app
store, writer, count, first, second, source = (sys.argv[1], int(sys.argv[2]),
                                                int(sys.argv[3]), *sys.argv[4:7])
times, failures, added = [], [], []
for n in range(count):
    day = f"{1500 + writer}-{n // 28 % 12 + 1:02d}-{n % 28 + 1:02d}"
    started = time.perf_counter()
    try:
        app(["add-meeting", "--db", store, "--date", day, "--participant", first,
             "--participant", second, "--source", source])
        code = 0
    except SystemExit as done:
        code = done.code or 0
    times.append(time.perf_counter() - started)
    if code:
        failures.append(f"writer {writer}, meeting {n}: exit {code}")
print(json.dumps({"times": times, "failures": failures}))
"""


def partnerkb() -> list[str]:
    script = Path(PYTHON).with_name("partnerkb")
    return [str(script)] if script.exists() else [PYTHON, "-m", "partnerkb.cli.app"]


def clean_env(home: Path) -> dict[str, str]:
    """bench/run.py's environment (no $PARTNERKB_*, the user folders in `home`, bytecode caching
    on as on a user's machine), with no colour and a lock wait long enough for every writer."""
    env = run_env(home)
    env.update(NO_COLOR="1", PARTNERKB_LOCK_TIMEOUT="600")
    return env


def run(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """A whole process: (wall seconds, peak resident memory in MB). Exits on failure."""
    started = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert proc.stderr is not None
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"failed ({proc.returncode}): {' '.join(argv[:6])}...\n"
                         f"{err.decode(errors='replace')}")  # fmt: skip
    return elapsed, usage.ru_maxrss / 1024


def pick(store: Path, count: int) -> dict[str, Any]:
    """`count` pairs of people who share no event, and a source (through the indexes)."""
    conn = sqlite3.connect(f"file:{store}?mode=ro", uri=True)
    # every person, in the store's order (at 1M events most of the first ones have met)
    people = [i for (i,) in conn.execute(
        "SELECT id FROM entities WHERE kind = 'person' ORDER BY doc")]  # fmt: skip
    pairs: list[tuple[str, str]] = []
    for n in range(0, len(people) - 1, 2):
        first, second = people[n], people[n + 1]
        met = conn.execute(
            "SELECT 1 FROM participants a JOIN participants b ON a.event_id = b.event_id"
            " WHERE a.entity_id = ? AND b.entity_id = ? LIMIT 1", (first, second)).fetchone()
        if met is None:
            pairs.append((first, second))
        if len(pairs) == count:
            break
    source = conn.execute("SELECT id FROM sources ORDER BY doc LIMIT 1").fetchone()[0]
    events = conn.execute("SELECT count(*) FROM events").fetchone()[0]
    conn.close()
    return {"pairs": pairs, "source": source, "events": events}


def counts(store: Path) -> tuple[int, int]:
    conn = sqlite3.connect(f"file:{store}?mode=ro", uri=True)
    found = (conn.execute("SELECT count(*) FROM events").fetchone()[0],
             conn.execute("SELECT count(*) FROM history").fetchone()[0])  # fmt: skip
    conn.close()
    return found


def single(store: Path, runs: int, env: dict[str, str], ids: dict[str, Any]) -> dict[str, Any]:
    """add-meeting against the framework floor and the plain sqlite3 process, interleaved."""
    floor_typer = [PYTHON, str(HERE / "floor_typer.py"), "rows"]
    own, frame, plain, memory = [], [], [], []
    first, second = ids["pairs"][0]
    for n in range(runs):
        frame.append(run(floor_typer, env)[0])
        day = f"{1901 + n}-06-15"
        seconds, mb = run([*partnerkb(), "add-meeting", "--db", str(store), "--date", day,
                           "--participant", first, "--participant", second,
                           "--source", ids["source"]], env)  # fmt: skip
        own.append(seconds)
        memory.append(mb)
        plain.append(run([PYTHON, "-c", PLAIN, str(store), f"{1801 + n}-06-15", first, second,
                          ids["source"]], env)[0])  # fmt: skip
    floors = statistics.median(frame) + statistics.median(plain)
    row = {"partnerkb_s": statistics.median(own), "framework_floor_s": statistics.median(frame),
           "plain_sqlite_s": statistics.median(plain), "ratio": statistics.median(own) / floors,
           "peak_mb": max(memory), "runs": runs}  # fmt: skip
    verdict = "ok" if row["partnerkb_s"] < 1 and row["ratio"] <= 2 and max(memory) <= 300 else (
        "OVER TARGET")  # fmt: skip
    print(f"add-meeting: median {row['partnerkb_s']:.3f} s; framework floor "
          f"{row['framework_floor_s']:.3f} s + plain sqlite3 {row['plain_sqlite_s']:.3f} s; "
          f"ratio {row['ratio']:.2f}x; peak memory {row['peak_mb']:.0f} MB  {verdict}")
    return row


def concurrency(store: Path, writers: int, each: int, env: dict[str, str],
                ids: dict[str, Any], check_max: int) -> dict[str, Any]:  # fmt: skip
    """`writers` processes adding `each` meetings at once; what was written, checked."""
    events_before, history_before = counts(store)
    started = time.perf_counter()
    procs = [subprocess.Popen([PYTHON, "-c", WRITER, str(store), str(w), str(each),
                               *ids["pairs"][1 + w], ids["source"]],
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
             for w in range(writers)]  # fmt: skip
    times: list[float] = []
    failures: list[str] = []
    for proc in procs:
        out, err = proc.communicate()
        if proc.returncode != 0:
            failures.append(err.decode(errors="replace")[-300:])
            continue
        figures = json.loads(out.decode().strip().splitlines()[-1])
        times += figures["times"]
        failures += figures["failures"]
    elapsed = time.perf_counter() - started
    events_after, history_after = counts(store)
    problems = verify(store, events_before, writers * each)
    checked = None
    if events_after <= check_max:
        done = subprocess.run([*partnerkb(), "check", "--db", str(store)], env=env,
                              capture_output=True, text=True)  # fmt: skip
        checked = done.returncode
        if done.returncode not in (0, 1):  # 1: findings of style or doubt, the store is sound
            problems.append(f"partnerkb check: exit {done.returncode}: {done.stderr[-300:]}")
    times.sort()
    p95 = times[min(len(times) - 1, int(len(times) * 0.95))] if times else 0.0
    added, entries = events_after - events_before, history_after - history_before
    ok = not failures and not problems and added == entries == writers * each
    print(f"{writers} writers x {each} add-meeting at once: {added} events and {entries} history "
          f"entries added of {writers * each}, in {elapsed:.1f} s; per write median "
          f"{statistics.median(times):.3f} s, 95th percentile {p95:.3f} s, longest "
          f"{times[-1]:.3f} s; quick_check and the new records: "
          f"{'ok' if not problems else '; '.join(problems)}; partnerkb check: "
          f"{'exit ' + str(checked) if checked is not None else 'not run (store too big)'}; "
          f"{'ok' if ok else 'FAILED: ' + '; '.join(failures[:5])}")
    return {"writers": writers, "each": each, "added": added, "history_added": entries,
            "seconds": elapsed, "write_seconds": times, "median_s": statistics.median(times),
            "p95_s": p95, "max_s": times[-1], "problems": problems, "check_exit": checked,
            "failures": failures, "ok": ok}  # fmt: skip


def verify(store: Path, events_before: int, expected: int) -> list[str]:
    """Problems of the file and of the events added last (empty: none)."""
    from partnerkb.model import VALIDATORS, references

    problems = []
    conn = sqlite3.connect(f"file:{store}?mode=ro", uri=True)
    quick = conn.execute("PRAGMA quick_check").fetchone()[0]
    if quick != "ok":
        problems.append(f"quick_check: {quick}")
    rows = conn.execute("SELECT id, record FROM events ORDER BY doc DESC LIMIT ?",
                        (expected,)).fetchall()  # fmt: skip
    for record_id, text in rows:
        record = json.loads(text)
        try:
            VALIDATORS["events"](record)
        except Exception as exc:  # noqa: BLE001 - any failure is a finding
            problems.append(f"{record_id}: {exc}")
        for field, ref in references("events", record):
            found = conn.execute("SELECT 1 FROM entities WHERE id = ? UNION ALL SELECT 1 FROM "
                                 "sources WHERE id = ?", (ref, ref)).fetchone()  # fmt: skip
            if found is None:
                problems.append(f"{record_id}: {field} {ref} is not stored")
        derived = conn.execute("SELECT count(*) FROM event_entities WHERE event_id = ?",
                               (record_id,)).fetchone()[0]  # fmt: skip
        if derived < 2:
            problems.append(f"{record_id}: its derived rows are missing")
    conn.close()
    return problems[:10]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", type=Path, required=True, help="a SQLite store (copied)")
    parser.add_argument("--runs", type=int, default=5, help="runs of add-meeting (5)")
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--each", type=int, default=100, help="meetings per writer (100)")
    parser.add_argument("--check-max", type=int, default=200_000,
                        help="run partnerkb check up to this many events (200k)")
    parser.add_argument("--only", choices=("single", "concurrency"))
    args = parser.parse_args(argv)
    if not args.store.is_file():
        raise SystemExit(f"no store at {args.store}")
    report: dict[str, Any] = {"store": str(args.store)}
    with tempfile.TemporaryDirectory(prefix=".bench-sqlite-write-", dir=args.store.parent) as tmp:
        work = Path(tmp) / args.store.name
        print(f"copying {args.store} ({args.store.stat().st_size / 1e9:.1f} GB) to {work}")
        shutil.copyfile(args.store, work)
        env = clean_env(Path(tmp))
        ids = pick(work, args.writers + 1)
        report["events"] = ids["events"]
        print(f"store: {ids['events']:,} events")
        # the first write brings a store of an older layout to this one: not what is measured
        subprocess.run([*partnerkb(), "add-meeting", "--db", str(work), "--date", "1900-01-01",
                        "--participant", ids["pairs"][0][0], "--participant",
                        ids["pairs"][0][1], "--source", ids["source"]],
                       env=env, capture_output=True, check=True)  # fmt: skip
        if args.only in (None, "single"):
            report["add_meeting"] = single(work, args.runs, env, ids)
        if args.only in (None, "concurrency"):
            report["concurrency"] = concurrency(work, args.writers, args.each, env, ids,
                                                args.check_max)  # fmt: skip
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"sqlite-write-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"saved {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
