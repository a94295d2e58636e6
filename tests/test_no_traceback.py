"""The cases that once ended in a traceback end with a documented exit code and one line naming
the problem: input beyond what a record can hold is exit 2, a record damaged by hand is exit 3
naming it, and a date the calendar can hold exports to every format."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import orjson
import pytest

from partnerkb.store import read_store
from store_files import save_tables

NEWSAZ = "newsaz-2024-01-31-samadov-almalik"
MEETING = {"date": "2024-01-30", "participants": ["icesco", "morocco"], "source": NEWSAZ}


def from_json(cli, db, tmp_path, content: bytes):
    path = tmp_path / "in.jsonl"
    path.write_bytes(content)
    return cli("add-meeting", "--db", str(db), "--from-json", str(path))


BEYOND = {
    "nested 10,000 deep": b"[" * 10_000 + b"]" * 10_000,
    "an object nested 10,000 deep": b'{"title": ' + b"[" * 10_000 + b"]" * 10_000 + b"}\n",
    "a 5,001-digit number": orjson.dumps(MEETING)[:-1] + b', "title": ' + b"9" * 5001 + b"}\n",
    "a lone surrogate in a title": orjson.dumps({**MEETING, "title": "x"}).replace(
        b'"x"', b'"\\ud800"'
    ),
}


@pytest.mark.parametrize("content", BEYOND.values(), ids=BEYOND.keys())
@pytest.mark.parametrize("command", ["add-meeting", "import"])
def test_json_beyond_what_a_record_holds_is_exit_2_naming_the_line(
    cli, shipped_copy, tmp_path, content, command
):
    before = shipped_copy.read_bytes()
    path = tmp_path / "in.jsonl"
    path.write_bytes(content)
    if command == "add-meeting":
        result = cli("add-meeting", "--db", str(shipped_copy), "--from-json", str(path))
    else:
        result = cli("import", "--db", str(shipped_copy), str(path))
    assert result.exit_code == 2, result.stderr
    assert "line 1" in result.stderr
    assert shipped_copy.read_bytes() == before


def test_an_argument_that_is_not_utf8_is_exit_2_shown_as_its_bytes(shipped_copy):
    result = subprocess.run(
        [sys.executable, "-c", "from partnerkb.cli.app import main; main()", "add-meeting",
         "--db", str(shipped_copy), "--date", "2024", "--participant", "icesco",
         "--participant", "morocco", "--source", NEWSAZ, "--title", b"ab\xffc"],
        capture_output=True, timeout=60, env={**os.environ},
    )  # fmt: skip
    assert result.returncode == 2
    assert b"argument 'ab\\\\xffc' is not valid UTF-8" in result.stderr
    assert b"Traceback" not in result.stderr


def test_a_lone_surrogate_in_any_stored_text_is_refused(cli, shipped_copy):
    result = cli("add-meeting", "--db", str(shipped_copy), "--date", "2024", "--participant",
                 "icesco", "--participant", "morocco", "--source", NEWSAZ, "--title", "a\ud800")
    assert result.exit_code == 2
    assert "not valid UTF-8" in result.stderr or "lone surrogate" in result.stderr


def damage(path, table: str, field: str, value) -> str:
    tables = read_store(path).to_json()
    doc = sorted(tables[table], key=int)[0]
    tables[table][doc][field] = value
    save_tables(path, tables)
    return f"{table} record #{doc} ({tables[table][doc]['id']!r}) is damaged"


DAMAGE = [("events", "date", "soon"), ("events", "participants", 5),
          ("entities", "name", ["not", "text"]), ("sources", "published", 20240101)]  # fmt: skip


@pytest.mark.parametrize("table, field, value", DAMAGE)
@pytest.mark.parametrize(
    "command",
    [["timeline"], ["search", "Shusha"], ["list", "events"], ["show", "icesco"],
     ["export", "--format", "ics"], ["add-meeting", "--date", "2020", "--participant", "icesco",
                                     "--participant", "morocco", "--source", NEWSAZ]],
)  # fmt: skip
def test_a_record_damaged_by_hand_is_exit_3_naming_it_and_the_store_is_left_alone(
    cli, shipped_copy, table, field, value, command
):
    named = damage(shipped_copy, table, field, value)
    before = shipped_copy.read_bytes()
    result = cli(*command, "--db", str(shipped_copy))
    assert "Traceback" not in result.stderr
    assert result.exit_code in (0, 1, 3), result.stderr
    if result.exit_code == 3:
        assert named in result.stderr
    assert shipped_copy.read_bytes() == before or result.exit_code == 0


def test_year_9999_is_stored_and_exports_to_every_format(cli, shipped_copy, tmp_path):
    added = cli("add-meeting", "--db", str(shipped_copy), "--date", "9999-12-31", "--participant",
                "icesco", "--participant", "morocco", "--source", NEWSAZ)  # fmt: skip
    assert added.exit_code == 0, added.stderr
    from partnerkb.cli.interchange import EXPORT_FORMATS

    for fmt in EXPORT_FORMATS:
        out = tmp_path / f"out.{fmt}"
        result = cli("export", "--db", str(shipped_copy), "--format", fmt, "--output", str(out))
        assert result.exit_code == 0, (fmt, result.stderr)
    ics = (tmp_path / "out.ics").read_bytes()
    assert b"DTSTART;VALUE=DATE:99991231\r\nDURATION:P1D" in ics
    assert read_store(shipped_copy).find("events", "9999-12-31-icesco-morocco")
    assert json.loads((tmp_path / "out.json").read_text())
