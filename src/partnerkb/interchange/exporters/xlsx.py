"""xlsx: a workbook (openpyxl) with one sheet each for events, entities and sources.

A date is a date cell only where its precision is a day; "May 2024" or "on or before 20 November
2022" stays text, beside a sortable `date_sort` column (the earliest day it allows, ISO) and the
EDTF form. Codes (CAMEO `040`) and every other text are text cells, formatted as text, never a
formula: openpyxl would otherwise read a cell starting with "=" as one.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import Any

from ...model import typology
from ...render import safe_text
from ..cells import list_cell
from .base import Json, Selection, exporter, label_of, utc
from .csv import participant_cell
from .precision import span_kind

Cell = str | date | None
TEXT_FORMAT = "@"
DATE_FORMAT = "yyyy-mm-dd"


def _text(value: Any) -> str | None:
    """Text a cell can hold: line breaks and tabs kept, other control characters (which the
    file format cannot carry) shown as escapes."""
    if value is None or value == "":
        return None
    text = str(value)
    if text.replace("\n", "").replace("\t", "").isprintable():
        return text
    return "\n".join("\t".join(safe_text(part) for part in line.split("\t"))
                     for line in text.split("\n"))  # fmt: skip


def _day(edtf: str | None) -> Cell:
    """A date cell for a day-precise EDTF date; its label as text otherwise."""
    if not edtf:
        return None
    if span_kind(edtf) == "day" and not any(q in edtf for q in "~?%"):
        try:
            return date.fromisoformat(edtf)
        except ValueError:
            pass
    return label_of({"edtf": edtf})


EVENT_COLUMNS: list[tuple[str, Callable[[Json], Cell]]] = [
    ("id", lambda e: e["id"]),
    ("date", lambda e: _day(e["date"]["edtf"])),
    ("date_display", lambda e: label_of(e["date"])),
    ("date_sort", lambda e: e["date"].get("earliest") or e["date"].get("latest")),
    ("date_edtf", lambda e: e["date"]["edtf"]),
    ("kind", lambda e: e["kind"]),
    ("status", lambda e: e["status"]),
    ("title", lambda e: e["title"]),
    ("place", lambda e: e.get("place")),
    (
        "participants",
        lambda e: list_cell([participant_cell(p) for p in e.get("participants") or []]),
    ),
    ("organizations", lambda e: list_cell(e.get("organizations") or [])),
    ("topics", lambda e: list_cell(e.get("topics") or [])),
    ("tags", lambda e: list_cell(e.get("tags") or [])),
    ("summary", lambda e: e.get("summary")),
    ("sources", lambda e: list_cell([c["source"] for c in e.get("sources") or []])),
    ("cameo", lambda e: typology(e["kind"])["cameo"]),
    ("plover", lambda e: typology(e["kind"])["plover"]),
]


def _roles(entity: Json) -> str | None:
    roles = []
    for role in entity.get("roles") or []:
        text = str(role.get("title") or "")
        if role.get("organization"):
            text += f", {role['organization']}"
        span = [label_of(role[k]) if role.get(k) else "" for k in ("from", "until")]
        if any(span):
            text += f" ({span[0] or '…'} – {span[1] or '…'})"
        roles.append(text)
    return list_cell(roles) or None


ENTITY_COLUMNS: list[tuple[str, Callable[[Json], Cell]]] = [
    ("id", lambda e: e["id"]),
    ("kind", lambda e: e["kind"]),
    ("name", lambda e: e["name"]),
    ("aliases", lambda e: list_cell(e.get("aliases") or [])),
    ("description", lambda e: e.get("description")),
    ("tags", lambda e: list_cell(e.get("tags") or [])),
    ("located_in", lambda e: e.get("located_in")),
    ("wikidata", lambda e: (e.get("external_ids") or {}).get("wikidata")),
    ("roles", _roles),
    ("sources", lambda e: list_cell([c["source"] for c in e.get("sources") or []])),
]

SOURCE_COLUMNS: list[tuple[str, Callable[[Json], Cell]]] = [
    ("id", lambda s: s["id"]),
    ("outlet", lambda s: s.get("outlet")),
    ("title", lambda s: s.get("title")),
    ("published", lambda s: _day(s.get("published"))),
    ("published_edtf", lambda s: s.get("published")),
    ("url", lambda s: s.get("url")),
    ("language", lambda s: s.get("language")),
    ("note", lambda s: s.get("note")),
]


def _sheet(book: Any, name: str, columns: list[tuple[str, Callable[[Json], Cell]]],
           records: Iterable[Json]) -> None:  # fmt: skip
    """One sheet, written row by row (openpyxl's write-only mode: a third of the time)."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.utils import get_column_letter

    sheet = book.create_sheet(name)
    sheet.freeze_panes = "A2"
    for n, (header, _) in enumerate(columns, 1):
        sheet.column_dimensions[get_column_letter(n)].width = {
            "title": 50, "summary": 60, "participants": 40, "name": 30, "description": 50,
            "outlet": 25, "url": 40, "roles": 40}.get(header, 16)  # fmt: skip
    sheet.append([header for header, _ in columns])
    rows = 1
    for record in records:
        row: list[Any] = []
        for _, value_of in columns:
            value = value_of(record)
            if isinstance(value, date):
                cell = WriteOnlyCell(sheet, value=value)
                cell.number_format = DATE_FORMAT
            elif value is None or value == "":
                row.append(None)  # an empty cell is no cell
                continue
            else:
                cell = WriteOnlyCell(sheet, value=_text(value))
                # text, never a formula (openpyxl takes a string starting with "=" for one)
                cell.data_type = "s"
                cell.number_format = TEXT_FORMAT
            row.append(cell)
        sheet.append(row)
        rows += 1
    if rows > 1:
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{rows}"


@exporter("xlsx", "an Excel workbook: sheets events, entities and sources; date cells only for "
          "day-precise dates, codes as text", binary=True, whole_records=True)  # fmt: skip
def export_xlsx(selection: Selection) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    _sheet(book, "events", EVENT_COLUMNS, selection.each(selection.events, "writing events"))
    _sheet(book, "entities", ENTITY_COLUMNS,
           selection.each(selection.whole["entities"], "writing entities"))
    _sheet(book, "sources", SOURCE_COLUMNS,
           selection.each(selection.whole["sources"], "writing sources"))
    moment = utc(selection.stamp).replace(tzinfo=None)
    book.properties.creator = "partnerkb"
    book.properties.created = book.properties.modified = moment
    book.properties.title = safe_text(selection.title)
    out = io.BytesIO()
    selection.stage("compressing the workbook")
    book.save(out)
    return _stable_zip(out.getvalue(), moment)


def _stable_zip(data: bytes, moment: datetime) -> bytes:
    """The workbook with every member stamped with the store's time rather than now: exports of
    one store state are the same bytes."""
    stamp = (max(moment.year, 1980), moment.month, moment.day, moment.hour, moment.minute,
             moment.second)  # fmt: skip
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:  # fmt: skip
        for info in source.infolist():
            member = zipfile.ZipInfo(info.filename, date_time=stamp)
            member.compress_type = zipfile.ZIP_DEFLATED
            data = source.read(info.filename)
            if info.filename == "docProps/core.xml":  # openpyxl stamps `modified` with now
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                              rb"\g<1>" + f"{moment:%Y-%m-%dT%H:%M:%SZ}".encode() + rb"\g<2>",
                              data)  # fmt: skip
            target.writestr(member, data)
    return out.getvalue()
