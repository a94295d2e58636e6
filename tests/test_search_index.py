"""Search on the SQLite and PostgreSQL engines through their full-text indexes
(engines.sqlite_search, engines.postgresql_search and search_candidates): the answers of the
JSON engine — same hits, order, scores, `via`, `matched` and count in all — from a bounded set
of candidates, and without the index (an older file or layout) the same answers again."""

from __future__ import annotations

import contextlib
import json
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
    """What search gives: (id, score, via, matched) of each hit, the count in all, how many
    records were scored (None: all of them), and the bound the count stopped at (None: exact)."""
    try:
        result = search(KnowledgeBase(data), query, spec, limit=limit)
    except NoMatch:
        return None
    hits = [(h.record["id"], h.score, h.via, h.matched) for h in result.hits]
    return hits, result.total, result.examined, result.more_than


# The JSON engine's answers, by the records' object and the question. Each entry keeps its records
# alive: a key by id() alone could meet a later, different object at the same address.
_EXPECTED: dict[tuple[int, str, str, int, int], tuple[StoreData, Any]] = {}


def read_indexed(store: Path | str) -> StoreData:
    """The lazily read view of a SQLite file or a PostgreSQL store (its URL)."""
    if isinstance(store, str):
        from partnerkb.engines.postgresql import parse_url, read_postgresql

        return read_postgresql(parse_url(store))
    return read_sqlite(store)


def closed() -> None:
    from partnerkb.engines import postgresql

    close_since()
    postgresql.close_since()


def same(json_data: StoreData, store: Path | str, query: str, spec: SearchFilter, limit: int
         ) -> Any:  # fmt: skip
    """The answer of the store's engine, checked against the JSON engine's on the same
    records."""
    from partnerkb import search_candidates

    known = (id(json_data), query, repr(spec), limit, search_candidates.COUNTED)
    if known not in _EXPECTED or _EXPECTED[known][0] is not json_data:
        _EXPECTED[known] = (json_data, answer(json_data, query, spec, limit))
    expected = _EXPECTED[known][1]
    got = answer(read_indexed(store), query, spec, limit)
    closed()
    if expected is None:
        assert got is None, query
        return None
    assert expected[2] is None  # the JSON engine scores every record
    assert got is not None, query
    assert (got[0], got[1], got[3]) == (expected[0], expected[1], expected[3]), (query, spec)
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
        _, total, examined, _ = got
        assert total > 200, query  # hundreds match...
        assert examined is not None and examined < total / 2, query  # ... a few are scored


def older_file(path: Path) -> None:
    """Make `path` what partnerkb wrote before the index: layout 2, no search tables."""
    conn = sqlite3.connect(path)
    conn.execute("DROP TABLE search_vocabulary")
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


