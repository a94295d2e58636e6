"""csv: one row per event, spreadsheet-safe, reimportable."""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import Any

from ...model import typology
from ...render import FORMULA_START, Column, cell_text, safe_text
from ..cells import list_cell
from .base import (
    Json,
    Selection,
    exporter,
    label_of,
)


def participant_cell(participant: Json) -> str:
    """'nazim-samadov:guest:Ambassador of Azerbaijan to Morocco' — add-meeting's syntax."""
    text = str(participant["entity"])
    if participant.get("part") or participant.get("as"):
        text += f":{participant.get('part') or ''}"
    if participant.get("as"):
        text += f":{participant['as']}"
    return text


CSV_COLUMNS = [
    Column("id", lambda e: e["id"]),
    Column("date", lambda e: e["date"]["edtf"]),
    Column("date_display", lambda e: label_of(e["date"])),
    Column("kind", lambda e: e["kind"]),
    Column("status", lambda e: e["status"]),
    Column("title", lambda e: e["title"]),
    Column("place", lambda e: e.get("place")),
    Column("participants",
           lambda e: list_cell([participant_cell(p) for p in e.get("participants") or []])),
    Column("organizations", lambda e: list_cell(e.get("organizations") or [])),
    Column("topics", lambda e: list_cell(e.get("topics") or [])),
    Column("tags", lambda e: list_cell(e.get("tags") or [])),
    Column("summary", lambda e: e.get("summary")),
    Column("sources", lambda e: list_cell([c["source"] for c in e.get("sources") or []])),
    Column("cameo", lambda e: typology(e["kind"])["cameo"]),
    Column("plover", lambda e: typology(e["kind"])["plover"]),
]
# columns of the CSV export that are derived from others: the importer ignores them quietly
DERIVED_CSV_COLUMNS = ("date_display", "date_sort", "cameo", "plover")


@exporter("csv", "one row per event, spreadsheet-safe, UTF-8 with a header; reimportable")
def export_csv(selection: Selection) -> bytes:
    import csv

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([c.header for c in CSV_COLUMNS])
    writer.writerows(_csv_rows(selection.each(selection.events, "writing events")))
    return out.getvalue().encode("utf-8")


def _csv_rows(events: Iterable[Json]) -> Iterable[list[str]]:
    """The cells of CSV_COLUMNS for each event, as render.write_delimited makes them (a test
    holds them equal), without a call per column: what a kind, a date or a status gives is
    worked out once."""
    cell, joined = _csv_cell, _csv_list
    of_kind: dict[str, tuple[str, str, str]] = {}
    of_date: dict[str, tuple[str, str]] = {}
    of_status: dict[str, str] = {}
    for event in events:
        kind = event["kind"]
        kind_cells = of_kind.get(kind)
        if kind_cells is None:
            kind_typology = typology(kind)
            kind_cells = of_kind[kind] = (cell(kind), cell(kind_typology["cameo"]),
                                          cell(kind_typology["plover"]))  # fmt: skip
        date_dict = event["date"]
        date_cells = of_date.get(date_dict["edtf"])
        if date_cells is None:
            date_cells = of_date[date_dict["edtf"]] = (cell(date_dict["edtf"]),
                                                       cell(label_of(date_dict)))  # fmt: skip
        status = event["status"]
        status_cell = of_status.get(status)
        if status_cell is None:
            status_cell = of_status[status] = cell(status)
        participants = event.get("participants")
        sources = event.get("sources")
        yield [
            cell(event["id"]), date_cells[0], date_cells[1], kind_cells[0], status_cell,
            cell(event["title"]), cell(event.get("place")),
            cell(joined([participant_cell(p) for p in participants]) if participants else ""),
            cell(joined(event.get("organizations"))), cell(joined(event.get("topics"))),
            cell(joined(event.get("tags"))), cell(event.get("summary")),
            cell(joined([c["source"] for c in sources]) if sources else ""),
            kind_cells[1], kind_cells[2],
        ]  # fmt: skip


def _csv_cell(value: Any) -> str:
    """A cell that reads back as written: line breaks and tabs kept (CSV quotes them), other
    control characters shown as escapes, never a spreadsheet formula (an apostrophe in front,
    which import takes off again; text that already starts with apostrophes before a formula
    character gets one more, so that taking one off gives it back)."""
    text = value if value.__class__ is str else cell_text(value)
    if not text.isprintable() and not text.replace("\n", "").replace("\t", "").isprintable():
        text = "\n".join("\t".join(safe_text(cell) for cell in line.split("\t"))
                         for line in text.split("\n"))  # fmt: skip
    if text.startswith(FORMULA_START) or (text.startswith("'")
                                          and text.lstrip("'").startswith(FORMULA_START)):
        return "'" + text
    return text


def _csv_list(values: list[Any] | None) -> str:
    """A list in one cell, unambiguously (interchange.cells.list_cell)."""
    if not values:
        return ""
    if all(value.__class__ is str for value in values):
        return list_cell(values)
    return cell_text(values)  # not all text: as render.cell_text writes it
