"""The SQLite engine's read path over a generated store: the benchmark's generator writes the same
records to either engine, and `show`, `timeline` and `list events` (whose SQLite answers come
from the indexes, records read only for the rows kept) give the same output on both."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from partnerkb.convert import convert

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
import generate  # noqa: E402  (bench/ is not a package)

EVENTS = 1500
SEED = 1  # a seed whose people include namesakes


@pytest.fixture(scope="module")
def stores(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict]:
    """The same generated store as JSON and as SQLite (each written by its own generator)."""
    folder = tmp_path_factory.mktemp("generated")
    json_store, sqlite_store = folder / "g.json", folder / "g.sqlite"
    probes = generate.generate_store(json_store, EVENTS, seed=SEED)
    assert generate.generate_sqlite_store(sqlite_store, EVENTS, seed=SEED) == probes
    return json_store, sqlite_store, probes


def test_the_sqlite_generator_writes_the_records_of_the_json_one(stores, tmp_path):
    json_store, sqlite_store, _ = stores
    back = tmp_path / "back.json"
    convert(sqlite_store, back)
    assert back.read_bytes() == json_store.read_bytes()


def test_the_jsonl_of_a_generated_store_is_what_export_gives(stores, tmp_path, cli):
    _, sqlite_store, _ = stores
    jsonl = tmp_path / "g.jsonl"
    generate.jsonl_of_sqlite(sqlite_store, jsonl)
    exported = cli("export", "--format", "jsonl", "--db", str(sqlite_store))
    assert exported.exit_code == 0
    assert jsonl.read_text(encoding="utf-8") == exported.stdout


def test_the_streamed_records_are_the_tables(stores):
    tables = generate.generate_tables(60, seed=3)
    streamed: dict[str, dict[str, dict]] = {}
    for table, doc, record in generate.generate_records(
        60, 3, lambda n: tables["events"][str(n + 1)]["id"]
    ):
        streamed.setdefault(table, {})[str(doc)] = record
    assert streamed == {t: rows for t, rows in tables.items() if rows}


def answers(cli, store: Path, *args: str) -> tuple[int, str, str]:
    result = cli(*args, "--format", "json", "--db", str(store))
    return result.exit_code, result.stdout, result.stderr


WINDOWS = [
    ["--since", "2024-01", "--until", "2024-03"],
    ["--since", "2020"],
    ["--until", "1999-06"],
    ["--kind", "meeting", "--since", "2022", "--until", "2023"],
    ["--happened", "--since", "2025"],
    ["--entity", "shusha"],
    ["--entity", "azerbaijan", "--since", "2024"],
    [],
]


@pytest.mark.parametrize("window", WINDOWS, ids=lambda w: " ".join(w) or "all")
@pytest.mark.parametrize("cut", [[], ["--limit", "7"], ["--limit", "7", "--reverse"],
                                 ["--reverse"], ["--limit", "100000"]])  # fmt: skip
def test_timeline_answers_alike_on_both_engines(stores, cli, window, cut):
    json_store, sqlite_store, _ = stores
    on_json = answers(cli, json_store, "timeline", *window, *cut)
    on_sqlite = answers(cli, sqlite_store, "timeline", *window, *cut)
    assert on_sqlite == on_json
    if on_json[0] == 0 and "--limit" in cut and cut[1] == "7":
        rows = json.loads(on_json[1])
        assert len(rows) <= 7


@pytest.mark.parametrize("cut", [["--limit", "3"], ["--limit", "3", "--reverse"]])
def test_list_events_answers_alike_on_both_engines(stores, cli, cut):
    json_store, sqlite_store, _ = stores
    for filters in (["--kind", "visit"], ["--entity", "baku"], []):
        on_json = answers(cli, json_store, "list", "events", *filters, *cut)
        assert on_json[0] == 0 and "showing 3 of" in on_json[2]
        assert answers(cli, sqlite_store, "list", "events", *filters, *cut) == on_json


def met_a_namesake(tables: dict) -> str:
    """A person who met, at an event that happened, someone whose name another person shares."""
    people = [e for e in tables["entities"].values() if e["kind"] == "person"]
    names: dict[str, int] = {}
    for person in people:
        names[person["name"]] = names.get(person["name"], 0) + 1
    shared = {p["id"] for p in people if names[p["name"]] > 1}
    for event in tables["events"].values():
        present = [p["entity"] for p in event["participants"]]
        if event["status"] == "happened" and shared & set(present[1:]):
            return str(present[0])
    raise AssertionError("no namesakes in the generated store")


def test_show_answers_alike_on_both_engines_namesakes_told_apart(stores, cli):
    json_store, sqlite_store, probes = stores
    person = met_a_namesake(generate.generate_tables(EVENTS, seed=SEED))
    on_json = answers(cli, json_store, "show", person, "--all")
    assert on_json[0] == 0
    # generated people share names: the rows tell namesakes apart, as the JSON engine does
    assert any("(" in m["name"] for m in json.loads(on_json[1])["met"])
    assert answers(cli, sqlite_store, "show", person, "--all") == on_json
    assert answers(cli, sqlite_store, "show", person) == answers(cli, json_store, "show", person)
    for other in ("baku", "azerbaijan", probes["show"], probes["guest"], probes["source"]):
        assert answers(cli, sqlite_store, "show", other) == answers(cli, json_store, "show", other)


def test_a_table_and_csv_read_alike_too(stores, cli):
    json_store, sqlite_store, probes = stores
    for fmt in ("table", "csv"):
        for args in (["show", probes["show"]], ["timeline", "--since", "2024", "--limit", "5"]):
            on_json = cli(*args, "--format", fmt, "--db", str(json_store))
            on_sqlite = cli(*args, "--format", fmt, "--db", str(sqlite_store))
            assert (on_sqlite.exit_code, on_sqlite.stdout) == (on_json.exit_code, on_json.stdout)


@pytest.mark.parametrize("listing", [["timeline"], ["list", "events"], ["list", "entities"],
                                     ["list", "sources"]])  # fmt: skip
def test_limit_and_reverse_on_every_engine(cli, shipped_copy, listing):
    db = ["--db", str(shipped_copy)]
    every = json.loads(cli(*listing, "--format", "json", *db).stdout)
    assert len(every) > 2
    first = cli(*listing, "--limit", "2", "--format", "json", *db)
    assert [r["id"] for r in json.loads(first.stdout)] == [r["id"] for r in every[:2]]
    assert f"showing 2 of {len(every)}" in first.stderr
    last = json.loads(cli(*listing, "--reverse", "--limit", "2", "--format", "json", *db).stdout)
    assert [r["id"] for r in last] == [r["id"] for r in every[::-1][:2]]
    whole = json.loads(cli(*listing, "--reverse", "--format", "json", *db).stdout)
    assert [r["id"] for r in whole] == [r["id"] for r in every[::-1]]


def test_a_store_without_the_window_index_reads_alike_and_gets_it_from_its_next_write(
    stores, cli, tmp_path
):
    import shutil
    import sqlite3

    _, sqlite_store, probes = stores
    old = tmp_path / "old.sqlite"
    shutil.copyfile(sqlite_store, old)
    conn = sqlite3.connect(old)
    conn.execute("DROP INDEX events_window")
    conn.commit()
    conn.close()
    window = ["timeline", "--since", "2024-01", "--until", "2024-03", "--limit", "5"]
    assert answers(cli, old, *window) == answers(cli, sqlite_store, *window)
    added = cli("add-meeting", "--db", str(old), "--date", "1901-06-15",
                "--participant", probes["show"], "--participant", probes["guest"],
                "--source", probes["source"])  # fmt: skip
    assert added.exit_code == 0, added.stderr
    conn = sqlite3.connect(old)
    indexes = {name for (name,) in conn.execute("SELECT name FROM sqlite_master")}
    conn.close()
    assert "events_window" in indexes


def _indexes(store: Path) -> dict[str, str]:
    import sqlite3

    conn = sqlite3.connect(store)
    found = dict(conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index'"))
    conn.close()
    return found


def _without_covering_indexes(source: Path, old: Path) -> None:
    """`old`: a copy of `source` as a store made before the covering indexes (with the
    one-column indexes they replace)."""
    import shutil
    import sqlite3

    from partnerkb.engines.relational import COVERING

    shutil.copyfile(source, old)
    conn = sqlite3.connect(old)
    for covering in COVERING:
        conn.execute(f"DROP INDEX {covering.name}")
        if covering.replaces:
            column = covering.columns[0]
            conn.execute(f"CREATE INDEX {covering.replaces} ON {covering.table} ({column})")
    conn.commit()
    conn.close()


PROFILES = ("show", "guest")


def test_a_new_store_has_the_covering_indexes_of_a_profile_and_uses_them(stores):
    import sqlite3

    from partnerkb.engines.relational import COVERING
    from partnerkb.engines.sqlite import SqliteData, _Db

    _, sqlite_store, probes = stores
    indexes = _indexes(sqlite_store)
    for covering in COVERING:
        assert indexes[covering.name] == covering.statement
        assert covering.replaces not in indexes  # the covering one serves its queries
    # each of the profile's queries reads its tables' indexes alone
    conn = sqlite3.connect(f"file:{sqlite_store}?mode=ro", uri=True)
    seen: list[str] = []
    conn.set_trace_callback(seen.append)
    data = SqliteData(_Db(conn, sqlite_store, snapshot=True))
    found = data.get(probes["show"])
    assert found is not None
    _, record = found
    data.latest_events({probes["show"]}, 20)
    data.met_counts(probes["show"], 20)
    data.cited_sources(record, {probes["show"]}, 20)
    conn.set_trace_callback(None)
    plans = {sql: [row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}",
                                                  [None] * sql.count("?"))]
             for sql in seen if "COUNT(*) OVER ()" in sql}  # fmt: skip
    conn.close()
    assert len(plans) == 3
    for plan in plans.values():
        reads = [step for step in plan if step.startswith("SEARCH")]
        assert reads and all("USING COVERING INDEX" in step for step in reads), plan


def test_a_store_without_the_covering_indexes_answers_alike_and_gets_them_from_a_write(
    stores, cli, tmp_path
):
    from partnerkb.engines.relational import COVERING

    _, sqlite_store, probes = stores
    old = tmp_path / "old.sqlite"
    _without_covering_indexes(sqlite_store, old)
    assert not any(c.name in _indexes(old) for c in COVERING)
    for probe in PROFILES:
        for cut in ([], ["--all"]):
            question = ["show", probes[probe], *cut]
            assert answers(cli, old, *question) == answers(cli, sqlite_store, *question)
    added = cli("add-meeting", "--db", str(old), "--date", "1901-06-15",
                "--participant", probes["show"], "--participant", probes["guest"],
                "--source", probes["source"])  # fmt: skip
    assert added.exit_code == 0, added.stderr
    assert _indexes(old) == _indexes(sqlite_store)
    for probe in PROFILES:
        shown = json.loads(answers(cli, old, "show", probes[probe], "--all")[1])
        assert "1901-06-15" in json.dumps(shown["events"])


def test_migrate_adds_the_covering_indexes_and_changes_no_answer(stores, cli, tmp_path):
    _, sqlite_store, probes = stores
    old = tmp_path / "old.sqlite"
    _without_covering_indexes(sqlite_store, old)
    before = [answers(cli, old, "show", probes[probe]) for probe in PROFILES]
    unchanged = old.read_bytes()
    dry = cli("migrate", "--db", str(old), "--dry-run")
    assert dry.exit_code == 0, dry.stderr
    assert "events_id_dates" in dry.stderr and old.read_bytes() == unchanged
    done = cli("migrate", "--db", str(old))
    assert done.exit_code == 0, done.stderr
    assert "created the indexes" in done.stderr and "events_id_dates" in done.stderr
    assert _indexes(old) == _indexes(sqlite_store)
    assert [answers(cli, old, "show", probes[probe]) for probe in PROFILES] == before
    again = cli("migrate", "--db", str(old))
    assert again.exit_code == 0 and "up to date" in again.stderr


@pytest.mark.parametrize("cut", [[], ["--limit", "3"], ["--limit", "4", "--reverse"],
                                 ["--all"]])  # fmt: skip
def test_a_bounded_profile_answers_alike_on_both_engines(stores, cli, cut):
    json_store, sqlite_store, probes = stores
    for who in (probes["show"], probes["guest"], "azerbaijan", "heritage-foundation-of-morocco"):
        for fmt in ("json", "csv"):
            on_json = cli("show", who, *cut, "--format", fmt, "--db", str(json_store))
            on_sqlite = cli("show", who, *cut, "--format", fmt, "--db", str(sqlite_store))
            assert on_json.exit_code == 0, on_json.stderr
            assert (on_sqlite.stdout, on_sqlite.stderr) == (on_json.stdout, on_json.stderr)


def test_the_sqlite_engine_counts_and_cuts_a_profile_in_sql_as_the_tables_would(stores):
    """`latest_events`, `met_counts` and `cited_sources` from the indexes give what the JSON
    engine's loops over every record give, for every limit, and read no table whole."""
    from partnerkb.engines.sqlite import read_sqlite
    from partnerkb.queries import KnowledgeBase
    from partnerkb.store import read_store

    json_store, sqlite_store, probes = stores
    in_memory = read_store(json_store)
    indexed = read_sqlite(sqlite_store)
    for who in (probes["show"], probes["guest"], "azerbaijan", "baku"):
        scope = KnowledgeBase(in_memory).places_within(who)
        entity = in_memory.find("entities", who)
        assert entity is not None
        for limit in (None, 1, 7, 50):
            assert indexed.latest_events(scope, limit) == in_memory.latest_events(scope, limit)
            assert indexed.met_counts(who, limit) == in_memory.met_counts(who, limit)
            assert indexed.cited_sources(entity, scope, limit) == in_memory.cited_sources(
                entity, scope, limit
            )
    total, events = indexed.latest_events(KnowledgeBase(indexed).places_within("azerbaijan"), 5)
    assert total > 5 and len(events) == 5
    assert all(indexed.lazy.loaded(t) is None for t in ("events", "entities", "sources"))


