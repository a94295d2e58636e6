"""The read path at scale: parsing a store, filtering events, writing JSON/JSONL/CSV/TSV fast —
with the same answers and the same safety as the plain, slow way — and the benchmark's generator."""

from __future__ import annotations

import csv
import gc
import io
import json
import sys
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from partnerkb import store as store_module
from partnerkb.dates import overlaps, sort_key
from partnerkb.errors import StoreError
from partnerkb.model import event_entities
from partnerkb.queries import EventFilter, KnowledgeBase, filter_events
from partnerkb.render import Column, emit, write_json
from partnerkb.store import StoreData, dumps, read_store
from partnerkb.textfold import fold

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
import generate  # noqa: E402  (bench/ is not a package)

GENERATED = generate.generate_tables(300, seed=7)
KB = KnowledgeBase(StoreData(GENERATED))


def utf8_stream() -> io.TextIOWrapper:
    return io.TextIOWrapper(io.BytesIO(), encoding="utf-8", write_through=False)


def written(stream: io.TextIOWrapper) -> str:
    stream.flush()
    buffer = stream.buffer
    assert isinstance(buffer, io.BytesIO)
    return buffer.getvalue().decode("utf-8")


# ---------------------------------------------------------------------------------------------
# JSON and JSONL
# ---------------------------------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.text()
    | st.floats(allow_nan=False, allow_infinity=False),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)  # fmt: skip


@given(rows=st.lists(st.dictionaries(st.text(), json_values, max_size=5), max_size=5))
def test_json_output_parses_back_to_exactly_the_rows(rows):
    stream = utf8_stream()
    emit(rows, [], "json", out=stream)
    assert json.loads(written(stream)) == rows


@given(rows=st.lists(st.dictionaries(st.text(), json_values, max_size=5), max_size=5))
def test_jsonl_output_is_one_document_per_line(rows):
    stream = utf8_stream()
    emit(rows, [], "jsonl", out=stream)
    text = written(stream)
    assert text.endswith("\n") or not rows
    # JSON Lines split at "\n" only: a raw U+0085 or U+2028 inside a string is no line break
    assert [json.loads(line) for line in text.split("\n")[:-1]] == rows


def test_json_output_is_laid_out_like_the_standard_library_and_keeps_accents_readable():
    row = {"name": "Şuşa", "aliases": ["Shusha"], "note": "esc \x1b[31m", "n": 1, "x": None}
    stream = utf8_stream()
    emit([row], [], "json", out=stream)
    assert written(stream) == json.dumps([row], ensure_ascii=False, indent=2) + "\n"


def test_json_output_keeps_its_place_among_text_written_around_it():
    stream = utf8_stream()
    stream.write("before\n")
    write_json({"a": 1}, stream, indent=False)
    stream.write("after\n")
    assert written(stream) == 'before\n{"a":1}\nafter\n'


def test_json_output_to_a_stream_without_a_utf8_buffer_is_written_as_text():
    plain = io.StringIO()
    write_json([{"name": "Bakı"}], plain)
    assert json.loads(plain.getvalue()) == [{"name": "Bakı"}]
    latin = io.TextIOWrapper(io.BytesIO(), encoding="latin-1")
    write_json({"name": "Fès"}, latin)
    latin.flush()
    assert json.loads(latin.buffer.getvalue().decode("latin-1")) == {"name": "Fès"}


@pytest.mark.parametrize("value", [2**70, "lone \ud800 surrogate", {1: "int key"}])
def test_json_output_of_what_orjson_refuses_falls_back_to_ascii_json(value):
    stream = utf8_stream()
    write_json([value], stream)
    text = written(stream)
    assert text.isascii()
    assert json.loads(text) == json.loads(json.dumps([value]))


# ---------------------------------------------------------------------------------------------
# CSV and TSV
# ---------------------------------------------------------------------------------------------

cells = st.text(alphabet=st.sampled_from(list("ab =+-@\t\n\r\x1b\x07\u202eŞə,\"'")), max_size=12)
COLUMNS = [Column("one", lambda r: r[0]), Column("two", lambda r: r[1]),
           Column("list", lambda r: [r[0], r[1]])]  # fmt: skip


@given(rows=st.lists(st.tuples(cells, cells), max_size=6))
def test_tsv_is_one_line_per_row_with_a_cell_per_column_and_nothing_a_terminal_runs(rows):
    stream = io.StringIO()
    emit(rows, COLUMNS, "tsv", out=stream)
    lines = stream.getvalue().split("\n")
    assert lines[0] == "one\ttwo\tlist" and lines[-1] == ""
    assert len(lines) == len(rows) + 2
    for line in lines[1:-1]:
        parts = line.split("\t")
        assert len(parts) == len(COLUMNS)
        assert all(part.isprintable() for part in parts)
        assert not any(part.startswith(("=", "+", "-", "@")) for part in parts)


