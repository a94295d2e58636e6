"""Exporters: a registry of named formats, each turning a selection of the store into bytes.

`select(kb, spec)` picks the events a timeline filter keeps (all of them without a filter) and the
records a whole-record export must carry with them; `export(selection, name)` runs one exporter.
Each format is one module of this package, registered with `@exporter(name, description)` from
`base`; a new format is one new module, imported below.

- json / jsonl: the records exactly as stored, each with a `type` naming its table (what `import`
  reads back). Unfiltered: the whole store. Filtered: the events kept and every record they refer
  to, transitively, so that the file imports into an empty store.
- csv: one row per event, spreadsheet-safe (render.write_delimited), reimportable.
- md: a dossier for a briefing note, sources as footnotes.
- ics: an RFC 5545 calendar; a fuzzy date is an all-day event over its whole span.
- timelinejs: the JSON TimelineJS reads, dates at their precision.
- ftm: FollowTheMoney entities as JSON Lines (Person, Organization, Event, Position, Occupancy).
- dot / mermaid: who met whom and which organizations partner.
- gexf / graphml: the network for Gephi, Cytoscape and graph libraries (networkx writes them).
- xlsx: a workbook, sheets events, entities and sources; date cells only for days.
- html: one self-contained page (timeline, network, filters, cards), no network request.
- sqlite: a database (entities, roles, events, participants, sources, citations...) for SQL,
  with full-text indexes.

Store text never becomes markup: Markdown, HTML, DOT and Mermaid labels are escaped, spreadsheet
cells are defused, control characters shown as escapes.
"""

from __future__ import annotations

# each module registers its formats when imported; the order is the order of --help
from . import csv, dot, ftm, gexf, graphml, html, ics, json, md, mermaid, sqlite, timelinejs, xlsx  # noqa: F401, I001
from .base import EXPORTERS, Exporter, Selection, export, exporter, select, typed_records

__all__ = ["EXPORTERS", "Exporter", "Selection", "export", "exporter", "select", "typed_records"]
