"""Search on the SQLite engine through its full-text index (engines.sqlite_search and
search_candidates): the answers of the JSON engine — same hits, order, scores, `via`,
`matched` and count in all — from a bounded set of candidates, and without the index (an
older file) the same answers again."""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path
from typing import Any

import pytest

from partnerkb.engines.sqlite import LAYOUT_VERSION, close_since, read_sqlite, write_store
from partnerkb.errors import NoMatch
from partnerkb.queries import KnowledgeBase
from partnerkb.search import SearchFilter, search
from partnerkb.store import StoreData, dumps, read_store, shipped_store_path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
import generate  # noqa: E402  (bench/ is not a package)

SHIPPED_QUERIES = [
    "Shusha", "Şuşa", "shush", "Shusah", "Samadov", "Samdov", "Nazim Samadow", "Malik",
    "AlMalik", "Al Malik", "ICESCO", "ICESO", "Shusha medal", '"culture capital"', "COP29",
    "COP 29", '"COP 29"', "Azerbaidjan", "Baku", "culture", "2024", "meeting", "Shusha Baku",
    "Ministry of Culture", "Morocco", "zzqx",
]
FILTERS = [
    SearchFilter(),
    SearchFilter(kinds=("meeting",)),
    SearchFilter(kinds=("entity", "event")),
    SearchFilter(since="2023-01-01"),
    SearchFilter(until="2023-12-31", since="2020-01-01"),
    SearchFilter(statuses=("planned", "requested", "postponed")),
]


def answer(data: StoreData, query: str, spec: SearchFilter, limit: int) -> Any:
    """What search gives: (id, score, via, matched) of each hit, the count in all, and how many
    records were scored (None: all of them)."""
    try:
        result = search(KnowledgeBase(data), query, spec, limit=limit)
    except NoMatch:
        return None
    hits = [(h.record["id"], h.score, h.via, h.matched) for h in result.hits]
    return hits, result.total, result.examined


def same(json_data: StoreData, sqlite_path: Path, query: str, spec: SearchFilter, limit: int
         ) -> Any:  # fmt: skip
    expected = answer(json_data, query, spec, limit)
    got = answer(read_sqlite(sqlite_path), query, spec, limit)
    close_since()
    if expected is None:
        assert got is None, query
        return None
    assert expected[2] is None  # the JSON engine scores every record
    assert got is not None, query
    assert got[:2] == expected[:2], (query, spec)
    return got


@pytest.fixture(scope="module")
def shipped(tmp_path_factory: pytest.TempPathFactory) -> tuple[StoreData, Path]:
    path = tmp_path_factory.mktemp("search") / "kb.sqlite"
    data = read_store(shipped_store_path())
    write_store(path, data)
    return read_store(shipped_store_path()), path


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[StoreData, Path]:
    """A generated store where common words match hundreds of records."""
    folder = tmp_path_factory.mktemp("search")
    (folder / "generated.json").write_bytes(dumps(generate.generate_tables(1500, seed=11)))
    data = read_store(folder / "generated.json")  # in a store's order, as read from a file
    write_store(folder / "generated.sqlite", data)
    return data, folder / "generated.sqlite"


@pytest.mark.parametrize("query", SHIPPED_QUERIES)
def test_the_shipped_store_gives_the_same_answers_on_both_engines(shipped, query):
    json_data, path = shipped
    for spec in FILTERS:
        for limit in (1, 3, 50):
            same(json_data, path, query, spec, limit)


def test_the_index_answers_the_shipped_store_without_scoring_every_record(shipped):
    json_data, path = shipped
    got = same(json_data, path, "Shusha", SearchFilter(), 3)
    assert got is not None and got[2] is not None


GENERATED_QUERIES = [
    "Shusha", "Baku", "Samadov", "Samadov Baku", "Shusah", "Samdov", "AlMalik", "Malik",
    "Shusha culture", '"regional office"', "cop29", "cop 29", "Quarter", "meets", "Mehdi",
    "Ministry of Culture", "heritage foundation", "Azerbaidjan",
]


@pytest.mark.parametrize("query", GENERATED_QUERIES)
def test_a_store_with_hundreds_of_hits_gives_the_same_best_hits_and_count(generated, query):
    json_data, path = generated
    for limit in (1, 5, 20):
        same(json_data, path, query, SearchFilter(), limit)
    for spec in FILTERS[1:]:
        same(json_data, path, query, spec, 7)