def index_tables(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """What the SQLite file's search index holds: its rows, keys and vocabulary."""
    conn = sqlite3.connect(path)
    try:
        return {
            "search_text": conn.execute("SELECT rowid, names, title, ids, other, links, facets"
                                        " FROM search_text ORDER BY rowid").fetchall(),
            "search_keys": conn.execute("SELECT * FROM search_keys ORDER BY key").fetchall(),
            "search_vocabulary": conn.execute("SELECT * FROM search_vocabulary ORDER BY word"
                                              ).fetchall(),
        }  # fmt: skip
    finally:
        conn.close()


def index_made_anew(path: Path, tmp_path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """The index a copy of the file gets when it is made again from its records."""
    from partnerkb.engines import sqlite_search

    copy = tmp_path / "anew.sqlite"
    copy.write_bytes(path.read_bytes())
    conn = sqlite3.connect(copy, isolation_level=None)
    conn.execute("BEGIN")
    sqlite_search.rebuild(conn)
    conn.execute("COMMIT")
    conn.close()
    return index_tables(copy)


INDEX_WRITES = {
    "rename": [WRITES[0]],
    "alias": [WRITES[1]],
    "add": [WRITES[2]],
    # a name becomes an alias and the events move: the merged entity's words leave them
    "merge": [["merge", "anar-karimov-icesco", "nazim-samadov"]],
    "rename-undone": [WRITES[0], ["undo", "--yes"]],
    "merge-undone": [["merge", "anar-karimov-icesco", "nazim-samadov"], ["undo", "--yes"]],
    "place-renamed": [["edit", "baku", "--set", "name=Bakuvia", "--add", "aliases=Qzxville"]],
}


@pytest.mark.parametrize("writes", INDEX_WRITES.values(), ids=INDEX_WRITES.keys())
def test_after_every_write_the_index_is_the_one_made_anew(writes, tmp_path, shipped, cli):
    """Each write keeps the index as a rebuild from the records makes it: the words of the
    entities a record involves (`links`: a renamed, aliased or merged entity's records are
    written again), the vocabulary of typos (each word with the number of rows holding it)."""
    path = tmp_path / "kb.sqlite"
    path.write_bytes(shipped[1].read_bytes())
    for write in writes:
        result = cli(*write, "--db", str(path))
        assert result.exit_code == 0, result.output
    got = index_tables(path)
    assert got == index_made_anew(path, tmp_path)
    # the records of the renamed or aliased entity hold its new name, and only they
    assert any("lzanzibarion" in row[5] for row in got["search_text"]) == (
        writes in ([WRITES[0]], [WRITES[1]]))
    assert all(n > 0 for _, n in got["search_vocabulary"])


def test_a_write_of_an_event_then_of_an_entity_it_involves_keeps_its_names(tmp_path, shipped):
    """One write changes an event, then an entity it involves (its names the same): the
    event's row still holds the entity's names (entities are written first)."""
    from types import SimpleNamespace

    from partnerkb.engines.sqlite import write_changes
    from partnerkb.store import Change

    path = tmp_path / "kb.sqlite"
    path.write_bytes(shipped[1].read_bytes())
    data = read_store(path)
    event_doc, event = next(
        (doc, r) for doc, r in data.tables["events"].items()
        if any(p.get("entity") == "icesco" for p in r.get("participants") or ()))  # fmt: skip
    entity_doc, icesco = next((doc, r) for doc, r in data.tables["entities"].items()
                              if r["id"] == "icesco")  # fmt: skip
    changes = [Change("events", event["id"], event, {**event, "summary": "Later."}, event_doc),
               Change("entities", "icesco", icesco, {**icesco, "description": "Later."},
                      entity_doc)]  # fmt: skip
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN")
    write_changes(conn, SimpleNamespace(changes=changes))  # type: ignore[arg-type]
    conn.execute("COMMIT")
    conn.close()
    assert index_tables(path) == index_made_anew(path, tmp_path)


def test_a_converted_store_has_the_index_made_anew(generated, tmp_path):
    """`convert` (write_store) keeps the full-text rows aside and indexes them at the end, in
    key order, with their entities' names: the index a rebuild makes."""
    assert index_tables(generated[1]) == index_made_anew(generated[1], tmp_path)


def test_the_typo_vocabulary_is_every_word_of_names_titles_and_ids(shipped):
    """`search_vocabulary` counts, for each word of the names, titles and ids (the tiers
    where typos are forgiven), the rows holding it."""
    from collections import Counter

    rows = index_tables(shipped[1])
    counted: Counter[str] = Counter()
    for _, names, title, ids, _, _, _ in rows["search_text"]:
        counted.update({token[1:] for column in (names, title, ids) for token in column.split()
                        if token != "_"})  # fmt: skip
    assert rows["search_vocabulary"] == sorted(counted.items())
    assert ("shusha", counted["shusha"]) in rows["search_vocabulary"]


def test_a_streamed_import_indexes_the_names_of_entities_that_come_after(tmp_path, shipped, cli):
    """Events before the entities they involve, an entity renamed by the file: the streamed
    import's index is the one made anew."""
    import json

    path = tmp_path / "kb.sqlite"
    path.write_bytes(shipped[1].read_bytes())
    lines = [
        {"type": "event", "id": "quixotrian-talks", "kind": "meeting", "status": "happened",
         "title": "Talks in the capital", "date": {"edtf": "2024-05-02", "earliest":
         "2024-05-02", "latest": "2024-05-02"}, "participants": [{"entity": "quixotrian-guild"},
         {"entity": "icesco"}], "sources": [{"source": "newsaz-2024-01-31-samadov-almalik"}]},
        {"type": "entity", "id": "quixotrian-guild", "kind": "organization",
         "name": "Quixotrian Guild", "sources": [{"source":
         "newsaz-2024-01-31-samadov-almalik"}]},
    ]
    exported = cli("--db", str(path), "export", "--format", "jsonl").stdout.splitlines()
    icesco = next(json.loads(line) for line in exported if '"id":"icesco"' in line)
    icesco["aliases"] = [*icesco.get("aliases", []), "Zanzibarion"]
    lines.append(icesco)
    rows = tmp_path / "rows.jsonl"
    rows.write_text("".join(json.dumps(line) + "\n" for line in lines))
    json_path = tmp_path / "kb.json"
    json_path.write_bytes(shipped_store_path().read_bytes())
    for store in (path, json_path):
        result = cli("--db", str(store), "import", str(rows))
        assert result.exit_code == 0, result.output
    got = index_tables(path)
    assert got == index_made_anew(path, tmp_path)
    links = {row[5] for row in got["search_text"]}
    assert any("lquixotrian" in text and "lzanzibarion" in text for text in links)
    json_data = read_store(json_path)
    for query in ("Quixotrian", "Zanzibarion", "guild"):
        for limit in (1, 50):
            same(json_data, path, query, SearchFilter(), limit)
    hits = cli("--db", str(path), "search", "Zanzibarion", "--format", "tsv")
    assert "quixotrian-talks" in hits.stdout


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


# -- PostgreSQL: the same answers through its own index (engines.postgresql_search) -------------


def sql(url: str, statements: str) -> list[tuple]:
    """Run statements in the store's schema, as the cluster's superuser."""
    import psycopg

    from partnerkb.engines.postgresql import parse_url

    target = parse_url(url)
    with psycopg.connect(target.conninfo, autocommit=True) as conn:
        conn.execute(f'SET search_path TO "{target.schema}", public')
        cur = conn.execute(statements)
        return cur.fetchall() if cur.description else []


def pg_store(server: str, schema: str, data: StoreData) -> str:
    from partnerkb.engines.postgresql import parse_url, write_store
    from postgres_server import drop_schema, store_url

    url = store_url(server, schema)
    drop_schema(url)
    write_store(parse_url(url), data)
    return url


@pytest.fixture(scope="module")
def shipped_pg(postgresql_server, shipped) -> tuple[StoreData, str]:
    return shipped[0], pg_store(postgresql_server, "search_shipped", shipped[0])


@pytest.fixture(scope="module")
def generated_pg(postgresql_server, generated) -> tuple[StoreData, str]:
    return generated[0], pg_store(postgresql_server, "search_generated", generated[0])


@pytest.mark.parametrize("query", SHIPPED_QUERIES)
def test_the_shipped_store_gives_the_same_answers_on_postgresql(shipped_pg, query):
    json_data, url = shipped_pg
    for spec in FILTERS:
        for limit in (1, 3, 50):
            same(json_data, url, query, spec, limit)


@pytest.mark.parametrize("query", GENERATED_QUERIES)
def test_hundreds_of_hits_give_the_same_best_hits_and_count_on_postgresql(generated_pg, query):
    json_data, url = generated_pg
    for limit in (1, 5, 20):
        same(json_data, url, query, SearchFilter(), limit)
    for spec in FILTERS[1:]:
        same(json_data, url, query, spec, 7)


def test_postgresql_scores_a_few_candidates_not_every_match(generated_pg):
    json_data, url = generated_pg
    for query in ("Shusha", "Mehdi", "meets", "culture Shusha"):
        got = same(json_data, url, query, SearchFilter(), 5)
        assert got is not None
        _, total, examined, _ = got
        assert total > 200, query
        assert examined is not None and examined < total / 2, query


PG_WRITES = [
    *WRITES,
    ["merge", "anar-karimov-icesco", "nazim-samadov"],  # a name becomes an alias, events move
]


@pytest.mark.parametrize("write", PG_WRITES, ids=["rename", "alias", "add", "merge"])
def test_the_postgresql_index_follows_every_write_and_undo(write, tmp_path, new_pg_store,
                                                             shipped_data, cli):  # fmt: skip
    json_path, url = tmp_path / "kb.json", new_pg_store(shipped_data)
    json_path.write_bytes(shipped_store_path().read_bytes())
    queries = ("Zanzibarion", "Shusha", "Samadov", "Zanzibarion Shusha", "ICESCO Samadov",
               "Karimov")
    before = {q: answer(read_store(json_path), q, SearchFilter(), 50) for q in queries}
    for path in (json_path, url):
        result = cli(*write, "--db", str(path))
        assert result.exit_code == 0, result.output
    for query in queries:
        for limit in (2, 50):
            got = same(read_store(json_path), url, query, SearchFilter(), limit)
            assert got is None or got[2] is not None
    result = cli("undo", "--yes", "--db", url)
    assert result.exit_code == 0, result.output
    for query in queries:
        got = answer(read_indexed(url), query, SearchFilter(), 50)
        closed()
        assert (got and got[:2]) == (before[query] and before[query][:2]), query
        assert got is None or got[2] is not None


def test_a_postgresql_import_is_indexed(tmp_path, new_pg_store, shipped_data, cli):
    url = new_pg_store(shipped_data)
    rows = tmp_path / "events.jsonl"
    rows.write_text(
        '{"kind": "meeting", "title": "Quixotrian heritage talks", "date": "2024-05-02",'
        ' "participants": "icesco", "sources": "newsaz-2024-01-31-samadov-almalik"}\n'
    )
    result = cli("import", str(rows), "--db", url)
    assert result.exit_code == 0, result.output
    got = answer(read_indexed(url), "Quixotrian", SearchFilter(), 5)
    closed()
    assert got is not None and got[2] is not None and len(got[0]) == 1


def test_an_older_postgresql_layout_is_refused_until_migrated_then_searched_through_the_index(
    cli, new_pg_store, generated
):
    from partnerkb.engines.postgresql import LAYOUT_VERSION

    json_data, _ = generated
    url = new_pg_store(json_data)
    expected = answer(json_data, "Shusha", SearchFilter(), 5)
    sql(url, "DROP TABLE search_text; DROP TABLE search_words; DELETE FROM derived WHERE name ="
             f" 'search_text'; UPDATE store_layout SET version = {LAYOUT_VERSION - 1}")
    refused = cli("--db", url, "search", "Shusha")
    assert refused.exit_code == 3 and "Traceback" not in refused.stderr
    err = refused.stderr
    assert f"layout {LAYOUT_VERSION - 1} of an older partnerkb" in err
    done = cli("--db", url, "migrate")
    assert done.exit_code == 0, done.stderr
    assert "search's full-text index" in done.stderr
    assert sql(url, "SELECT version FROM store_layout") == [(LAYOUT_VERSION,)]
    got = answer(read_indexed(url), "Shusha", SearchFilter(), 5)
    closed()
    assert got is not None and got[:2] == expected[:2] and got[2] is not None


def test_the_postgresql_search_command_asks_the_index_and_reads_no_table_whole(shipped_pg, cli,
                                                                                 monkeypatch):
    """`partnerkb search` on a PostgreSQL store is answered from its index: no query reads a
    record table whole."""
    import psycopg

    answered, statements = [], []
    real_execute = psycopg.Connection.execute

    def recording_execute(self, query, params=None, **kwargs):
        statements.append(str(query))
        return real_execute(self, query, params, **kwargs)

    monkeypatch.setattr(psycopg.Connection, "execute", recording_execute)
    real_bounded = __import__("partnerkb.search_candidates", fromlist=["x"]).bounded_candidates

    def recording_bounded(index, request):
        found = real_bounded(index, request)
        answered.append(found is not None)
        return found

    monkeypatch.setattr("partnerkb.search_candidates.bounded_candidates", recording_bounded)
    _, url = shipped_pg
    result = cli("--db", url, "search", "Shusha", "--limit", "3", "--format", "jsonl")
    assert result.exit_code == 0, result.output
    assert answered == [True]
    whole = [s for s in statements if "record FROM" in s and "WHERE" not in s]
    assert whole == []


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_whether_a_class_has_a_match_is_whether_it_has_a_newest_one(engine, generated, request,
                                                                     monkeypatch):  # fmt: skip
    """`matches_any` (whether a class of a term has a match in scope, asked of each class in a
    search of several words, answered without ordering every match) agrees with `newest(...,
    1)` for every class of the query's terms, typos included, with and without event filters,
    on both engines: asked inside real searches, as `bounded_candidates` asks."""
    from partnerkb import search_candidates

    json_data, _ = generated
    store = generated[1] if engine == "sqlite" else request.getfixturevalue("generated_pg")[1]
    real = search_candidates.bounded_candidates
    asked: list[tuple[Any, bool]] = []

    def checking(index: Any, wanted: Any) -> Any:
        for term in wanted.terms:
            found = search_candidates.term_classes(index, term)
            assert found is not None
            for _, match in found[0]:
                newest = index.newest(match, wanted, 1)
                assert newest is not None
                assert index.matches_any(match, wanted) is bool(newest), (match, wanted.allowed)
                asked.append((wanted.allowed is not None, bool(newest)))
        return real(index, wanted)

    monkeypatch.setattr(search_candidates, "bounded_candidates", checking)
    for query in ("Samadov Baku", "Shusah culture"):
        for spec in (SearchFilter(), SearchFilter(since="2023-01-01"),
                     SearchFilter(since="2023-01-01", until="2023-01-01")):  # fmt: skip
            with contextlib.suppress(NoMatch):
                search(KnowledgeBase(read_indexed(store)), query, spec, limit=5)
            closed()
    # classes with and without a match were asked, with and without an event filter
    assert {(True, True), (True, False), (False, True), (False, False)} <= set(asked)
    del json_data


def test_a_postgresql_search_keeps_its_bitmaps_exact_and_puts_the_settings_back(shipped_pg):
    """Inside a search the server keeps every match's bitmap exact (work_mem of 64 MB at least,
    a larger one kept) and compiles no plan (jit off); the settings are what they were after."""
    from partnerkb.engines.postgresql_search import SEARCH_SETTINGS, through_the_index

    _, url = shipped_pg
    for work_mem, inside in (("4MB", "64MB"), ("256MB", "256MB")):
        data = read_indexed(url)
        conn = data.db.conn  # type: ignore[attr-defined]
        conn.execute("SELECT set_config('work_mem', %s, true)", [work_mem])
        before = settings_of(conn)
        with through_the_index(data.db):  # type: ignore[attr-defined]
            assert settings_of(conn) == (inside, "off", "off")
        assert settings_of(conn) == before
        closed()
    assert SEARCH_SETTINGS["work_mem"] == "64MB"


def settings_of(conn: Any) -> tuple[str, str, str]:
    """A PostgreSQL connection's work_mem, jit and enable_seqscan."""
    row = conn.execute("SELECT current_setting('work_mem'), current_setting('jit'),"
                       " current_setting('enable_seqscan')").fetchone()  # fmt: skip
    return row[0], row[1], row[2]


def test_postgresql_asks_for_the_records_of_people_named_alike_by_one_word_not_their_ids():
    """The records that involve entities whose names match are one lexeme of `links` (the
    entities' names as words), however many entities are so named; without the names that
    found them, the index does not answer (search then scores every record)."""
    from partnerkb.engines.postgresql_search import query_text
    from partnerkb.engines.sqlite_search import Unanswerable
    from partnerkb.search_candidates import AnyOf, Linked, Words

    people = tuple(f"someone-samadov-{n}" for n in range(1500))
    names = AnyOf((Words("names", "samadov", True), Words("names", "nazim samadov", False)))
    assert query_text(Linked(people, names)) == "('lsamadov' | ('lnazim' <-> 'lsamadov':*))"
    with pytest.raises(Unanswerable):
        query_text(Linked(people))


# -- The count in all: exact up to a bound, then "more than" (search_candidates.counted_up_to) --


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_past_the_bound_every_engine_says_more_than_it_and_below_it_counts_exactly(
        engine, generated, request, monkeypatch):  # fmt: skip
    """With the bound lowered below the hundreds of matches of common words, every engine gives
    the JSON engine's count: exact up to the bound (a few times --limit if that is more),
    "more than the bound" past it, with and without filters."""
    from partnerkb import search_candidates

    json_data, _ = generated
    store = generated[1] if engine == "sqlite" else request.getfixturevalue("generated_pg")[1]
    seen: set[tuple[bool, int]] = set()
    for counted in (250, 400):
        monkeypatch.setattr(search_candidates, "COUNTED", counted)
        for query in ("Shusha", "Baku", "meets", "Samadov Baku", "Shusah", "Quarter", "Mehdi"):
            for spec, limit in ((SearchFilter(), 5), (SearchFilter(), 90), (FILTERS[1], 5),
                                (FILTERS[3], 5)):  # fmt: skip
                got = same(json_data, store, query, spec, limit)
                if got is None:
                    continue
                _, total, _, more_than = got
                bound = max(counted, 4 * limit, 200)
                assert more_than == (bound if total > bound else None), (query, spec, limit)
                seen.add((more_than is not None, bound))
    # both sides of every bound were met: counts past it, and exact counts near it
    assert {(True, 250), (False, 250), (True, 360), (True, 400), (False, 400)} <= seen


def test_postgresql_knows_a_common_word_of_names_and_titles_from_its_vocabulary(
        generated_pg, monkeypatch):  # fmt: skip
    """A word of names, titles or ids in more records than the bound needs no count of its
    matches on PostgreSQL (the vocabulary's count of its records says so); a rarer word, or a
    search of two words, is counted through the GIN index: either way, the JSON engine's
    answer."""
    from partnerkb import search_candidates
    from partnerkb.engines.postgresql_search import PostgresSearchIndex

    json_data, url = generated_pg
    rows = sql(url, "SELECT word, records FROM search_words ORDER BY records DESC LIMIT 2")
    (common, records), (second, _) = rows
    both = f"{common} {second}"
    in_both = search(KnowledgeBase(json_data), both, limit=5).total
    assert in_both > 200, both
    statements: list[str] = []
    ask = PostgresSearchIndex._rows

    def recording(self: Any, statement: str, params: list[Any]) -> Any:
        statements.append(statement)
        return ask(self, statement, params)

    monkeypatch.setattr(PostgresSearchIndex, "_rows", recording)
    counted_matches = "SELECT count(*) FROM (SELECT 1 FROM search_text"
    for query, bound, by_vocabulary in ((common, records - 1, True), (both, in_both - 1, False)):
        monkeypatch.setattr(search_candidates, "COUNTED", bound)
        statements.clear()
        got = same(json_data, url, query, SearchFilter(), 5)
        assert got is not None and got[3] == bound, query  # more than the bound
        assert any(counted_matches in s for s in statements) is not by_vocabulary, query
    monkeypatch.setattr(search_candidates, "COUNTED", records)  # the vocabulary cannot tell
    statements.clear()
    assert same(json_data, url, common, SearchFilter(), 5) is not None
    assert any(counted_matches in s for s in statements)


@pytest.mark.parametrize("engine", ["json", "sqlite", "postgresql"])
def test_the_search_command_says_more_than_the_bound_or_the_count(engine, generated, request,
                                                                  cli, monkeypatch):  # fmt: skip
    """On stderr, the same line on every engine: "of more than N matches" past the bound, the
    exact count below it; the hits on stdout alike."""
    from partnerkb import search_candidates

    monkeypatch.setattr(search_candidates, "COUNTED", 250)
    json_data, path = generated
    db = {"json": str(path.with_suffix(".json")), "sqlite": str(path)}.get(engine) or (
        request.getfixturevalue("generated_pg")[1])
    expected = search(KnowledgeBase(json_data), "Shusha", limit=5)
    assert expected.total > 250  # the bound is met...
    few = search(KnowledgeBase(json_data), "Shusha", SearchFilter(kinds=("meeting",)), limit=5)
    assert 5 < few.total <= 250  # ... and not
    result = cli("--db", db, "search", "Shusha", "--limit", "5", "--format", "jsonl")
    assert result.exit_code == 0, result.output
    assert result.stderr == ("showing the best 5 of more than 250 matches; --limit shows"
                             " more\n")  # fmt: skip
    assert [json.loads(line)["id"] for line in result.stdout.splitlines()] == [
        h.record["id"] for h in expected.hits]
    result = cli("--db", db, "search", "Shusha", "--kind", "meeting", "--limit", "5")
    assert result.exit_code == 0, result.output
    assert result.stderr == f"showing the best 5 of {few.total} matches; --limit shows more\n"
    closed()
