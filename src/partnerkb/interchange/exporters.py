"""Exporters: a registry of named formats, each turning a selection of the store into bytes.

`select(kb, spec)` picks the events a timeline filter keeps (all of them without a filter) and the
records a whole-record export must carry with them; `export(selection, name)` runs one exporter.

- json / jsonl: the records exactly as stored, each with a `type` naming its table (what `import`
  reads back). Unfiltered: the whole store. Filtered: the events kept and every record they refer
  to, transitively, so that the file imports into an empty store.
- csv: one row per event, spreadsheet-safe (render.write_delimited), reimportable.
- md: a dossier for a briefing note, sources as footnotes.
- ics: an RFC 5545 calendar (written directly; icalendar reads it in the tests); a fuzzy date is
  an all-day event over its whole span.
- timelinejs: the JSON TimelineJS reads, dates at their precision.
- ftm: FollowTheMoney entities as JSON Lines (Person, Organization, Event, Position, Occupancy).
- dot / mermaid: who met whom and which organizations partner.
- sqlite: a database (entities, roles, events, participants, sources, citations...) for SQL.

Store text never becomes markup: Markdown, HTML, DOT and Mermaid labels are escaped, spreadsheet
cells are defused, control characters shown as escapes.
"""

from __future__ import annotations

import functools
import html
import io
import json
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import chain, combinations
from typing import Any

from ..dates import edtf_display, parse_point
from ..errors import InvalidInput
from ..model import TABLES, references, typology
from ..queries import (
    TYPE_OF_TABLE,
    EventFilter,
    KnowledgeBase,
    Labels,
    date_label,
    filter_events,
)
from ..render import Column, cell_text, safe_text, spreadsheet_safe

Json = dict[str, Any]
TABLE_OF_TYPE = {singular: table for table, singular in TYPE_OF_TABLE.items()}
GENERATOR = "partnerkb"


# ---------------------------------------------------------------------------------------------
# What an export carries
# ---------------------------------------------------------------------------------------------


@dataclass
class Selection:
    """The events an export shows and the records a whole-record export carries."""

    kb: KnowledgeBase
    events: list[Json]  # kept by the filter, in date order
    whole: dict[str, list[Json]]  # table -> records, in store order
    filtered: bool
    entity_scope: tuple[str, ...]
    title: str
    stamp: str  # ISO time of the store's last change: exports of one state are identical


def select(kb: KnowledgeBase, spec: EventFilter | None = None) -> Selection:
    """What an export of `kb` under the timeline filter `spec` carries."""
    filtered = spec is not None and spec != EventFilter()
    events = filter_events(kb, spec or EventFilter())
    if not filtered:
        whole = {table: in_store_order(kb, table) for table in TABLES}
    else:
        whole = _closure(kb, events)
    entity_scope = spec.entities if spec else ()
    return Selection(kb, events, whole, filtered, entity_scope, _title(kb, entity_scope),
                     _stamp(kb))  # fmt: skip


def _closure(kb: KnowledgeBase, events: list[Json]) -> dict[str, list[Json]]:
    """The events and every record they refer to, transitively; partnerships whose references
    are all inside."""
    included: set[str] = {e["id"] for e in events}
    todo: list[tuple[str, Json]] = [("events", e) for e in events]
    while todo:
        table, record = todo.pop()
        for _, ref in references(table, record):
            if ref in included:
                continue
            found = kb.get(ref)
            if found is not None:
                included.add(ref)
                todo.append(found)
    whole = {
        table: [r for r in in_store_order(kb, table) if r["id"] in included]
        for table in ("sources", "entities", "events")
    }
    whole["partnerships"] = [
        p
        for p in in_store_order(kb, "partnerships")
        if all(ref in included for _, ref in references("partnerships", p))
    ]
    return whole


def in_store_order(kb: KnowledgeBase, table: str) -> list[Json]:
    """A table's records by document number (the file's keys sort as text: "10" < "2")."""
    records = kb.data.tables[table]
    return [records[k] for k in sorted(records, key=int)]


def _title(kb: KnowledgeBase, entities: tuple[str, ...]) -> str:
    if entities:
        return "Timeline: " + ", ".join(kb.name_of(e) for e in entities)
    name = kb.data.meta.get("name")
    return str(name) if name else "partnerkb timeline"


def _stamp(kb: KnowledgeBase) -> str:
    history = kb.data.tables["history"]
    if history:
        last = history[max(history, key=int)]
        return str(last.get("at") or "1970-01-01T00:00:00Z")
    return str(kb.data.meta.get("created") or "1970-01-01T00:00:00Z")


# ---------------------------------------------------------------------------------------------
# The registry
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Exporter:
    name: str
    produce: Callable[[Selection], bytes]
    description: str
    binary: bool = False  # not for a terminal
    whole_records: bool = False  # carries every record the events refer to


EXPORTERS: dict[str, Exporter] = {}


def exporter(
    name: str, description: str, *, binary: bool = False, whole_records: bool = False
) -> Callable[[Callable[[Selection], bytes]], Callable[[Selection], bytes]]:
    def register(produce: Callable[[Selection], bytes]) -> Callable[[Selection], bytes]:
        EXPORTERS[name] = Exporter(name, produce, description, binary, whole_records)
        return produce

    return register


def export(selection: Selection, name: str) -> bytes:
    """The bytes of `selection` in the format `name`."""
    found = EXPORTERS.get(name)
    if found is None:
        raise InvalidInput(
            f"export format {name!r} is not one of {', '.join(EXPORTERS)}",
        )
    import gc

    # an export builds a million small containers, none in a cycle: a full collection passing
    # over them again and again made some formats twice as slow
    collecting = gc.isenabled()
    gc.disable()
    try:
        return found.produce(selection)
    finally:
        if collecting:
            gc.enable()


