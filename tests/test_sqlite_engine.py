"""The SQLite engine's own file: how a path picks its engine, `convert` and `info`, reading it as
a SQL user, and every store problem refused with exit code 3 and the file left untouched. (The
CLI suite runs on both engines through the `shipped_copy` fixture; this file is about SQLite.)"""

from __future__ import annotations

import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from partnerkb.engines import change_counter, engine_of
from partnerkb.engines.sqlite import LAYOUT_VERSION, SqliteData, read_sqlite
from partnerkb.model import VALIDATORS
from partnerkb.store import read_store, shipped_store_path

NEWSAZ = "newsaz-2024-01-31-samadov-almalik"
MEETING = ["--participant", "icesco", "--participant", "morocco", "--source", NEWSAZ]


@pytest.fixture
def sqlite_copy(tmp_path: Path, shipped_sqlite: Path) -> Path:
    target = tmp_path / "kb.sqlite"
    shutil.copyfile(shipped_sqlite, target)
    return target


def beside(path: Path) -> set[str]:
    """The files in the store's folder (a refused store gets no -journal or -wal beside it)."""
    return {p.name for p in path.parent.iterdir()}


# -- which engine -------------------------------------------------------------------------------


def test_a_new_store_gets_its_engine_from_its_extension_and_init_engine_says_it_outright(
    cli, tmp_path
):
    for name in ("a.sqlite", "b.sqlite3", "c.DB"):
        assert cli("init", "--db", str(tmp_path / name)).exit_code == 0
        assert (tmp_path / name).read_bytes().startswith(b"SQLite format 3\x00")
    assert cli("init", "--db", str(tmp_path / "d.json")).exit_code == 0
    assert (tmp_path / "d.json").read_bytes().startswith(b"{")
    made = cli("init", "--db", str(tmp_path / "e.json"), "--engine", "SQLite")
    assert made.exit_code == 0 and "(sqlite)" in made.stderr
    assert engine_of(tmp_path / "e.json") == "sqlite"  # an existing file: by its content
    added = cli("add-entity", "--db", str(tmp_path / "e.json"), "--kind", "person", "Jane Roe",
                "--source-outlet", "Example", "--source-title", "A report",
                "--source-date", "2024-01-01")  # fmt: skip
    assert added.exit_code == 0, added.stderr
    assert engine_of(tmp_path / "e.json") == "sqlite"
    bad = cli("init", "--db", str(tmp_path / "f.json"), "--engine", "mysql")
    assert bad.exit_code == 2 and "json or sqlite" in bad.stderr
    assert not (tmp_path / "f.json").exists()


def test_a_json_store_named_like_a_database_is_read_as_json(cli, tmp_path):
    path = tmp_path / "kb.db"
    shutil.copyfile(shipped_store_path(), path)
    assert engine_of(path) == "json"
    assert cli("show", "icesco", "--db", str(path), "--format", "json").exit_code == 0


def test_a_command_loads_only_the_tables_it_uses(sqlite_copy):
    data = read_sqlite(sqlite_copy)
    assert isinstance(data, SqliteData)
    found = data.get("nazim-samadov")
    assert found is not None and found[0] == "entities"
    assert data.get("no-such-id") is None
    assert all(data.lazy.loaded(t) is None for t in ("events", "entities", "sources"))
    assert data.records("events")  # a listing loads its table, and only that one
    assert data.lazy.loaded("events") is not None and data.lazy.loaded("entities") is None
    assert data.get("nazim-samadov") == found  # the same record either way


# -- convert ------------------------------------------------------------------------------------


def test_json_to_sqlite_to_json_is_byte_identical(cli, tmp_path):
    first, back = tmp_path / "kb.sqlite", tmp_path / "back.json"
    assert cli("convert", str(shipped_store_path()), str(first)).exit_code == 0
    result = cli("convert", str(first), str(back))
    assert result.exit_code == 0, result.stderr
    assert back.read_bytes() == shipped_store_path().read_bytes()
    assert "(sqlite) to" in result.stderr and "(json)" in result.stderr


def edits(cli, path: Path) -> None:
    """Writes that move records around: adds, an edit, a merge, a removal, an undo."""
    for day in ("2020-01-01", "2020-02-02", "2020-03-03"):
        result = cli("add-meeting", "--db", str(path), "--date", day, *MEETING)
        assert result.exit_code == 0, result.stderr
    steps = [
        ["add-entity", "--kind", "person", "Jane Roe", "--source", NEWSAZ],
        ["add-entity", "--kind", "person", "J. Roe", "--source", NEWSAZ],
        ["edit", "jane-roe", "--set", "description=A test person."],
        ["merge", "j-roe", "jane-roe"],
        ["remove", "2020-02-02-icesco-morocco", "--yes"],
        ["undo", "--yes"],
        ["add-meeting", "--date", "2020-04-04", *MEETING],
    ]
    for step in steps:
        result = cli(step[0], "--db", str(path), *step[1:])
        assert result.exit_code == 0, (step, result.stderr)


