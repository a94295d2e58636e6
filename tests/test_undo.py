"""Undo among several writers: each write names its history entry, `undo HISTORY-ID` reverts that
command and no other, a bare undo says whose command it reverts, and what undo restores is
byte-identical to what was there before, document numbers included."""

from __future__ import annotations

import json

import orjson

from partnerkb.model import TABLES
from partnerkb.store import dumps, read_store

NEWSAZ = "newsaz-2024-01-31-samadov-almalik"


def add_meeting(cli, path, day):
    return cli("add-meeting", "--db", str(path), "--date", day, "--participant", "icesco",
               "--participant", "morocco", "--source", NEWSAZ)  # fmt: skip


def records_bytes(path) -> bytes:
    """The store's records as written, without the history (which logs the undo itself)."""
    tables = orjson.loads(path.read_bytes())
    return dumps({t: tables[t] for t in ("meta", *TABLES)})


def event_ids(path) -> set[str]:
    return {e["id"] for e in read_store(path).records("events")}


def test_each_write_says_its_history_id_on_stderr(cli, shipped_copy):
    result = add_meeting(cli, shipped_copy, "2020-01-01")
    assert result.exit_code == 0
    assert "history: h-000001 (partnerkb undo h-000001 reverts it)" in result.stderr
    assert result.stdout == "2020-01-01-icesco-morocco\n"  # stdout keeps only the id


def test_undo_of_a_history_id_reverts_that_command_and_not_a_later_one_by_someone_else(
    cli, shipped_copy
):
    mine = add_meeting(cli, shipped_copy, "2020-01-01")
    theirs = add_meeting(cli, shipped_copy, "2020-01-02")  # another writer, after mine
    assert "h-000001" in mine.stderr and "h-000002" in theirs.stderr
    result = cli("undo", "h-000001", "--yes", "--db", str(shipped_copy))
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "h-000001\n"
    events = event_ids(shipped_copy)
    assert "2020-01-01-icesco-morocco" not in events
    assert "2020-01-02-icesco-morocco" in events


def test_undo_of_a_command_a_later_one_changed_again_is_refused_naming_it(cli, shipped_copy):
    cli("add-entity", "--db", str(shipped_copy), "--kind", "person", "Jane Roe", "--source", NEWSAZ)
    cli("edit", "--db", str(shipped_copy), "jane-roe", "--add", "tags=later")
    before = shipped_copy.read_bytes()
    result = cli("undo", "h-000001", "--yes", "--db", str(shipped_copy))
    assert result.exit_code == 2
    assert "h-000001 cannot be undone" in result.stderr
    assert "h-000002 (edit jane-roe --add tags=later)" in result.stderr
    assert "undo h-000002 first" in result.stderr
    assert shipped_copy.read_bytes() == before


def test_undo_of_a_record_a_later_command_cites_is_refused_naming_that_command(cli, shipped_copy):
    source = cli("add-source", "--db", str(shipped_copy), "--outlet", "Outlet", "--title",
                 "A report", "--date", "2024-05-02").stdout.strip()  # fmt: skip
    meeting = cli("add-meeting", "--db", str(shipped_copy), "--date", "2020-01-01",
                  "--participant", "icesco", "--participant", "morocco", "--source", source)
    assert meeting.exit_code == 0, meeting.stderr
    before = shipped_copy.read_bytes()
    result = cli("undo", "h-000001", "--yes", "--db", str(shipped_copy))
    assert result.exit_code == 2
    assert "h-000001 cannot be undone: 2020-01-01-icesco-morocco (written by h-000002" in (
        result.stderr
    )
    assert shipped_copy.read_bytes() == before


