"""add-entity, add-role, add-source, edit, remove and merge: what they write, what they refuse,
and that references stay whole."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from partnerkb.store import read_store

NEWSAZ = "newsaz-2024-01-31-samadov-almalik"
ICESCO_2022 = "icesco-2022-11-21-shusha-medal"
MEETING_0130 = "2024-01-30-samadov-almalik-rabat"


def run(cli, path, *args, input=None):
    command, *rest = args
    return cli(command, "--db", str(path), *rest, input=input)


def find(path, record_id):
    found = read_store(path).get(record_id)
    return found[1] if found else None


# -- add-entity -------------------------------------------------------------------------------


def test_add_entity_with_aliases_a_role_and_a_place(cli, shipped_copy):
    result = run(
        cli,
        shipped_copy,
        "add-entity",
        "Leyla Həsənova",
        "--kind",
        "person",
        "--alias",
        "Leyla Hasanova",
        "--description",
        "Azerbaijani diplomat.",
        "--tag",
        "Diplomat",
        "--role-title",
        "Consul in Rabat",
        "--role-organization",
        "Azerbaijan",
        "--role-from",
        "2023",
        "--source",
        NEWSAZ,
        "--locator",
        "para. 9",
    )
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "leyla-hasanova\n"
    person = find(shipped_copy, "leyla-hasanova")
    assert person["aliases"] == ["Leyla Hasanova"]
    assert person["tags"] == ["diplomat"]
    [role] = person["roles"]
    assert role["organization"] == "azerbaijan"
    assert role["from"]["edtf"] == "2023"
    assert role["last_cited"] == "2024-01-31"
    assert role["sources"] == [{"source": NEWSAZ, "locator": "para. 9"}]


def test_add_entity_refuses_a_name_already_stored_for_that_kind(cli, shipped_copy):
    result = run(cli, shipped_copy, "add-entity", "Şuşa", "--kind", "place", "--source", NEWSAZ)
    assert result.exit_code == 2
    assert "already stored as shusha" in result.stderr
    assert "--allow-duplicate" in result.stderr


def test_two_people_sharing_a_name_are_kept_apart_on_request(cli, shipped_copy):
    result = run(
        cli,
        shipped_copy,
        "add-entity",
        "Anar Karimov",
        "--kind",
        "person",
        "--allow-duplicate",
        "--id",
        "anar-karimov-poet",
        "--source",
        NEWSAZ,
    )
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "anar-karimov-poet\n"
    taken = run(
        cli,
        shipped_copy,
        "add-entity",
        "X",
        "--kind",
        "person",
        "--id",
        "icesco",
        "--source",
        NEWSAZ,
    )
    assert taken.exit_code == 2
    assert "id 'icesco' is taken" in taken.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["Someone", "--source", NEWSAZ], "--kind is required"),
        (["--kind", "person", "--source", NEWSAZ], "NAME is required"),
        (["Someone", "--kind", "person"], "source is required"),
        (["Someone", "--kind", "Person!", "--source", NEWSAZ], "not a lowercase word"),
        (["Someone", "--kind", "dragon", "--source", NEWSAZ], "not a known entity kind"),
        (
            ["Someone", "--kind", "person", "--role-organization", "icesco", "--source", NEWSAZ],
            "--role-title is required",
        ),
        (
            [
                "Someone",
                "--kind",
                "person",
                "--role-title",
                "X",
                "--role-from",
                "whenever",
                "--source",
                NEWSAZ,
            ],
            "role from: cannot read",
        ),
        (
            ["Someone", "--kind", "place", "--located-in", "Narnia", "--source", NEWSAZ],
            "located-in: no entity 'Narnia'",
        ),
        (
            ["Someone", "--kind", "person", "--external-id", "wikidata", "--source", NEWSAZ],
            "--external-id takes FIELD=VALUE",
        ),
        (["S" * 301, "--kind", "person", "--source", NEWSAZ], "name is too long"),
    ],
)
def test_add_entity_refuses_bad_input_naming_the_field(cli, shipped_copy, args, message):
    before = shipped_copy.read_bytes()
    result = run(cli, shipped_copy, "add-entity", *args)
    assert result.exit_code == 2, result.stderr
    assert message in result.stderr.splitlines()[0]
    assert shipped_copy.read_bytes() == before


# -- add-role ---------------------------------------------------------------------------------


def test_add_role_appends_a_post_with_its_dates(cli, shipped_copy):
    result = run(
        cli,
        shipped_copy,
        "add-role",
        "Nazim Samadov",
        "--title",
        "Deputy Minister",
        "--organization",
        "Azerbaijan",
        "--from",
        "2025",
        "--source",
        NEWSAZ,
    )
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "nazim-samadov\n"
    roles = find(shipped_copy, "nazim-samadov")["roles"]
    assert roles[-1]["title"] == "Deputy Minister"
    assert roles[-1]["from"]["edtf"] == "2025"


def test_the_same_role_cited_again_gains_the_source_instead_of_a_second_role(cli, shipped_copy):
    before = find(shipped_copy, "nazim-samadov")["roles"]
    result = run(
        cli,
        shipped_copy,
        "add-role",
        "nazim-samadov",
        "--title",
        "ambassador of azerbaijan to morocco",
        "--organization",
        "azerbaijan",
        "--source",
        NEWSAZ,
        "--locator",
        "para. 7",
    )
    assert result.exit_code == 0, result.stderr
    roles = find(shipped_copy, "nazim-samadov")["roles"]
    assert len(roles) == len(before)
    assert {"source": NEWSAZ, "locator": "para. 7"} in roles[0]["sources"]


def test_roles_are_for_people_and_the_kind_takes_its_article(cli, shipped_copy):
    result = run(cli, shipped_copy, "add-role", "icesco", "--title", "X", "--source", NEWSAZ)
    assert result.exit_code == 2
    assert "error: person: icesco is an organization; roles are posts held by people" in (
        result.stderr
    )


def test_an_organization_stored_under_that_name_is_refused_with_its_article(cli, shipped_copy):
    result = run(cli, shipped_copy, "add-entity", "Icesco", "--kind", "organization", "-s", NEWSAZ)
    assert result.exit_code == 2
    assert "error: an organization named 'ICESCO' is already stored as icesco" in result.stderr


# -- add-source -------------------------------------------------------------------------------


def test_add_source_prints_its_id_and_refuses_the_same_url_twice(cli, shipped_copy):
    args = [
        "add-source",
        "--outlet",
        "Azertac",
        "--title",
        "ICESCO delegation in Baku",
        "--date",
        "2021-01-20",
        "--url",
        "https://azertac.az/x",
        "--language",
        "en",
    ]
    result = run(cli, shipped_copy, *args)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "azertac-2021-01-20-icesco-delegation-baku\n"
    again = run(
        cli,
        shipped_copy,
        *args[:1],
        "--outlet",
        "Other",
        "--title",
        "Other",
        "--url",
        "https://azertac.az/x",
    )
    assert again.exit_code == 2
    assert "already stored as azertac-2021-01-20-icesco-delegation-baku" in again.stderr


def test_add_source_needs_an_outlet_and_a_title(cli, shipped_copy):
    result = run(cli, shipped_copy, "add-source", "--title", "T")
    assert result.exit_code == 2
    assert "source outlet is required" in result.stderr


# -- edit -------------------------------------------------------------------------------------


def test_edit_sets_validated_fields_and_keeps_the_id(cli, shipped_copy):
    result = run(
        cli,
        shipped_copy,
        "edit",
        MEETING_0130,
        "--set",
        "summary=New words.",
        "--set",
        "date=January 2024",
        "--add",
        "topics=Culture",
        "--remove",
        "tags=cop29",
        "--add",
        "participants=Abdelilah Benarafa:attendee",
    )
    assert result.exit_code == 0, result.stderr
    assert result.stdout == f"{MEETING_0130}\n"
    event = find(shipped_copy, MEETING_0130)
    assert event["summary"] == "New words."
    assert event["date"] == {"edtf": "2024-01", "earliest": "2024-01-01", "latest": "2024-01-31"}
    assert "Culture" in event["topics"]
    assert "cop29" not in event["tags"]
    assert event["participants"][-1] == {"entity": "abdelilah-benarafa", "part": "attendee"}


LAUNCH = "2024-05-shusha-culture-capital-launch"


BAKU_OFFICE = "2023-icesco-baku-office-opening"  # a plan nothing fulfils


def test_edit_status_appends_to_the_status_history_citing_only_the_source_given(cli, shipped_copy):
    before = find(shipped_copy, BAKU_OFFICE)
    result = run(
        cli, shipped_copy, "edit", BAKU_OFFICE, "--set", "status=cancelled",
        "--source", ICESCO_2022, "--locator", "para. 2",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    after = find(shipped_copy, BAKU_OFFICE)
    assert after["status"] == "cancelled"
    assert after["status_history"][:-1] == before["status_history"]
    entry = after["status_history"][-1]
    assert entry["status"] == "cancelled"
    # the article the event came from never said it was cancelled: it is not cited for it
    assert entry["sources"] == [{"source": ICESCO_2022, "locator": "para. 2"}]
    assert after["sources"] == before["sources"]


def test_a_status_change_without_a_source_is_refused_naming_status(cli, shipped_copy):
    before = shipped_copy.read_bytes()
    result = run(cli, shipped_copy, "edit", LAUNCH, "--set", "status=cancelled")
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert lines[0].startswith("error: status: ")
    assert "--source" in lines[1]
    assert len(lines) == 2
    assert shipped_copy.read_bytes() == before


def test_setting_the_same_status_again_needs_no_source_and_changes_nothing(cli, shipped_copy):
    before = shipped_copy.read_bytes()
    result = run(cli, shipped_copy, "edit", LAUNCH, "--set", "status=Planned")
    assert result.exit_code == 0, result.stderr
    assert "unchanged" in result.stderr
    assert shipped_copy.read_bytes() == before


def test_a_source_given_to_edit_without_a_status_change_is_refused(cli, shipped_copy):
    result = run(cli, shipped_copy, "edit", LAUNCH, "--set", "summary=x", "--source", NEWSAZ)
    assert result.exit_code == 2
    assert "--source" in result.stderr.splitlines()[0]
    assert "--add sources=" in result.stderr


def test_an_unknown_source_for_a_status_change_is_refused(cli, shipped_copy):
    result = run(
        cli, shipped_copy, "edit", LAUNCH, "--set", "status=happened", "--source", "nowhere-news"
    )
    assert result.exit_code == 2
    assert "source" in result.stderr.splitlines()[0]
    assert find(shipped_copy, LAUNCH)["status"] == "planned"


def test_edit_roles_and_external_ids_by_path(cli, shipped_copy):
    result = run(
        cli,
        shipped_copy,
        "edit",
        "nazim-samadov",
        "--set",
        "roles.1.until=May 2025",
        "--set",
        "external_ids.wikidata=Q123",
        "--add",
        "aliases=N. Samadov",
    )
    assert result.exit_code == 0, result.stderr
    person = find(shipped_copy, "nazim-samadov")
    assert person["roles"][0]["until"]["edtf"] == "2025-05"
    assert person["external_ids"] == {"wikidata": "Q123"}
    assert "N. Samadov" in person["aliases"]


def test_setting_fulfils_links_both_events(cli, shipped_copy):
    result = run(
        cli,
        shipped_copy,
        "edit",
        "2024-05-shusha-culture-capital-launch",
        "--set",
        "fulfils=shusha-culture-capital-2024-designation",
    )
    assert result.exit_code == 0, result.stderr
    other = find(shipped_copy, "shusha-culture-capital-2024-designation")
    assert other["fulfilled_by"] == "2024-05-shusha-culture-capital-launch"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--set", "id=new-id"], "ids never change"),
        (["--set", "colour=red"], "error: --set colour: events have no field 'colour'"),
        (["--set", "date=someday soon"], "error: --set date: cannot read the date"),
        (["--set", "title="], "title must not be empty"),
        (["--set", "status=done"], "'done' is not one of"),
        (["--set", "place=Atlantis"], "error: --set place: no entity 'Atlantis'"),
        (["--set", "kind=picnic"], "not a known event kind"),
        (["--set", "sources=[]"], f"error: {MEETING_0130}: sources must cite at least one"),
        (["--add", "sources=nowhere"], "error: --add sources: no source 'nowhere'"),
        (["--add", "summary=x"], "summary is not a list"),
        (["--remove", "topics=Not there"], "holds no such item"),
        (["--set", "topics=[1"], "not a JSON list"),
        (["--set", "summary"], "--set takes FIELD=VALUE"),
        ([], "nothing to change"),
    ],
)
def test_edit_refuses_bad_values_naming_the_field(cli, shipped_copy, args, message):
    before = shipped_copy.read_bytes()
    result = run(cli, shipped_copy, "edit", MEETING_0130, *args)
    assert result.exit_code == 2, result.stderr
    first = result.stderr.splitlines()[0]
    assert message in first
    assert not re.search(r"(\S+): \1[: ]", first), "a prefix said twice"
    assert shipped_copy.read_bytes() == before


def test_edit_of_an_unknown_record_suggests_one(cli, shipped_copy):
    result = run(cli, shipped_copy, "edit", "nazim-samadoff", "--set", "name=X")
    assert result.exit_code == 2
    assert result.stderr.startswith("error: ID: no record 'nazim-samadoff'\n")
    assert "nazim-samadov" in result.stderr


def test_an_entity_field_that_does_not_exist_is_named_with_a_proper_plural(cli, shipped_copy):
    result = run(cli, shipped_copy, "edit", "icesco", "--set", "colour=red")
    assert result.exit_code == 2
    assert "error: --set colour: entities have no field 'colour'" in result.stderr


@pytest.mark.parametrize("command", [["edit", "", "--set", "name=X"], ["remove", " ", "--yes"]])
def test_an_empty_id_is_refused_without_an_empty_search_hint(cli, shipped_copy, command):
    result = run(cli, shipped_copy, *command)
    assert result.exit_code == 2
    assert result.stderr == "error: ID: an id or a name is required\n"


def test_a_name_with_spaces_is_quoted_in_the_search_hint(cli, shipped_copy):
    result = run(cli, shipped_copy, "edit", MEETING_0130, "--set", "place=Zzq Xxv")
    assert result.exit_code == 2
    assert "hint: try: partnerkb search 'Zzq Xxv'\n" in result.stderr


def test_an_edit_that_changes_nothing_writes_nothing(cli, shipped_copy):
    before = shipped_copy.read_bytes()
    result = run(cli, shipped_copy, "edit", "icesco", "--set", "name=ICESCO")
    assert result.exit_code == 0
    assert "unchanged" in result.stderr
    assert shipped_copy.read_bytes() == before


# -- remove -----------------------------------------------------------------------------------


def test_remove_refuses_while_others_refer_to_it(cli, shipped_copy):
    before = shipped_copy.read_bytes()
    result = run(cli, shipped_copy, "remove", "abdelilah-benarafa", "--yes")
    assert result.exit_code == 2
    assert "still referred to by" in result.stderr
    assert "--cascade" in result.stderr
    assert shipped_copy.read_bytes() == before


def test_remove_with_cascade_drops_the_references(cli, shipped_copy):
    referring = [
        e["id"]
        for e in read_store(shipped_copy).records("events")
        if any(p["entity"] == "abdelilah-benarafa" for p in e["participants"])
    ]
    assert referring
    result = run(cli, shipped_copy, "remove", "abdelilah-benarafa", "--cascade", "--yes")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "abdelilah-benarafa\n"
    assert find(shipped_copy, "abdelilah-benarafa") is None
    for event_id in referring:
        assert all(
            p["entity"] != "abdelilah-benarafa"
            for p in find(shipped_copy, event_id)["participants"]
        )


def test_removing_the_only_source_of_records_is_refused_even_with_cascade(cli, shipped_copy):
    before = shipped_copy.read_bytes()
    result = run(cli, shipped_copy, "remove", ICESCO_2022, "--cascade", "--yes")
    assert result.exit_code == 2
    error, hint = result.stderr.splitlines()[-2:]
    assert error.startswith(f"error: cannot remove {ICESCO_2022} with --cascade: ")
    assert "sources must cite at least one source" in error
    assert hint.startswith("hint: cite another source first")
    assert shipped_copy.read_bytes() == before


def test_a_cascade_refused_by_a_partnership_names_its_parties_not_its_sources(cli, shipped_copy):
    before = shipped_copy.read_bytes()
    result = run(cli, shipped_copy, "remove", "icesco", "--cascade", "--yes")
    assert result.exit_code == 2
    error, hint = result.stderr.splitlines()[-2:]
    assert error == (
        "error: cannot remove icesco with --cascade: icesco-azerbaijan: parties must list at "
        "least two entity ids"
    )
    assert hint == (
        "hint: change its parties first (partnerkb edit icesco-azerbaijan), or remove "
        "icesco-azerbaijan"
    )
    assert "will remove" not in result.stderr  # refused before anything is announced or asked
    assert shipped_copy.read_bytes() == before


def test_merging_an_unknown_id_names_the_argument_once(cli, shipped_copy):
    result = run(cli, shipped_copy, "merge", "zzq", "icesco")
    assert result.exit_code == 2
    assert result.stderr.startswith("error: ID: no record 'zzq'")
    into = run(cli, shipped_copy, "merge", "icesco", "zzq")
    assert into.stderr.startswith("error: INTO-ID: no record 'zzq'")


def test_remove_needs_yes_without_a_terminal_and_never_hangs(cli, shipped_copy):
    added = run(cli, shipped_copy, "add-source", "--outlet", "O", "--title", "T")
    result = run(cli, shipped_copy, "remove", added.stdout.strip(), input="y\n")
    assert result.exit_code == 2
    assert "--yes" in result.stderr
    assert find(shipped_copy, added.stdout.strip()) is not None


def test_remove_asks_on_a_terminal(cli, shipped_copy, monkeypatch):
    from partnerkb.cli import write as write_cli

    monkeypatch.setattr(write_cli, "interactive", lambda: True)
    added = run(cli, shipped_copy, "add-source", "--outlet", "O", "--title", "T").stdout.strip()
    declined = run(cli, shipped_copy, "remove", added, input="n\n")
    assert declined.exit_code == 4
    assert declined.stderr.splitlines()[-1].endswith(f"N]: not removed: {added} is unchanged")
    assert "error" not in declined.stderr
    assert find(shipped_copy, added) is not None
    accepted = run(cli, shipped_copy, "remove", added, input="y\n")
    assert accepted.exit_code == 0, accepted.stderr
    assert f"will remove source {added}" in accepted.stderr
    assert find(shipped_copy, added) is None


# -- merge ------------------------------------------------------------------------------------


def test_merge_moves_references_and_keeps_names_as_aliases(cli, shipped_copy):
    added = run(
        cli,
        shipped_copy,
        "add-entity",
        "S. Al Malik",
        "--kind",
        "person",
        "--allow-duplicate",
        "--alias",
        "Salim Almalik (DG)",
        "--source",
        ICESCO_2022,
    ).stdout.strip()
    meeting = run(
        cli,
        shipped_copy,
        "add-meeting",
        "--date",
        "2019",
        "--participant",
        added,
        "--participant",
        "salim-almalik",
        "--participant",
        "icesco",
        "--source",
        NEWSAZ,
    )
    assert meeting.exit_code == 0, meeting.stderr
    result = run(cli, shipped_copy, "merge", added, "salim-almalik")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "salim-almalik\n"
    data = read_store(shipped_copy)
    assert data.get(added) is None
    person = data.find("entities", "salim-almalik")
    assert "S. Al Malik" in person["aliases"]
    assert "Salim Almalik (DG)" in person["aliases"]
    assert {"source": ICESCO_2022, "locator": None} in person["sources"]
    event = data.find("events", meeting.stdout.strip())
    assert [p["entity"] for p in event["participants"]] == ["salim-almalik", "icesco"]


def test_merge_refuses_different_kinds_and_non_entities(cli, shipped_copy):
    kinds = run(cli, shipped_copy, "merge", "icesco", "azerbaijan")
    assert kinds.exit_code == 2
    assert "cannot merge organization icesco into country azerbaijan" in kinds.stderr
    event = run(cli, shipped_copy, "merge", MEETING_0130, "icesco")
    assert event.exit_code == 2
    assert "merge joins two entities" in event.stderr


def test_dry_run_of_a_merge_shows_every_change_and_writes_nothing(cli, shipped_copy):
    before = shipped_copy.read_bytes()
    result = run(
        cli, shipped_copy, "merge", "anar-karimov-icesco", "anar-karimov-minister", "--dry-run"
    )
    assert result.exit_code == 0, result.stderr
    actions = {(p["action"], p["id"]) for p in json.loads(result.stdout)}
    assert ("remove", "anar-karimov-icesco") in actions
    assert ("change", "anar-karimov-minister") in actions
    assert ("change", MEETING_0130) in actions
    assert shipped_copy.read_bytes() == before


# -- the wording of messages ------------------------------------------------------------------


@given(st.text(max_size=30))
def test_a_search_hint_quotes_the_text_for_a_shell_and_is_none_for_blank_text(text):
    import shlex

    from partnerkb.writes import search_hint

    hint = search_hint(text)
    if not text.strip():
        assert hint is None
    else:
        assert hint is not None and hint.startswith("try: partnerkb search ")
        assert shlex.split(hint.removeprefix("try: "))[2:] == [text.strip()]


@pytest.mark.parametrize(
    ("noun", "n", "expected"),
    [("record", 1, "1 record"), ("record", 2, "2 records"), ("entity", 3, "3 entities"),
     ("reference", 0, "0 references"), ("day", 2, "2 days"), ("match", 2, "2 matches")],
)  # fmt: skip
def test_counted_nouns_take_a_proper_plural(noun, n, expected):
    from partnerkb.writes import counted

    assert counted(n, noun) == expected


@pytest.mark.parametrize(
    ("noun", "expected"),
    [("organization", "an organization"), ("event", "an event"), ("person", "a person"),
     ("place", "a place"), ("entity", "an entity")],
)  # fmt: skip
def test_a_noun_takes_its_indefinite_article(noun, expected):
    from partnerkb.writes import a

    assert a(noun) == expected


@pytest.mark.parametrize(
    ("prefix", "message", "names", "expected"),
    [
        ("x", "x: sources must cite", (), "x: sources must cite"),
        ("--set date", "date: cannot read", ("date",), "--set date: cannot read"),
        ("--set title", "title must not be empty", ("title",), "--set title must not be empty"),
        ("line 3", "date is required", (), "line 3: date is required"),
    ],
)
def test_a_prefix_is_said_once(prefix, message, names, expected):
    from partnerkb.writes import prefixed

    assert prefixed(prefix, message, names) == expected


# -- --help -----------------------------------------------------------------------------------

WRITE_COMMANDS = ["init", "add-meeting", "add-event", "add-entity", "add-role", "add-source",
                  "edit", "remove", "merge", "history", "undo"]  # fmt: skip


@pytest.mark.parametrize("command", WRITE_COMMANDS)
def test_write_options_show_readable_metavars_not_python_types(cli, command):
    result = cli(command, "--help", env={"COLUMNS": "200"})
    assert result.exit_code == 0
    options = [line for line in result.stdout.splitlines() if line.strip().startswith("-")]
    assert options
    for line in options:
        assert not re.search(r"<(str|int|float|int range|list\[str\])>", line), line


@pytest.mark.parametrize("command", ["add-meeting", "add-event", "add-role"])
def test_organization_has_no_short_flag_as_o_means_output_in_export(cli, shipped_copy, command):
    result = run(cli, shipped_copy, command, "-o", "icesco")
    assert result.exit_code == 2
    assert "No such option: -o" in result.stderr
    assert "--organization NAME" in cli(command, "--help", env={"COLUMNS": "200"}).stdout


def test_a_plan_that_came_true_cannot_be_cancelled_by_edit_or_a_new_report(cli, shipped_copy):
    before = shipped_copy.read_bytes()
    result = run(cli, shipped_copy, "edit", LAUNCH, "--set", "status=cancelled",
                 "--source", ICESCO_2022)  # fmt: skip
    assert result.exit_code == 2
    error, hint = result.stderr.splitlines()
    assert error == (f"error: status: {LAUNCH} is fulfilled by 2024-05-11-aliyev-almalik, so it "
                     "took place; it cannot be cancelled")  # fmt: skip
    assert "--set fulfilled_by=" in hint
    attached = run(cli, shipped_copy, "add-event", "--kind", "launch", "--attach-to", LAUNCH,
                   "--status", "cancelled", "--source", ICESCO_2022)  # fmt: skip
    assert attached.exit_code == 2
    assert "it cannot be cancelled" in attached.stderr
    assert shipped_copy.read_bytes() == before
    # the link removed in the same edit, the cancellation is recorded
    unlinked = run(cli, shipped_copy, "edit", LAUNCH, "--set", "fulfilled_by=", "--set",
                   "status=cancelled", "--source", ICESCO_2022)  # fmt: skip
    assert unlinked.exit_code == 0, unlinked.stderr
