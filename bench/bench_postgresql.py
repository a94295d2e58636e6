"""The PostgreSQL engine, measured: whole-process medians of partnerkb on a PostgreSQL store,
each interleaved in the same run with its floors — the framework floor (`floor_typer.py rows`,
a minimal Typer app printing 20 JSON rows) and a plain `psql` process answering the same
question with SQL on the same tables — and 8 writers at once.

    python bench/bench_postgresql.py                     # 10k events, a throwaway server
    python bench/bench_postgresql.py --sizes 10k,100k --runs 5
    python bench/bench_postgresql.py --url postgresql://me@localhost/bench   # your own server

The stores are `bench/generate.py`'s (JSON, generated on first use), copied into the schema
`bench_<size>` of the database (kept between runs on your own server). Target (issue 16): reads
<= 2x (framework floor + psql floor); 8 writers at once lose nothing, each command < 1 s.

The reads are the SQLite engine's questions: `search Shusha`, `search Samadov Baku`, a search with
one typo (`Samdov`, and `Shusa`), `timeline --since 2024-01 --until 2024-03 --limit 50`,
`show <person>`, each with its peak memory, and one `add-meeting` alone (with its duplicate
check). The writers: `--writers` processes (8) each running `--each` `add-meeting` commands (5)
one after the other in one Python process, all at once, on days of their own (a rerun on the
same store is no duplicate); for every command its wall time (waiting for the others' writes
included) and how long it held the store's write lock, and whether every acknowledged meeting
is in the store.

    python bench/bench_postgresql.py --url URL --sizes 100k --only show,timeline --no-writers
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))  # the throwaway server of the tests

from generate import DEFAULT_OUT, ensure_store, parse_size, size_label  # noqa: E402

PYTHON = sys.executable
RESULTS = HERE / "results"


def partnerkb() -> list[str]:
    script = Path(PYTHON).parent / "partnerkb"
    return [str(script)] if script.exists() else [PYTHON, "-m", "partnerkb.cli.app"]


# the meetings of a run are on days of their own: a decade between 1100 and 1889 taken from the
# minute it starts (a run on the same store again is no duplicate of the last one's)
DECADE = 1100 + (int(time.time()) // 60) % 79 * 10
PEAK_MB: dict[str, float] = {}  # argv -> the highest peak resident memory of its runs


def timed(argv: list[str], env: dict[str, str]) -> float:
    """Wall seconds of one whole process (its peak memory kept in PEAK_MB)."""
    started = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    assert proc.stderr is not None
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - started
    proc.stderr.close()
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        raise RuntimeError(f"{' '.join(argv)} exited {code}: {err[-400:]!r}")
    key = " ".join(argv)
    PEAK_MB[key] = max(PEAK_MB.get(key, 0.0), usage.ru_maxrss / 1024)
    return elapsed


def psql(url: str, schema: str, query: str) -> list[str]:
    """A plain psql process answering `query` in the store's schema."""
    from partnerkb.engines.postgresql import parse_url

    conninfo = parse_url(url).conninfo
    return [shutil.which("psql") or "psql", conninfo, "-X", "-q", "-A", "-t",
            "-c", f"SET search_path TO {schema}", "-c", query]  # fmt: skip


