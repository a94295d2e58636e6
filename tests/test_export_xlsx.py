"""export --format xlsx: one sheet each for events, entities and sources; a date cell only where
the date is a day; codes and every other text as text (never a formula); read back with
openpyxl."""

from __future__ import annotations

import io
from datetime import datetime

from partnerkb.engines import open_engine
from partnerkb.store import read_store, shipped_store_path

# the shipped knowledge base grows as reports are ingested (issue 12): counted, not pinned
SHIPPED_EVENTS = len(read_store(shipped_store_path()).tables["events"])

EVENT = "2024-01-30-samadov-almalik-rabat"


def workbook(cli, *args: str):
    from openpyxl import load_workbook

    result = cli(*args, "export", "--format", "xlsx")
    assert result.exit_code == 0, result.stderr
    return load_workbook(io.BytesIO(result.stdout_bytes))


def rows_of(sheet) -> dict[str, dict]:
    header = [c.value for c in sheet[1]]
    return {row[0].value: dict(zip(header, row, strict=True)) for row in sheet.iter_rows(min_row=2)}


def test_the_workbook_has_events_entities_and_sources_sheets(cli):
    book = workbook(cli)
    assert book.sheetnames == ["events", "entities", "sources"]
    events = rows_of(book["events"])
    assert len(events) == SHIPPED_EVENTS
    assert "nazim-samadov" in rows_of(book["entities"])
    assert len(rows_of(book["sources"])) >= 2


def test_only_a_day_is_a_date_cell_other_dates_stay_text_beside_a_sortable_day(cli):
    events = rows_of(workbook(cli)["events"])
    day = events[EVENT]
    assert isinstance(day["date"].value, datetime) and day["date"].is_date
    assert day["date"].value.date().isoformat() == "2024-01-30"
    month = events["2024-05-shusha-culture-capital-launch"]
    assert month["date"].value == "May 2024" and month["date"].data_type == "s"
    assert month["date_sort"].value == "2024-05-01" and month["date_edtf"].value == "2024-05"
    open_start = events["almalik-karimov-earlier-meeting"]
    assert open_start["date"].value == "on or before 20 November 2022"


def test_codes_stay_text_and_formulas_stay_text(cli, shipped_copy):
    event = dict(read_store(shipped_copy).find("events", EVENT) or {})
    event["title"] = '=HYPERLINK("http://x","y")'
    event["summary"] = "first line\nsecond\tline"
    with open_engine(shipped_copy).transaction("test") as tx:
        tx.replace("events", event)
    row = rows_of(workbook(cli, "--db", str(shipped_copy))["events"])[EVENT]
    assert row["cameo"].value == "040" and row["cameo"].data_type == "s"
    assert row["title"].value == event["title"] and row["title"].data_type == "s"
    assert row["summary"].value == "first line\nsecond\tline"


def test_one_store_state_gives_the_same_workbook_bytes(cli):
    first = cli("export", "--format", "xlsx").stdout_bytes
    assert cli("export", "--format", "xlsx").stdout_bytes == first
