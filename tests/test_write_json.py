"""add-meeting --from-json: one object, an array or JSON Lines, from a file or stdin; all checked
before anything is written, in one transaction; errors name the line and the field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from partnerkb.errors import InvalidInput
from partnerkb.jsonbatch import read_json_items
from partnerkb.store import read_store
from partnerkb.writes import parse_participant

NEWSAZ = "newsaz-2024-01-31-samadov-almalik"


def meeting(day: str, **extra) -> dict:
    return {"date": day, "participants": ["icesco", "morocco:host"], "source": NEWSAZ, **extra}


def from_json(cli, path: Path, text: str | bytes, *args: str):
    return cli("add-meeting", "--db", str(path), "--from-json", "-", *args, input=text)


def test_json_lines_on_stdin_add_every_meeting_in_one_history_entry(cli, shipped_copy):
    lines = "\n".join(json.dumps(meeting(f"2020-0{m}-01")) for m in range(1, 6)) + "\n"
    result = from_json(cli, shipped_copy, lines)
    assert result.exit_code == 0, result.stderr
    ids = result.stdout.split()
    assert ids == [f"2020-0{m}-01-icesco-morocco" for m in range(1, 6)]
    assert "added 5 meetings" in result.stderr
    data = read_store(shipped_copy)
    assert all(data.find("events", i) for i in ids)
    [entry] = data.records("history")
    assert len(entry["changes"]) == 5


def test_one_pretty_printed_object_and_an_array_are_accepted(cli, shipped_copy, tmp_path):
    single = tmp_path / "one.json"
    single.write_text(json.dumps(meeting("2020-01-01"), indent=2))
    result = cli("add-meeting", "--db", str(shipped_copy), "--from-json", str(single))
    assert result.exit_code == 0, result.stderr
    array = json.dumps([meeting("2020-02-01"), meeting("2020-03-01")], indent=1)
    result = from_json(cli, shipped_copy, array)
    assert result.stdout.split() == ["2020-02-01-icesco-morocco", "2020-03-01-icesco-morocco"]


def test_the_full_json_shape_with_a_new_source_and_participant_objects(cli, shipped_copy):
    item = {
        "date": "2024-01-30",
        "place": "Rabat",
        "participants": [
            {"name": "Nazim Samadov", "part": "guest", "as": "Ambassador"},
            {"entity": "salim-almalik", "part": "host"},
        ],
        "organizations": ["ICESCO"],
        "topics": ["COP29"],
        "tags": ["Climate"],
        "title": "Envoy and Director-General talk climate",
        "summary": "Our words.",
        "sources": [
            {
                "outlet": "Azertac",
                "title": "Envoy meets DG",
                "published": "2024-01-31",
                "locator": "para. 1",
            }
        ],
    }
    result = from_json(cli, shipped_copy, json.dumps(item), "--allow-duplicate")
    assert result.exit_code == 0, result.stderr
    event = read_store(shipped_copy).find("events", result.stdout.strip())
    assert event["participants"][0] == {
        "entity": "nazim-samadov",
        "part": "guest",
        "as": "Ambassador",
    }
    assert event["tags"] == ["climate"]
    assert event["sources"] == [
        {"source": "azertac-2024-01-31-envoy-meets-dg", "locator": "para. 1"}
    ]


def test_a_bad_line_names_its_line_and_field_and_nothing_is_written(cli, shipped_copy):
    before = shipped_copy.read_bytes()
    lines = [
        json.dumps(meeting("2020-01-01")),
        json.dumps(meeting("2020-02-01")),
        json.dumps(meeting("not a date at all")),
    ]
    result = from_json(cli, shipped_copy, "\n".join(lines))
    assert result.exit_code == 2
    assert result.stderr.startswith("error: line 3: date: cannot read the date")
    assert result.stdout == ""
    assert shipped_copy.read_bytes() == before


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"date": "2020"}\n{"date": ', "line 2: malformed JSON"),
        ('[{"date": "2020"},\n {"date": "2021"}\n {"date": "2022"}]', "line 3: malformed JSON"),
        ("[1, 2", "malformed JSON"),
        ("", "no JSON input"),
        ("   \n  ", "no JSON input"),
        ("[]", "holds no event"),
        ('"a string"', "line 1: expected a JSON object"),
        ('{"date": "2020", "colour": "red"}', "line 1: unknown field 'colour'"),
        ('{"date": 2020, "participants": ["icesco"]}', "line 1: date must be text"),
        ('{"date": "2020", "participants": [3]}', "line 1: participants: each participant"),
        ('{"date": "2020", "participants": ["icesco"]}', "line 1: source is required"),
        (
            '{"date": "2020", "participants": ["icesco"], "source": "x", "kind": "visit"}',
            "line 1: kind: add-meeting records meetings",
        ),
        (
            '{"date": "2020", "participants": ["Nobody Atall"], "source": "' + NEWSAZ + '"}',
            "line 1: participants: no entity 'Nobody Atall'",
        ),
        (
            '\n\n{"date": "2020", "participants": ["icesco"], "source": "' + NEWSAZ + '",'
            ' "title": "' + "x" * 400 + '"}',
            "line 3: title is too long",
        ),
    ],
)
def test_malformed_or_invalid_json_is_exit_2_naming_the_line(cli, shipped_copy, text, message):
    before = shipped_copy.read_bytes()
    result = from_json(cli, shipped_copy, text)
    assert result.exit_code == 2, result.stderr
    assert message in result.stderr.splitlines()[0]
    assert shipped_copy.read_bytes() == before


def test_non_utf8_input_is_refused_with_its_line(cli, shipped_copy):
    before = shipped_copy.read_bytes()
    result = from_json(cli, shipped_copy, b'{"date": "2020"}\n{"title": "caf\xe9"}\n')
    assert result.exit_code == 2
    assert result.stderr.startswith("error: line 2: the input is not UTF-8")
    assert shipped_copy.read_bytes() == before


def test_a_missing_file_is_a_usage_error(cli, shipped_copy, tmp_path):
    result = cli("add-meeting", "--db", str(shipped_copy), "--from-json", str(tmp_path / "no"))
    assert result.exit_code == 2
    assert "--from-json: cannot read" in result.stderr


def test_flags_that_belong_in_the_json_are_refused_with_from_json(cli, shipped_copy):
    result = from_json(cli, shipped_copy, json.dumps(meeting("2020")), "--date", "2020")
    assert result.exit_code == 2
    assert "--date cannot be combined with --from-json" in result.stderr


def test_two_items_of_one_batch_that_describe_the_same_meeting_are_caught(cli, shipped_copy):
    lines = json.dumps(meeting("2020-01-01")) + "\n" + json.dumps(meeting("2020-01"))
    result = from_json(cli, shipped_copy, lines)
    assert result.exit_code == 2
    assert "line 2:" in result.stderr
    assert "2020-01-01-icesco-morocco" in result.stderr


def test_a_batch_item_may_attach_to_a_stored_event(cli, shipped_copy):
    item = {
        "attach_to": "2024-01-30-samadov-almalik-rabat",
        "topics": ["Culture"],
        "source": {"outlet": "Azertac", "title": "Report"},
    }
    result = from_json(cli, shipped_copy, json.dumps(item))
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "2024-01-30-samadov-almalik-rabat\n"


def test_add_event_from_json_takes_the_kind_of_each_item(cli, shipped_copy):
    items = [meeting("2020-01-01", kind="visit"), meeting("2020-01-01", kind="award")]
    result = cli(
        "add-event", "--db", str(shipped_copy), "--from-json", "-", input=json.dumps(items)
    )
    assert result.exit_code == 0, result.stderr
    data = read_store(shipped_copy)
    assert [data.find("events", i)["kind"] for i in result.stdout.split()] == ["visit", "award"]


# -- properties -------------------------------------------------------------------------------

json_objects = st.dictionaries(
    st.text(min_size=1, max_size=8),
    st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=20)),
    max_size=4,
)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(json_objects, min_size=1, max_size=6), st.sampled_from(["jsonl", "array", "pretty"])
)
def test_every_json_layout_yields_the_objects_in_order_with_their_lines(objects, layout):
    if layout == "jsonl":
        text = "\n".join(json.dumps(o) for o in objects)
        lines = list(range(1, len(objects) + 1))
    elif layout == "array":
        text = "[\n" + ",\n".join(json.dumps(o) for o in objects) + "\n]"
        lines = list(range(2, len(objects) + 2))
    else:
        chunks = [json.dumps(o, indent=2) for o in objects]
        text = "\n".join(chunks)
        lines, line = [], 1
        for chunk in chunks:
            lines.append(line)
            line += chunk.count("\n") + 1
    items = read_json_items(text.encode())
    assert [value for _, value in items] == objects
    assert [line for line, _ in items] == lines


@settings(max_examples=80, deadline=None)
@given(st.binary(max_size=60))
def test_any_bytes_either_parse_or_raise_invalid_input(content):
    try:
        read_json_items(content)
    except InvalidInput as exc:
        assert exc.message
        assert "\n" not in exc.message or exc.message.startswith("line")


names = st.text(
    alphabet=st.characters(blacklist_characters=":", blacklist_categories=("Cc", "Cs")),
    min_size=1,
    max_size=30,
).filter(lambda s: s.strip())


@settings(max_examples=80, deadline=None)
@given(names, st.sampled_from(["", "host", "Guest"]))
def test_participant_syntax_splits_name_and_part(name, part):
    parsed = parse_participant(f"{name}:{part}" if part else name)
    assert parsed.name == name.strip()
    assert parsed.part == (part.lower() or None)
