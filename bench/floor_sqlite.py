"""SQLite floor: a plain Python process with the standard `sqlite3` module answering the same
question as partnerkb on the same SQLite store, through the same indexes.

What partnerkb cannot go below on a SQLite store: start Python, open the file, run one query
(or a few), parse the records it returns with orjson and print them as JSON. No framework, no
display fields, no ranking, no checks of the store.

    python bench/floor_sqlite.py STORE search WORD            the first 50 events naming WORD
    python bench/floor_sqlite.py STORE timeline SINCE UNTIL N  the first N events overlapping
                                                               [SINCE, UNTIL] (ISO days) in
                                                               date order
    python bench/floor_sqlite.py STORE show ID [N]             the entity, its latest N events
                                                               (default 20) and how many it
                                                               has, the N entities it met
                                                               most and the N sources cited
                                                               most (counted), with records
    python bench/floor_sqlite.py STORE add-meeting DAY A B S   one meeting of A and B on DAY
                                                               citing source S, after a
                                                               duplicate check through the
                                                               participants index

`search` scans the events for the word and stops at its first 50 hits (the first-50 search of
issue 10's measurement): it ranks nothing and counts nothing.
"""

import sqlite3
import sys

import orjson

DATE_ORDER = (
    "ORDER BY coalesce(earliest, latest, '9999-99-99'),"
    " CASE WHEN earliest IS NULL THEN '' ELSE coalesce(latest, '9999-99-99') END, id"
)
LATEST_FIRST = (
    "ORDER BY coalesce(earliest, latest, '9999-99-99') DESC,"
    " CASE WHEN earliest IS NULL THEN '' ELSE coalesce(latest, '9999-99-99') END DESC, id DESC"
)


def records(rows):
    return [orjson.loads(text) for (text,) in rows]


def search(conn, word):
    return records(
        conn.execute(
            "SELECT record FROM events WHERE instr(lower(record), lower(?)) > 0 LIMIT 50", [word]
        )
    )


def timeline(conn, since, until, limit):
    # the order from the typed columns alone, then the records of the first `limit`
    docs = [
        doc
        for (doc,) in conn.execute(
            "SELECT doc FROM events WHERE (latest >= ? OR latest IS NULL)"
            f" AND (earliest <= ? OR earliest IS NULL) {DATE_ORDER} LIMIT ?",
            [since, until, int(limit)],
        )
    ]
    marks = ", ".join("?" * len(docs))
    found = dict(conn.execute(f"SELECT doc, record FROM events WHERE doc IN ({marks})", docs))
    return [orjson.loads(found[doc]) for doc in docs]


ABSENT = ("organizer", "exhibitor", "partner", "subject", "namesake", "designator", "designee",
          "honoree", "patron", "requester", "award", "title")  # partnerkb.model.ABSENT_PARTS