def test_undo_of_an_unknown_an_undone_or_an_undo_entry_is_refused(cli, shipped_copy):
    add_meeting(cli, shipped_copy, "2020-01-01")
    assert cli("undo", "h-000009", "--yes", "--db", str(shipped_copy)).exit_code == 2
    assert cli("undo", "h-000001", "--yes", "--db", str(shipped_copy)).exit_code == 0
    again = cli("undo", "h-000001", "--yes", "--db", str(shipped_copy))
    assert again.exit_code == 2 and "already undone (by h-000002)" in again.stderr
    undo_of_undo = cli("undo", "h-000002", "--yes", "--db", str(shipped_copy))
    assert undo_of_undo.exit_code == 2 and "is itself an undo" in undo_of_undo.stderr


def test_a_bare_undo_says_whose_command_it_reverts(cli, shipped_copy):
    add_meeting(cli, shipped_copy, "2020-01-01")
    result = cli("undo", "--yes", "--db", str(shipped_copy))
    assert result.exit_code == 0
    assert "undo h-000001, written " in result.stderr
    assert " by you (this session, pid " in result.stderr
    assert ": add-meeting --date 2020-01-01" in result.stderr


def someone_elses(path) -> None:
    """Make the last history entry another user's, from another session."""
    tables = orjson.loads(path.read_bytes())
    last = max(tables["history"], key=int)
    tables["history"][last]["by"] = {"user": "alice", "pid": 4242, "session": -1}
    path.write_bytes(dumps(tables))


def test_a_bare_undo_of_someone_elses_command_asks_on_a_terminal_even_with_yes(
    cli, shipped_copy, monkeypatch
):
    from partnerkb.cli import write as write_cli

    add_meeting(cli, shipped_copy, "2020-01-01")
    someone_elses(shipped_copy)
    before = shipped_copy.read_bytes()
    monkeypatch.setattr(write_cli, "interactive", lambda: True)
    declined = cli("undo", "--yes", "--db", str(shipped_copy), input="n\n")
    assert declined.exit_code != 0
    assert "by user alice (pid 4242, another session)" in declined.stderr
    assert "not your command" in declined.stderr
    assert shipped_copy.read_bytes() == before
    accepted = cli("undo", "--yes", "--db", str(shipped_copy), input="y\n")
    assert accepted.exit_code == 0
    assert "2020-01-01-icesco-morocco" not in event_ids(shipped_copy)


def test_undo_of_a_removal_brings_the_records_back_byte_identical_in_the_same_places(
    cli, shipped_copy
):
    before = records_bytes(shipped_copy)
    data = read_store(shipped_copy)
    # an event in the middle of the file, with references to drop
    doc, event = sorted(data.tables["events"].items(), key=lambda kv: int(kv[0]))[3]
    removed = cli("remove", event["id"], "--cascade", "--yes", "--db", str(shipped_copy))
    assert removed.exit_code == 0, removed.stderr
    assert cli("undo", "--yes", "--db", str(shipped_copy)).exit_code == 0
    assert records_bytes(shipped_copy) == before
    assert read_store(shipped_copy).tables["events"][doc]["id"] == event["id"]


def test_undo_of_a_merge_and_of_an_entity_removal_is_byte_identical(cli, shipped_copy):
    before = records_bytes(shipped_copy)
    added = cli("add-entity", "--db", str(shipped_copy), "--kind", "organization",
                "Isesco Twin", "--source", NEWSAZ)  # fmt: skip
    assert added.exit_code == 0, added.stderr
    after_add = records_bytes(shipped_copy)
    merged = cli("merge", "isesco-twin", "icesco", "--db", str(shipped_copy))
    assert merged.exit_code == 0, merged.stderr
    assert cli("undo", "--yes", "--db", str(shipped_copy)).exit_code == 0
    assert records_bytes(shipped_copy) == after_add
    assert cli("undo", "--yes", "--db", str(shipped_copy)).exit_code == 0
    assert records_bytes(shipped_copy) == before
    history = json.loads(cli("history", "--db", str(shipped_copy), "--format", "json").stdout)
    assert [h["id"] for h in history] == ["h-000004", "h-000003", "h-000002", "h-000001"]