def test_the_same_writes_give_the_same_records_on_both_engines_and_convert_back_exactly(
    cli, tmp_path, shipped_sqlite
):
    as_json, as_sqlite = tmp_path / "kb.json", tmp_path / "kb.sqlite"
    shutil.copyfile(shipped_store_path(), as_json)
    shutil.copyfile(shipped_sqlite, as_sqlite)
    edits(cli, as_json)
    edits(cli, as_sqlite)
    from_json, from_sqlite = read_store(as_json).to_json(), read_store(as_sqlite).to_json()
    for table in ("meta", "sources", "entities", "events", "partnerships"):
        assert from_sqlite[table] == from_json[table], table
        assert list(from_sqlite[table]) == list(from_json[table]), table  # document order too
    assert [e["command"] for e in from_sqlite["history"].values()] == [
        e["command"] for e in from_json["history"].values()
    ]
    # a store after merges, removals and undos goes to SQLite and back byte for byte
    there, back = tmp_path / "there.sqlite", tmp_path / "back.json"
    assert cli("convert", str(as_json), str(there)).exit_code == 0
    assert cli("convert", str(there), str(back)).exit_code == 0
    assert back.read_bytes() == as_json.read_bytes()


def test_convert_never_overwrites_without_force_nor_writes_over_its_source(cli, tmp_path):
    dest = tmp_path / "kb.sqlite"
    dest.write_bytes(b"precious")
    refused = cli("convert", str(shipped_store_path()), str(dest))
    assert refused.exit_code == 3 and "--force" in refused.stderr
    assert dest.read_bytes() == b"precious"
    forced = cli("convert", str(shipped_store_path()), str(dest), "--force")
    assert forced.exit_code == 0, forced.stderr
    assert engine_of(dest) == "sqlite"
    same = cli("convert", str(dest), str(dest), "--force")
    assert same.exit_code == 3 and "is the store being converted" in same.stderr
    missing = cli("convert", str(tmp_path / "none.json"), str(tmp_path / "x.sqlite"))
    assert missing.exit_code == 3 and not (tmp_path / "x.sqlite").exists()


def test_convert_refuses_a_table_it_would_lose(cli, tmp_path):
    import json

    source = tmp_path / "odd.json"
    tables = json.loads(shipped_store_path().read_text(encoding="utf-8"))
    tables["notes"] = {"1": {"text": "kept only in JSON"}}
    source.write_text(json.dumps(tables), encoding="utf-8")
    result = cli("convert", str(source), str(tmp_path / "odd.sqlite"))
    assert result.exit_code == 3 and "'notes'" in result.stderr
    assert not (tmp_path / "odd.sqlite").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


# -- info ---------------------------------------------------------------------------------------


def test_info_names_the_store_why_its_engine_size_counts_and_last_write(cli, sqlite_copy):
    import json

    assert cli("add-meeting", "--db", str(sqlite_copy), "--date", "2020", *MEETING).exit_code == 0
    result = cli("info", "--format", "json", env={"PARTNERKB_DB": str(sqlite_copy)})
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    shipped = read_store(shipped_store_path())
    assert report["path"] == str(sqlite_copy) and report["origin"] == "env"
    assert report["engine"] == "sqlite" and report["size_bytes"] == sqlite_copy.stat().st_size
    assert report["records"]["events"] == len(shipped.tables["events"]) + 1
    assert report["records"]["history"] == 1
    assert report["schema_version"] == 1 and report["layout_version"] == LAYOUT_VERSION
    assert report["last_write"]["command"].startswith("add-meeting --date 2020")
    assert report["journal_mode"] == "delete"
    table = cli("info", "--format", "tsv").stdout  # no store of one's own: the shipped one
    assert "engine\tjson" in table and "shipped" in table and "last write\tnone" in table


# -- as SQL users read it -----------------------------------------------------------------------


