"""What people read: namesakes told apart wherever a name is shown (events, timeline, Met lists,
search groups), the titles participants held at an event, and tables whose ids never break,
whatever the terminal's width."""

from __future__ import annotations

import json
import re

import pytest

from partnerkb.queries import KnowledgeBase
from partnerkb.store import read_store, shipped_store_path

MINISTER = "Anar Karimov (Minister of Culture of Azerbaijan)"
SECTOR_HEAD = "Anar Karimov (Head of ICESCO's Partnerships and International Cooperation Sector)"
MEETING_0130 = "2024-01-30-samadov-almalik-rabat"


def kb() -> KnowledgeBase:
    return KnowledgeBase(read_store(shipped_store_path()))


def test_the_core_names_a_namesake_by_what_tells_it_apart_and_others_plainly():
    base = kb()
    assert base.display_name("anar-karimov-minister") == MINISTER
    assert base.display_name("anar-karimov-icesco") == SECTOR_HEAD
    assert base.display_name("anar-karimov-minister", "Chairman") == "Anar Karimov (Chairman)"
    assert base.display_name("nazim-samadov") == "Nazim Samadov"
    assert base.display_name(MEETING_0130) == base.name_of(MEETING_0130)


def test_event_rows_carry_the_title_held_and_tell_namesakes_apart(cli):
    rows = json.loads(cli("timeline", "--entity", "anar-karimov-icesco", "--format", "json").stdout)
    (meeting,) = [r for r in rows if r["id"] == MEETING_0130]
    people = {p["entity"]: p for p in meeting["display"]["participants"]}
    assert people["nazim-samadov"]["as"] == "Ambassador of Azerbaijan to Morocco"
    assert people["nazim-samadov"]["name"] == "Nazim Samadov"
    assert people["anar-karimov-icesco"]["name"] == SECTOR_HEAD


def test_the_timeline_tsv_tells_the_two_karimovs_apart(cli):
    tsv = cli("timeline", "--entity", "anar-karimov-minister", "--format", "tsv")
    assert "Anar Karimov (Minister of Culture" in tsv.stdout
    assert "Anar Karimov (attendee)" not in tsv.stdout


def test_show_event_lists_participants_with_the_titles_they_held(cli):
    shown = cli("show", MEETING_0130, "--format", "tsv").stdout
    participants = next(line for line in shown.splitlines() if "\tparticipants\t" in line)
    assert "Nazim Samadov (guest, Ambassador of Azerbaijan to Morocco)" in participants
    assert f"{SECTOR_HEAD} (attendee)" in participants


def test_met_lists_tell_namesakes_apart(cli):
    profile = json.loads(cli("show", "salim-almalik", "--format", "json").stdout)
    names = {m["id"]: m["name"] for m in profile["met"]}
    assert names["anar-karimov-minister"] == MINISTER
    assert names["anar-karimov-icesco"] == SECTOR_HEAD
    table = cli("show", "salim-almalik", "--format", "table", env={"COLUMNS": "160"}).stdout
    assert "Minister of Culture of Azerbaijan)" in table


def test_search_groups_each_namesake_under_its_own_heading(cli):
    table = cli("search", "Karimov", "--format", "table", env={"COLUMNS": "200"}).stdout
    assert f"{MINISTER} (person) and its events" in table
    assert f"{SECTOR_HEAD} (person) and its events" in table
    hits = json.loads(cli("search", "Karimov", "--format", "json").stdout)
    labels = {h["id"]: h["label"] for h in hits if h["type"] == "entity"}
    assert labels["anar-karimov-minister"] != labels["anar-karimov-icesco"]


ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)+")


@pytest.mark.parametrize(
    "args",
    [
        ["timeline"],
        ["list", "entities"],
        ["list", "events"],
        ["search", "Karimov"],
        ["search", "Shusha"],
        ["show", "salim-almalik"],
        ["show", "icesco"],
    ],
)
@pytest.mark.parametrize("width", ["60", "80", "100"])
def test_ids_are_never_broken_across_lines_in_tables(cli, args, width):
    rows = json.loads(cli(*args, "--format", "json").stdout) if args[0] != "show" else None
    table = cli(*args, "--format", "table", env={"COLUMNS": width}).stdout
    lines = table.splitlines()
    assert all(len(line) <= int(width) for line in lines), "the table is wider than the terminal"
    ids = {r["id"] for r in rows} if rows else set()
    if args[0] == "show":
        profile = json.loads(cli(*args, "--format", "json").stdout)
        ids = {m["id"] for m in profile.get("met", [])} | {e["id"] for e in profile["events"]}
    cells = {cell.strip() for line in lines for cell in re.split(r"[│┃]", line)}
    for record_id in ids:
        assert record_id in cells, f"{record_id} is broken or missing at {width} columns"


def test_the_timeline_table_shows_participants_with_titles_when_the_terminal_is_wide(cli):
    wide = cli("timeline", "--entity", "nazim-samadov", "--format", "table",
               env={"COLUMNS": "180"}).stdout  # fmt: skip
    assert "participants" in wide
    assert "Ambassador of" in wide
    narrow = cli("timeline", "--entity", "nazim-samadov", "--format", "table",
                 env={"COLUMNS": "80"}).stdout  # fmt: skip
    assert "participants" not in narrow
