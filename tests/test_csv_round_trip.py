"""The spreadsheet round trip: an unedited CSV export imports back as the same records, whatever
the cells hold (line breaks, tabs, "; " inside a topic or a participant's title, apostrophes and
formula characters); lists in cells are unambiguous; semicolon- and tab-separated files are read,
with what was assumed said on stderr, or as --delimiter says."""

from __future__ import annotations

import csv
import io
import shutil
import tempfile
from datetime import date
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from partnerkb.engines import open_engine
from partnerkb.interchange.cells import list_cell, list_items
from partnerkb.interchange.exporters import export, select
from partnerkb.interchange.importer import ImportOptions, import_rows, read_source
from partnerkb.queries import KnowledgeBase
from partnerkb.store import read_store, shipped_store_path
from partnerkb.textfold import fold

EVENT = "2024-01-30-samadov-almalik-rabat"
CHARS = st.sampled_from(list("abcŞə Z019;:'=-+@[]\",\n\t|") + ["; ", "\\", "…"])
TEXT = st.lists(CHARS, min_size=1, max_size=14).map("".join).map(str.strip).filter(bool)


def distinct(values: list[str]) -> list[str]:
    seen: dict[str, str] = {}
    for value in values:
        seen.setdefault(fold(value), value)
    return [v for k, v in seen.items() if k]


@given(st.lists(TEXT, max_size=4))
def test_a_list_cell_reads_back_as_the_items_it_was_written_from(items):
    items = [i for i in items if i == i.strip() and i]
    assert list_items(list_cell(items)) == items


def test_plain_lists_stay_as_people_type_them_and_ambiguous_ones_become_json():
    assert list_cell(["youth", "skills"]) == "youth; skills"
    assert list_items("youth; skills") == ["youth", "skills"]
    assert list_cell(["youth; skills"]) == '["youth; skills"]'
    assert list_items('["youth; skills"]') == ["youth; skills"]
    assert list_items("[draft]; final") == ["[draft]", "final"]  # not JSON: split as typed


def round_trip(path: Path) -> tuple[bytes, bytes]:
    """(the store before, after importing its own unedited CSV export)."""
    before = path.read_bytes()
    exported = export(select(KnowledgeBase(read_store(path))), "csv")
    with open_engine(path).transaction("import") as tx:
        import_rows(tx, read_source(exported, "csv"), ImportOptions(today=date(2024, 6, 1)))
    return before, path.read_bytes()


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(title=TEXT, summary=st.one_of(st.none(), TEXT), topics=st.lists(TEXT, max_size=3),
       tags=st.lists(TEXT, max_size=3), as_title=st.one_of(st.none(), TEXT),
       part=st.sampled_from([None, "host", "guest"]))  # fmt: skip
def test_an_unedited_csv_export_imports_back_as_the_same_store(
    title, summary, topics, tags, as_title, part
):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "kb.json"
        shutil.copyfile(shipped_store_path(), path)
        event = dict(read_store(path).find("events", EVENT) or {})
        event["title"], event["summary"] = title, summary
        event["topics"] = distinct(topics)
        event["tags"] = distinct([t.lower() for t in tags])
        participants = [dict(p) for p in event["participants"]]
        participants[0]["part"] = part
        if as_title is None:
            participants[0].pop("as", None)
        else:
            participants[0]["as"] = as_title
        event["participants"] = participants
        with open_engine(path).transaction("test: cells") as tx:
            tx.replace("events", event)
        before, after = round_trip(path)
        assert after == before