def test_sql_users_read_the_documented_tables_and_views_read_only(sqlite_copy):
    before = sqlite_copy.read_bytes()
    conn = sqlite3.connect(f"file:{sqlite_copy}?mode=ro", uri=True)
    try:
        (meetings,) = conn.execute(
            "SELECT count(*) FROM events WHERE kind = 'meeting' AND latest >= '2024-01-01'"
        ).fetchone()
        met = conn.execute(
            "SELECT event_id, event_title, part FROM event_participants"
            " WHERE entity_name = 'Nazim Samadov' ORDER BY earliest"
        ).fetchall()
        cited = conn.execute(
            "SELECT s.outlet, count(*) FROM citations c JOIN sources s ON s.id = c.source_id"
            " GROUP BY s.outlet ORDER BY 2 DESC"
        ).fetchall()
        title = conn.execute(
            "SELECT json_extract(record, '$.title') FROM events WHERE id = ?",
            ("2024-01-30-samadov-almalik-rabat",),
        ).fetchone()[0]
        roles = conn.execute(
            "SELECT title FROM roles WHERE entity_id = 'nazim-samadov'"
        ).fetchall()
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            conn.execute("DELETE FROM events")
    finally:
        conn.close()
    shipped = read_store(shipped_store_path())
    expected = [e for e in shipped.records("events") if e["kind"] == "meeting"
                and (e["date"].get("latest") or "9999") >= "2024-01-01"]  # fmt: skip
    assert meetings == len(expected)
    assert ("2024-01-30-samadov-almalik-rabat",
            shipped.find("events", "2024-01-30-samadov-almalik-rabat")["title"], "guest") in met
    assert cited and all(count > 0 for _, count in cited)
    assert title == shipped.find("events", "2024-01-30-samadov-almalik-rabat")["title"]
    assert roles
    assert sqlite_copy.read_bytes() == before


# -- store problems -----------------------------------------------------------------------------


