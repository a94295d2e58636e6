"""Writes on a SQLite (or PostgreSQL) store ask its indexes and never load a whole record table:
the duplicate check, names of participants and places, sources described again, the own record,
kinds, removal and merge (who refers to the record), undo (the history). Each case runs on a JSON
copy and a database copy of the same store and must answer the same (same refusal, same records
written), while on the database no table of records is read whole."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from partnerkb.engines import sqlite as sqlite_engine
from partnerkb.store import read_store, shipped_store_path

MEETING = "2024-01-30-samadov-almalik-rabat"
NEWSAZ = "newsaz-2024-01-31-samadov-almalik"
TREND_URL = ("https://menafn.com/1108871550/ICESCOs-Director-General-Reviews-Azerbaijani-Pavilion-"
             "At-COP29-Exhibition-PHOTO")  # fmt: skip


@pytest.fixture(params=["sqlite", "postgresql"])
def stores(tmp_path: Path, request: pytest.FixtureRequest) -> dict[str, Any]:
    """A JSON copy of the shipped knowledge base, and one in a database engine ("indexed"):
    SQLite, or PostgreSQL (whose view of a store is SQLite's, over a server)."""
    (tmp_path / "json").mkdir()
    json_copy = tmp_path / "json" / "kb.json"
    shutil.copyfile(shipped_store_path(), json_copy)
    if request.param == "postgresql":
        make = request.getfixturevalue("new_pg_store")
        return {"json": json_copy, "indexed": make(request.getfixturevalue("shipped_data"))}
    (tmp_path / "sqlite").mkdir()
    sqlite_copy = tmp_path / "sqlite" / "kb.sqlite"
    shutil.copyfile(request.getfixturevalue("shipped_sqlite"), sqlite_copy)
    return {"json": json_copy, "indexed": sqlite_copy}


@pytest.fixture
def loads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The tables the SQLite engine reads whole, in order, while a test runs."""
    loaded: list[str] = []
    real = sqlite_engine.LazyTables._load

    def spy(self: Any, table: str) -> Any:
        loaded.append(table)
        return real(self, table)

    monkeypatch.setattr(sqlite_engine.LazyTables, "_load", spy)
    return loaded


RECORD_TABLES = {"sources", "entities", "events", "partnerships"}


def both(cli: Any, stores: dict[str, Any], loads: list[str], *args: str, told: bool = True) -> Any:
    """Run one command on both copies: the same exit code, output and (if `told`) messages,
    and no record table (and no history) read whole on the database. Returns the JSON run's
    result."""
    results = {}
    for engine, path in stores.items():
        loads.clear()
        results[engine] = cli("--db", str(path), *args)
        if engine == "indexed":
            whole = [t for t in loads if t in RECORD_TABLES | {"history"}]
            assert not whole, f"{args[0]} read {whole} whole"
    first, second = results["json"], results["indexed"]
    assert (second.exit_code, second.stdout) == (first.exit_code, first.stdout)
    if told:
        assert second.stderr == first.stderr
    return first


def same_records(stores: dict[str, Any]) -> None:
    """Both stores hold the same records (history entries aside: their times differ)."""
    a, b = read_store(stores["json"]), read_store(stores["indexed"])
    for table in RECORD_TABLES:
        assert a.tables[table] == b.tables[table], table
    strip = ("at", "by")
    entries = [[{k: v for k, v in e.items() if k not in strip}
                for e in store.tables["history"].values()] for store in (a, b)]  # fmt: skip
    assert entries[0] == entries[1]


def test_a_repeated_meeting_is_refused_through_the_indexes(cli, stores, loads):
    result = both(cli, stores, loads, "add-meeting", "--date", "2024-01-30",
                  "--participant", "Nazim Samadov", "--participant", "salim-almalik",
                  "--source", NEWSAZ)  # fmt: skip
    assert result.exit_code == 2 and MEETING in result.stderr
    same_records(stores)


def test_a_new_meeting_is_added_the_same_and_found_again_as_a_duplicate(cli, stores, loads):
    args = ("add-meeting", "--date", "2024-03-05", "--participant", "nazim-samadov",
            "--participant", "anar-karimov-icesco", "--place", "Rabat", "--source", NEWSAZ)
    assert both(cli, stores, loads, *args).exit_code == 0
    again = both(cli, stores, loads, *args)
    assert again.exit_code == 2 and "2024-03-05" in again.stderr
    # a meeting inside that week at a venue of the same city is the same meeting
    week = both(cli, stores, loads, "add-meeting", "--date", "2024-03", "--participant",
                "nazim-samadov", "--participant", "anar-karimov-icesco", "--source", NEWSAZ)
    assert week.exit_code == 2
    same_records(stores)


def test_a_batch_finds_its_own_earlier_meeting(cli, stores, loads, tmp_path):
    """The second line repeats the first, which is written nowhere yet: the indexes miss it,
    the transaction's own changes do not."""
    line = {"date": "2024-04-02", "participants": ["nazim-samadov", "salim-almalik"],
            "source": NEWSAZ}  # fmt: skip
    other = {**line, "date": "2024-04-09"}
    batch = tmp_path / "batch.jsonl"
    batch.write_text("\n".join(json.dumps(x) for x in (line, other, line)) + "\n")
    result = both(cli, stores, loads, "add-meeting", "--from-json", str(batch))
    assert result.exit_code == 2 and "looks like 2024-04-02" in result.stderr
    assert both(cli, stores, loads, "add-meeting", "--from-json", str(batch),
                "--allow-duplicate").exit_code == 0  # fmt: skip
    same_records(stores)


def test_names_sources_and_kinds_are_found_through_the_indexes(cli, stores, loads):
    # a source described again (same url) is the stored one; a new one is made
    args = ("add-meeting", "--date", "2024-11-11", "--participant", "nazim-samadov",
            "--participant", "Leyla Test Person", "--create-missing", "--kind", "person",
            "--source-outlet", "Trend", "--source-title", "Another title", "--source-url",
            TREND_URL, "--source-date", "2024-11-11")  # fmt: skip
    assert both(cli, stores, loads, *args).exit_code == 0
    # the same outlet, title and day, without a url: the source just made
    assert both(cli, stores, loads, "add-meeting", "--date", "2024-11-12", "--participant",
                "Leyla Test Person", "--participant", "salim-almalik", "--source-outlet",
                "Euronews", "--source-title", "A Visit", "--source-date",
                "2024-11-12").exit_code == 0  # fmt: skip
    assert both(cli, stores, loads, "add-meeting", "--date", "2024-11-13", "--participant",
                "leyla-test-person", "--participant", "salim-almalik", "--source-outlet",
                "euronews", "--source-title", "a visit", "--source-date",
                "2024-11-12").exit_code == 0  # fmt: skip
    # near a stored name: refused with the candidates; spelled without its dash: the stored one
    near = both(cli, stores, loads, "add-meeting", "--date", "2024-11-14", "--participant",
                "Nazim Samdov", "--participant", "salim-almalik", "--create-missing", "--kind",
                "person", "--source", NEWSAZ)  # fmt: skip
    assert near.exit_code == 2 and "nazim-samadov" in near.stderr
    assert both(cli, stores, loads, "add-meeting", "--date", "2024-11-14", "--participant",
                "Salim Al Malik", "--participant", "nazim-samadov", "--source",
                NEWSAZ).exit_code == 0  # fmt: skip
    # a kind of event the store does not know, then one it knows from a record
    assert both(cli, stores, loads, "add-event", "--kind", "regatta", "--date", "2024-11-15",
                "--participant", "nazim-samadov", "--source", NEWSAZ).exit_code == 2
    assert both(cli, stores, loads, "add-event", "--kind", "regatta", "--new-kind", "--date",
                "2024-11-15", "--participant", "nazim-samadov", "--source",
                NEWSAZ).exit_code == 0  # fmt: skip
    assert both(cli, stores, loads, "add-event", "--kind", "regatta", "--date", "2024-11-16",
                "--participant", "salim-almalik", "--source", NEWSAZ).exit_code == 0
    # an entity whose name another of its kind has
    dup = both(cli, stores, loads, "add-entity", "NAZIM SAMADOV", "--kind", "person",
               "--source", NEWSAZ)  # fmt: skip
    assert dup.exit_code == 2 and "nazim-samadov" in dup.stderr
    same_records(stores)


def test_the_own_record_is_found_through_the_indexes(cli, stores, loads):
    for day in ("2024-05-01", "2024-05-02"):
        assert both(cli, stores, loads, "add-meeting", "--date", day, "--participant",
                    "nazim-samadov", "--participant", "salim-almalik", "--source",
                    "self").exit_code == 0  # fmt: skip
    own = [s for s in read_store(stores["indexed"]).tables["sources"].values()
           if s["id"].startswith("own-record-")]  # fmt: skip
    assert len(own) == 1
    same_records(stores)


def test_remove_and_merge_find_who_refers_through_the_indexes(cli, stores, loads):
    refused = both(cli, stores, loads, "remove", "salim-almalik", "--yes")
    assert refused.exit_code == 2 and MEETING in refused.stderr
    refused = both(cli, stores, loads, "remove", NEWSAZ, "--yes")
    assert refused.exit_code == 2 and "still referred to" in refused.stderr
    assert both(cli, stores, loads, "add-entity", "--kind", "person",
                "Salim Almalik Copy", "--source", NEWSAZ).exit_code == 0  # fmt: skip
    assert both(cli, stores, loads, "add-meeting", "--date", "2024-06-01", "--participant",
                "salim-almalik-copy", "--participant", "nazim-samadov", "--source",
                NEWSAZ).exit_code == 0  # fmt: skip
    assert both(cli, stores, loads, "merge", "salim-almalik-copy", "salim-almalik").exit_code == 0
    added = [e["id"] for e in read_store(stores["indexed"]).tables["events"].values()
             if e["id"].startswith("2024-06-01")]  # fmt: skip
    assert both(cli, stores, loads, "remove", added[0], "--yes").exit_code == 0
    assert both(cli, stores, loads, "remove", "rabat", "--cascade", "--yes").exit_code == 0
    same_records(stores)


def test_undo_reads_the_history_from_its_end(cli, stores, loads):
    for day in ("2024-07-01", "2024-07-02"):
        assert both(cli, stores, loads, "add-meeting", "--date", day, "--participant",
                    "nazim-samadov", "--participant", "salim-almalik", "--source",
                    NEWSAZ).exit_code == 0  # fmt: skip
    # (the messages say when each command was written and by whom: not the same on both)
    assert both(cli, stores, loads, "undo", "--yes", told=False).exit_code == 0
    # the first meeting's entry: a later command changed nothing of it, so it goes too
    assert both(cli, stores, loads, "undo", "h-000001", "--yes", told=False).exit_code == 0
    assert both(cli, stores, loads, "undo", "--yes", told=False).exit_code == 1
    same_records(stores)
    assert read_store(stores["indexed"]).tables == read_store(shipped_store_path()).tables


def test_a_write_view_answers_from_the_indexes_after_its_own_changes(stores):
    """The library's view of a write: after inserting, the indexes still answer (the
    transaction's changes laid over them), and the events table is never loaded."""
    from datetime import date

    from partnerkb.engines.sqlite import SqliteStore
    from partnerkb.writes import EventDraft, Participant, SourceRef, WriteOptions, Writer

    if not isinstance(stores["indexed"], Path):
        pytest.skip("the library's SQLite view only")
    store = SqliteStore(stores["indexed"])
    draft = EventDraft(kind="meeting", date="2024-08-01",
                       participants=[Participant("nazim-samadov"), Participant("salim-almalik")],
                       sources=[SourceRef(existing=NEWSAZ)])  # fmt: skip

    def work(tx: Any) -> Any:
        writer = Writer(tx, WriteOptions(today=date(2024, 9, 1)))
        first = writer.add_event(draft)
        assert writer.find_duplicate(tx.data.find("events", first.id) | {"id": "x"}) is not None
        return first

    outcome = store.apply("test", work)
    data = store.last_transaction.data
    assert outcome.id and all(data.lazy.loaded(t) is None for t in RECORD_TABLES)
