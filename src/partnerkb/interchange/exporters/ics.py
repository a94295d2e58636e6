"""ics: an RFC 5545 calendar, written directly (icalendar reads it in the tests); a fuzzy date
is an all-day event over its whole span."""

from __future__ import annotations

import functools
import re
from datetime import date, timedelta
from typing import Any

from ...queries import (
    KnowledgeBase,
    Labels,
)
from ...render import safe_text
from .base import (
    GENERATOR,
    Citations,
    Json,
    Selection,
    exporter,
    utc,
)
from .precision import span_kind

ICS_STATUS = {"happened": "CONFIRMED", "ongoing": "CONFIRMED", "planned": "TENTATIVE",
              "requested": "TENTATIVE", "postponed": "TENTATIVE",
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


def all_day_span(date_dict: Json) -> tuple[date, date | None]:
    """First day and the day after the last (RFC 5545's exclusive DTEND) of an all-day event,
    None for that day when the last is 31 December 9999 (the calendar has no year 10000).
    An open end shrinks to the one day known: the description says the rest."""
    earliest, latest = date_dict.get("earliest"), date_dict.get("latest")
    first = date.fromisoformat(str(earliest or latest))
    last = date.fromisoformat(str(latest or earliest))
    return first, (last + timedelta(days=1) if last < date.max else None)


def _ics_date(day: date) -> str:
    return f"{day.year:04}{day.month:02}{day.day:02}"


@exporter("ics", "an iCalendar (RFC 5545) file: all-day events over each date's span, "
          "planned ones TENTATIVE", binary=False)  # fmt: skip
def export_ics(selection: Selection) -> bytes:
    kb = selection.kb
    labels = Labels(kb)
    name, cite = labels.name, Citations(labels)
    moment = utc(selection.stamp)
    stamp = f"DTSTAMP:{_ics_date(moment)}T{moment:%H%M%S}Z"
    calendar_name = "X-WR-CALNAME:" + ics_raw(safe_text(selection.title))
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:-//{GENERATOR}//{GENERATOR}//EN",
             "CALSCALE:GREGORIAN", calendar_name]  # fmt: skip
    add = lines.append
    spans: dict[tuple[Any, Any], str] = {}  # many events share a span, kinds and tags recur
    category_text = functools.cache(lambda category: ics_text(safe_text(category)))
    urls = _SourceUrls(kb)
    for event in selection.each(selection.events, "writing events"):
        date_dict = event["date"]
        span_key = (date_dict.get("earliest"), date_dict.get("latest"))
        span = spans.get(span_key)
        if span is None:
            first, after_last = all_day_span(date_dict)
            end = (f"DTEND;VALUE=DATE:{_ics_date(after_last)}" if after_last else
                   f"DURATION:P{(date.max - first).days + 1}D")  # fmt: skip
            span = spans[span_key] = f"DTSTART;VALUE=DATE:{_ics_date(first)}\r\n{end}"
        when = labels.date(date_dict)[0]
        # a month, a season, a year or a window is when something happens, not a day it fills:
        # the title says which, and it is free time (TRANSP:TRANSPARENT) rather than busy
        kind_of_span = span_kind(date_dict["edtf"])
        title = safe_text(event["title"])
        # a day, or an exact run of days (a three-day conference), is the event itself; any
        # other span is a time within which it fell, and its title says which
        exact = kind_of_span in ("day", "days")
        if not exact:
            title += f" [{kind_of_span}: {when}]"
        tags = event.get("tags")
        category = category_text(event["kind"])
        if tags:
            category = ",".join([category, *[category_text(tag) for tag in tags]])
        people = [name(p["entity"]) + (f" ({p['part']})" if p.get("part") else "")
                  for p in event.get("participants") or ()]  # fmt: skip
        cited = [cite(c) for c in event.get("sources") or ()]
        description = _ics_description(event, when, people, cited)
        place = name(event.get("place"))
        url = urls.first(event)
        # one event's content lines, in icalendar's order: SUMMARY, DTSTART, DTEND, DTSTAMP,
        # UID, then by name
        add(f"BEGIN:VEVENT\r\nSUMMARY:{ics_text(title)}\r\n{span}\r\n"
            f"{stamp}\r\nUID:{ics_text(event['id'])}@{GENERATOR}\r\nCATEGORIES:{category}\r\n"
            f"DESCRIPTION:{ics_text(description)}\r\n"
            + (f"LOCATION:{ics_text(safe_text(place))}\r\n" if place else "")
            + f"STATUS:{ICS_STATUS.get(event['status'], 'CONFIRMED')}\r\n"
            + ("TRANSP:TRANSPARENT\r\n" if not exact else "")
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