@pytest.mark.parametrize("window", WINDOWS, ids=lambda w: " ".join(w) or "all")
def test_a_limited_timeline_is_cut_and_counted_by_the_database(stores, monkeypatch, window):
    """`--limit N` (with or without `--reverse`) on an indexed engine asks the database for the
    first N events of the window in date order, and counts the window in the same query: the
    rest of the window is never read or sorted here (`EventWindow`), and the events kept and
    the count are those of the JSON engine's whole list."""
    from partnerkb.cli.common import limit_rows
    from partnerkb.cli.read import event_filter
    from partnerkb.engines import sqlite
    from partnerkb.queries import KnowledgeBase, timeline_events
    from partnerkb.store import read_store

    json_store, sqlite_store, _ = stores
    every = KnowledgeBase(read_store(json_store))
    indexed = KnowledgeBase(sqlite.read_sqlite(sqlite_store))
    flags = [w for w in window if w == "--happened"]
    valued = [w for w in window if w not in flags]
    args = dict(zip(valued[::2], valued[1::2], strict=True))
    spec = event_filter(indexed, [args["--entity"]] if "--entity" in args else None,
                        [args["--kind"]] if "--kind" in args else None, None,
                        args.get("--since"), args.get("--until"), False, bool(flags))  # fmt: skip

    def whole(*_: object) -> list[int]:
        raise AssertionError("the whole window was read for a --limit")

    monkeypatch.setattr(sqlite.SqliteData, "_window_docs", whole)
    said: list[str] = []
    monkeypatch.setattr("partnerkb.cli.common.info", said.append)
    asked: list[str] = []
    rows = indexed.data.db.rows

    def counted(sql: str, *args: object, **kwargs: object) -> object:
        asked.append(sql)
        return rows(sql, *args, **kwargs)

    monkeypatch.setattr(indexed.data.db, "rows", counted)
    for reverse in (False, True):
        for limit in (1, 7):
            wanted = list(timeline_events(every, spec))
            got = limit_rows(timeline_events(indexed, spec), limit, reverse)
            assert [e["id"] for e in got] == [
                e["id"] for e in (wanted[::-1] if reverse else wanted)[:limit]
            ]
            if len(wanted) > limit:
                assert said.pop() == f"showing {limit} of {len(wanted)}; --limit shows more"
            assert not said
    assert not [sql for sql in asked if "COUNT(*) FROM events" in sql]  # counted as it is cut
    # a window with a start is two ranges of the window index (dated to its end or later, or
    # open-ended), one query for both
    assert ("--since" in window) == any("UNION ALL" in sql for sql in asked)
    assert indexed.data.lazy.loaded("events") is None