@given(rows=st.lists(st.tuples(cells, cells), max_size=6))
def test_csv_reads_back_as_the_rows_with_escapes_visible_and_formulas_defused(rows):
    stream = io.StringIO()
    emit(rows, COLUMNS, "csv", out=stream)
    parsed = list(csv.reader(io.StringIO(stream.getvalue(), newline="")))
    assert parsed[0] == ["one", "two", "list"]
    assert len(parsed) == len(rows) + 1
    for (first, _), line in zip(rows, parsed[1:], strict=True):
        assert "\x1b" not in line[0] and "\u202e" not in line[0]
        assert line[0].lstrip("'") != line[0] or not first.startswith(("=", "+", "-", "@"))


def test_a_batch_of_thousands_of_tsv_rows_is_written_whole_and_in_order():
    rows = [(f"row {n}", str(n)) for n in range(5000)]
    stream = io.StringIO()
    emit(rows, COLUMNS[:2], "tsv", out=stream)
    lines = stream.getvalue().splitlines()
    assert lines[1:] == [f"row {n}\t{n}" for n in range(5000)]


# ---------------------------------------------------------------------------------------------
# Parsing a store
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def store_file(tmp_path):
    path = tmp_path / "kb.json"
    path.write_bytes(dumps(GENERATED))
    return path


def test_reading_a_large_store_keeps_its_records_out_of_the_collectors_sight(
    store_file, monkeypatch
):
    monkeypatch.setattr(store_module, "_LARGE_FILE", 0)
    frozen_before = gc.get_freeze_count()
    try:
        data = read_store(store_file)
        assert gc.isenabled()
        assert gc.get_freeze_count() > frozen_before
        assert data.tables == GENERATED
    finally:
        gc.unfreeze()


def test_reading_a_small_store_leaves_the_collector_as_it_was(store_file):
    frozen_before = gc.get_freeze_count()
    assert read_store(store_file).tables == GENERATED
    assert gc.isenabled()
    assert gc.get_freeze_count() == frozen_before


def test_reading_a_store_keeps_the_collector_off_if_the_caller_turned_it_off(store_file):
    gc.disable()
    try:
        read_store(store_file)
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_a_corrupt_store_is_refused_and_the_collector_is_back_on(tmp_path):
    path = tmp_path / "kb.json"
    path.write_bytes(b'{"meta": {"1": {"schema_version": 1}}, "events": {"1": ')
    with pytest.raises(StoreError, match="not valid JSON"):
        read_store(path)
    assert gc.isenabled()


@pytest.fixture
def in_small_pieces(monkeypatch):
    """Every store counts as too big to parse at once, and pieces are a few records long."""
    monkeypatch.setattr(store_module, "_IN_PIECES_FROM", 0)
    monkeypatch.setattr(store_module._loads_in_pieces, "__defaults__", (3000,))


def test_a_store_too_big_to_parse_at_once_is_parsed_in_pieces_to_the_same_records(
    in_small_pieces, store_file
):
    assert store_module._loads_in_pieces(store_file.read_bytes(), piece_size=3000) == GENERATED
    assert read_store(store_file).tables == GENERATED


tricky_text = st.text(alphabet=st.sampled_from(list('ab "\\\n{}[],:Şə\u2028')), max_size=20)
records = st.dictionaries(
    st.sampled_from(["id", "name", "note", "tags", "date"]),
    tricky_text | st.lists(tricky_text, max_size=3) | st.none(),
    max_size=5,
)
tables = st.dictionaries(
    st.sampled_from(["meta", "events", "entities", "history", 'a"b', 'x\n  "y']),
    st.dictionaries(st.integers(1, 99).map(str), records, max_size=6),
    min_size=1,
)


@settings(max_examples=80)
@given(document=tables)
def test_parsing_in_pieces_gives_what_parsing_at_once_gives(document):
    assert store_module._loads_in_pieces(dumps(document), piece_size=40) == document


@pytest.mark.parametrize(
    "layout",
    [
        lambda d: json.dumps(d, indent=4).encode(),
        lambda d: json.dumps(d).encode(),
        lambda d: json.dumps(d, indent=2).encode().replace(b"\n", b"\r\n"),
        lambda d: b"  " + dumps(d) + b"\n\n",
        lambda d: json.dumps(d, indent="\t").encode(),
    ],
    ids=["four spaces", "one line", "CRLF", "leading blanks", "tabs"],
)
def test_a_big_store_in_another_layout_is_still_read_whole(layout, in_small_pieces, tmp_path):
    path = tmp_path / "kb.json"
    path.write_bytes(layout(GENERATED))
    assert read_store(path).tables == GENERATED