def test_the_shipped_cells_that_broke_the_round_trip_come_back(cli, shipped_copy, tmp_path):
    event = dict(read_store(shipped_copy).find("events", EVENT) or {})
    event["summary"] = "First line.\n\tSecond line, indented."
    event["topics"] = ["youth; skills", "heritage"]
    participants = [dict(p) for p in event["participants"]]
    participants[0]["as"] = "Ambassador; also Dean: Rabat"
    event["participants"] = participants
    with open_engine(shipped_copy).transaction("test") as tx:
        tx.replace("events", event)
    exported = tmp_path / "events.csv"
    cli("--db", str(shipped_copy), "export", "--format", "csv", "--output", str(exported))
    row = next(r for r in csv.DictReader(io.StringIO(exported.read_text(encoding="utf-8")))
               if r["id"] == EVENT)  # fmt: skip
    assert row["summary"] == "First line.\n\tSecond line, indented."
    assert row["topics"] == '["youth; skills", "heritage"]'
    before = shipped_copy.read_bytes()
    result = cli("--db", str(shipped_copy), "import", str(exported))
    assert result.exit_code == 0, result.stderr
    assert "updated nothing" in result.stderr
    assert shipped_copy.read_bytes() == before


# -- delimiters ----------------------------------------------------------------------------------


def semicolon_file(path: Path) -> Path:
    path.write_text("Date;Who;Where;What\n"
                    "2024-03-05;Nazim Samadov:guest, Salim AlMalik:host;Rabat;Talks, again\n",
                    encoding="utf-8")  # fmt: skip
    return path


MAP = ["--map", "Date=date,Who=participants,Where=place,What=title",
       "--source", "newsaz-2024-01-31-samadov-almalik", "--dry-run"]  # fmt: skip


def test_a_semicolon_separated_file_is_detected_and_the_assumption_said(
    cli, shipped_copy, tmp_path
):
    path = semicolon_file(tmp_path / "european.csv")
    result = cli("--db", str(shipped_copy), "import", str(path), *MAP)
    assert result.exit_code == 0, result.stderr
    assert "read as semicolon-separated: the header has 3 semicolons" in result.stderr
    assert "--delimiter" in result.stderr
    assert "would add 1 event" in result.stderr


def test_a_tab_separated_file_is_detected_and_reads_back_unchanged(cli, shipped_copy, tmp_path):
    exported = cli("--db", str(shipped_copy), "export", "--format", "csv").stdout
    rows = list(csv.reader(io.StringIO(exported)))
    out = io.StringIO()
    csv.writer(out, delimiter="\t", lineterminator="\n").writerows(rows)
    before = shipped_copy.read_bytes()
    result = cli("--db", str(shipped_copy), "import", "-", input=out.getvalue())
    assert result.exit_code == 0, result.stderr
    assert "read as tab-separated" in result.stderr
    assert "updated nothing" in result.stderr
    assert shipped_copy.read_bytes() == before


def test_timeline_tsv_piped_into_import_is_read_by_its_columns_not_as_one(cli, shipped_copy):
    tsv = cli("--db", str(shipped_copy), "timeline", "--format", "tsv").stdout
    result = cli("--db", str(shipped_copy), "import", "-", "--dry-run", input=tsv)
    assert "read as tab-separated" in result.stderr
    assert "cells, but the header has" not in result.stderr


def test_delimiter_option_is_used_as_given_and_a_bad_one_is_a_usage_error(
    cli, shipped_copy, tmp_path
):
    path = semicolon_file(tmp_path / "european.csv")
    before = shipped_copy.read_bytes()
    given = cli("--db", str(shipped_copy), "import", str(path), "--delimiter", ";", *MAP)
    assert given.exit_code == 0, given.stderr
    assert "read as" not in given.stderr  # nothing assumed
    wrong = cli("--db", str(shipped_copy), "import", str(path), "--delimiter", ",", *MAP)
    assert wrong.exit_code == 2
    assert "(comma-separated)" in wrong.stderr
    bad = cli("--db", str(shipped_copy), "import", str(path), "--delimiter", "x", *MAP)
    assert bad.exit_code == 2 and "delimiter 'x' is not one of" in bad.stderr
    assert shipped_copy.read_bytes() == before  # dry runs and refusals write nothing