def typed_records(whole: dict[str, list[Json]]) -> Iterable[Json]:
    """Each record as stored, `type` first: sources, then entities, events, partnerships."""
    for table in ("sources", "entities", "events", "partnerships"):
        singular = TYPE_OF_TABLE[table]
        for record in whole.get(table, []):
            yield {"type": singular, **record}


# ---------------------------------------------------------------------------------------------
# json, jsonl
# ---------------------------------------------------------------------------------------------


@exporter("json", "the records as stored (with their table as `type`), one JSON array",
          whole_records=True)  # fmt: skip
def export_json(selection: Selection) -> bytes:
    import orjson

    return orjson.dumps(list(typed_records(selection.whole)), option=orjson.OPT_INDENT_2) + b"\n"


@exporter("jsonl", "the records as stored (with their table as `type`), one a line",
          whole_records=True)  # fmt: skip
def export_jsonl(selection: Selection) -> bytes:
    import orjson

    return b"".join(orjson.dumps(item) + b"\n" for item in typed_records(selection.whole))


# ---------------------------------------------------------------------------------------------
# csv
# ---------------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=65536)
def _edtf_label(edtf: str) -> str:
    return edtf_display(edtf)


def label_of(date_dict: Json | None) -> str:
    """How a date reads (queries.date_label), remembered: many events share a date."""
    return _edtf_label(date_dict["edtf"]) if date_dict else date_label(date_dict)


class _Citations:
    """How each citation reads (queries.Labels.cite: 'outlet, “title”, date (locator)'), the
    source's part worked out once per source rather than once per source and locator."""

    def __init__(self, labels: Labels) -> None:
        self.labels = labels
        self.sources: dict[str, tuple[str, bool]] = {}

    def __call__(self, cite: Json) -> str:
        source_id = cite["source"]
        found = self.sources.get(source_id)
        if found is None:
            known = self.labels.kb.data.find("sources", source_id) is not None
            found = self.sources[source_id] = (self.labels.cite({"source": source_id}), known)
        locator = cite.get("locator")
        return f"{found[0]} ({locator})" if locator and found[1] else found[0]


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
    Column("participants", lambda e: [participant_cell(p) for p in e.get("participants") or []]),
    Column("organizations", lambda e: e.get("organizations") or []),
    Column("topics", lambda e: e.get("topics") or []),
    Column("tags", lambda e: e.get("tags") or []),
    Column("summary", lambda e: e.get("summary")),
    Column("sources", lambda e: [c["source"] for c in e.get("sources") or []]),
    Column("cameo", lambda e: typology(e["kind"])["cameo"]),
    Column("plover", lambda e: typology(e["kind"])["plover"]),
]
# columns of the CSV export that are derived from others: the importer ignores them quietly
DERIVED_CSV_COLUMNS = ("date_display", "cameo", "plover")


@exporter("csv", "one row per event, spreadsheet-safe, UTF-8 with a header; reimportable")
def export_csv(selection: Selection) -> bytes:
    import csv

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([c.header for c in CSV_COLUMNS])
    writer.writerows(_csv_rows(selection.events))
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
    """render.write_delimited's CSV cell: escapes visible, never a spreadsheet formula."""
    text = value if value.__class__ is str else cell_text(value)
    if not text.isprintable():
        text = safe_text(text)
    return spreadsheet_safe(text)


def _csv_list(values: list[Any] | None) -> str:
    if not values:
        return ""
    try:
        return "; ".join(values)
    except TypeError:  # not all text: as render.cell_text writes it
        return cell_text(values)


# ---------------------------------------------------------------------------------------------
# md
# ---------------------------------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"[\\`*_\[\]<>|~&]")
_MD_ESCAPES = str.maketrans({char: "\\" + char for char in "\\`*_[]<>|~&"})
_MD_NUMBERED = re.compile(r"^(\d+)\.")


def md_text(value: Any) -> str:
    """Store text as Markdown that shows it literally: no markup, no HTML, one line."""
    text = " ".join(safe_text(value).split())
    if _MD_SPECIAL.search(text) is not None:
        text = text.translate(_MD_ESCAPES)
    # text that starts a line with '-', '+', '#' or '1.' would become a list item or a heading
    first = text[:1]
    if first in ("-", "+", "#"):
        return "\\" + text
    if first.isdigit():  # every \d is a digit to isdigit()
        return _MD_NUMBERED.sub(r"\1\\.", text, count=1)
    return text


def _md_url(url: str | None) -> str:
    if url and re.fullmatch(r"https?://[^\s<>\"'`]+", url):
        return f"<{url}>"
    return md_text(url) if url else ""


