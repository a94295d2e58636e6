"""Validation of records: every malformed field is refused with a message naming it, never a
crash, whatever path the record comes by (import, add, edit)."""

from __future__ import annotations

import json

import pytest

from partnerkb.errors import InvalidInput
from partnerkb.model import validate_entity, validate_event, validate_source

CITE = [{"source": "newsaz-2024-01-31-samadov-almalik", "locator": "para. 1"}]
DAY = {"edtf": "2024-01-30", "earliest": "2024-01-30", "latest": "2024-01-30"}


def entity(**fields):
    return {"id": "zz", "kind": "person", "name": "Z", "sources": CITE, **fields}


def event(**fields):
    return {"id": "ee", "kind": "meeting", "title": "T", "date": DAY, "status": "happened",
            "sources": CITE, **fields}  # fmt: skip


@pytest.mark.parametrize(
    "record",
    [
        entity(related=[{"x": 1}]),
        entity(related="abc"),
        entity(located_in=["a"]),
        entity(kind="organization", roles=[{"title": "Head", "sources": CITE}]),
        entity(
            roles=[
                {
                    "title": "Head",
                    "sources": CITE,
                    "from": {"edtf": "2025", "earliest": "2025-01-01", "latest": "2025-12-31"},
                    "until": {"edtf": "2024", "earliest": "2024-01-01", "latest": "2024-12-31"},
                }
            ]
        ),
        entity(
            roles=[
                {
                    "title": "Head",
                    "sources": CITE,
                    "last_cited": "2024-01-30",
                    "until": {"edtf": "2000", "earliest": "2000-01-01", "latest": "2000-12-31"},
                }
            ]
        ),
        entity(name="Bidi \u202etxet"),
        entity(name="esc \x1b[31m"),
    ],
)
def test_malformed_entities_are_refused(record):
    with pytest.raises(InvalidInput):
        validate_entity(record)


@pytest.mark.parametrize(
    "record",
    [
        event(participants=[{"entity": "icesco", "part": 5}]),
        event(organizations="icesco"),
        event(place=["rabat"]),
        event(related_events=[1]),
        event(status="maybe"),
    ],
)
def test_malformed_events_are_refused(record):
    with pytest.raises(InvalidInput):
        validate_event(record)


@pytest.mark.parametrize("url", ["javascript:alert(1)", "data:text/html,x", "file:///etc/passwd"])
def test_a_source_url_must_be_a_web_address(url):
    with pytest.raises(InvalidInput, match="url"):
        validate_source({"id": "s", "outlet": "O", "title": "T", "url": url})


@pytest.mark.parametrize(
    "line",
    [
        {
            "type": "entity",
            "id": "zz",
            "kind": "person",
            "name": "Z",
            "sources": CITE,
            "related": [{"x": 1}],
        },
        {
            "type": "entity",
            "id": "zz",
            "kind": "person",
            "name": "Z",
            "sources": CITE,
            "located_in": ["a"],
        },
        {"type": "event", **event(organizations="icesco")},
        {"type": "event", **event(participants=[{"entity": "icesco", "part": 5}])},
    ],
)
def test_importing_a_malformed_record_is_one_line_and_exit_2(cli, shipped_copy, line):
    before = shipped_copy.read_bytes()
    result = cli(
        "import", "-", "--format", "jsonl", "--db", str(shipped_copy), input=json.dumps(line) + "\n"
    )
    assert result.exit_code == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("error: ")
    assert shipped_copy.read_bytes() == before
