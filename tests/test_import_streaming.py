"""Importing JSON Lines of records as stored into a SQLite store streams (interchange.streaming):
a line at a time, in one transaction. Its answers are the ordinary import's, on a JSON store,
to the byte: the same records under the same document numbers, the same history, the same
report and the same refusals; a refused import writes nothing; the file is never read whole."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from partnerkb.store import read_store, shipped_store_path

RECORD_TABLES = ("sources", "entities", "events", "partnerships")


@pytest.fixture
def exported(cli: Any, tmp_path: Path) -> list[dict[str, Any]]:
    """The shipped knowledge base as export --format jsonl gives it."""
    result = cli("--db", str(shipped_store_path()), "export", "--format", "jsonl")
    assert result.exit_code == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]


@pytest.fixture
def streamed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Which imports streamed (the stores they went to), and the ordinary import refusing to
    read a file whole for a SQLite store while streaming is possible."""
    from partnerkb.interchange import streaming

    calls: list[str] = []
    real = streaming.stream_into_sqlite

    def spy(store: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(str(store.path))
        return real(store, *args, **kwargs)

    monkeypatch.setattr(streaming, "stream_into_sqlite", spy)
    return calls


@pytest.fixture(params=["here", "workers"])
def checking(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Where the rows are checked: in the importing process (a small file), or in worker
    processes a few chunks ahead (as a file of WORKER_BYTES or more is), chunks of 7 lines."""
    from partnerkb.interchange import checked_rows

    if request.param == "workers":
        monkeypatch.setattr(checked_rows, "WORKER_BYTES", 0)
        monkeypatch.setattr(checked_rows, "CHUNK", 7)
    return str(request.param)


def write_lines(path: Path, items: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(item) + "\n" for item in items))
    return path


def import_both(cli: Any, tmp_path: Path, lines: Path, *extra: str,
                stores: dict[str, Path] | None = None) -> dict[str, Any]:  # fmt: skip
    """Import `lines` into a new JSON and a new SQLite store (or `stores`): the same exit code,
    output and messages; the results, by engine."""
    if stores is None:
        stores = {"json": tmp_path / "a.json", "sqlite": tmp_path / "a.sqlite"}
        for path in stores.values():
            assert cli("init", "--db", str(path)).exit_code == 0
    results = {engine: cli("--db", str(path), "import", str(lines), *extra)
               for engine, path in stores.items()}  # fmt: skip
    first, second = results["json"], results["sqlite"]
    assert (second.exit_code, second.stdout, second.stderr) == (
        first.exit_code, first.stdout, first.stderr)  # fmt: skip
    return {"json": first, "sqlite": second, "stores": stores}


def same_stores(stores: dict[str, Path]) -> None:
    a, b = read_store(stores["json"]), read_store(stores["sqlite"])
    for table in RECORD_TABLES:
        assert a.tables[table] == b.tables[table], table
        assert list(a.tables[table]) == list(b.tables[table]), f"{table}: document numbers"
    for x, y in zip(a.tables["history"].values(), b.tables["history"].values(), strict=True):
        assert (x["command"], x["changes"]) == (y["command"], y["changes"])


def test_a_whole_export_streams_into_sqlite_as_the_ordinary_import_does(
        cli, tmp_path, exported, streamed, checking):  # fmt: skip
    lines = write_lines(tmp_path / "kb.jsonl", exported)
    done = import_both(cli, tmp_path, lines)
    assert done["sqlite"].exit_code == 0
    assert streamed == [str(done["stores"]["sqlite"])]
    same_stores(done["stores"])
    again = import_both(cli, tmp_path, lines, stores=done["stores"])  # nothing new: unchanged
    assert again["sqlite"].exit_code == 0 and "70 unchanged" in again["sqlite"].stderr
    same_stores(done["stores"])


def test_bad_rows_are_refused_or_skipped_as_the_ordinary_import_does(
        cli, tmp_path, exported, streamed, checking):  # fmt: skip
    event = next(item for item in exported if item["type"] == "event")
    entity = next(item for item in exported if item["type"] == "entity")
    bad = {**event, "id": "x-bad", "status": "weird"}
    nowhere = {**event, "id": "x-ref", "sources": [{"source": "nowhere", "locator": None}]}
    leaning = {**event, "id": "x-lean", "related_events": ["x-ref"]}  # on a row left out
    changed = {**event, "title": "Another title"}  # the same id as a later row, other content
    clash = {**entity, "type": "source"}  # an entity's id given to a source
    items = [*exported[:40], bad, nowhere, leaning, changed, *exported[40:], clash]
    lines = write_lines(tmp_path / "bad.jsonl", items)
    refused = import_both(cli, tmp_path, lines)
    assert refused["sqlite"].exit_code == 2 and "nothing was written" in refused["sqlite"].stderr
    stores = refused["stores"]
    assert read_store(stores["sqlite"]).tables["events"] == {}
    skipped = import_both(cli, tmp_path, lines, "--skip-invalid", stores=stores)
    assert skipped["sqlite"].exit_code == 0
    for line in ("x-bad", "nowhere", "x-ref", "also given by"):
        assert line in skipped["sqlite"].stderr
    same_stores(stores)
    assert len(streamed) == 2


def test_what_is_not_records_as_stored_goes_the_ordinary_way(cli, tmp_path, exported,
                                                             streamed, checking):  # fmt: skip
    flat = {"date": "2024-03-01", "participants": "nazim-samadov; salim-almalik",
            "sources": "newsaz-2024-01-31-samadov-almalik"}  # fmt: skip
    lines = write_lines(tmp_path / "mixed.jsonl", [*exported, flat])
    done = import_both(cli, tmp_path, lines)
    assert streamed == [str(done["stores"]["sqlite"])]  # tried, then read the ordinary way
    same_stores(done["stores"])


def test_a_failure_midway_leaves_the_store_as_it_was(cli, tmp_path, exported, monkeypatch):
    from partnerkb.interchange import streaming

    store = tmp_path / "a.sqlite"
    assert cli("init", "--db", str(store)).exit_code == 0
    before = store.read_bytes()
    lines = write_lines(tmp_path / "kb.jsonl", exported)
    real = streaming.StreamedImport._put
    count = {"n": 0}

    def fail_late(self: Any, *args: Any) -> Any:
        count["n"] += 1
        if count["n"] == 60:
            raise KeyboardInterrupt  # as Ctrl-C would, after 59 records were written
        return real(self, *args)

    monkeypatch.setattr(streaming.StreamedImport, "_put", fail_late)
    monkeypatch.setattr(streaming, "BATCH", 7)
    try:
        assert cli("--db", str(store), "import", str(lines)).exit_code != 0
    except KeyboardInterrupt:
        pass
    assert store.read_bytes() == before
    assert read_store(store).tables["events"] == {}


def test_a_big_file_is_read_a_line_at_a_time(tmp_path, exported, monkeypatch):
    """The rows are taken as they are read: the reader is never asked for the whole file."""
    from partnerkb.engines.sqlite import SqliteStore
    from partnerkb.interchange import streaming
    from partnerkb.writes import init_store

    path = tmp_path / "a.sqlite"
    init_store(path, with_shipped=False)
    monkeypatch.setattr(streaming, "BATCH", 5)
    seen: list[int] = []
    written: list[int] = []
    real = streaming.StreamedImport._batch

    def spy(self: Any, batch: Any) -> None:
        written.append(len(seen))
        real(self, batch)

    monkeypatch.setattr(streaming.StreamedImport, "_batch", spy)

    def rows() -> Any:
        for n, item in enumerate(exported, 1):
            seen.append(n)
            yield f"line {n}", item

    report = streaming.stream_into_sqlite(SqliteStore(path), rows, command="import",
                                          skip_invalid=False)  # fmt: skip
    assert len(report.added) == len(exported)
    assert written[0] == 5 and len(written) == -(-len(exported) // 5)  # a batch as read


def test_the_interchange_doc_says_how_a_sqlite_import_streams():
    text = (Path(__file__).resolve().parents[1] / "docs" / "interchange.md").read_text()
    assert "one transaction" in text and "a line at a time" in text


@pytest.mark.parametrize("engine", ["sqlite"])
def test_shipped_copy_streams(cli, tmp_path, exported, engine, shipped_sqlite):
    """Into a store that holds records already: unchanged ones skipped, changed ones updated
    (their document numbers kept), as on JSON."""
    changed = [{**item, "summary": "Said again."} if item["type"] == "event" else item
               for item in exported]  # fmt: skip
    lines = write_lines(tmp_path / "changed.jsonl", changed)
    stores = {"json": tmp_path / "kb.json", "sqlite": tmp_path / "kb.sqlite"}
    shutil.copyfile(shipped_store_path(), stores["json"])
    shutil.copyfile(shipped_sqlite, stores["sqlite"])
    done = import_both(cli, tmp_path, lines, stores=stores)
    assert done["sqlite"].exit_code == 0 and "updated" in done["sqlite"].stderr
    same_stores(stores)


def _search_rows(path: Path) -> list[tuple[Any, ...]]:
    import sqlite3

    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT rowid, names, title, ids, other, links, facets"
                            " FROM search_text ORDER BY rowid").fetchall()  # fmt: skip
    finally:
        conn.close()


@pytest.mark.parametrize("batch", [1, 7, 2000])
def test_a_streamed_import_indexes_for_search_as_a_conversion_does(cli, tmp_path, exported,
                                                                   streamed, monkeypatch,
                                                                   batch, checking):  # fmt: skip
    """Written a batch at a time (rows of a batch in one statement, full-text rows at the end),
    the records are indexed as the ordinary import then a conversion index them: with the
    entities in reverse, people come before the organizations their roles name, and are
    searched with those organizations' names all the same."""
    from partnerkb.interchange import streaming

    monkeypatch.setattr(streaming, "BATCH", batch)
    entities = [item for item in exported if item["type"] == "entity"]
    others = [item for item in exported if item["type"] != "entity"]
    holders = [e for e in entities if e.get("roles")]
    assert holders  # the shipped records hold roles: the case is tested
    lines = write_lines(tmp_path / "kb.jsonl", [*others[:20], *reversed(entities), *others[20:]])
    done = import_both(cli, tmp_path, lines)
    assert done["sqlite"].exit_code == 0 and streamed
    same_stores(done["stores"])
    converted = tmp_path / "converted.sqlite"
    assert cli("convert", str(done["stores"]["json"]), str(converted)).exit_code == 0
    assert _search_rows(done["stores"]["sqlite"]) == _search_rows(converted)
    for words in ("Shusha", "Samadov Baku", "minister"):
        results = [cli("--db", str(path), "search", words, "--format", "jsonl").stdout
                   for path in done["stores"].values()]  # fmt: skip
        assert results[0] == results[1], words


def test_a_streamed_import_is_undone_whole(cli, tmp_path, exported):
    store = tmp_path / "a.sqlite"
    assert cli("init", "--db", str(store)).exit_code == 0
    before = store.read_bytes()
    lines = write_lines(tmp_path / "kb.jsonl", exported)
    assert cli("--db", str(store), "import", str(lines)).exit_code == 0
    history = cli("--db", str(store), "history", "--format", "json")
    entry = json.loads(history.stdout)[0]
    assert len(entry["changes"]) == len(exported)
    assert [c["table"] for c in entry["changes"]] == sorted(
        (c["table"] for c in entry["changes"]), key=RECORD_TABLES.index)  # table by table
    assert cli("--db", str(store), "undo", "--yes").exit_code == 0
    after = read_store(store)
    assert all(after.tables[table] == {} for table in RECORD_TABLES)
    assert len(store.read_bytes()) > 0 and before  # the store is still a store
    assert cli("--db", str(store), "check").exit_code == 0


def _schema(path: Path) -> set[tuple[str, str, str]]:
    import sqlite3

    conn = sqlite3.connect(path)
    try:
        return set(conn.execute("SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL"))
    finally:
        conn.close()


def test_into_an_empty_store_the_indexes_are_made_once_at_the_end(cli, tmp_path, exported):
    """Into a store without records, the import drops the indexes it does not read and makes
    them again after the last row: the store ends with every index, as a new store has them,
    and answers through them."""
    empty, store = tmp_path / "empty.sqlite", tmp_path / "a.sqlite"
    for path in (empty, store):
        assert cli("init", "--db", str(path)).exit_code == 0
    lines = write_lines(tmp_path / "kb.jsonl", exported)
    assert cli("--db", str(store), "import", str(lines)).exit_code == 0
    assert _schema(store) == _schema(empty)
    assert cli("--db", str(store), "check", "references", "dates", "sources").exit_code == 0
    person = next(item for item in exported if item["type"] == "entity" and item.get("roles"))
    shown = cli("--db", str(store), "show", person["id"])
    assert shown.exit_code == 0 and person["id"] in shown.stdout


def test_a_chunk_the_workers_cannot_check_is_checked_in_the_importing_process(
        cli, tmp_path, exported, streamed, monkeypatch):  # fmt: skip
    """A worker that cannot take a chunk (here: a checker it cannot be sent) costs speed, not
    rows: the chunk is checked in the importing process, and the result is the same."""
    from partnerkb.interchange import checked_rows

    monkeypatch.setattr(checked_rows, "WORKER_BYTES", 0)
    monkeypatch.setattr(checked_rows, "CHUNK", 9)
    real = checked_rows._check_chunk
    here: list[int] = []

    def unsendable(lines: list[tuple[int, bytes]]) -> Any:
        here.append(len(lines))
        return real(lines)

    monkeypatch.setattr(checked_rows, "_check_chunk", unsendable)
    lines = write_lines(tmp_path / "kb.jsonl", exported)
    done = import_both(cli, tmp_path, lines)
    assert done["sqlite"].exit_code == 0 and streamed
    assert sum(here) == len(exported)  # every chunk checked here
    same_stores(done["stores"])


def test_the_bulk_indexing_setting_is_not_left_in_the_store(cli, tmp_path, exported):
    """FTS5 holds more terms in memory while an import indexes its rows (`hashsize`); the store
    keeps FTS5's own default afterwards, as a conversion leaves it."""
    import sqlite3

    store = tmp_path / "a.sqlite"
    assert cli("init", "--db", str(store)).exit_code == 0
    lines = write_lines(tmp_path / "kb.jsonl", exported)
    assert cli("--db", str(store), "import", str(lines)).exit_code == 0
    converted = tmp_path / "converted.sqlite"
    assert cli("convert", str(store), str(converted)).exit_code == 0
    for path in (store, converted):
        conn = sqlite3.connect(path)
        settings = dict(conn.execute("SELECT k, v FROM search_text_config").fetchall())
        conn.close()
        assert "hashsize" not in settings, path