class _Footnotes:
    """Citations numbered in order of first use; the same source and locator share a number."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self.numbers: dict[tuple[str, str], int] = {}

    def refs(self, cites: Iterable[Json]) -> str:
        numbers = self.numbers
        marks = []
        for cite in cites:
            key = (cite["source"], cite.get("locator") or "")
            number = numbers.get(key)
            if number is None:
                number = numbers[key] = len(numbers) + 1
            marks.append(f"[^{number}]")
        return "".join(dict.fromkeys(marks)) if len(marks) > 1 else "".join(marks)

    def lines(self) -> list[str]:
        out = []
        described: dict[str, str] = {}  # a source cited with many locators is described once
        for (source_id, locator), number in self.numbers.items():
            text = described.get(source_id)
            if text is None:
                text = described[source_id] = self._describe(source_id)
            if locator:
                text += f" — {md_text(locator)}"
            out.append(f"[^{number}]: {text}")
        return out

    def _describe(self, source_id: str) -> str:
        source = self.kb.data.find("sources", source_id)
        if source is None:
            return md_text(source_id)
        parts = [md_text(source["outlet"]), f"“{md_text(source['title'])}”"]
        if source.get("published"):
            parts.append(edtf_display(source["published"]))
        if source.get("url"):
            parts.append(_md_url(source["url"]))
        return ", ".join(parts)


@exporter("md", "a Markdown dossier: partnerships, the timeline by year, sources as footnotes")
def export_md(selection: Selection) -> bytes:
    kb = selection.kb
    notes = _Footnotes(kb)
    labels = Labels(kb)
    name = labels.name
    # names, dates, kinds and parts recur across events: each is made Markdown once
    md_once = functools.cache(md_text)
    people = _MdPeople(name, md_once)
    events = selection.events
    lines = [f"# {md_text(selection.title)}", ""]
    if events:
        span = f"{date_label(events[0]['date'])} – {date_label(events[-1]['date'])}"
        lines.append(f"_{len(events)} event{'s' if len(events) != 1 else ''}, {md_text(span)}. "
                     "Dates keep their precision; sources are in the footnotes._")  # fmt: skip
    else:
        lines.append("_No event matches this selection._")
    scope = set(selection.entity_scope)
    partnerships = [
        p
        for p in kb.records("partnerships")
        if not selection.filtered or scope & set(p.get("parties") or [])
    ]
    if partnerships:
        lines += ["", "## Partnerships"]
        for partnership in partnerships:
            parties = " – ".join(md_text(kb.name_of(p)) for p in partnership["parties"])
            lines += ["", f"### {parties}{notes.refs(partnership.get('sources') or [])}"]
            if partnership.get("areas"):
                lines += ["", "Areas: " + ", ".join(md_text(a) for a in partnership["areas"]) + "."]
            if partnership.get("summary"):
                lines += ["", md_text(partnership["summary"])]
    lines += ["", "## Timeline"]
    add = lines.append
    refs = notes.refs
    year = None
    for event in events:
        date_dict = event.get("date")
        when, event_year = labels.date(date_dict)
        if event_year != year:
            year = event_year
            lines += ["", f"### {md_once(year)}", ""]
        status = "" if event["status"] == "happened" else f" ({md_once(event['status'])})"
        add(f"- **{md_once(when)}** · {md_once(event['kind'])}{status} · "
            f"{md_text(event['title'])}{refs(event.get('sources') or ())}")  # fmt: skip
        participants = event.get("participants")
        if participants:
            add("  Participants: " + "; ".join(people(participants)) + ".")
        place = event.get("place")
        if place:
            add(f"  Place: {md_once(name(place))}.")
        if date_dict and date_dict.get("phrase"):
            add(f"  The source says “{md_text(date_dict['phrase'])}”.")
        if event.get("summary"):
            add(f"  {md_text(event['summary'])}")
    footnotes = notes.lines()
    if footnotes:
        lines += ["", "## Sources", ""] + footnotes
    lines.append("")
    return "\n".join(lines).encode("utf-8")


class _MdPeople:
    """'Nazim Samadov (guest, Ambassador of Azerbaijan to Morocco)' for each participant, with
    the title the entity's first mention carries; each (entity, part, title) written once."""

    def __init__(self, name: Callable[[str], str], md_once: Callable[[str], str]) -> None:
        self.name, self.md_once = name, md_once
        self.written: dict[tuple[str, Any, Any], str] = {}

    def __call__(self, participants: list[Json]) -> list[str]:
        titles: dict[str, Any] = {}
        for participant in participants:
            titles.setdefault(participant["entity"], participant.get("as"))
        written = self.written
        people = []
        for participant in participants:
            entity = participant["entity"]
            key = (entity, participant.get("part"), titles[entity])
            person = written.get(key)
            if person is None:
                extra = [x for x in key[1:] if x]
                person = self.md_once(self.name(entity))
                if extra:
                    person += f" ({self.md_once(', '.join(extra))})"
                written[key] = person
            people.append(person)
        return people


# ---------------------------------------------------------------------------------------------
# Dates at their precision (ics, timelinejs, ftm)
# ---------------------------------------------------------------------------------------------


def date_points(edtf: str) -> tuple[Json | None, Json | None]:
    """The start and end of an EDTF date as {year, month?, day?} at the precision given
    (None for an unknown end); a single date has no end."""
    text = edtf.strip()
    if text.startswith("["):
        start, _, end = text[1:-1].partition("..")
    elif "/" in text:
        start, _, end = text.partition("/")
        start, end = ("" if start == ".." else start), ("" if end == ".." else end)
    else:
        start, end = text, ""
    return (_point(start) if start else None), (_point(end) if end else None)


def _point(text: str) -> Json:
    point = parse_point(text)
    month = point.month
    if point.season is not None:  # spring 2024 starts in March
        month = {21: 3, 22: 6, 23: 9, 24: 12}[point.season]
    out: Json = {"year": point.year}
    if month is not None:
        out["month"] = month
        if point.day is not None and point.season is None:
            out["day"] = point.day
    return out


def iso_prefix(point: Json) -> str:
    """'2024', '2024-05' or '2024-05-30': a date as precise as it is (FollowTheMoney's dates)."""
    text = f"{point['year']:04d}"
    if "month" in point:
        text += f"-{point['month']:02d}"
        if "day" in point:
            text += f"-{point['day']:02d}"
    return text


# ---------------------------------------------------------------------------------------------
# ics
# ---------------------------------------------------------------------------------------------

ICS_STATUS = {"happened": "CONFIRMED", "planned": "TENTATIVE", "postponed": "TENTATIVE",
              "cancelled": "CANCELLED"}  # fmt: skip
# The text is written here rather than by the icalendar library, which built and serialized an
# object per property at ~0.6 ms an event (a minute for 100k events); the tests read the output
# back with icalendar. Properties come in its order (the canonical ones, then by name), so that
# the files it wrote and these are the same.
ICS_FOLD_OCTETS = 74  # a folded line's octets; 75 with the space that starts a continuation
_ICS_TEXT_SPECIAL = re.compile(r"[\\;,\r\n]")


