"""html: one self-contained web page of the selection, opened offline in any browser.

A timeline that draws each date as what it is (a day, a month-long span, a window, an open-ended
bar for "on or before", approximate dates faded), statuses told apart (happened, planned, overdue,
postponed, cancelled), the partner network (who met whom, weighted by events that happened,
planned meetings dashed), filters (entity, kind, status, date range) and each event's card with
its sources and locators.

The page needs nothing from the network: its script and style (html_page.js, html_page.css,
shipped beside this module and hand-written: the drawing is a few hundred lines, where a charting
library would weigh more than the page's own code and data for the shipped knowledge base) are
inlined, and its Content-Security-Policy allows only those two, by hash, so that the browser
refuses any request at all. The records travel as one JSON data block that the script reads with
JSON.parse and shows with textContent: store text never becomes markup or code.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import re
from importlib import resources
from typing import Any

from ...queries import Labels
from ...render import safe_text
from .base import Json, Selection, distinct_names, exporter
from .precision import span_kind

_WEB_URL = re.compile(r"https?://[^\s<>\"'`]+")


@functools.cache
def _asset(name: str) -> str:
    return resources.files(__package__).joinpath(name).read_text(encoding="utf-8")


def _csp_hash(text: str) -> str:
    return (
        "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode() + "'"
    )


def page_data(selection: Selection) -> Json:
    """The records the page shows, as compact lists (the corpus's 7,535 events are a few MB).

    Shape: {"title", "stamp", "events": [[id, title, kind, status, edtf, label, earliest,
    latest, span, flags, participants [[entity index, part, as]], organizations [index],
    place index or -1, citations [[source index, locator]], summary, phrase]], "entities":
    [[id, label, kind]], "sources": [[id, outlet, title, published label, url or ""]]}.
    `span` is day, days (an exact run of days), month, season, year or window; `flags` 1
    approximate, 2 uncertain; an unknown earliest or latest day is "" (an open end).
    """
    kb = selection.kb
    labels = Labels(kb)
    text = functools.cache(lambda value: safe_text(value) if value else "")
    entity_index: dict[str, int] = {}
    entity_ids: list[str] = []

    def entity(ref: str) -> int:
        found = entity_index.get(ref)
        if found is None:
            found = entity_index[ref] = len(entity_ids)
            entity_ids.append(ref)
        return found

    source_index: dict[str, int] = {}
    source_ids: list[str] = []

    def source(ref: str) -> int:
        found = source_index.get(ref)
        if found is None:
            found = source_index[ref] = len(source_ids)
            source_ids.append(ref)
        return found

    events = []
    for event in selection.each(selection.events, "writing events"):
        date_dict = event.get("date") or {}
        edtf = str(date_dict.get("edtf") or "")
        flags = (1 if ("~" in edtf or "%" in edtf) else 0) | (
            2 if "?" in edtf or "%" in edtf else 0
        )
        place = event.get("place")
        events.append([
            event["id"], text(event.get("title")), text(event.get("kind")),
            text(event.get("status")), edtf, labels.date(date_dict)[0],
            str(date_dict.get("earliest") or ""), str(date_dict.get("latest") or ""),
            span_kind(edtf), flags,
            [[entity(p["entity"]), text(p.get("part")), text(p.get("as"))]
             for p in event.get("participants") or ()],
            [entity(o) for o in event.get("organizations") or ()],
            entity(place) if place else -1,
            [[source(c["source"]), text(c.get("locator"))] for c in event.get("sources") or ()],
            text(event.get("summary")), text(date_dict.get("phrase")),
        ])  # fmt: skip
    records = [kb.data.find("entities", ref) or {"id": ref, "name": ref, "kind": "?"}
               for ref in entity_ids]  # fmt: skip
    names = distinct_names(records)
    entities = [[r["id"], text(names[r["id"]]), text(r.get("kind") or "?")] for r in records]
    sources = []
    for ref in source_ids:
        found = kb.data.find("sources", ref)
        if found is None:
            sources.append([ref, ref, "", "", ""])
            continue
        url = str(found.get("url") or "")
        published = found.get("published")
        day = labels.date({"edtf": published})[0] if published else ""
        if day and found.get("kind") == "own-record":  # the analyst's own knowledge
            day = f"entered on {day}"
        sources.append([ref, text(found.get("outlet")), text(found.get("title")), day,
                        url if _WEB_URL.fullmatch(url) else ""])  # fmt: skip
    return {"title": text(selection.title), "stamp": selection.stamp, "events": events,
            "entities": entities, "sources": sources}  # fmt: skip


def _script_data(value: Any) -> str:
    """JSON that cannot end its <script> element or open a comment: <, > and & as escapes."""
    import orjson

    try:
        raw = orjson.dumps(value).decode("utf-8")
    except orjson.JSONEncodeError:  # a lone surrogate: the standard library escapes it
        import json

        raw = json.dumps(value)
    return raw.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


@exporter("html", "one self-contained web page (no network): timeline with fuzzy dates as "
          "spans, partner network, filters, event cards with sources")  # fmt: skip
def export_html(selection: Selection) -> bytes:
    import html

    script, style = _asset("html_page.js"), _asset("html_page.css")
    policy = (f"default-src 'none'; script-src {_csp_hash(script)}; style-src {_csp_hash(style)}; "
              "img-src data:; base-uri 'none'; form-action 'none'")  # fmt: skip
    title = html.escape(safe_text(selection.title))
    page = (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{policy}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'<meta name="generator" content="partnerkb">\n<title>{title}</title>\n'
        f"<style>{style}</style>\n</head>\n<body>\n"
        f'<script type="application/json" id="partnerkb-data">{_script_data(page_data(selection))}'
        "</script>\n"
        "<noscript><p>This page draws its timeline and network with JavaScript; the records are "
        "in the data block of its source.</p></noscript>\n"
        f"<script>{script}</script>\n</body>\n</html>\n"
    )
    return page.encode("utf-8")
