"""Undo among several writers: each write names its history entry, `undo HISTORY-ID` reverts that
command and no other, a bare undo says whose command it reverts, and an undo leaves no trace:
after undoing a command the store file is byte-identical to what it was before it (records,
document numbers, the history and every byte of the layout)."""

from __future__ import annotations

import json
from datetime import date

import pytest

from partnerkb.engines import open_engine
from partnerkb.errors import StoreError
from partnerkb.model import TABLES
from partnerkb.store import dumps, read_store
from partnerkb.writes import WriteOptions, Writer, history_entry
from store_files import save_tables, store_bytes

NEWSAZ = "newsaz-2024-01-31-samadov-almalik"


def add_meeting(cli, path, day):
    return cli("add-meeting", "--db", str(path), "--date", day, "--participant", "icesco",
               "--participant", "morocco", "--source", NEWSAZ)  # fmt: skip


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
    before = store_bytes(shipped_copy)
    result = cli("undo", "h-000001", "--yes", "--db", str(shipped_copy))
    assert result.exit_code == 2
    assert "h-000001 cannot be undone" in result.stderr
    assert "h-000002 (edit jane-roe --add tags=later)" in result.stderr
    assert "undo h-000002 first" in result.stderr
    assert store_bytes(shipped_copy) == before


def test_undo_of_a_record_a_later_command_cites_is_refused_naming_that_command(cli, shipped_copy):
    source = cli("add-source", "--db", str(shipped_copy), "--outlet", "Outlet", "--title",
                 "A report", "--date", "2024-05-02").stdout.strip()  # fmt: skip
    meeting = cli("add-meeting", "--db", str(shipped_copy), "--date", "2020-01-01",
                  "--participant", "icesco", "--participant", "morocco", "--source", source)
    assert meeting.exit_code == 0, meeting.stderr
    before = store_bytes(shipped_copy)
    result = cli("undo", "h-000001", "--yes", "--db", str(shipped_copy))
    assert result.exit_code == 2
    assert "h-000001 cannot be undone: 2020-01-01-icesco-morocco (written by h-000002" in (
        result.stderr
    )
    assert store_bytes(shipped_copy) == before


def test_undo_of_an_unknown_or_an_undone_entry_is_refused(cli, shipped_copy):
    add_meeting(cli, shipped_copy, "2020-01-01")
    assert cli("undo", "h-000009", "--yes", "--db", str(shipped_copy)).exit_code == 2
    assert cli("undo", "h-000001", "--yes", "--db", str(shipped_copy)).exit_code == 0
    before = store_bytes(shipped_copy)
    again = cli("undo", "h-000001", "--yes", "--db", str(shipped_copy))
    assert again.exit_code == 2 and "no history entry 'h-000001'" in again.stderr
    assert store_bytes(shipped_copy) == before


def legacy_undo(path) -> None:
    """Write the history as partnerkb did before an undo left no trace: the command's entry,
    then an entry of its own marking what it undid."""
    tables = read_store(path).to_json()
    first = tables["history"]["1"]
    tables["history"]["2"] = {**first, "id": "h-000002", "command": "undo --yes",
                              "undoes": "h-000001", "changes": []}  # fmt: skip
    save_tables(path, tables)


def test_undo_entries_of_older_stores_are_still_understood(cli, shipped_copy):
    add_meeting(cli, shipped_copy, "2020-01-01")
    assert cli("undo", "--yes", "--db", str(shipped_copy)).exit_code == 0
    add_meeting(cli, shipped_copy, "2020-01-01")  # h-000001 again, then an old-style undo of it
    legacy_undo(shipped_copy)
    before = store_bytes(shipped_copy)
    again = cli("undo", "h-000001", "--yes", "--db", str(shipped_copy))
    assert again.exit_code == 2 and "already undone (by h-000002)" in again.stderr
    of_undo = cli("undo", "h-000002", "--yes", "--db", str(shipped_copy))
    assert of_undo.exit_code == 2 and "is itself an undo" in of_undo.stderr
    bare = cli("undo", "--yes", "--db", str(shipped_copy))
    assert bare.exit_code == 1 and "nothing to undo" in bare.stderr
    assert store_bytes(shipped_copy) == before
    rows = json.loads(cli("history", "--db", str(shipped_copy), "--format", "json").stdout)
    assert [r["display"]["status"] for r in rows] == ["undoes h-000001", "undone by h-000002"]


def test_a_bare_undo_says_whose_command_it_reverts(cli, shipped_copy):
    add_meeting(cli, shipped_copy, "2020-01-01")
    result = cli("undo", "--yes", "--db", str(shipped_copy))
    assert result.exit_code == 0
    assert "undo h-000001, written " in result.stderr
    assert " by you (this session, pid " in result.stderr
    assert ": add-meeting --date 2020-01-01" in result.stderr