def ics_text(value: str) -> str:
    """A TEXT value (RFC 5545 3.3.11): backslash, semicolon and comma escaped, a line break
    (CRLF, LF or a lone CR) as \\n."""
    if _ICS_TEXT_SPECIAL.search(value) is None:
        return value
    return (value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n"))  # fmt: skip


def ics_raw(value: str) -> str:
    """The value of an X- property, as icalendar writes and reads it: unescaped (X-WR-CALNAME
    "A, B" reads back as "A, B" there), on one line."""
    return " ".join(value.splitlines()) if "\n" in value or "\r" in value else value


def ics_fold(line: str) -> str:
    """A content line folded (RFC 5545 3.1): CRLF and a space before every 74 octets, never
    inside a UTF-8 sequence, and, as icalendar folds, not just after a backslash (a reader that
    unescapes line by line would see half of an escape such as \\,)."""
    return _fold_octets(line.encode("utf-8")).decode("utf-8")


def ics_fold_all(text: str) -> bytes:
    """Content lines joined by CRLF, as UTF-8, every line longer than 74 octets folded. (No
    value holds a line break: ics_text escapes them, ics_raw and _SourceUrls leave them out.)"""
    lines = text.encode("utf-8").split(b"\r\n")
    return b"\r\n".join([_fold_octets(line) if len(line) > ICS_FOLD_OCTETS else line
                           for line in lines])  # fmt: skip


def _fold_octets(data: bytes) -> bytes:
    chunks, start, size = [], 0, len(data)
    while size - start > ICS_FOLD_OCTETS:
        end = start + ICS_FOLD_OCTETS
        while data[end] & 0xC0 == 0x80:  # a continuation octet: cut before its character
            end -= 1
        if data[end - 1] in b"\\^":
            end -= 1
        chunks.append(data[start:end])
        start = end
    chunks.append(data[start:])
    return b"\r\n ".join(chunks)


def all_day_span(date_dict: Json) -> tuple[date, date]:
    """First day and the day after the last (RFC 5545's exclusive DTEND) of an all-day event.
    An open end shrinks to the one day known: the description says the rest."""
    earliest, latest = date_dict.get("earliest"), date_dict.get("latest")
    first = date.fromisoformat(str(earliest or latest))
    last = date.fromisoformat(str(latest or earliest))
    return first, last + timedelta(days=1)


def _ics_date(day: date) -> str:
    return f"{day.year:04}{day.month:02}{day.day:02}"


@exporter("ics", "an iCalendar (RFC 5545) file: all-day events over each date's span, "
          "planned ones TENTATIVE", binary=False)  # fmt: skip
def export_ics(selection: Selection) -> bytes:
    kb = selection.kb
    labels = Labels(kb)
    name, cite = labels.name, _Citations(labels)
    moment = _utc(selection.stamp)
    stamp = f"DTSTAMP:{_ics_date(moment)}T{moment:%H%M%S}Z"
    calendar_name = "X-WR-CALNAME:" + ics_raw(safe_text(selection.title))
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:-//{GENERATOR}//{GENERATOR}//EN",
             "CALSCALE:GREGORIAN", calendar_name]  # fmt: skip
    add = lines.append
    spans: dict[tuple[Any, Any], str] = {}  # many events share a span, kinds and tags recur
    category_text = functools.cache(lambda category: ics_text(safe_text(category)))
    urls = _SourceUrls(kb)
    for event in selection.events:
        date_dict = event["date"]
        span_key = (date_dict.get("earliest"), date_dict.get("latest"))
        span = spans.get(span_key)
        if span is None:
            first, after_last = all_day_span(date_dict)
            span = spans[span_key] = (f"DTSTART;VALUE=DATE:{_ics_date(first)}\r\n"
                                      f"DTEND;VALUE=DATE:{_ics_date(after_last)}")  # fmt: skip
        tags = event.get("tags")
        category = category_text(event["kind"])
        if tags:
            category = ",".join([category, *[category_text(tag) for tag in tags]])
        people = [name(p["entity"]) + (f" ({p['part']})" if p.get("part") else "")
                  for p in event.get("participants") or ()]  # fmt: skip
        cited = [cite(c) for c in event.get("sources") or ()]
        description = _ics_description(event, labels.date(date_dict)[0], people, cited)
        place = name(event.get("place"))
        url = urls.first(event)
        # one event's content lines, in icalendar's order: SUMMARY, DTSTART, DTEND, DTSTAMP,
        # UID, then by name
        add(f"BEGIN:VEVENT\r\nSUMMARY:{ics_text(safe_text(event['title']))}\r\n{span}\r\n"
            f"{stamp}\r\nUID:{ics_text(event['id'])}@{GENERATOR}\r\nCATEGORIES:{category}\r\n"
            f"DESCRIPTION:{ics_text(description)}\r\n"
            + (f"LOCATION:{ics_text(safe_text(place))}\r\n" if place else "")
            + f"STATUS:{ICS_STATUS.get(event['status'], 'CONFIRMED')}\r\n"
            + (f"URL:{url}\r\n" if url else "")
            + f"X-PARTNERKB-EDTF:{ics_raw(date_dict['edtf'])}\r\nEND:VEVENT")  # fmt: skip
    add("END:VCALENDAR")
    add("")
    return ics_fold_all("\r\n".join(lines))


