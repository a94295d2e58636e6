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


def timed(argv: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    elapsed = time.perf_counter() - started
    if done.returncode not in (0, 1):
        raise RuntimeError(f"{' '.join(argv)} exited {done.returncode}: {done.stderr[-400:]!r}")
    return elapsed


def psql(url: str, schema: str, query: str) -> list[str]:
    """A plain psql process answering `query` in the store's schema."""
    from partnerkb.engines.postgresql import parse_url

    conninfo = parse_url(url).conninfo
    return [shutil.which("psql") or "psql", conninfo, "-X", "-q", "-A", "-t",
            "-c", f"SET search_path TO {schema}", "-c", query]  # fmt: skip


def load(url: str, schema: str, path: Path, log: Any) -> None:
    """Copy the JSON store at `path` into `schema`, unless it is there already."""
    import psycopg

    from partnerkb.engines.postgresql import parse_url, write_store
    from partnerkb.store import read_store

    target = parse_url(f"{url}{'&' if '?' in url else '?'}schema={schema}")
    with psycopg.connect(target.conninfo, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", [schema]).fetchone():
            return
    started = time.perf_counter()
    write_store(target, read_store(path))
    log(f"loaded {path.name} into {schema} in {time.perf_counter() - started:.1f} s")


def cases(url: str, schema: str, probe: dict[str, Any]) -> list[tuple[str, list[str], list[str]]]:
    """(name, partnerkb argv, psql floor argv) of each read."""
    db = ["--db", f"{url}{'&' if '?' in url else '?'}schema={schema}"]
    word, since, until, person = probe["search"], probe["since"], probe["until"], probe["show"]
    like = f"%{word.lower()}%"
    return [
        (f"search {word}", [*partnerkb(), "search", word, "--format", "json", *db],
         psql(url, schema, "SELECT id, title FROM events WHERE lower(record::text) LIKE "
                           f"'{like}' ORDER BY earliest DESC LIMIT 50")),
        (f"timeline --since {since} --until {until}",
         [*partnerkb(), "timeline", "--since", since, "--until", until, "--format", "json", *db],
         psql(url, schema, f"SELECT record FROM events WHERE earliest <= '{until}-31' AND "
                           f"(latest >= '{since}-01' OR latest IS NULL) ORDER BY earliest")),
        (f"show {person}", [*partnerkb(), "show", person, "--format", "json", *db],
         psql(url, schema, f"SELECT e.record FROM entities e WHERE e.id = '{person}';"
                           " SELECT v.record FROM participants p JOIN events v"
                           f" ON v.id = p.event_id WHERE p.entity_id = '{person}'")),
    ]  # fmt: skip


def writers(url: str, schema: str, store: Path, count: int, each: int,
            env: dict[str, str]) -> dict[str, Any]:  # fmt: skip
    """`count` processes each recording `each` meetings (of two people who never met, as
    bench_write.py picks them), one whole command at a time, all at once: every command's wall
    time, and how many events were added."""
    from bench_write import pick_ids

    from partnerkb.store import read_store

    db = f"{url}{'&' if '?' in url else '?'}schema={schema}"
    ids = pick_ids(store, count)
    script = (
        "import subprocess, sys, time\n"
        "db, w, n, a, b, source, exe = *sys.argv[1:3], int(sys.argv[3]), *sys.argv[4:7], "
        "sys.argv[7:]\n"
        "for i in range(n):\n"
        "    t = time.perf_counter()\n"
        "    subprocess.run([*exe, 'add-meeting', '--db', db, '--date', f'{1800 + int(w)}-01-"
        "{i + 1:02d}', '--participant', a, '--participant', b, '--source', source],"
        " check=True, capture_output=True)\n"
        "    print(time.perf_counter() - t)\n"
    )
    before = len(read_store(db).records("events"))
    started = time.perf_counter()
    procs = [subprocess.Popen([PYTHON, "-c", script, db, str(w), str(each),
                               *ids["pairs"][w % len(ids["pairs"])], ids["source"], *partnerkb()],
                              stdout=subprocess.PIPE, text=True, env=env)
             for w in range(count)]  # fmt: skip
    times = [float(line) for p in procs for line in p.communicate()[0].split()]
    elapsed = time.perf_counter() - started
    added = len(read_store(db).records("events")) - before
    return {"commands": len(times), "added": added, "expected": count * each,
            "median_s": statistics.median(times), "max_s": max(times),
            "per_second": len(times) / elapsed}  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10k", help="comma-separated: 10k,100k,1m")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--url", help="a PostgreSQL database to use (default: a throwaway one)")
    parser.add_argument("--stores", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)

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
    env = {**os.environ, "PARTNERKB_LOCK_TIMEOUT": "120", "PYTHONHASHSEED": "0"}
    env.pop("PARTNERKB_DB", None)
    floor = [PYTHON, str(HERE / "floor_typer.py"), "rows"]
    report: list[dict[str, Any]] = []
    try:
        for n in [parse_size(s) for s in args.sizes.split(",") if s.strip()]:
            path, probe = ensure_store(args.stores, n, log=log)
            schema = f"bench_{size_label(n)}"
            load(url, schema, path, log)
            for name, command, plain in cases(url, schema, probe):
                timed(command, env)  # one unmeasured run: caches warm
                own, frame, sql = [], [], []
                for _ in range(args.runs):
                    own.append(timed(command, env))
                    frame.append(timed(floor, env))
                    sql.append(timed(plain, env))
                row = {"store": size_label(n), "command": name,
                       "partnerkb_s": statistics.median(own),
                       "framework_floor_s": statistics.median(frame),
                       "psql_floor_s": statistics.median(sql)}  # fmt: skip
                row["ratio"] = row["partnerkb_s"] / (row["framework_floor_s"] + row["psql_floor_s"])
                report.append(row)
                log(f"{row['store']:>5}  {name:<45} {row['partnerkb_s']:.3f} s  framework "
                    f"{row['framework_floor_s']:.3f} s  psql {row['psql_floor_s']:.3f} s  "
                    f"ratio {row['ratio']:.2f}")  # fmt: skip
            wrote = writers(url, schema, path, 8, 5, env)
            wrote["store"] = size_label(n)
            report.append(wrote)
            log(f"{size_label(n):>5}  8 writers x 5 add-meeting: {wrote['added']} of "
                f"{wrote['expected']} added, median {wrote['median_s']:.3f} s, max "
                f"{wrote['max_s']:.3f} s, {wrote['per_second']:.1f} commands/s")
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
