"""Data floor: a plain Python process that loads a store with orjson and runs one filter on it.

What partnerkb cannot go below for a question about a whole store: read the file, parse it, loop
over the records once, print the result as JSON. No framework, no display fields, no ranking, the
garbage collector left as Python sets it.

    python bench/floor_data.py STORE search WORD          substring of any text field, first 50
    python bench/floor_data.py STORE timeline SINCE UNTIL [N]  events whose span overlaps, date
                                                           order (the first N)
    python bench/floor_data.py STORE show ID               the record with this id
    python bench/floor_data.py STORE add-meeting DAY A B S one meeting added (a loop for a
                                                           duplicate), the store rewritten
    python bench/floor_data.py --no-gc STORE ...           the same, garbage collector off
"""

import sys

import orjson

TABLES = ("entities", "events", "sources", "partnerships")


def texts(record):
    for value in record.values():
        if isinstance(value, str):
            yield value
        elif isinstance(value, list):
            for item in value:
                if isinstance(item, str):
                    yield item


def load(path):
    with open(path, "rb") as handle:
        content = handle.read()
    try:
        return orjson.loads(content)
    except orjson.JSONDecodeError as exc:
        if "memory" not in str(exc):
            raise
    # orjson reserves 12 bytes of working memory per byte of input at once: the 2.4 GB store of
    # a million events would need 29 GB. Only then, parse it in batches of records as partnerkb
    # does (with the garbage collector left on, as in any plain process).
    from partnerkb.store import _loads_in_pieces

    return _loads_in_pieces(content)


def add_meeting(path, data, day, first, second, source):
    """One meeting added, after a loop over the events for one on the same day with the same
    two participants; the whole store written again (temporary file, fsync, rename)."""
    import os

    duplicates = [
        event["id"]
        for event in data["events"].values()
        if (event["date"]["earliest"] or "") <= day <= (event["date"]["latest"] or "9999")
        and {first, second} <= {p["entity"] for p in event["participants"]}
    ]
    doc = str(max((int(k) for k in data["events"]), default=0) + 1)
    event_id = f"{day}-floor-meeting-{doc}"
    data["events"][doc] = {
        "id": event_id,
        "kind": "meeting",
        "title": f"{first} meets {second}",
        "date": {"edtf": day, "earliest": day, "latest": day},
        "participants": [{"entity": first, "part": "host"}, {"entity": second, "part": "guest"}],
        "status": "happened",
        "sources": [{"source": source}],
    }
    temp = f"{path}.floor.tmp"
    with open(temp, "wb") as handle:
        handle.write(orjson.dumps(data, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS))
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temp, path)
    return {"id": event_id, "duplicates": duplicates}


def main(path, operation, *args):
    data = load(path)
    if operation == "search":
        word = args[0].lower()
        found = [
            record
            for table in TABLES
            for record in data[table].values()
            if any(word in text.lower() for text in texts(record))
        ]
        result = found[:50]
    elif operation == "timeline":
        since, until, *limit = args
        result = []
        for event in data["events"].values():
            earliest, latest = event["date"]["earliest"], event["date"]["latest"]
            if latest is not None and latest < since:
                continue
            if earliest is not None and earliest > until:
                continue
            result.append(event)
        result.sort(key=lambda e: (e["date"]["earliest"] or e["date"]["latest"], e["id"]))
        if limit:
            result = result[: int(limit[0])]
    elif operation == "show":
        result = [r for table in TABLES for r in data[table].values() if r["id"] == args[0]]
    elif operation == "add-meeting":
        result = add_meeting(path, data, *args)
    else:
        raise SystemExit(f"unknown operation {operation!r}")
    sys.stdout.buffer.write(orjson.dumps(result, option=orjson.OPT_INDENT_2) + b"\n")


if __name__ == "__main__":
    arguments = sys.argv[1:]
    if arguments[:1] == ["--no-gc"]:  # what the floor would be with the collector off, as a check
        import gc

        gc.disable()
        arguments = arguments[1:]
    main(*arguments)