class _SourceUrls:
    """The URL of the first cited source that has one, each source looked up once."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self.urls: dict[str, str | None] = {}

    def first(self, record: Json) -> str | None:
        for cite in record.get("sources") or ():
            source_id = cite["source"]
            try:
                url = self.urls[source_id]
            except KeyError:
                source = self.kb.data.find("sources", source_id)
                url = str(source.get("url") or "") if source else ""
                # a URI value has no escapes: one with a line break would end the line early
                url = self.urls[source_id] = None if "\n" in url or "\r" in url else url or None
            if url:
                return url
        return None


def _utc(text: str) -> datetime:
    from datetime import timezone

    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        moment = datetime(1970, 1, 1)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def _ics_description(event: Json, when_label: str, people: list[str], sources: list[str]) -> str:
    when = f"Date as stated: {when_label}"
    if event["date"].get("phrase"):
        when += f" (the source says “{event['date']['phrase']}”"
        if event["date"].get("resolved_against"):
            when += f", as of {event['date']['resolved_against']}"
        when += ")"
    lines = [when, f"Status: {event['status']}"]
    if people:
        lines.append("Participants: " + "; ".join(people))
    if event.get("summary"):
        lines.append(event["summary"])
    lines.append("Sources: " + " | ".join(sources))
    text = "\n".join(lines)
    # safe_text leaves line breaks as they are: text printable but for them needs nothing more
    return text if text.replace("\n", " ").isprintable() else safe_text(text)


def _cited_sources(kb: KnowledgeBase, record: Json) -> list[Json]:
    found = (kb.data.find("sources", c["source"]) for c in record.get("sources") or [])
    return [s for s in found if s]


# ---------------------------------------------------------------------------------------------
# timelinejs
# ---------------------------------------------------------------------------------------------


def _tl_date(point: Json, display: str | None = None) -> Json:
    out: Json = {key: str(point[key]) for key in ("year", "month", "day") if key in point}
    if display:
        out["display_date"] = display
    return out


def _h(value: Any) -> str:
    return html.escape(safe_text(value), quote=True)


def json_document(value: Any) -> bytes:
    """One JSON document, two-space indent, UTF-8, then a newline: what json.dumps(indent=2,
    ensure_ascii=False) writes, by orjson (the standard library's indenting encoder is pure Python:
    ten times as slow); what orjson refuses (a lone surrogate) goes escaped, by the library."""
    import orjson

    try:
        return orjson.dumps(value, option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE)
    except orjson.JSONEncodeError:
        return (json.dumps(value, indent=2) + "\n").encode("ascii")


@exporter("timelinejs", "the JSON a TimelineJS web timeline reads (dates at their precision)")
def export_timelinejs(selection: Selection) -> bytes:
    labels = Labels(selection.kb)
    name, cite = labels.name, _Citations(labels)
    h = functools.cache(_h)  # names, parts and citations recur: each escaped once
    dates: dict[str, tuple[Json, Json | None]] = {}  # edtf -> start_date, end_date (shared)
    slides = []
    for event in selection.events:
        date_dict = event["date"]
        when = labels.date(date_dict)[0]
        edtf = date_dict["edtf"]
        points = dates.get(edtf)
        if points is None:
            start, end = date_points(edtf)
            if start is None:
                start, end = end, None
            assert start is not None
            points = dates[edtf] = (_tl_date(start, when), None if end is None else _tl_date(end))
        text = []
        if event.get("summary"):
            text.append(f"<p>{_h(event['summary'])}</p>")
        participants = event.get("participants")
        if participants:
            people = [h(name(p["entity"])) + (f" ({h(p['part'])})" if p.get("part") else "")
                      for p in participants]  # fmt: skip
            text.append(f"<p>Participants: {'; '.join(people)}</p>")
        text.append("<p>Sources: " + "; ".join([h(cite(c)) for c in event.get("sources")
                                                or ()]) + "</p>")  # fmt: skip
        slide: Json = {
            "unique_id": event["id"],
            "start_date": points[0],
            "display_date": when,
            "text": {"headline": _h(event["title"]), "text": "".join(text)},
            "group": event["kind"],
        }
        if points[1] is not None:
            slide["end_date"] = points[1]
        slides.append(slide)
    document = {
        "title": {
            "text": {
                "headline": _h(selection.title),
                "text": f"<p>{len(slides)} events, from partnerkb</p>",
            }
        },
        "events": slides,
    }
    return json_document(document)


# ---------------------------------------------------------------------------------------------
# ftm: FollowTheMoney entities
# ---------------------------------------------------------------------------------------------

FTM_SCHEMA = {"person": "Person", "organization": "Organization", "country": "PublicBody",
              "place": "Address"}  # fmt: skip


def _ftm(entity_id: str, schema: str, properties: dict[str, list[Any]]) -> Json:
    """An entity with its non-empty properties, each value text with control characters shown
    as escapes. (Property lists may be shared between entities: they are read, never changed.)"""
    props: dict[str, list[Any]] = {}
    for key, values in properties.items():
        if None in values or "" in values:
            values = [v for v in values if v is not None and v != ""]
        if values:
            props[key] = values
    try:  # nearly always printable text, checked at once
        printable = "".join(chain.from_iterable(props.values())).isprintable()
    except TypeError:  # a value that is not text
        printable = False
    if not printable:
        props = {key: [safe_text(v) for v in values] for key, values in props.items()}
    return {"id": entity_id, "schema": schema, "properties": props}


@functools.lru_cache(maxsize=65536)
def _ftm_edtf(edtf: str) -> dict[str, list[Any]]:
    start, end = date_points(edtf)
    if end is None and start is not None and not re.search(r"[\[/]", edtf):
        return {"date": [iso_prefix(start)]}
    return {"startDate": [iso_prefix(start)] if start else [],
            "endDate": [iso_prefix(end)] if end else []}  # fmt: skip


def _ftm_dates(date_dict: Json | None) -> dict[str, list[Any]]:
    """The FollowTheMoney date properties of a date (shared: read them, do not change them)."""
    if not date_dict:
        return {}
    return _ftm_edtf(date_dict["edtf"])


class _Provenance:
    """sourceUrl and publisher of what a record cites, worked out once per set of sources."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self.known: dict[tuple[str, ...], dict[str, list[Any]]] = {}

    def __call__(self, record: Json) -> dict[str, list[Any]]:
        key = tuple([c["source"] for c in record.get("sources") or ()])
        found = self.known.get(key)
        if found is None:
            found = self.known[key] = _provenance(self.kb, record)
        return found