def show(conn, entity_id, limit="20"):
    """What a bounded profile asks (partnerkb's `show`): the same three counts and cuts, by
    the same indexes (the covering ones named where the store has them, as partnerkb does:
    SQLite's planner would take the unique id index and read the rows carrying the records),
    and the records shown; no display fields, no namesakes, no places within the entity."""
    limit = int(limit)
    indexes = {name for (name,) in conn.execute("SELECT name FROM sqlite_master")}

    def through(index):
        return f" INDEXED BY {index}" if index in indexes else ""

    (entity,) = conn.execute("SELECT record FROM entities WHERE id = ?", [entity_id]).fetchone()
    mine = "SELECT event_id FROM event_entities WHERE entity_id = ?"
    # the order from the typed columns alone, then the records of the first `limit`
    latest = conn.execute(
        f"SELECT doc, COUNT(*) OVER () FROM events{through('events_id_dates')}"
        f" WHERE id IN ({mine}) {LATEST_FIRST} LIMIT ?", [entity_id, limit],
    ).fetchall()
    marks = ", ".join("?" * len(latest))
    records = dict(conn.execute(f"SELECT doc, record FROM events WHERE doc IN ({marks})",
                                [doc for doc, _ in latest]))
    absent = ", ".join("?" * len(ABSENT))
    met = conn.execute(
        "SELECT o.entity_id, COUNT(DISTINCT o.event_id) AS n, COUNT(*) OVER ()"
        f" FROM participants me JOIN events ev{through('events_id_dates')}"
        " ON ev.id = me.event_id JOIN participants o ON o.event_id = me.event_id"
        f" LEFT JOIN entities x{through('entities_id_kind_name')} ON x.id = o.entity_id"
        f" WHERE me.entity_id = ? AND coalesce(me.part, '') NOT IN ({absent})"
        f" AND ev.status = 'happened' AND o.entity_id <> ? AND coalesce(o.part, '') NOT IN"
        f" ({absent}) AND coalesce(x.kind, '') <> 'place' GROUP BY o.entity_id, x.name"
        " ORDER BY n DESC, x.name, o.entity_id LIMIT ?",
        [entity_id, *ABSENT, entity_id, *ABSENT, limit],
    ).fetchall()
    named = [who for who, _, _ in met]
    names = dict(conn.execute(
        f"SELECT id, record FROM entities WHERE id IN ({', '.join('?' * len(named))})", named
    ))
    cited = conn.execute(
        "SELECT c.source_id, COUNT(*) AS n, COUNT(*) OVER () FROM citations c"
        f" JOIN sources s{through('sources_id_published')} ON s.id = c.source_id"
        f" WHERE c.record_id IN ({mine})"
        " GROUP BY c.source_id, s.published"
        " ORDER BY n DESC, s.published IS NULL, s.published DESC, c.source_id LIMIT ?",
        [entity_id, limit],
    ).fetchall()
    shown = [source for source, _, _ in cited]
    sources = dict(conn.execute(
        f"SELECT id, record FROM sources WHERE id IN ({', '.join('?' * len(shown))})", shown
    ))
    return {
        "entity": orjson.loads(entity),
        "events": [orjson.loads(records[doc]) for doc, _ in reversed(latest)],
        "met": [{"entity": orjson.loads(names[who]), "events": n} for who, n, _ in met],
        "sources": [{**orjson.loads(sources[s]), "citations": n} for s, n, _ in cited],
        "totals": [latest[0][1] if latest else 0, met[0][2] if met else 0,
                   cited[0][2] if cited else 0],
    }


def add_meeting(conn, day, first, second, source):
    conn.isolation_level = None
    conn.execute("BEGIN IMMEDIATE")
    duplicates = conn.execute(
        "SELECT id FROM events WHERE earliest <= ? AND latest >= ? AND id IN"
        " (SELECT event_id FROM participants WHERE entity_id = ?) AND id IN"
        " (SELECT event_id FROM participants WHERE entity_id = ?)",
        [day, day, first, second],
    ).fetchall()
    (doc,) = conn.execute("SELECT coalesce(max(doc), 0) + 1 FROM events").fetchone()
    event_id = f"{day}-floor-meeting-{doc}"
    record = {
        "id": event_id,
        "kind": "meeting",
        "title": f"{first} meets {second}",
        "date": {"edtf": day, "earliest": day, "latest": day},
        "participants": [{"entity": first, "part": "host"}, {"entity": second, "part": "guest"}],
        "status": "happened",
        "sources": [{"source": source}],
    }
    conn.execute(
        "INSERT INTO events (doc, id, kind, title, status, date, earliest, latest, record)"
        " VALUES (?, ?, 'meeting', ?, 'happened', ?, ?, ?, ?)",
        [doc, event_id, record["title"], day, day, day, orjson.dumps(record).decode()],
    )
    for position, who in enumerate((first, second), 1):
        conn.execute(
            "INSERT INTO participants (event_id, entity_id, part, title, position)"
            " VALUES (?, ?, ?, NULL, ?)",
            [event_id, who, "host" if position == 1 else "guest", position],
        )
        conn.execute(
            "INSERT INTO event_entities (event_id, entity_id) VALUES (?, ?)", [event_id, who]
        )
    conn.execute("COMMIT")
    return {"id": event_id, "duplicates": [d for (d,) in duplicates]}


def main(path, operation, *args):
    mode = "rw" if operation == "add-meeting" else "ro"
    conn = sqlite3.connect(f"file:{path}?mode={mode}", uri=True)
    if operation == "search":
        result = search(conn, args[0])
    elif operation == "timeline":
        result = timeline(conn, *args)
    elif operation == "show":
        result = show(conn, *args)
    elif operation == "add-meeting":
        result = add_meeting(conn, *args)
    else:
        raise SystemExit(f"unknown operation {operation!r}")
    sys.stdout.buffer.write(orjson.dumps(result, option=orjson.OPT_INDENT_2) + b"\n")


if __name__ == "__main__":
    main(*sys.argv[1:])
