"""timelinejs: the JSON TimelineJS reads, dates at their precision."""

from __future__ import annotations

import functools
import html
from typing import Any

from ...queries import (
    Labels,
)
from ...render import safe_text
from .base import (
    Citations,
    Json,
    Selection,
    exporter,
    json_document,
)
from .precision import date_points


def _tl_date(point: Json, display: str | None = None) -> Json:
    out: Json = {key: str(point[key]) for key in ("year", "month", "day") if key in point}
    if display:
        out["display_date"] = display
    return out


def _h(value: Any) -> str:
    return html.escape(safe_text(value), quote=True)


@exporter("timelinejs", "the JSON a TimelineJS web timeline reads (dates at their precision)")
def export_timelinejs(selection: Selection) -> bytes:
    labels = Labels(selection.kb)
    name, cite = labels.name, Citations(labels)
    h = functools.cache(_h)  # names, parts and citations recur: each escaped once
    dates: dict[str, tuple[Json, Json | None]] = {}  # edtf -> start_date, end_date (shared)
    slides = []
    for event in selection.each(selection.events, "writing events"):
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