def someone_elses(path) -> None:
    """Make the last history entry another user's, from another session."""
    tables = read_store(path).to_json()
    last = max(tables["history"], key=int)
    tables["history"][last]["by"] = {"user": "alice", "pid": 4242, "session": -1}
    save_tables(path, tables)


@pytest.mark.files_only  # PostgreSQL: a bare undo reverts only your own (test_postgresql_engine)
def test_a_bare_undo_of_someone_elses_command_asks_on_a_terminal_even_with_yes(
    cli, shipped_copy, monkeypatch
):
    from partnerkb.cli import write as write_cli

    add_meeting(cli, shipped_copy, "2020-01-01")
    someone_elses(shipped_copy)
    before = store_bytes(shipped_copy)
    monkeypatch.setattr(write_cli, "interactive", lambda: True)
    declined = cli("undo", "--yes", "--db", str(shipped_copy), input="n\n")
    assert declined.exit_code != 0
    assert "by user alice (pid 4242, another session)" in declined.stderr
    assert "not your command" in declined.stderr
    assert store_bytes(shipped_copy) == before
    accepted = cli("undo", "--yes", "--db", str(shipped_copy), input="y\n")
    assert accepted.exit_code == 0
    assert "2020-01-01-icesco-morocco" not in event_ids(shipped_copy)


def test_undo_of_a_removal_brings_the_records_back_byte_identical_in_the_same_places(
    cli, shipped_copy
):
    before = store_bytes(shipped_copy)
    data = read_store(shipped_copy)
    order = {t: list(data.tables[t]) for t in TABLES}
    # an event in the middle of the file, with references to drop
    doc, event = sorted(data.tables["events"].items(), key=lambda kv: int(kv[0]))[3]
    removed = cli("remove", event["id"], "--cascade", "--yes", "--db", str(shipped_copy))
    assert removed.exit_code == 0, removed.stderr
    assert cli("undo", "--yes", "--db", str(shipped_copy)).exit_code == 0
    assert store_bytes(shipped_copy) == before
    restored = read_store(shipped_copy)
    assert restored.tables["events"][doc]["id"] == event["id"]
    assert {t: list(restored.tables[t]) for t in TABLES} == order  # where each document sits


def test_undo_of_a_merge_and_of_an_entity_removal_is_byte_identical(cli, shipped_copy):
    before = store_bytes(shipped_copy)
    added = cli("add-entity", "--db", str(shipped_copy), "--kind", "organization",
                "Isesco Twin", "--source", NEWSAZ)  # fmt: skip
    assert added.exit_code == 0, added.stderr
    after_add = store_bytes(shipped_copy)
    merged = cli("merge", "isesco-twin", "icesco", "--db", str(shipped_copy))
    assert merged.exit_code == 0, merged.stderr
    assert cli("undo", "--yes", "--db", str(shipped_copy)).exit_code == 0
    assert store_bytes(shipped_copy) == after_add
    assert cli("undo", "--yes", "--db", str(shipped_copy)).exit_code == 0
    assert store_bytes(shipped_copy) == before
    assert cli("history", "--db", str(shipped_copy)).exit_code == 1  # no trace of either undo


ARTICLE = """Kazakh minister visits ICESCO

Salim M. AlMalik, Director-General of ICESCO, welcomed Aida Balayeva, Minister of Culture of \
Kazakhstan, at ICESCO Headquarters in Rabat on Monday, 3 June 2024, to plan joint work on heritage.
"""


def import_file(tmp_path):
    path = tmp_path / "records.jsonl"
    lines = [
        {"type": "event", "kind": "meeting", "date": "2019-05-02",
         "participants": ["icesco", "morocco"], "sources": [NEWSAZ]},
        {"type": "event", "kind": "visit", "date": "2019-06", "participants": ["icesco"],
         "sources": [NEWSAZ]},
    ]  # fmt: skip
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    return path


