"""sqlite: a database (entities, roles, events, participants, sources, citations...) for SQL."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from ...model import typology
from ...queries import (
    TYPE_OF_TABLE,
)
from .base import (
    Selection,
    exporter,
    label_of,
)

SQLITE_SCHEMA = """
CREATE TABLE sources (id TEXT PRIMARY KEY, outlet TEXT NOT NULL, title TEXT,
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
# built once the rows are in: one sort per index instead of a B-tree update per row; the
# full-text indexes are external-content FTS5 tables (content="table", as sqlite-utils makes
# them), which Datasette finds and offers a search box for; diacritics folded (Şuşa, Susa)
SQLITE_INDEXES = """
CREATE INDEX participants_entity ON participants(entity);
CREATE INDEX participants_event ON participants(event);
CREATE INDEX events_date ON events(date_earliest, date_latest);
CREATE INDEX citations_record ON citations(record);
CREATE INDEX citations_source ON citations(source);
CREATE VIRTUAL TABLE events_fts USING fts5(title, summary, content="events",
    tokenize="unicode61 remove_diacritics 2");
INSERT INTO events_fts(events_fts) VALUES ('rebuild');
CREATE VIRTUAL TABLE entities_fts USING fts5(name, aliases, description, content="entities",
    tokenize="unicode61 remove_diacritics 2");
INSERT INTO entities_fts(entities_fts) VALUES ('rebuild');
CREATE VIRTUAL TABLE sources_fts USING fts5(outlet, title, content="sources",
    tokenize="unicode61 remove_diacritics 2");
INSERT INTO sources_fts(sources_fts) VALUES ('rebuild');
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
                (s["id"], s["outlet"], s.get("title"), s.get("published"), s.get("url"),
                 s.get("language"), s.get("note"))
                for s in whole["sources"]
            ])  # fmt: skip
            conn.executemany("INSERT INTO entities VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", [
                (e["id"], e["kind"], e["name"], _j(e.get("aliases") or []), e.get("description"),
                 _j(e.get("tags") or []), e.get("located_in"), _j(e.get("external_ids") or {}),
                 _j(e))
                for e in selection.each(whole["entities"], "writing entities")
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
                    for e in selection.each(whole["events"], "writing events")
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
            selection.stage("building the indexes")
            for statement in SQLITE_INDEXES.split(";"):
                if statement.strip():
                    conn.execute(statement)
            conn.execute("COMMIT")
        finally:
            conn.close()
        return path.read_bytes()
