"""md: a Markdown dossier for a briefing note, sources as footnotes."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable
from typing import Any

from ...dates import edtf_display
from ...queries import (
    KnowledgeBase,
    Labels,
    date_label,
    under_headings,
)
from ...render import safe_text
from .base import (
    Json,
    Selection,
    exporter,
)

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
        # a comma between marks: side by side, [^1][^2] reads as footnote 12
        return ",".join(dict.fromkeys(marks)) if len(marks) > 1 else "".join(marks)

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
        parts = [md_text(source["outlet"])]
        if source.get("kind") == "own-record":  # the analyst's own knowledge: no headline
            day = source.get("published")
            return parts[0] + (f", entered on {edtf_display(day)}" if day else "")
        if source.get("republished_by"):
            parts.append(f"republished by {md_text(source['republished_by'])}")
        # a headline is quoted; a copy without one says so (our label is never a title)
        parts.append(f"“{md_text(source['title'])}”" if source.get("title") else "no headline")
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
    grouped = under_headings(events, lambda e: labels.date(e.get("date"))[1])
    for event in selection.each(grouped, "writing events"):
        date_dict = event.get("date")
        when, event_year = labels.date(date_dict)
        if event_year != year:
            year = event_year
            lines += ["", f"### {md_once(year)}", ""]
        status = "" if event["status"] == "happened" else f" ({md_once(event['status'])})"
        # one list item an event, its details as paragraphs of the item (indented, a blank line
        # apart): lines merely following each other would run together into one paragraph
        if lines[-1] != "":
            add("")
        add(f"- **{md_once(when)}** · {md_once(event['kind'])}{status} · "
            f"{md_text(event['title'])}{refs(event.get('sources') or ())}")  # fmt: skip
        participants = event.get("participants")
        if participants:
            add("")
            add("  Participants: " + "; ".join(people(participants)) + ".")
        place = event.get("place")
        if place:
            add("")
            add(f"  Place: {md_once(name(place))}.")
        if date_dict and date_dict.get("phrase"):
            add("")
            add(f"  The source says “{md_text(date_dict['phrase'])}”.")
        if event.get("summary"):
            add("")
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
