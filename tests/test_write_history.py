"""The history of writes, undo, init, and the first write that creates the user's own store from
the shipped one (which is never modified)."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timezone

from partnerkb.model import TABLES
from partnerkb.store import read_store, shipped_store_path, user_store_path

NEWSAZ = "newsaz-2024-01-31-samadov-almalik"
MEETING_0130 = "2024-01-30-samadov-almalik-rabat"


def tables(path):
    data = read_store(path)
    return {
        t: {r["id"]: r for r in data.records(t)}
        for t in ("sources", "entities", "events", "partnerships")
    }


def add_meeting(cli, path, day, *extra):
    return cli(
        "add-meeting",
        "--db",
        str(path),
        "--date",
        day,
        "--participant",
        "icesco",
        "--participant",
        "morocco",
        "--source",
        NEWSAZ,
        *extra,
    )


# -- history ----------------------------------------------------------------------------------


def test_history_lists_each_command_newest_first_with_what_it_changed(cli, shipped_copy):
    add_meeting(cli, shipped_copy, "2020-01-01")
    cli("edit", "--db", str(shipped_copy), "icesco", "--add", "tags=unesco-like")
    result = cli("history", "--db", str(shipped_copy), "--format", "tsv")
    assert result.exit_code == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout), delimiter="\t"))
    assert [r["id"] for r in rows] == ["h-000002", "h-000001"]
    assert rows[0]["command"] == "edit icesco --add tags=unesco-like"
    assert rows[0]["changes"] == "changed entity icesco"
    assert rows[1]["command"].startswith("add-meeting --date 2020-01-01 --participant icesco")
    assert rows[1]["changes"] == "added event 2020-01-01-icesco-morocco"


def test_history_of_one_record_and_json_output(cli, shipped_copy):
    add_meeting(cli, shipped_copy, "2020-01-01")
    cli("edit", "--db", str(shipped_copy), "icesco", "--add", "tags=x")
    result = cli("history", "--db", str(shipped_copy), "icesco", "--format", "json")
    [entry] = json.loads(result.stdout)
    assert entry["id"] == "h-000002"
    assert entry["changes"][0]["before"]["id"] == "icesco"
    assert "x" not in entry["changes"][0]["before"]["tags"]


def test_history_with_nothing_to_show_exits_1(cli, shipped_copy):
    empty = cli("history", "--db", str(shipped_copy))
    assert empty.exit_code == 1
    assert "history is empty" in empty.stderr
    add_meeting(cli, shipped_copy, "2020-01-01")
    none = cli("history", "--db", str(shipped_copy), "shusha")
    assert none.exit_code == 1


def test_history_shows_store_text_literally_never_as_markup(cli, shipped_copy):
    cli("add-source", "--db", str(shipped_copy), "--outlet", "[red]Outlet[/red]", "--title", "T")
    result = cli("history", "--db", str(shipped_copy), "--format", "table")
    assert result.exit_code == 0, result.stderr
    assert "[red]Outlet[/red]" in result.stdout


# -- undo -------------------------------------------------------------------------------------


def test_undo_reverts_the_whole_last_command_after_showing_it(cli, shipped_copy):
    before = tables(shipped_copy)
    result = add_meeting(
        cli,
        shipped_copy,
        "2020-01-01",
        "--participant",
        "Jane Roe",
        "--create-missing",
        "--kind",
        "person",
    )
    assert result.exit_code == 0, result.stderr
    undo = cli("undo", "--db", str(shipped_copy), "--yes")
    assert undo.exit_code == 0, undo.stderr
    assert undo.stdout == "h-000001\n"
    assert "will remove event 2020-01-01-icesco-morocco-roe" in undo.stderr
    assert "will remove entity jane-roe" in undo.stderr
    assert tables(shipped_copy) == before


def test_undo_of_a_merge_splits_the_entities_again(cli, shipped_copy):
    before = tables(shipped_copy)
    merged = cli("merge", "--db", str(shipped_copy), "anar-karimov-icesco", "anar-karimov-minister")
    assert merged.exit_code == 0, merged.stderr
    assert cli("undo", "--db", str(shipped_copy), "--yes").exit_code == 0
    assert tables(shipped_copy) == before


def test_undo_of_a_batch_and_of_a_removal(cli, shipped_copy):
    before = tables(shipped_copy)
    lines = "\n".join(
        json.dumps({"date": f"2019-0{m}", "participants": ["icesco", "morocco"], "source": NEWSAZ})
        for m in range(1, 4)
    )
    cli("add-meeting", "--db", str(shipped_copy), "--from-json", "-", input=lines)
    removed = cli("remove", "--db", str(shipped_copy), "abdelilah-benarafa", "--cascade", "--yes")
    assert removed.exit_code == 0, removed.stderr
    first = cli("undo", "--db", str(shipped_copy), "--yes")
    assert "will restore entity abdelilah-benarafa" in first.stderr
    assert tables(shipped_copy)["entities"] == before["entities"]
    second = cli("undo", "--db", str(shipped_copy), "--yes")
    assert second.exit_code == 0, second.stderr
    assert tables(shipped_copy) == before
    third = cli("undo", "--db", str(shipped_copy), "--yes")
    assert third.exit_code == 1
    assert "nothing to undo" in third.stderr


def test_undo_leaves_no_trace_in_the_history_and_says_what_it_reverted(cli, shipped_copy):
    add_meeting(cli, shipped_copy, "2020-01-01")
    add_meeting(cli, shipped_copy, "2020-02-01")
    undo = cli("undo", "--db", str(shipped_copy), "--yes")
    assert undo.exit_code == 0, undo.stderr
    assert "undone: h-000002, written " in undo.stderr
    assert ": add-meeting --date 2020-02-01 --participant icesco" in undo.stderr
    rows = json.loads(cli("history", "--db", str(shipped_copy), "--format", "json").stdout)
    assert [r["id"] for r in rows] == ["h-000001"]
    assert rows[0]["display"]["status"] == ""
    again = add_meeting(cli, shipped_copy, "2020-03-01")
    assert "history: h-000002 " in again.stderr  # the number of the command undone, given again


def test_undo_asks_on_a_terminal_and_needs_yes_in_scripts(cli, shipped_copy, monkeypatch):
    from partnerkb.cli import write as write_cli

    add_meeting(cli, shipped_copy, "2020-01-01")
    script = cli("undo", "--db", str(shipped_copy))
    assert script.exit_code == 2
    assert "--yes" in script.stderr
    monkeypatch.setattr(write_cli, "interactive", lambda: True)
    declined = cli("undo", "--db", str(shipped_copy), input="n\n")
    assert declined.exit_code != 0
    assert "2020-01-01-icesco-morocco" in tables(shipped_copy)["events"]
    accepted = cli("undo", "--db", str(shipped_copy), input="y\n")
    assert accepted.exit_code == 0
    assert "2020-01-01-icesco-morocco" not in tables(shipped_copy)["events"]


def test_undo_dry_run_writes_nothing(cli, shipped_copy):
    add_meeting(cli, shipped_copy, "2020-01-01")
    before = shipped_copy.read_bytes()
    result = cli("undo", "--db", str(shipped_copy), "--dry-run")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)[0]["action"] == "remove"
    assert shipped_copy.read_bytes() == before


# -- init and the user's store ----------------------------------------------------------------


def test_init_creates_an_empty_store_and_refuses_to_overwrite(cli, tmp_path):
    path = tmp_path / "new" / "kb.json"
    result = cli("init", "--db", str(path), "--name", "Embassy notes")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == f"{path}\n"
    data = read_store(path)
    assert data.meta["name"] == "Embassy notes"
    assert not data.records("events")
    again = cli("init", "--db", str(path))
    assert again.exit_code == 3
    assert "already exists" in again.stderr


def test_init_with_shipped_copies_the_knowledge_base_to_the_user_store(cli):
    result = cli("init", "--with-shipped")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == f"{user_store_path()}\n"
    copy, shipped = read_store(user_store_path()), read_store(shipped_store_path())
    assert {t: copy.tables[t] for t in TABLES} == {t: shipped.tables[t] for t in TABLES}
    assert copy.meta["name"] == shipped.meta["name"]  # no --name: the shipped name is kept


def test_init_with_shipped_takes_the_name_given_and_the_time_of_the_copy(cli, tmp_path):
    path = tmp_path / "kb.json"
    started = datetime.now(timezone.utc).replace(microsecond=0)
    result = cli("init", "--with-shipped", "--name", "Embassy notes", "--db", str(path))
    assert result.exit_code == 0, result.stderr
    meta = read_store(path).meta
    assert meta["name"] == "Embassy notes"
    created = datetime.strptime(meta["created"], "%Y-%m-%dT%H:%M:%SZ")
    assert created.replace(tzinfo=timezone.utc) >= started
    assert read_store(path).records("events") == read_store(shipped_store_path()).records("events")


def test_the_first_write_creates_the_user_store_and_never_touches_the_shipped_one(cli):
    shipped = shipped_store_path().read_bytes()
    assert not user_store_path().exists()
    result = cli(
        "add-meeting",
        "--date",
        "2020-01-01",
        "--participant",
        "icesco",
        "--participant",
        "morocco",
        "--source",
        NEWSAZ,
    )
    assert result.exit_code == 0, result.stderr
    assert f"created your own store at {user_store_path()}" in result.stderr
    assert result.stdout == "2020-01-01-icesco-morocco\n"
    assert shipped_store_path().read_bytes() == shipped
    assert read_store(user_store_path()).find("events", "2020-01-01-icesco-morocco")
    # later reads and writes use it, and say nothing more about it
    second = cli(
        "add-meeting",
        "--date",
        "2020-02-01",
        "--participant",
        "icesco",
        "--participant",
        "morocco",
        "--source",
        NEWSAZ,
    )
    assert "created your own store" not in second.stderr
    listed = cli("list", "events", "--format", "json")
    assert "2020-02-01-icesco-morocco" in listed.stdout


def test_a_dry_run_without_a_user_store_creates_nothing(cli):
    result = cli(
        "add-meeting",
        "--date",
        "2020-01-01",
        "--participant",
        "icesco",
        "--participant",
        "morocco",
        "--source",
        NEWSAZ,
        "--dry-run",
    )
    assert result.exit_code == 0, result.stderr
    assert not user_store_path().exists()


def test_a_refused_first_write_creates_no_user_store(cli):
    result = cli("edit", "icesco", "--set", "name=")
    assert result.exit_code == 2
    assert "created your own store" not in result.stderr
    assert not user_store_path().exists()


def test_writing_to_a_missing_store_given_by_path_says_how_to_create_it(cli, tmp_path):
    result = add_meeting(cli, tmp_path / "nope.json", "2020")
    assert result.exit_code == 3
    assert "partnerkb init" in result.stderr


def test_the_shipped_file_given_by_path_is_never_written(cli):
    shipped = shipped_store_path()
    before = shipped.read_bytes()
    result = add_meeting(cli, shipped, "2020")
    assert result.exit_code == 3
    assert "never modified" in result.stderr
    assert "init --with-shipped" in result.stderr
    assert shipped.read_bytes() == before


def test_undoing_the_write_that_made_the_user_store_leaves_the_shipped_knowledge_base(cli):
    result = add_meeting(cli, user_store_path(), "2020-01-01")
    assert result.exit_code == 3  # no store there yet: --db needs one; the first write without
    first = cli("add-meeting", "--date", "2020-01-01", "--participant", "icesco",
                "--participant", "morocco", "--source", NEWSAZ)  # fmt: skip
    assert first.exit_code == 0, first.stderr
    assert cli("undo", "--yes").exit_code == 0
    assert user_store_path().read_bytes() == shipped_store_path().read_bytes()