def _provenance(kb: KnowledgeBase, record: Json) -> dict[str, list[Any]]:
    sources = _cited_sources(kb, record)
    return {
        "sourceUrl": list(dict.fromkeys(s["url"] for s in sources if s.get("url"))),
        "publisher": list(dict.fromkeys(s["outlet"] for s in sources)),
    }


@exporter("ftm", "FollowTheMoney entities as JSON Lines (Person, Organization, Event, "
          "Position, Occupancy...)", whole_records=True)  # fmt: skip
def export_ftm(selection: Selection) -> bytes:
    import orjson

    kb = selection.kb
    name = Labels(kb).name
    provenance = _Provenance(kb)
    out: list[Json] = []
    for entity in selection.whole["entities"]:
        schema = FTM_SCHEMA.get(entity["kind"], "LegalEntity")
        props: dict[str, list[Any]] = {
            "name": [entity["name"]] if schema != "Address" else [],
            "alias": list(entity.get("aliases") or []),
            "description": [entity.get("description")],
            "keywords": list(entity.get("tags") or []),
            "wikidataId": [(entity.get("external_ids") or {}).get("wikidata")],
            **provenance(entity),
        }
        if schema == "Address":
            props["full"] = [entity["name"]]
        if schema == "Person":
            props["position"] = [r["title"] for r in entity.get("roles") or []]
        out.append(_ftm(entity["id"], schema, props))
        for n, role in enumerate(entity.get("roles") or [], 1):
            position_id = f"{entity['id']}-position-{n}"
            organization = role.get("organization")
            org_name = name(organization) if organization else ""
            out.append(_ftm(position_id, "Position", {
                "name": [f"{role['title']}, {org_name}" if org_name else role["title"]],
                "organization": [organization],
                **provenance(role),
            }))  # fmt: skip
            cited = [role.get("first_cited"), role.get("last_cited")]
            out.append(_ftm(f"{entity['id']}-occupancy-{n}", "Occupancy", {
                "holder": [entity["id"]],
                "post": [position_id],
                "startDate": _ftm_dates(role.get("from")).get("startDate")
                or _ftm_dates(role.get("from")).get("date", []),
                "endDate": _ftm_dates(role.get("until")).get("endDate")
                or _ftm_dates(role.get("until")).get("date", []),
                "date": [c for c in dict.fromkeys(cited) if c],
                **provenance(role),
            }))  # fmt: skip
    notes_of_kind: dict[str, str] = {}
    for event in selection.whole["events"]:
        kind = event["kind"]
        kind_note = notes_of_kind.get(kind)
        if kind_note is None:
            kind_typology = typology(kind)
            kind_note = notes_of_kind[kind] = (
                f"CAMEO {kind_typology['cameo']} {kind_typology['cameo_label']}; "
                f"PLOVER {kind_typology['plover']}"
            )
        participants = event.get("participants") or ()
        hosts = [p["entity"] for p in participants
                 if p.get("part") in ("host", "organizer", "awarder")]  # fmt: skip
        place = event.get("place")
        out.append(_ftm(event["id"], "Event", {
            "name": [event["title"]],
            "summary": [event.get("summary")],
            **_ftm_dates(event.get("date")),
            "location": [name(place)] if place else [],
            "involved": list(dict.fromkeys(
                [p["entity"] for p in participants] + list(event.get("organizations") or []))),
            "organizer": hosts,
            "keywords": [kind, *(event.get("tags") or [])],
            "notes": [f"date as stated: {label_of(event['date'])}",
                      f"status: {event['status']}", kind_note],
            **provenance(event),
        }))  # fmt: skip
    for partnership in selection.whole["partnerships"]:
        parties = partnership["parties"]
        for n, (a, b) in enumerate(
            (parties[i], parties[j])
            for i in range(len(parties))
            for j in range(i + 1, len(parties))
        ):
            out.append(_ftm(f"{partnership['id']}-link-{n + 1}", "UnknownLink", {
                "subject": [a],
                "object": [b],
                "role": ["partnership"],
                "summary": [partnership.get("summary")],
                "description": ["areas: " + ", ".join(partnership.get("areas") or [])]
                if partnership.get("areas") else [],
                **provenance(partnership),
            }))  # fmt: skip
    return b"\n".join(map(orjson.dumps, out)) + b"\n" if out else b""


# ---------------------------------------------------------------------------------------------
# dot, mermaid: the network
# ---------------------------------------------------------------------------------------------

ORGANIZATION_KINDS = ("organization", "country")


@dataclass
class Network:
    nodes: dict[str, Json]  # id -> entity
    met: Counter[tuple[str, str]]  # participants of the same event
    partners: dict[tuple[str, str], list[str]]  # organizations: what links them


def network(selection: Selection) -> Network:
    """Who met whom (participants of one event) and which organizations partner (partnership
    records, and organizations named together by events)."""
    kb = selection.kb
    events = selection.events
    # pairs counted in C (Counter over one stream of pairs), in order of first meeting
    met: Counter[tuple[str, str]] = Counter(chain.from_iterable(
        combinations(sorted({p["entity"] for p in event.get("participants") or ()}), 2)
        for event in events
    ))  # fmt: skip
    joint: Counter[tuple[str, str]] = Counter(chain.from_iterable(
        combinations(sorted(set(event.get("organizations") or ())), 2) for event in events
    ))  # fmt: skip
    partners: dict[tuple[str, str], list[str]] = {}
    scope = set(selection.entity_scope)
    for partnership in kb.records("partnerships"):
        parties = sorted(set(partnership.get("parties") or []))
        if selection.filtered and not scope & set(parties):
            continue
        for i, a in enumerate(parties):
            for b in parties[i + 1 :]:
                partners.setdefault((a, b), []).append("partnership")
    for pair, count in joint.items():
        partners.setdefault(pair, []).append(f"{count} joint event{'s' if count > 1 else ''}")
    nodes: dict[str, Json] = {}
    for a, b in [*met, *partners]:
        for node in (a, b):
            if node not in nodes:
                found = kb.data.find("entities", node)
                nodes[node] = found or {"id": node, "name": node, "kind": "?"}
    return Network(nodes, met, partners)