# Every kind of write, as a user types it; each one is undone right after it.
WRITES = {
    "add-source": lambda tmp: ["add-source", "--outlet", "Outlet", "--title", "A report",
                               "--date", "2024-05-02"],
    "add-entity": lambda tmp: ["add-entity", "Jane Roe", "--kind", "person", "--alias", "J. Roe",
                               "--role-title", "Envoy", "--role-organization", "icesco",
                               "--source", NEWSAZ],
    "add-meeting": lambda tmp: ["add-meeting", "--date", "30 Jan 2021", "--participant",
                                "icesco", "--participant", "Jane Roe", "--create-missing",
                                "--kind", "person", "--source", NEWSAZ],
    "add-meeting --attach-to": lambda tmp: [
        "add-meeting", "--attach-to", "2024-01-30-samadov-almalik-rabat", "--topic", "space",
        "--source-outlet", "Outlet", "--source-date", "2024-02-01", "--source-title", "Later"],
    "add-meeting --from-json": lambda tmp: ["add-meeting", "--from-json", str(batch(tmp))],
    "add-event": lambda tmp: ["add-event", "--kind", "award", "--date", "2023-11-08",
                              "--participant", "icesco", "--source", NEWSAZ],
    "add-role": lambda tmp: ["add-role", "nazim-samadov", "--title", "Deputy Minister",
                             "--organization", "azerbaijan", "--from", "2025", "--source", NEWSAZ],
    "edit": lambda tmp: ["edit", "icesco", "--add", "tags=later", "--set", "description=Edited"],
    "merge": lambda tmp: ["merge", "anar-karimov-icesco", "anar-karimov-minister"],
    "remove --cascade": lambda tmp: ["remove", "abdelilah-benarafa", "--cascade", "--yes"],
    "import": lambda tmp: ["import", str(import_file(tmp))],
    "ingest --yes": lambda tmp: ["ingest", str(article(tmp)), "--outlet", "ICESCO",
                                 "--published", "2024-06-04", "--yes"],
}  # fmt: skip


def batch(tmp_path):
    path = tmp_path / "batch.jsonl"
    path.write_text("".join(
        json.dumps({"date": f"2019-0{m}", "participants": ["icesco", "morocco"],
                    "source": NEWSAZ}) + "\n"
        for m in range(1, 4)
    ))  # fmt: skip
    return path


def article(tmp_path):
    path = tmp_path / "article.txt"
    path.write_text(ARTICLE)
    return path


@pytest.mark.parametrize("write", list(WRITES))
def test_after_undo_the_file_is_byte_identical_to_before_the_command(
    cli, shipped_copy, tmp_path, write
):
    cli("edit", "--db", str(shipped_copy), "morocco", "--add", "tags=earlier")  # a history
    before = store_bytes(shipped_copy)
    done = cli("--db", str(shipped_copy), *WRITES[write](tmp_path))
    assert done.exit_code == 0, done.stderr
    assert "history: h-000002 " in done.stderr
    assert store_bytes(shipped_copy) != before
    undone = cli("undo", "--yes", "--db", str(shipped_copy))
    assert undone.exit_code == 0, undone.stderr
    assert undone.stdout == "h-000002\n"
    assert store_bytes(shipped_copy) == before
    # what was reverted is said, since the history keeps no trace of it
    assert "undone: h-000002, written " in undone.stderr
    assert " by you (this session, pid " in undone.stderr
    assert f": {write.split()[0]}" in undone.stderr
    assert "the next write may be numbered h-000002 again" in undone.stderr
    assert "history:" not in undone.stderr


def test_undo_of_an_earlier_command_removes_only_its_entry(cli, shipped_copy):
    cli("edit", "--db", str(shipped_copy), "morocco", "--add", "tags=earlier")
    before = read_store(shipped_copy).to_json()
    add_meeting(cli, shipped_copy, "2020-01-01")
    later = cli("edit", "--db", str(shipped_copy), "icesco", "--add", "tags=later")
    assert later.exit_code == 0, later.stderr
    after = read_store(shipped_copy).to_json()
    result = cli("undo", "h-000002", "--yes", "--db", str(shipped_copy))
    assert result.exit_code == 0, result.stderr
    assert "next write may be numbered" not in result.stderr  # h-000003 is still there
    now = read_store(shipped_copy).to_json()
    assert now["events"] == before["events"]
    assert now["entities"] == after["entities"]
    assert now["history"] == {k: v for k, v in after["history"].items() if k != "2"}
    assert store_bytes(shipped_copy) == dumps(now)


def test_an_undo_refuses_a_new_command_given_the_number_of_the_one_shown(cli, shipped_copy):
    add_meeting(cli, shipped_copy, "2020-01-01")
    shown = history_entry(read_store(shipped_copy), "h-000001")
    # meanwhile someone else undoes it, and a new command is numbered h-000001 again
    assert cli("undo", "--yes", "--db", str(shipped_copy)).exit_code == 0
    assert "h-000001" in add_meeting(cli, shipped_copy, "2020-02-02").stderr
    before = store_bytes(shipped_copy)
    result = cli("undo", "h-000001", "--yes", "--db", str(shipped_copy))
    assert result.exit_code == 0  # asked now, it names the new command: that one is reverted
    assert ": add-meeting --date 2020-02-02" in result.stderr
    save_tables(shipped_copy, json.loads(before))
    store = open_engine(shipped_copy)
    options = WriteOptions(today=date(2026, 1, 1))
    with pytest.raises(StoreError, match="changed since h-000001 was shown"):
        store.apply("undo h-000001", lambda tx: Writer(tx, options).undo("h-000001",
                                                                          expected=shown))
    assert store_bytes(shipped_copy) == before