def _truncated(path: Path) -> None:
    content = path.read_bytes()
    path.write_bytes(content[: len(content) // 2])


def _garbled(path: Path) -> None:
    content = bytearray(path.read_bytes())
    rng = random.Random(7)
    for at in range(4096, len(content), 97):  # every page after the first
        content[at] = rng.randrange(256)
    path.write_bytes(bytes(content))


def _text(path: Path) -> None:
    path.write_text("not a database\n", encoding="utf-8")


def _foreign(path: Path) -> None:
    path.unlink()
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()


def _newer_layout(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = 99")
    conn.commit()
    conn.close()


def _newer_schema(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute("UPDATE meta SET schema_version = 99")
    conn.commit()
    conn.close()


PROBLEMS = {
    "truncated": (_truncated, "truncated"),
    "corrupt": (_garbled, "refusing to use it"),
    "not SQLite": (_text, "is not a SQLite database"),
    "another program's": (_foreign, "not a partnerkb store"),
    "newer layout": (_newer_layout, "newer partnerkb (SQLite layout 99"),
    "newer schema": (_newer_schema, "newer partnerkb (schema 99"),
}


@pytest.mark.parametrize("problem", PROBLEMS)
@pytest.mark.parametrize(
    "command",
    [["timeline"], ["search", "Shusha"], ["show", "icesco"], ["info"], ["history"],
     ["add-meeting", "--date", "2020", *MEETING], ["undo", "--yes"]],
)  # fmt: skip
def test_a_store_problem_is_exit_3_in_one_line_and_the_file_is_untouched(
    cli, sqlite_copy, problem, command
):
    damage, said = PROBLEMS[problem]
    damage(sqlite_copy)
    before, files = sqlite_copy.read_bytes(), beside(sqlite_copy)
    result = cli(*command, "--db", str(sqlite_copy))
    assert result.exit_code == 3, (result.stdout, result.stderr)
    assert result.stderr.startswith("error: ") and "Traceback" not in result.stderr
    if problem != "corrupt":  # what SQLite says of a garbled page depends on the page
        assert said in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) <= 2  # the error, and maybe a hint
    assert sqlite_copy.read_bytes() == before
    assert beside(sqlite_copy) == files  # no -journal, no -wal


def test_a_read_only_store_or_folder_refuses_writes_and_still_reads(cli, sqlite_copy):
    before, files = sqlite_copy.read_bytes(), beside(sqlite_copy)
    sqlite_copy.chmod(0o444)
    try:
        refused = cli("add-meeting", "--db", str(sqlite_copy), "--date", "2020", *MEETING)
        read = cli("show", "icesco", "--db", str(sqlite_copy), "--format", "json")
    finally:
        sqlite_copy.chmod(0o644)
    assert refused.exit_code == 3 and "is read-only" in refused.stderr
    assert read.exit_code == 0, read.stderr
    folder = sqlite_copy.parent
    folder.chmod(0o555)
    try:
        refused = cli("add-meeting", "--db", str(sqlite_copy), "--date", "2020", *MEETING)
        read = cli("search", "Shusha", "--db", str(sqlite_copy), "--format", "json")
    finally:
        folder.chmod(0o755)
    assert refused.exit_code == 3 and "its folder" in refused.stderr
    assert read.exit_code == 0, read.stderr
    assert sqlite_copy.read_bytes() == before and beside(sqlite_copy) == files


def test_a_dry_run_writes_nothing(cli, sqlite_copy):
    before, files = sqlite_copy.read_bytes(), beside(sqlite_copy)
    result = cli("add-meeting", "--db", str(sqlite_copy), "--date", "2020", *MEETING, "--dry-run")
    assert result.exit_code == 0, result.stderr
    assert sqlite_copy.read_bytes() == before and beside(sqlite_copy) == files


HOLDER = textwrap.dedent(
    """
    import sqlite3, sys, time
    conn = sqlite3.connect(sys.argv[1], isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    print("held", flush=True)
    time.sleep(60)
    """
)


def test_a_store_a_stuck_writer_holds_times_out_with_exit_3_and_reads_go_on(cli, sqlite_copy):
    before = sqlite_copy.read_bytes()
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(sqlite_copy)],
                              stdout=subprocess.PIPE, text=True)  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        blocked = cli("add-meeting", "--db", str(sqlite_copy), "--date", "2020", *MEETING,
                      env={"PARTNERKB_LOCK_TIMEOUT": "0.3"})  # fmt: skip
        read = cli("show", "icesco", "--db", str(sqlite_copy), "--format", "json")
    finally:
        holder.kill()
        holder.wait()
    assert blocked.exit_code == 3, blocked.stderr
    assert "is locked by another process" in blocked.stderr
    assert "waited 0.3 s, nothing written" in blocked.stderr
    assert "PARTNERKB_LOCK_TIMEOUT" in blocked.stderr
    assert read.exit_code == 0, read.stderr  # a writer that has not committed blocks no reader
    assert sqlite_copy.read_bytes() == before
    again = cli("add-meeting", "--db", str(sqlite_copy), "--date", "2020", *MEETING)
    assert again.exit_code == 0, again.stderr


ENDLESS_WRITER = textwrap.dedent(
    """
    import sys
    from partnerkb.cli.app import app

    store, first = sys.argv[1], int(sys.argv[2])
    for n in range(first, first + 10_000):
        day = f"{1000 + n // 300}-{n % 300 // 28 % 12 + 1:02d}-{n % 28 + 1:02d}"
        try:
            app(["add-meeting", "--db", store, "--date", day, "--participant", "icesco",
                 "--participant", "morocco", "--source", "newsaz-2024-01-31-samadov-almalik",
                 "--allow-duplicate"])
        except SystemExit:
            pass
    """
)


def _events(path: Path) -> set[str]:
    conn = sqlite3.connect(path)  # read-write: it rolls back what a killed writer left
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        conn.close()
    data = read_store(path)
    for table in VALIDATORS:
        for record in data.records(table):
            VALIDATORS[table](record)
    return {e["id"] for e in data.records("events")}


def test_a_writer_killed_at_any_moment_leaves_a_valid_store_and_loses_nothing_written(
    sqlite_copy,
):
    """SQLite's rollback journal: a write cut at any point is rolled back by the next reader."""
    rng = random.Random(20240130)
    known = _events(sqlite_copy)
    for attempt in range(4):
        before = change_counter(sqlite_copy)
        writer = subprocess.Popen(
            [sys.executable, "-c", ENDLESS_WRITER, str(sqlite_copy), str(attempt * 1000)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            while change_counter(sqlite_copy) == before:  # its first write, however slow
                assert writer.poll() is None, "the writer stopped before writing anything"
                time.sleep(0.005)
            time.sleep(rng.uniform(0.0, 0.5))  # then a kill at any moment of later writes
        finally:
            writer.send_signal(signal.SIGKILL)
            writer.wait()
        now = _events(sqlite_copy)  # a journal left by the kill is rolled back here
        assert known < now  # nothing that was written is ever lost, the first write is kept
        known = now


SPILLER = textwrap.dedent(
    """
    import sqlite3, sys, time
    conn = sqlite3.connect(sys.argv[1], isolation_level=None)
    conn.execute("PRAGMA cache_size=5")  # changed pages go to the file before the commit
    conn.execute("BEGIN IMMEDIATE")
    for n in range(3000):
        conn.execute("INSERT INTO history (doc, id, at, command, record)"
                     " VALUES (?, ?, '', ?, '{}')", (100000 + n, f"h-x{n}", "x" * 500))
    print("spilled", flush=True)
    time.sleep(60)
    """
)


def test_a_write_killed_mid_commit_is_rolled_back_by_the_next_reader(cli, sqlite_copy):
    before = read_store(sqlite_copy).to_json()
    writer = subprocess.Popen([sys.executable, "-c", SPILLER, str(sqlite_copy)],
                              stdout=subprocess.PIPE, text=True)  # fmt: skip
    try:
        assert writer.stdout is not None and writer.stdout.readline() == "spilled\n"
    finally:
        writer.send_signal(signal.SIGKILL)
        writer.wait()
    journal = Path(f"{sqlite_copy}-journal")
    assert journal.exists()  # a hot journal: the file holds half a write
    folder = sqlite_copy.parent
    folder.chmod(0o555)
    try:  # nobody may roll it back here: refused, not read half-done
        refused = cli("timeline", "--db", str(sqlite_copy))
    finally:
        folder.chmod(0o755)
    if os.geteuid() != 0:
        assert refused.exit_code == 3 and "unfinished write" in refused.stderr
    result = cli("history", "--db", str(sqlite_copy), "--format", "json")
    assert result.exit_code == 1, result.stderr  # no history: the half write is gone
    assert not journal.exists()
    assert read_store(sqlite_copy).to_json() == before


def test_derived_tables_of_other_folding_rules_are_made_again_by_the_next_write(cli, sqlite_copy):
    conn = sqlite3.connect(sqlite_copy)
    names = conn.execute("SELECT key, record_id FROM names ORDER BY 1, 2").fetchall()
    assert ("shushi", "shusha") in names and ("nazim samadov", "nazim-samadov") in names
    conn.execute("DELETE FROM names")
    conn.execute("UPDATE derived SET version = -1")
    conn.commit()
    conn.close()
    assert cli("add-meeting", "--db", str(sqlite_copy), "--date", "2020", *MEETING).exit_code == 0
    conn = sqlite3.connect(sqlite_copy)
    again = set(conn.execute("SELECT key, record_id FROM names").fetchall())
    conn.close()
    assert set(names) < again  # every name again, and the new meeting's


def test_a_profile_and_a_filtered_timeline_are_answered_from_the_indexes(sqlite_copy):
    from partnerkb.queries import (
        EventFilter,
        KnowledgeBase,
        entity_profile,
        filter_events,
        known_kinds,
    )

    shipped = KnowledgeBase(read_store(shipped_store_path()))
    data = read_sqlite(sqlite_copy)
    kb = KnowledgeBase(data)
    person = kb.resolve("Nazim Səmədov", ("entities",))[1]  # by a folded alias
    assert kb.resolve("Samadov", ("entities",), partial=True)[1] == person
    profile = entity_profile(kb, person)
    spec = EventFilter(entities=("azerbaijan",), kinds=("meeting", "visit"), since="2022-01-01",
                       until="2024-12-31", statuses=("happened",))  # fmt: skip
    found = filter_events(kb, spec)
    kinds = known_kinds(kb, ("events", "entities"))
    # nothing was loaded whole: the answers came from the indexes
    assert all(data.lazy.loaded(t) is None for t in ("events", "entities", "sources"))
    assert profile == entity_profile(shipped, shipped.resolve("nazim-samadov")[1])
    assert found == filter_events(shipped, spec) and found
    assert kinds == known_kinds(shipped, ("events", "entities"))
    assert kb.places_within("azerbaijan") == shipped.places_within("azerbaijan")
    assert kb.display_name("anar-karimov") == shipped.display_name("anar-karimov")


def test_a_store_of_the_first_layout_reads_without_the_new_tables_and_is_brought_up_by_a_write(
    cli, sqlite_copy
):
    conn = sqlite3.connect(sqlite_copy)
    conn.execute("DROP TABLE event_entities")
    conn.execute("DELETE FROM derived WHERE name = 'event_entities'")
    conn.execute("PRAGMA user_version = 1")
    conn.commit()
    conn.close()
    read = cli("timeline", "--entity", "azerbaijan", "--db", str(sqlite_copy), "--format", "json")
    assert read.exit_code == 0, read.stderr
    assert cli("add-meeting", "--db", str(sqlite_copy), "--date", "2020", *MEETING).exit_code == 0
    conn = sqlite3.connect(sqlite_copy)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == LAYOUT_VERSION
    (involved,) = conn.execute(
        "SELECT count(*) FROM event_entities WHERE entity_id = 'azerbaijan'"
    ).fetchone()
    conn.close()
    assert involved >= len(read_store(sqlite_copy).records("events")) // 10
    again = cli("timeline", "--entity", "azerbaijan", "--db", str(sqlite_copy), "--format", "json")
    assert again.stdout == read.stdout