def load(url: str, schema: str, path: Path, log: Any, env: dict[str, str]) -> None:
    """Copy the store at `path` into `schema` with `partnerkb convert` in a process of its own
    (a SQLite store streamed, a JSON one read whole), unless it is there already. Not in this
    process: every process it starts afterwards would report the memory of the load as its own
    peak (Linux counts the forked copy in the child's maximum resident set size)."""
    import psycopg

    from partnerkb.engines.postgresql import parse_url

    target = parse_url(f"{url}{'&' if '?' in url else '?'}schema={schema}")
    with psycopg.connect(target.conninfo, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", [schema]).fetchone():
            return
    command = [*partnerkb(), "convert", str(path), store_url(url, schema)]
    took = timed(command, env)
    log(f"loaded {path.name} into {schema} in {took:.1f} s "
        f"(peak memory {PEAK_MB.pop(' '.join(command)):.0f} MB)")


def store_url(url: str, schema: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}schema={schema}"


def cases(url: str, schema: str, probe: dict[str, Any]) -> list[tuple[str, list[str], list[str]]]:
    """(name, partnerkb argv, psql floor argv) of each read."""
    db = ["--db", store_url(url, schema)]
    word, since, until, person = probe["search"], probe["since"], probe["until"], probe["show"]

    def search_floor(*words: str) -> list[str]:  # the events whose text holds every word
        where = " AND ".join(f"lower(record::text) LIKE '%{w.lower()}%'" for w in words)
        return psql(url, schema, f"SELECT id, title FROM events WHERE {where}"
                                 " ORDER BY earliest DESC LIMIT 50")  # fmt: skip

    return [
        (f"search {word}", [*partnerkb(), "search", word, "--format", "json", *db],
         search_floor(word.lower())),
        ("search Samadov Baku", [*partnerkb(), "search", "Samadov", "Baku", "--format", "json",
                                 *db], search_floor("samadov", "baku")),
        ("search Samdov (one typo)", [*partnerkb(), "search", "Samdov", "--format", "json", *db],
         search_floor("samadov")),
        ("search Shusa (one typo)", [*partnerkb(), "search", "Shusa", "--format", "json", *db],
         search_floor("shusha")),
        (f"timeline --since {since} --until {until} --limit 50",
         [*partnerkb(), "timeline", "--since", since, "--until", until, "--limit", "50",
          "--format", "json", *db],
         psql(url, schema, f"SELECT record FROM events WHERE earliest <= '{until}-31' AND "
                           f"(latest >= '{since}-01' OR latest IS NULL) ORDER BY earliest"
                           " LIMIT 50")),
        (f"show {person}", [*partnerkb(), "show", person, "--format", "json", *db],
         psql(url, schema, f"SELECT e.record FROM entities e WHERE e.id = '{person}';"
                           " SELECT v.record FROM participants p JOIN events v"
                           f" ON v.id = p.event_id WHERE p.entity_id = '{person}'")),
    ]  # fmt: skip


def people(url: str, schema: str, count: int) -> tuple[list[tuple[str, str]], str]:
    """`count` pairs of people, and a source, from the store itself (not timed)."""
    import psycopg

    from partnerkb.engines.postgresql import parse_url

    with psycopg.connect(parse_url(store_url(url, schema)).conninfo, autocommit=True) as conn:
        conn.execute(f"SET search_path TO {schema}")
        # people who never met (a meeting of two who did may repeat one with an open date:
        # at 1M events the first people have met nearly everyone), the least busy first
        pairs: list[tuple[str, str]] = []
        free = [r[0] for r in conn.execute(
            "SELECT id FROM entities WHERE kind = 'person' ORDER BY doc DESC LIMIT 400")]
        while free and len(pairs) < count:
            first = free.pop(0)
            for other in free:
                met = conn.execute(
                    "SELECT 1 FROM event_entities a JOIN event_entities b ON b.event_id ="
                    " a.event_id WHERE a.entity_id = %s AND b.entity_id = %s LIMIT 1",
                    [first, other]).fetchone()  # fmt: skip
                if met is None:
                    pairs.append((first, other))
                    free.remove(other)
                    break
        source = conn.execute("SELECT id FROM sources ORDER BY doc LIMIT 1").fetchone()[0]
    return pairs, source


WRITER = """
import contextlib, json, sys, time
from partnerkb.cli.app import app
from partnerkb.engines import postgresql

held, turns = [], []
writing = postgresql.PostgresStore._writing

@contextlib.contextmanager
def timed(self, command, **how):
    try:
        with writing(self, command, **how) as conn:
            yield conn
    finally:
        if self.lock_seconds is not None:
            held.append(self.lock_seconds)
        turns.append(getattr(self, "write_seconds", None))
        self.lock_seconds = None

postgresql.PostgresStore._writing = timed
db, w, n, a, b, source = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), *sys.argv[4:7]
year = int(sys.argv[7])
walls, ids, failures = [], [], []
for i in range(n):
    started = time.perf_counter()
    try:
        app(["add-meeting", "--db", db, "--date", f"{year + w}-{i // 28 % 12 + 1:02d}-"
             f"{i % 28 + 1:02d}", "--participant", a, "--participant", b, "--source", source],
            standalone_mode=True)
    except SystemExit as done:
        if done.code not in (0, None):
            failures.append(done.code)
    walls.append(time.perf_counter() - started)
print(json.dumps({"walls": walls, "held": held, "turns": [t for t in turns if t is not None],
                  "failures": failures}))
"""


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))] if ordered else 0.0


