"""Exporters: a registry of named formats, each turning a selection of the store into bytes.

`select(kb, spec)` picks the events a timeline filter keeps (all of them without a filter) and the
records a whole-record export must carry with them; `export(selection, name)` runs one exporter.

- json / jsonl: the records exactly as stored, each with a `type` naming its table (what `import`
  reads back). Unfiltered: the whole store. Filtered: the events kept and every record they refer
  to, transitively, so that the file imports into an empty store.
- csv: one row per event, spreadsheet-safe (render.write_delimited), reimportable.
- md: a dossier for a briefing note, sources as footnotes.
- ics: an RFC 5545 calendar (icalendar); a fuzzy date is an all-day event over its whole span.
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
from typing import Any

from ..dates import edtf_display, parse_point
from ..errors import InvalidInput
from ..model import TABLES, references, typology
from ..queries import (
    TYPE_OF_TABLE,
    EventFilter,
    KnowledgeBase,
    date_label,
    event_row,
    filter_events,
)
from ..render import Column, safe_text, write_delimited

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
    return found.produce(selection)


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
    out = io.StringIO()
    write_delimited(selection.events, CSV_COLUMNS, "csv", out)
    return out.getvalue().encode("utf-8")


# ---------------------------------------------------------------------------------------------
# md
# ---------------------------------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|~&])")


def md_text(value: Any) -> str:
    """Store text as Markdown that shows it literally: no markup, no HTML, one line."""
    text = " ".join(safe_text(value).split())
    text = _MD_SPECIAL.sub(r"\\\1", text)
    # text that starts a line with '-', '+', '#' or '1.' would become a list item or a heading
    return re.sub(r"^(\d+)\.", r"\1\\.", re.sub(r"^([-+#])", r"\\\1", text))


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
        marks = []
        for cite in cites:
            key = (cite["source"], cite.get("locator") or "")
            if key not in self.numbers:
                self.numbers[key] = len(self.numbers) + 1
            marks.append(f"[^{self.numbers[key]}]")
        return "".join(dict.fromkeys(marks))

    def lines(self) -> list[str]:
        out = []
        for (source_id, locator), number in self.numbers.items():
            source = self.kb.data.find("sources", source_id)
            if source is None:
                text = md_text(source_id)
            else:
                parts = [md_text(source["outlet"]), f"“{md_text(source['title'])}”"]
                if source.get("published"):
                    parts.append(edtf_display(source["published"]))
                if source.get("url"):
                    parts.append(_md_url(source["url"]))
                text = ", ".join(parts)
            if locator:
                text += f" — {md_text(locator)}"
            out.append(f"[^{number}]: {text}")
        return out


@exporter("md", "a Markdown dossier: partnerships, the timeline by year, sources as footnotes")
def export_md(selection: Selection) -> bytes:
    kb = selection.kb
    notes = _Footnotes(kb)
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
    year = None
    for event in events:
        row = event_row(kb, event)
        display = row["display"]
        if display["year"] != year:
            year = display["year"]
            lines += ["", f"### {md_text(year)}", ""]
        status = "" if event["status"] == "happened" else f" ({md_text(event['status'])})"
        lines.append(
            f"- **{md_text(display['date'])}** · {md_text(event['kind'])}{status} · "
            f"{md_text(event['title'])}{notes.refs(event.get('sources') or [])}"
        )
        details = []
        people = [md_text(p["name"]) + _md_part(p, event) for p in display["participants"]]
        if people:
            details.append("Participants: " + "; ".join(people) + ".")
        if display["place"]:
            details.append(f"Place: {md_text(display['place'])}.")
        if event.get("date", {}).get("phrase"):
            details.append(f"The source says “{md_text(event['date']['phrase'])}”.")
        if event.get("summary"):
            details.append(md_text(event["summary"]))
        for detail in details:
            lines.append(f"  {detail}")
    footnotes = notes.lines()
    if footnotes:
        lines += ["", "## Sources", ""] + footnotes
    lines.append("")
    return "\n".join(lines).encode("utf-8")


def _md_part(participant: Json, event: Json) -> str:
    stored: Json = next((p for p in event.get("participants") or []
                   if p["entity"] == participant["entity"]), {})  # fmt: skip
    extra = [x for x in (participant.get("part"), stored.get("as")) if x]
    return f" ({md_text(', '.join(extra))})" if extra else ""


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


def all_day_span(date_dict: Json) -> tuple[date, date]:
    """First day and the day after the last (RFC 5545's exclusive DTEND) of an all-day event.
    An open end shrinks to the one day known: the description says the rest."""
    earliest, latest = date_dict.get("earliest"), date_dict.get("latest")
    first = date.fromisoformat(str(earliest or latest))
    last = date.fromisoformat(str(latest or earliest))
    return first, last + timedelta(days=1)


@exporter("ics", "an iCalendar (RFC 5545) file: all-day events over each date's span, "
          "planned ones TENTATIVE", binary=False)  # fmt: skip
def export_ics(selection: Selection) -> bytes:
    from icalendar import Calendar
    from icalendar import Event as VEvent

    kb = selection.kb
    calendar = Calendar()
    calendar.add("prodid", f"-//{GENERATOR}//{GENERATOR}//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", safe_text(selection.title))
    stamp = _utc(selection.stamp)
    for event in selection.events:
        row = event_row(kb, event)
        display = row["display"]
        first, after_last = all_day_span(event["date"])
        vevent = VEvent()
        vevent.add("uid", f"{event['id']}@{GENERATOR}")
        vevent.add("dtstamp", stamp)
        vevent.add("dtstart", first)
        vevent.add("dtend", after_last)
        vevent.add("summary", safe_text(event["title"]))
        vevent.add("status", ICS_STATUS.get(event["status"], "CONFIRMED"))
        if display["place"]:
            vevent.add("location", safe_text(display["place"]))
        vevent.add("categories", [event["kind"], *(event.get("tags") or [])])
        vevent.add("description", _ics_description(event, display))
        urls = [s.get("url") for s in _cited_sources(kb, event) if s.get("url")]
        if urls:
            vevent.add("url", urls[0])
        vevent.add("x-partnerkb-edtf", event["date"]["edtf"])
        calendar.add_component(vevent)
    data: bytes = calendar.to_ical()
    return data


def _utc(text: str) -> datetime:
    from datetime import timezone

    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        moment = datetime(1970, 1, 1)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def _ics_description(event: Json, display: Json) -> str:
    when = f"Date as stated: {display['date']}"
    if event["date"].get("phrase"):
        when += f" (the source says “{event['date']['phrase']}”"
        if event["date"].get("resolved_against"):
            when += f", as of {event['date']['resolved_against']}"
        when += ")"
    lines = [when, f"Status: {event['status']}"]
    people = [p["name"] + (f" ({p['part']})" if p.get("part") else "")
              for p in display["participants"]]  # fmt: skip
    if people:
        lines.append("Participants: " + "; ".join(people))
    if event.get("summary"):
        lines.append(event["summary"])
    lines.append("Sources: " + " | ".join(display["sources"]))
    return safe_text("\n".join(lines))


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


@exporter("timelinejs", "the JSON a TimelineJS web timeline reads (dates at their precision)")
def export_timelinejs(selection: Selection) -> bytes:
    kb = selection.kb
    slides = []
    for event in selection.events:
        row = event_row(kb, event)
        display = row["display"]
        start, end = date_points(event["date"]["edtf"])
        if start is None:
            start, end = end, None
        assert start is not None
        text = []
        if event.get("summary"):
            text.append(f"<p>{_h(event['summary'])}</p>")
        people = [_h(p["name"]) + (f" ({_h(p['part'])})" if p.get("part") else "")
                  for p in display["participants"]]  # fmt: skip
        if people:
            text.append(f"<p>Participants: {'; '.join(people)}</p>")
        text.append("<p>Sources: " + "; ".join(_h(s) for s in display["sources"]) + "</p>")
        slide: Json = {
            "unique_id": event["id"],
            "start_date": _tl_date(start, display["date"]),
            "display_date": display["date"],
            "text": {"headline": _h(event["title"]), "text": "".join(text)},
            "group": event["kind"],
        }
        if end is not None:
            slide["end_date"] = _tl_date(end)
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
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


# ---------------------------------------------------------------------------------------------
# ftm: FollowTheMoney entities
# ---------------------------------------------------------------------------------------------

FTM_SCHEMA = {"person": "Person", "organization": "Organization", "country": "PublicBody",
              "place": "Address"}  # fmt: skip


def _ftm(entity_id: str, schema: str, properties: dict[str, list[Any]]) -> Json:
    props = {k: [safe_text(v) for v in values if v not in (None, "")]
             for k, values in properties.items()}  # fmt: skip
    return {"id": entity_id, "schema": schema, "properties": {k: v for k, v in props.items() if v}}


def _ftm_dates(date_dict: Json | None) -> dict[str, list[Any]]:
    if not date_dict:
        return {}
    start, end = date_points(date_dict["edtf"])
    if end is None and start is not None and not re.search(r"[\[/]", date_dict["edtf"]):
        return {"date": [iso_prefix(start)]}
    return {"startDate": [iso_prefix(start)] if start else [],
            "endDate": [iso_prefix(end)] if end else []}  # fmt: skip


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
    out: list[Json] = []
    for entity in selection.whole["entities"]:
        schema = FTM_SCHEMA.get(entity["kind"], "LegalEntity")
        props: dict[str, list[Any]] = {
            "name": [entity["name"]] if schema != "Address" else [],
            "alias": list(entity.get("aliases") or []),
            "description": [entity.get("description")],
            "keywords": list(entity.get("tags") or []),
            "wikidataId": [(entity.get("external_ids") or {}).get("wikidata")],
            **_provenance(kb, entity),
        }
        if schema == "Address":
            props["full"] = [entity["name"]]
        if schema == "Person":
            props["position"] = [r["title"] for r in entity.get("roles") or []]
        out.append(_ftm(entity["id"], schema, props))
        for n, role in enumerate(entity.get("roles") or [], 1):
            position_id = f"{entity['id']}-position-{n}"
            organization = role.get("organization")
            org_name = kb.name_of(organization) if organization else ""
            out.append(_ftm(position_id, "Position", {
                "name": [f"{role['title']}, {org_name}" if org_name else role["title"]],
                "organization": [organization],
                **_provenance(kb, role),
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
                **_provenance(kb, role),
            }))  # fmt: skip
    for event in selection.whole["events"]:
        kind_typology = typology(event["kind"])
        hosts = [p["entity"] for p in event.get("participants") or []
                 if p.get("part") in ("host", "organizer", "awarder")]  # fmt: skip
        place = event.get("place")
        out.append(_ftm(event["id"], "Event", {
            "name": [event["title"]],
            "summary": [event.get("summary")],
            **_ftm_dates(event.get("date")),
            "location": [kb.name_of(place)] if place else [],
            "involved": list(dict.fromkeys(
                [p["entity"] for p in event.get("participants") or []]
                + list(event.get("organizations") or []))),
            "organizer": hosts,
            "keywords": [event["kind"], *(event.get("tags") or [])],
            "notes": [f"date as stated: {date_label(event['date'])}",
                      f"status: {event['status']}",
                      f"CAMEO {kind_typology['cameo']} {kind_typology['cameo_label']}; "
                      f"PLOVER {kind_typology['plover']}"],
            **_provenance(kb, event),
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
                **_provenance(kb, partnership),
            }))  # fmt: skip
    return b"".join(orjson.dumps(item) + b"\n" for item in out)


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
    met: Counter[tuple[str, str]] = Counter()
    joint: Counter[tuple[str, str]] = Counter()
    for event in selection.events:
        people = sorted({p["entity"] for p in event.get("participants") or []})
        for i, a in enumerate(people):
            for b in people[i + 1 :]:
                met[(a, b)] += 1
        orgs = sorted(set(event.get("organizations") or []))
        for i, a in enumerate(orgs):
            for b in orgs[i + 1 :]:
                joint[(a, b)] += 1
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


def _dot_string(value: Any) -> str:
    text = safe_text(value).replace("\\", "\\\\").replace('"', '\\"')
    return '"' + " ".join(text.split()) + '"'


DOT_SHAPES = {"person": "ellipse", "organization": "box", "country": "box3d", "place": "note"}


@exporter("dot", "Graphviz: who met whom and which organizations partner, labelled")
def export_dot(selection: Selection) -> bytes:
    graph = network(selection)
    quoted = {node: _dot_string(node) for node in graph.nodes}
    lines = [f"graph {_dot_string(selection.title)} {{", "  overlap=false;", "  splines=true;",
             "  node [fontname=\"Helvetica\"];"]  # fmt: skip
    for node_id, entity in graph.nodes.items():
        shape = DOT_SHAPES.get(entity.get("kind", ""), "ellipse")
        lines.append(f"  {quoted[node_id]} [label={_dot_string(entity.get('name'))}, "
                     f"shape={shape}];")  # fmt: skip
    for (a, b), count in sorted(graph.met.items()):
        label = f"met: {count} event{'s' if count > 1 else ''}"
        lines.append(f"  {quoted[a]} -- {quoted[b]} [label={_dot_string(label)}];")
    for (a, b), why in sorted(graph.partners.items()):
        lines.append(f"  {quoted[a]} -- {quoted[b]} "
                     f"[label={_dot_string('; '.join(why))}, style=bold, color=blue];")  # fmt: skip
    lines.append("}")
    return ("\n".join(lines) + "\n").encode("utf-8")


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
    for node_id, entity in graph.nodes.items():
        left, right = MERMAID_SHAPES.get(entity.get("kind", ""), ("(", ")"))
        lines.append(f"  {_mermaid_id(node_id)}{left}{_mermaid_label(entity.get('name'))}{right}")
    for (a, b), count in sorted(graph.met.items()):
        label = _mermaid_label(f"met: {count} event{'s' if count > 1 else ''}")
        lines.append(f"  {ids[a]} ---|{label}| {ids[b]}")
    for (a, b), why in sorted(graph.partners.items()):
        lines.append(f"  {ids[a]} ===|{_mermaid_label('; '.join(why))}| {ids[b]}")
    return ("\n".join(lines) + "\n").encode("utf-8")


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
CREATE INDEX participants_entity ON participants(entity);
CREATE INDEX participants_event ON participants(event);
CREATE INDEX events_date ON events(date_earliest, date_latest);
CREATE INDEX citations_record ON citations(record);
CREATE INDEX citations_source ON citations(source);
"""


def _j(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


@exporter("sqlite", "a SQLite database (entities, roles, events, participants, sources, "
          "citations...) for SQL or Datasette", binary=True, whole_records=True)  # fmt: skip
def export_sqlite(selection: Selection) -> bytes:
    import sqlite3
    import tempfile
    from pathlib import Path

    whole = selection.whole
    with tempfile.TemporaryDirectory() as folder:
        # serialize() of an in-memory database would do, but is Python 3.11+ only
        path = Path(folder) / "export.sqlite"
        conn = sqlite3.connect(path)
        try:
            conn.executescript(SQLITE_SCHEMA)
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
            conn.commit()
        finally:
            conn.close()
        return path.read_bytes()