def sorted_pairs(pairs: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """Pairs of ids in order. Sorted as one string each ('a<NUL>b': the same order for ids
    without a NUL, which is below every other character), seven times as fast as tuples."""
    pairs = list(pairs)
    if any("\0" in a or "\0" in b for a, b in pairs):
        return sorted(pairs)
    return sorted(pairs, key="\0".join)


def _dot_string(value: Any) -> str:
    text = safe_text(value).replace("\\", "\\\\").replace('"', '\\"')
    return '"' + " ".join(text.split()) + '"'


DOT_SHAPES = {"person": "ellipse", "organization": "box", "country": "box3d", "place": "note"}


def _met_label(count: int) -> str:
    return f"met: {count} event{'s' if count > 1 else ''}"


@exporter("dot", "Graphviz: who met whom and which organizations partner, labelled")
def export_dot(selection: Selection) -> bytes:
    graph = network(selection)
    quoted = {node: _dot_string(node) for node in graph.nodes}
    lines = [f"graph {_dot_string(selection.title)} {{", "  overlap=false;", "  splines=true;",
             "  node [fontname=\"Helvetica\"];"]  # fmt: skip
    add = lines.append
    for node_id, entity in graph.nodes.items():
        shape = DOT_SHAPES.get(entity.get("kind", ""), "ellipse")
        add(f"  {quoted[node_id]} [label={_dot_string(entity.get('name'))}, shape={shape}];")
    # the pairs are unique: sorting them sorts the edges; a count's label is written once
    met = graph.met
    met_labels = {n: f" [label={_dot_string(_met_label(n))}];" for n in set(met.values())}
    for a, b in sorted_pairs(met):
        add(f"  {quoted[a]} -- {quoted[b]}{met_labels[met[a, b]]}")
    why_labels: dict[str, str] = {}
    for a, b in sorted_pairs(graph.partners):
        text = "; ".join(graph.partners[a, b])
        label = why_labels.get(text)
        if label is None:
            label = why_labels[text] = f" [label={_dot_string(text)}, style=bold, color=blue];"
        add(f"  {quoted[a]} -- {quoted[b]}{label}")
    add("}")
    add("")
    return "\n".join(lines).encode("utf-8")


def _mermaid_id(entity_id: str) -> str:
    return "n_" + re.sub(r"[^A-Za-z0-9]", "_", entity_id)


def _mermaid_label(value: Any) -> str:
    text = " ".join(safe_text(value).split())
    # Mermaid entity codes: nothing in a label can end it or become markup
    text = text.replace("#", "#35;")
    for char, code in (('"', "#quot;"), ("<", "#lt;"), (">", "#gt;"), ("`", "#96;"),
                       ("|", "#124;"), ("[", "#91;"), ("]", "#93;"), ("{", "#123;"),
                       ("}", "#125;")):  # fmt: skip
        text = text.replace(char, code)
    return f'"{text}"'


MERMAID_SHAPES = {"person": ("(", ")"), "organization": ("[", "]"), "country": ("[[", "]]"),
                  "place": ("[/", "/]")}  # fmt: skip


@exporter("mermaid", "a Mermaid graph of who met whom and which organizations partner")
def export_mermaid(selection: Selection) -> bytes:
    graph = network(selection)
    ids = {node: _mermaid_id(node) for node in graph.nodes}
    lines = ["graph LR"]
    add = lines.append
    for node_id, entity in graph.nodes.items():
        left, right = MERMAID_SHAPES.get(entity.get("kind", ""), ("(", ")"))
        add(f"  {ids[node_id]}{left}{_mermaid_label(entity.get('name'))}{right}")
    met = graph.met
    met_labels = {n: f" ---|{_mermaid_label(_met_label(n))}| " for n in set(met.values())}
    for a, b in sorted_pairs(met):
        add(f"  {ids[a]}{met_labels[met[a, b]]}{ids[b]}")
    why_labels: dict[str, str] = {}
    for a, b in sorted_pairs(graph.partners):
        text = "; ".join(graph.partners[a, b])
        label = why_labels.get(text)
        if label is None:
            label = why_labels[text] = f" ===|{_mermaid_label(text)}| "
        add(f"  {ids[a]}{label}{ids[b]}")
    add("")
    return "\n".join(lines).encode("utf-8")


# ---------------------------------------------------------------------------------------------
# sqlite
# ---------------------------------------------------------------------------------------------

SQLITE_SCHEMA = """
CREATE TABLE sources (id TEXT PRIMARY KEY, outlet TEXT NOT NULL, title TEXT NOT NULL,
    published TEXT, url TEXT, language TEXT, note TEXT);
CREATE TABLE entities (id TEXT PRIMARY KEY, kind TEXT NOT NULL, name TEXT NOT NULL,
    aliases TEXT, description TEXT, tags TEXT, located_in TEXT REFERENCES entities(id),
    external_ids TEXT, record TEXT NOT NULL);
CREATE TABLE roles (entity TEXT NOT NULL REFERENCES entities(id), title TEXT NOT NULL,
    organization TEXT REFERENCES entities(id), from_edtf TEXT, until_edtf TEXT,
    first_cited TEXT, last_cited TEXT);
CREATE TABLE events (id TEXT PRIMARY KEY, kind TEXT NOT NULL, title TEXT NOT NULL,
    date_edtf TEXT NOT NULL, date_earliest TEXT, date_latest TEXT, date_display TEXT NOT NULL,
    place TEXT REFERENCES entities(id), status TEXT NOT NULL, summary TEXT, topics TEXT,
    tags TEXT, cameo TEXT, plover TEXT, record TEXT NOT NULL);
CREATE TABLE participants (event TEXT NOT NULL REFERENCES events(id),
    entity TEXT NOT NULL REFERENCES entities(id), part TEXT, as_title TEXT);
CREATE TABLE event_organizations (event TEXT NOT NULL REFERENCES events(id),
    entity TEXT NOT NULL REFERENCES entities(id));
CREATE TABLE partnerships (id TEXT PRIMARY KEY, parties TEXT NOT NULL, areas TEXT,
    summary TEXT, record TEXT NOT NULL);
CREATE TABLE citations (record TEXT NOT NULL, record_type TEXT NOT NULL,
    source TEXT NOT NULL REFERENCES sources(id), locator TEXT);
"""
# built once the rows are in: one sort per index instead of a B-tree update per row
SQLITE_INDEXES = """
CREATE INDEX participants_entity ON participants(entity);
CREATE INDEX participants_event ON participants(event);
CREATE INDEX events_date ON events(date_earliest, date_latest);
CREATE INDEX citations_record ON citations(record);
CREATE INDEX citations_source ON citations(source);
"""


def _json_text() -> Callable[[Any], str]:
    """A value as compact JSON text (orjson: the standard library took a third of the export's
    time); what orjson refuses (an integer beyond 64 bits) goes through the standard library."""
    import orjson

    dumps = orjson.dumps

    def text(value: Any) -> str:
        try:
            return dumps(value).decode("utf-8")
        except orjson.JSONEncodeError:
            return json.dumps(value, ensure_ascii=False)

    return text


@exporter("sqlite", "a SQLite database (entities, roles, events, participants, sources, "
          "citations...) for SQL or Datasette", binary=True, whole_records=True)  # fmt: skip
def export_sqlite(selection: Selection) -> bytes:
    import sqlite3
    import tempfile
    from pathlib import Path

    whole = selection.whole
    _j = _json_text()
    with tempfile.TemporaryDirectory() as folder:
        # serialize() of an in-memory database would do, but is Python 3.11+ only
        path = Path(folder) / "export.sqlite"
        conn = sqlite3.connect(path, isolation_level=None)
        try:
            # records of ~2 kB fill 16 kB pages with less overflow: a quarter smaller, faster
            conn.execute("PRAGMA page_size = 16384")
            # a new file nobody else reads, thrown away if anything fails: no journal, no fsync
            conn.execute("PRAGMA journal_mode = OFF")
            conn.execute("PRAGMA synchronous = OFF")
            conn.execute("PRAGMA cache_size = -131072")  # 128 MB: the index builds sort in memory
            conn.execute("BEGIN")
            for statement in SQLITE_SCHEMA.split(";"):
                if statement.strip():
                    conn.execute(statement)
            conn.executemany("INSERT INTO sources VALUES (?, ?, ?, ?, ?, ?, ?)", [
                (s["id"], s["outlet"], s["title"], s.get("published"), s.get("url"),
                 s.get("language"), s.get("note"))
                for s in whole["sources"]
            ])  # fmt: skip
            conn.executemany("INSERT INTO entities VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", [
                (e["id"], e["kind"], e["name"], _j(e.get("aliases") or []), e.get("description"),
                 _j(e.get("tags") or []), e.get("located_in"), _j(e.get("external_ids") or {}),
                 _j(e))
                for e in whole["entities"]
            ])  # fmt: skip
            conn.executemany("INSERT INTO roles VALUES (?, ?, ?, ?, ?, ?, ?)", [
                (e["id"], r["title"], r.get("organization"),
                 (r.get("from") or {}).get("edtf"), (r.get("until") or {}).get("edtf"),
                 r.get("first_cited"), r.get("last_cited"))
                for e in whole["entities"] for r in e.get("roles") or []
            ])  # fmt: skip
            conn.executemany(
                "INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (e["id"], e["kind"], e["title"], e["date"]["edtf"], e["date"].get("earliest"),
                     e["date"].get("latest"), label_of(e["date"]), e.get("place"), e["status"],
                     e.get("summary"), _j(e.get("topics") or []), _j(e.get("tags") or []),
                     typology(e["kind"])["cameo"], typology(e["kind"])["plover"], _j(e))
                    for e in whole["events"]
                ],
            )  # fmt: skip
            conn.executemany("INSERT INTO participants VALUES (?, ?, ?, ?)", [
                (e["id"], p["entity"], p.get("part"), p.get("as"))
                for e in whole["events"] for p in e.get("participants") or []
            ])  # fmt: skip
            conn.executemany("INSERT INTO event_organizations VALUES (?, ?)", [
                (e["id"], o) for e in whole["events"] for o in e.get("organizations") or []
            ])  # fmt: skip
            conn.executemany("INSERT INTO partnerships VALUES (?, ?, ?, ?, ?)", [
                (p["id"], _j(p["parties"]), _j(p.get("areas") or []), p.get("summary"), _j(p))
                for p in whole["partnerships"]
            ])  # fmt: skip
            conn.executemany("INSERT INTO citations VALUES (?, ?, ?, ?)", [
                (record["id"], TYPE_OF_TABLE[table], c["source"], c.get("locator"))
                for table in ("entities", "events", "partnerships")
                for record in whole[table] for c in record.get("sources") or []
            ])  # fmt: skip
            for statement in SQLITE_INDEXES.split(";"):
                if statement.strip():
                    conn.execute(statement)
            conn.execute("COMMIT")
        finally:
            conn.close()
        return path.read_bytes()