def writers(url: str, schema: str, count: int, each: int, env: dict[str, str]) -> dict[str, Any]:
    """`count` processes each recording `each` meetings (of two people, on days no event has),
    one command at a time in one process, all at once: every command's wall time and how long
    it held the write lock, and how many meetings are in the store after."""
    import psycopg

    from partnerkb.engines.postgresql import parse_url

    db = store_url(url, schema)
    pairs, source = people(url, schema, count)

    def added() -> int:
        with psycopg.connect(parse_url(db).conninfo, autocommit=True) as conn:
            return int(conn.execute(f"SELECT count(*) FROM {schema}.events WHERE earliest"
                                    " < '1900-01-01'").fetchone()[0])  # fmt: skip

    before = added()
    started = time.perf_counter()
    procs = [subprocess.Popen([PYTHON, "-c", WRITER, db, str(w), str(each), *pairs[w], source,
                               str(DECADE)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
             for w in range(count)]  # fmt: skip
    walls: list[float] = []
    firsts: list[float] = []  # each process's first command: it imports the engine's modules
    others: list[float] = []
    held: list[float] = []
    turns: list[float] = []
    failures: list[int] = []
    for proc in procs:
        out, err = proc.communicate()
        figures = json.loads(out.strip().splitlines()[-1])
        walls += figures["walls"]
        firsts += figures["walls"][:1]
        others += figures["walls"][1:]
        held += figures["held"]
        turns += figures.get("turns", [])
        failures += figures["failures"]
    elapsed = time.perf_counter() - started
    return {"commands": len(walls), "failed": len(failures), "expected": count * each,
            "added": added() - before, "wall_median_s": statistics.median(walls),
            "wall_p95_s": percentile(walls, 0.95), "wall_max_s": max(walls),
            "first_median_s": statistics.median(firsts), "first_max_s": max(firsts),
            "others_p95_s": percentile(others, 0.95), "others_max_s": max(others, default=0.0),
            "held_median_s": statistics.median(held) if held else None,
            "held_p95_s": percentile(held, 0.95),
            "turn_median_s": statistics.median(turns) if turns else None,
            "turn_p95_s": percentile(turns, 0.95) if turns else None,
            "per_second": len(walls) / elapsed}  # fmt: skip


def floors_at_once(count: int, runs: int, env: dict[str, str]) -> dict[str, Any]:
    """What the machine allows: `count` framework-floor processes started at once (`runs`
    times), each one's wall time, against one alone."""
    floor = [PYTHON, str(HERE / "floor_typer.py"), "rows"]
    alone, together = [], []
    for _ in range(runs):
        alone.append(timed(floor, env))
        started = time.perf_counter()
        procs = [subprocess.Popen(floor, stdout=subprocess.DEVNULL, env=env)
                 for _ in range(count)]  # fmt: skip
        for proc in procs:
            proc.wait()
            together.append(time.perf_counter() - started)
    return {"command": f"{count} framework floors at once", "alone_s": statistics.median(alone),
            "at_once_median_s": statistics.median(together), "at_once_max_s": max(together)}


def one_write(url: str, schema: str, runs: int, env: dict[str, str]) -> dict[str, Any]:
    """One `add-meeting` alone, a whole process (with its duplicate check), `runs` times
    interleaved with the framework floor; each meeting a new one (its own day)."""
    pairs, source = people(url, schema, 1)
    floor = [PYTHON, str(HERE / "floor_typer.py"), "rows"]
    own, frame = [], []
    for n in range(runs + 1):
        command = [*partnerkb(), "add-meeting", "--db", store_url(url, schema), "--date",
                   f"{DECADE + 9}-01-{n + 1:02d}", "--participant", pairs[0][0], "--participant",
                   pairs[0][1], "--source", source]  # fmt: skip
        took = timed(command, env)
        if n:  # the first one warms the caches
            own.append(took)
            frame.append(timed(floor, env))
    return {"command": "add-meeting (alone)", "partnerkb_s": statistics.median(own),
            "framework_floor_s": statistics.median(frame)}  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10k", help="comma-separated: 10k,100k,1m")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--url", help="a PostgreSQL database to use (default: a throwaway one)")
    parser.add_argument("--stores", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--engine", default="json", choices=("json", "sqlite"),
                        help="the generated store copied into PostgreSQL: events-N.json, or "
                        "events-N.sqlite (1M events without a JSON file)")  # fmt: skip
    parser.add_argument("--only", default="", help="only the reads whose name has one of these "
                        "comma-separated words")  # fmt: skip
    parser.add_argument("--no-writers", action="store_true", help="no writes")
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--each", type=int, default=5)
    parser.add_argument("--decade", type=int, help="the writes' first year (default: from the "
                        "minute the run starts, 1100-1880)")  # fmt: skip
    args = parser.parse_args(argv)
    if args.decade is not None:
        global DECADE
        DECADE = args.decade
    only = [word for word in args.only.split(",") if word]

    def log(text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    cluster = None
    url = args.url
    if url is None:
        from postgres_server import start_cluster, unavailable

        why = unavailable()
        if why:
            log(f"cannot run: {why}")
            return 2
        cluster = start_cluster()
        url = cluster.url
    # bytecode caching on, as on a user's machine (bench/run.py's clean_env says why)
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PARTNERKB_", "PYTHONDONTWRITEBYTECODE", "PYTHONPYCACHEPREFIX"))}
    env.update(PARTNERKB_LOCK_TIMEOUT="120", PYTHONHASHSEED="0")
    floor = [PYTHON, str(HERE / "floor_typer.py"), "rows"]
    report: list[dict[str, Any]] = []
    try:
        for n in [parse_size(s) for s in args.sizes.split(",") if s.strip()]:
            path, probe = ensure_store(args.stores, n, engine=args.engine, log=log)
            schema = f"bench_{size_label(n)}"
            load(url, schema, path, log, env)
            for name, command, plain in cases(url, schema, probe):
                if only and not any(word in name for word in only):
                    continue
                timed(command, env)  # one unmeasured run: caches warm
                own, frame, sql = [], [], []
                for _ in range(args.runs):
                    own.append(timed(command, env))
                    frame.append(timed(floor, env))
                    sql.append(timed(plain, env))
                row = {"store": size_label(n), "command": name,
                       "peak_mb": PEAK_MB.get(" ".join(command)),
                       "partnerkb_s": statistics.median(own),
                       "framework_floor_s": statistics.median(frame),
                       "psql_floor_s": statistics.median(sql)}  # fmt: skip
                row["ratio"] = row["partnerkb_s"] / (row["framework_floor_s"] + row["psql_floor_s"])
                report.append(row)
                log(f"{row['store']:>5}  {name:<45} {row['partnerkb_s']:.3f} s  framework "
                    f"{row['framework_floor_s']:.3f} s  psql {row['psql_floor_s']:.3f} s  "
                    f"ratio {row['ratio']:.2f}  peak {row['peak_mb']:.0f} MB")  # fmt: skip
            if args.no_writers:
                continue
            alone = one_write(url, schema, args.runs, env)
            alone["store"] = size_label(n)
            report.append(alone)
            log(f"{size_label(n):>5}  add-meeting alone {alone['partnerkb_s']:.3f} s  framework "
                f"{alone['framework_floor_s']:.3f} s")
            wrote = writers(url, schema, args.writers, args.each, env)
            wrote["store"] = size_label(n)
            report.append(wrote)
            turn = (f"; narrow writes wrote (beside others) {wrote['turn_median_s']:.3f} s median, "
                    f"{wrote['turn_p95_s']:.3f} s p95" if wrote["turn_median_s"] else "")
            log(f"{size_label(n):>5}  {args.writers} writers x {args.each} add-meeting: "
                f"{wrote['added']} of {wrote['expected']} added ({wrote['failed']} failed); "
                f"a command {wrote['wall_median_s']:.3f} s median, {wrote['wall_p95_s']:.3f} s "
                f"p95, {wrote['wall_max_s']:.3f} s max (a process's first, with its imports: "
                f"{wrote['first_median_s']:.3f} s median, {wrote['first_max_s']:.3f} s max; "
                f"the others {wrote['others_p95_s']:.3f} s p95, {wrote['others_max_s']:.3f} s "
                "max); "
                f"store lock held "
                f"{wrote['held_median_s']:.3f} s median, {wrote['held_p95_s']:.3f} s p95{turn}; "
                f"{wrote['per_second']:.2f} commands/s")
            floors = floors_at_once(args.writers, args.runs, env)
            report.append(floors)
            log(f"       {floors['command']}: {floors['at_once_median_s']:.3f} s median each, "
                f"{floors['at_once_max_s']:.3f} s max (one alone {floors['alone_s']:.3f} s)")
    finally:
        if cluster is not None:
            from postgres_server import remove_cluster

            remove_cluster(cluster)
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"postgresql-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps(report, indent=2) + "\n")
    log(f"saved {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