def test_the_candidates_are_bounded_by_the_limit_not_by_the_matches(generated):
    json_data, path = generated
    for query in ("Shusha", "Mehdi", "meets", "culture Shusha"):
        got = same(json_data, path, query, SearchFilter(), 5)
        assert got is not None
        _, total, examined = got
        assert total > 200, query  # hundreds match...
        assert examined is not None and examined < total / 2, query  # ... a few are scored


def older_file(path: Path) -> None:
    """Make `path` what partnerkb wrote before the index: layout 2, no search tables."""
    conn = sqlite3.connect(path)
    conn.execute("DROP TABLE search_words")
    conn.execute("DROP TABLE search_text")
    conn.execute("DROP TABLE search_keys")
    conn.execute("DELETE FROM derived WHERE name = 'search_text'")
    conn.execute(f"PRAGMA user_version={LAYOUT_VERSION - 1}")
    conn.commit()
    conn.close()


def test_an_older_file_without_the_index_answers_the_same_then_gets_it_at_its_next_write(
    generated, tmp_path, cli
):
    json_data, source = generated
    path = tmp_path / "old.sqlite"
    path.write_bytes(source.read_bytes())
    older_file(path)
    got = same(json_data, path, "Shusha", SearchFilter(), 5)
    assert got is not None and got[2] is None  # scored every record, as before
    entity = next(iter(json_data.tables["entities"].values()))["id"]
    result = cli("edit", entity, "--add", "aliases=Zanzibarion", "--db", str(path))
    assert result.exit_code == 0, result.output
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == LAYOUT_VERSION
    assert conn.execute("SELECT count(*) FROM search_keys").fetchone()[0] > 1500
    conn.close()
    after = answer(read_sqlite(path), "Shusha", SearchFilter(), 5)
    close_since()
    assert after is not None and after[2] is not None and after[:2] == got[:2]
    found = answer(read_sqlite(path), "Zanzibarion", SearchFilter(), 5)
    close_since()
    assert found is not None and found[0][0][0] == entity and found[2] is not None


WRITES = [
    ["edit", "icesco", "--set", "name=Zanzibarion Organization"],  # its people's roles too
    ["edit", "nazim-samadov", "--add", "aliases=Zanzibarion"],
    ["add-meeting", "--date", "2024-06-01", "--title", "Zanzibarion talks in Shusha",
     "--participant", "icesco", "--participant", "nazim-samadov", "--source",
     "newsaz-2024-01-31-samadov-almalik"],
]


@pytest.mark.parametrize("write", WRITES, ids=["rename", "alias", "add"])
def test_the_index_follows_every_write(write, tmp_path, shipped, cli):
    json_path, sqlite_path = tmp_path / "kb.json", tmp_path / "kb.sqlite"
    json_path.write_bytes(shipped_store_path().read_bytes())
    sqlite_path.write_bytes(shipped[1].read_bytes())
    for path in (json_path, sqlite_path):
        result = cli(*write, "--db", str(path))
        assert result.exit_code == 0, result.output
    for query in ("Zanzibarion", "Shusha", "Samadov", "Zanzibarion Shusha"):
        for limit in (2, 50):
            got = same(read_store(json_path), sqlite_path, query, SearchFilter(), limit)
            assert got is None or got[2] is not None
    result = cli("undo", "--yes", "--db", str(sqlite_path))
    assert result.exit_code == 0, result.output
    assert answer(read_sqlite(sqlite_path), "Zanzibarion", SearchFilter(), 5) is None
    close_since()


def test_the_search_command_asks_the_index(shipped, cli, monkeypatch):
    """`partnerkb search` on a SQLite store is answered from the full-text index: nothing the
    command reads before searching (the kinds in use, the filters) keeps it from the index."""
    from partnerkb.engines.sqlite import SqliteData

    answered = []
    ask = SqliteData.search_candidates

    def recording(self, request):
        found = ask(self, request)
        answered.append(found is not None)
        return found

    monkeypatch.setattr(SqliteData, "search_candidates", recording)
    _, path = shipped
    result = cli("--db", str(path), "search", "Shusha", "--limit", "3", "--format", "jsonl")
    assert result.exit_code == 0, result.output
    assert answered == [True]
    # a usual kind or record type is checked without reading the kinds in use
    for kind in ("meeting", "person", "event", "source"):
        answered.clear()
        result = cli("--db", str(path), "search", "Shusha", "--kind", kind, "--format", "jsonl")
        assert result.exit_code in (0, 1), result.output
        assert answered == [True], kind
    # an unusual one still is checked against them, and refused when no record has it
    result = cli("--db", str(path), "search", "Shusha", "--kind", "visitfoo")
    assert result.exit_code == 2
    assert "'visitfoo' is not a kind or record type" in result.output
    assert "did you mean 'visit'?" in result.output