def test_a_corrupt_big_store_is_refused_like_a_small_one(in_small_pieces, store_file):
    content = store_file.read_bytes()
    store_file.write_bytes(content[: len(content) // 2] + b'\n    "x": {\n  }\n}\n')
    with pytest.raises(StoreError, match="not valid JSON"):
        read_store(store_file)


# ---------------------------------------------------------------------------------------------
# Filtering events: the single fast pass answers like the obvious one
# ---------------------------------------------------------------------------------------------


def obvious_filter(kb: KnowledgeBase, spec: EventFilter) -> list[str]:
    scopes = [kb.places_within(e) for e in spec.entities]
    found = []
    for event in kb.records("events"):
        date = event["date"]
        if spec.kinds and event["kind"] not in spec.kinds:
            continue
        if spec.statuses and event["status"] not in spec.statuses:
            continue
        if not overlaps(date["earliest"], date["latest"], spec.since, spec.until):
            continue
        if spec.tags and not {fold(t) for t in spec.tags} & {fold(t) for t in event["tags"]}:
            continue
        if not all(set(event_entities(event)) & scope for scope in scopes):
            continue
        found.append(event)
    found.sort(key=lambda e: (*sort_key(e["date"]), e["id"]))
    return [e["id"] for e in found]


ENTITY_IDS = [e["id"] for e in GENERATED["entities"].values()]
days = st.dates(min_value=date(1994, 1, 1), max_value=date(2027, 12, 31)).map(str)


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(
    kinds=st.lists(st.sampled_from([k for k, _, _ in generate.EVENT_KINDS]), max_size=2),
    statuses=st.lists(st.sampled_from(["happened", "planned", "postponed", "cancelled"]),
                      max_size=2),
    tags=st.lists(st.sampled_from([*generate.TAGS, "CULTURE", "Cop 29"]), max_size=2),
    entities=st.lists(st.sampled_from(ENTITY_IDS), max_size=2),
    window=st.tuples(st.none() | days, st.none() | days),
)  # fmt: skip
def test_filtering_events_finds_what_the_obvious_filter_finds_in_the_same_order(
    kinds, statuses, tags, entities, window
):
    since, until = window
    if since and until and since > until:
        since, until = until, since
    spec = EventFilter(entities=tuple(entities), kinds=tuple(kinds), tags=tuple(tags),
                       since=since, until=until, statuses=tuple(statuses))  # fmt: skip
    assert [e["id"] for e in filter_events(KB, spec)] == obvious_filter(KB, spec)


# ---------------------------------------------------------------------------------------------
# The benchmark's generator
# ---------------------------------------------------------------------------------------------


def test_generated_stores_are_valid_sourced_and_reproducible(tmp_path):
    generate.check(GENERATED)
    first = generate.generate_store(tmp_path / "a.json", 300, seed=7)
    second = generate.generate_store(tmp_path / "b.json", 300, seed=7)
    assert (tmp_path / "a.json").read_bytes() == (tmp_path / "b.json").read_bytes()
    assert first == second
    assert first["events"] == 300 and first["entities"] == 40
    data = read_store(tmp_path / "a.json")
    assert data.find("entities", first["show"])["kind"] == "person"


def test_generated_dates_span_every_precision_the_store_knows():
    edtfs = [e["date"]["edtf"] for e in generate.generate_tables(2000, seed=1)["events"].values()]
    assert any(len(d) == 10 for d in edtfs)  # a day
    assert any(len(d) == 7 for d in edtfs)  # a month
    assert any(len(d) == 4 for d in edtfs)  # a year
    assert any(d.endswith("~") for d in edtfs) and any(d.endswith("?") for d in edtfs)
    assert any("/.." in d for d in edtfs) and any(d.startswith("../") for d in edtfs)
    assert any(d.startswith("[..") for d in edtfs) and any(d.endswith("..]") for d in edtfs)


def test_the_benchmark_shows_a_generated_store_through_the_cli(store_file, cli):
    probe = generate.probes(GENERATED)
    result = cli("show", probe["show"], "--format", "json", "--db", str(store_file))
    assert result.exit_code == 0
    assert json.loads(result.stdout)["id"] == probe["show"]
    result = cli("timeline", "--since", "2024-01", "--until", "2024-03", "--format", "json",
                 "--db", str(store_file))  # fmt: skip
    spec = EventFilter(since="2024-01-01", until="2024-03-31")
    assert [r["id"] for r in json.loads(result.stdout)] == obvious_filter(KB, spec)


@pytest.mark.parametrize("text", ["", "0", "-5k", "ten", "1x"])
def test_the_generator_refuses_a_size_that_is_not_one(text):
    with pytest.raises(Exception, match="size"):
        generate.parse_size(text)
