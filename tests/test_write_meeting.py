"""add-meeting and add-event from flags: ids, titles, statuses, sources, name resolution,
--create-missing, duplicates and --attach-to, --dry-run, prompts on a terminal, and every kind of
bad input refused with exit code 2 and nothing written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from partnerkb.cli import write as write_cli
from partnerkb.store import read_store

NEWSAZ = "newsaz-2024-01-31-samadov-almalik"
MEETING_0130 = "2024-01-30-samadov-almalik-rabat"


def events(path: Path) -> dict[str, dict]:
    return {e["id"]: e for e in read_store(path).records("events")}


def add(cli, path: Path, *args: str, input: str | None = None):
    return cli("add-meeting", "--db", str(path), *args, input=input)


def test_add_meeting_prints_only_the_new_id_and_confirms_on_stderr(cli, shipped_copy):
    result = add(
        cli,
        shipped_copy,
        "--date",
        "2024-03-12",
        "--place",
        "Baku",
        "--participant",
        "Nazim Samadov:guest",
        "--participant",
        "Salim AlMalik:host",
        "--source",
        NEWSAZ,
    )
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "2024-03-12-samadov-almalik-baku\n"
    assert "added event 2024-03-12-samadov-almalik-baku" in result.stderr
    event = events(shipped_copy)["2024-03-12-samadov-almalik-baku"]
    assert event["title"] == "Nazim Samadov meets Salim M. AlMalik in Baku"
    assert event["participants"] == [
        {"entity": "nazim-samadov", "part": "guest"},
        {"entity": "salim-almalik", "part": "host"},
    ]
    assert event["date"] == {"edtf": "2024-03-12", "earliest": "2024-03-12", "latest": "2024-03-12"}
    assert event["sources"] == [{"source": NEWSAZ, "locator": None}]
    assert event["place"] == "baku"


def test_a_venue_gives_its_city_to_the_id_and_title(cli, shipped_copy):
    result = add(
        cli,
        shipped_copy,
        "--date",
        "2025-02-03",
        "--place",
        "ICESCO HQ",
        "--participant",
        "Ambassador Samadov",
        "--participant",
        "Dr. AlMalik",
        "--source",
        NEWSAZ,
    )
    assert result.stdout == "2025-02-03-samadov-almalik-rabat\n"
    event = events(shipped_copy)["2025-02-03-samadov-almalik-rabat"]
    assert event["place"] == "icesco-headquarters"
    assert event["title"].endswith(" in Rabat")


def test_a_month_date_keeps_its_precision_in_the_id_and_the_record(cli, shipped_copy):
    result = add(
        cli,
        shipped_copy,
        "--date",
        "May 2023",
        "--participant",
        "icesco",
        "--participant",
        "azerbaijan",
        "--source",
        NEWSAZ,
    )
    assert result.stdout == "2023-05-icesco-azerbaijan\n"
    event = events(shipped_copy)["2023-05-icesco-azerbaijan"]
    assert event["date"]["edtf"] == "2023-05"
    assert event["place"] is None


def test_names_resolve_by_alias_whatever_the_case_and_accents(cli, shipped_copy):
    result = add(
        cli,
        shipped_copy,
        "--date",
        "2019-06-01",
        "--participant",
        "NAZIM SƏMƏDOV",
        "--participant",
        "salim al-malik",
        "--place",
        "sHuShA",
        "--source",
        NEWSAZ,
    )
    assert result.exit_code == 0, result.stderr
    event = events(shipped_copy)[result.stdout.strip()]
    assert [p["entity"] for p in event["participants"]] == ["nazim-samadov", "salim-almalik"]
    assert event["place"] == "shusha"


def test_a_future_date_is_planned_and_a_past_one_happened(cli, shipped_copy):
    future = add(
        cli,
        shipped_copy,
        "--date",
        "2999-01-01",
        "--participant",
        "icesco",
        "--participant",
        "morocco",
        "--source",
        NEWSAZ,
    )
    past = add(
        cli,
        shipped_copy,
        "--date",
        "2001",
        "--participant",
        "icesco",
        "--participant",
        "morocco",
        "--source",
        NEWSAZ,
    )
    stored = events(shipped_copy)
    planned = stored[future.stdout.strip()]
    assert planned["status"] == "planned"
    assert planned["status_history"][0]["status"] == "planned"
    assert planned["status_history"][0]["sources"] == planned["sources"]
    assert stored[past.stdout.strip()]["status"] == "happened"


def test_an_explicit_status_wins(cli, shipped_copy):
    result = add(
        cli,
        shipped_copy,
        "--date",
        "2999",
        "--participant",
        "icesco",
        "--participant",
        "morocco",
        "--status",
        "Cancelled",
        "--source",
        NEWSAZ,
    )
    assert events(shipped_copy)[result.stdout.strip()]["status"] == "cancelled"


def test_a_new_source_is_created_from_its_description_and_cited(cli, shipped_copy):
    result = add(
        cli,
        shipped_copy,
        "--date",
        "2024-06-01",
        "--participant",
        "icesco",
        "--participant",
        "morocco",
        "--source-outlet",
        "Azertac",
        "--source-title",
        "ICESCO and Morocco meet",
        "--source-date",
        "2 June 2024",
        "--source-url",
        "https://example.org/a",
        "--locator",
        "para. 1",
    )
    assert result.exit_code == 0, result.stderr
    data = read_store(shipped_copy)
    source = data.find("sources", "azertac-2024-06-02-icesco-morocco-meet")
    assert source["published"] == "2024-06-02"
    assert source["url"] == "https://example.org/a"
    assert "created source Azertac" in result.stderr
    event = data.find("events", result.stdout.strip())
    assert event["sources"] == [{"source": source["id"], "locator": "para. 1"}]


def test_a_source_described_again_by_its_url_is_reused_not_duplicated(cli, shipped_copy):
    for day in ("2024-06-01", "2024-07-01"):
        result = add(
            cli,
            shipped_copy,
            "--date",
            day,
            "--participant",
            "icesco",
            "--participant",
            "morocco",
            "--source-outlet",
            "Azertac",
            "--source-title",
            "A title",
            "--source-url",
            "https://example.org/a",
        )
        assert result.exit_code == 0, result.stderr
    sources = read_store(shipped_copy).records("sources")
    assert len([s for s in sources if s.get("url") == "https://example.org/a"]) == 1


def test_a_meeting_without_any_source_is_refused_naming_the_field(cli, shipped_copy):
    before = shipped_copy.read_bytes()
    result = add(cli, shipped_copy, "--date", "2024-06-01", "--participant", "icesco")
    assert result.exit_code == 2
    assert result.stderr.startswith("error: source is required")
    assert "--source" in result.stderr
    assert result.stdout == ""
    assert shipped_copy.read_bytes() == before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--date", "the day after the war", "--participant", "icesco"], "date: cannot read"),
        (["--date", "2024-02-30", "--participant", "icesco"], "date"),
        (["--participant", "icesco"], "date is required"),
        (["--date", "2024"], "participant is required"),
        (["--date", "2024", "--participant", "Samdov"], "participants: no entity 'Samdov'"),
        (["--date", "2024", "--participant", "icesco", "--place", "Atlantis"], "place: no entity"),
        (["--date", "2024", "--participant", "icesco", "--title", "  "], "title must not be empty"),
        (["--date", "2024", "--participant", "icesco", "--title", "x" * 301], "title is too long"),
        (["--date", "2024", "--participant", "x" * 400], "participant is too long"),
        (["--date", "2024", "--participant", "icesco", "--status", "maybe"], "status 'maybe'"),
        (["--date", "2024", "--participant", "icesco", "--summary", "a\x1b[31mb"], "control"),
        (["--date", "2024", "--participant", "Anar Karimov"], "names 2 records"),
        (["--date", "2024", "--participant", "icesco", "--source", "nope"], "source: no source"),
        (["--date", "2024", "--participant", "icesco", "--source-outlet", "X"], "source title"),
        (
            [
                "--date",
                "2024",
                "--participant",
                "icesco",
                "--source-outlet",
                "X",
                "--source-title",
                "Y",
                "--source-date",
                "May 2024",
            ],
            "source date 'May 2024' is not one day",
        ),
    ],
)
def test_invalid_input_is_one_line_naming_the_field_exit_2_and_nothing_written(
    cli, shipped_copy, args, message
):
    before = shipped_copy.read_bytes()
    has_source = any(a.startswith("--source") for a in args)
    result = add(cli, shipped_copy, *args, *([] if has_source else ["--source", NEWSAZ]))
    assert result.exit_code == 2, result.stderr
    first = result.stderr.splitlines()[0]
    assert first.startswith("error: ")
    assert message in first
    assert result.stdout == ""
    assert shipped_copy.read_bytes() == before


def test_an_unknown_name_suggests_the_closest_entity(cli, shipped_copy):
    result = add(
        cli, shipped_copy, "--date", "2024", "--participant", "Nazim Samadof", "--source", NEWSAZ
    )
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == (
        "hint: did you mean 'nazim-samadov'? If it is new, add --create-missing to record it"
    )


def test_a_name_nothing_resembles_gets_one_quoted_hint_with_create_missing(cli, shipped_copy):
    args = ["--date", "2024", "--participant", "Zzq Xxv", "--participant", "icesco"]
    result = add(cli, shipped_copy, *args, "--source", NEWSAZ)
    assert result.exit_code == 2
    assert result.stderr == (
        "error: participants: no entity 'Zzq Xxv'\n"
        "hint: try: partnerkb search 'Zzq Xxv', or add --create-missing to record it\n"
    )


def test_create_missing_records_new_people_places_and_organizations_and_says_so(cli, shipped_copy):
    result = add(
        cli,
        shipped_copy,
        "--date",
        "2024-09-09",
        "--participant",
        "Jane Roe:guest",
        "--participant",
        "AlMalik:host",
        "--place",
        "Marrakesh",
        "--organization",
        "UNESCO",
        "--source",
        NEWSAZ,
        "--create-missing",
        "--kind",
        "person",
    )
    assert result.exit_code == 0, result.stderr
    data = read_store(shipped_copy)
    assert data.find("entities", "jane-roe")["kind"] == "person"
    assert data.find("entities", "marrakesh")["kind"] == "place"
    assert data.find("entities", "unesco")["kind"] == "organization"
    assert data.find("entities", "jane-roe")["sources"] == [{"source": NEWSAZ, "locator": None}]
    assert "created person Jane Roe (jane-roe)" in result.stderr
    assert result.stdout == "2024-09-09-roe-almalik-marrakesh\n"


def test_create_missing_without_a_kind_for_a_participant_is_refused_in_a_script(cli, shipped_copy):
    result = add(
        cli,
        shipped_copy,
        "--date",
        "2024",
        "--participant",
        "Jane Roe",
        "--source",
        NEWSAZ,
        "--create-missing",
    )
    assert result.exit_code == 2
    assert "participants: 'Jane Roe' is not in the store" in result.stderr
    assert "--entity-kind person" in result.stderr


def test_kind_can_be_given_per_name(cli, shipped_copy):
    result = add(
        cli,
        shipped_copy,
        "--date",
        "2024",
        "--participant",
        "Jane Roe",
        "--participant",
        "Acme Foundation",
        "--source",
        NEWSAZ,
        "--create-missing",
        "--kind",
        "person",
        "--kind",
        "acme foundation=organization",
    )
    assert result.exit_code == 0, result.stderr
    assert read_store(shipped_copy).find("entities", "acme-foundation")["kind"] == "organization"


def test_an_unknown_entity_kind_is_refused_unless_new(cli, shipped_copy):
    args = [
        "--date",
        "2024",
        "--participant",
        "Jane Roe",
        "--source",
        NEWSAZ,
        "--create-missing",
        "--kind",
        "robot",
    ]
    refused = add(cli, shipped_copy, *args)
    assert refused.exit_code == 2
    assert "kind 'robot' is not a known entity kind" in refused.stderr
    assert "--new-kind" in refused.stderr
    accepted = add(cli, shipped_copy, *args, "--new-kind")
    assert accepted.exit_code == 0, accepted.stderr


# -- duplicates and --attach-to ---------------------------------------------------------------


def test_the_same_meeting_from_a_second_article_is_refused_with_the_existing_id(cli, shipped_copy):
    before = shipped_copy.read_bytes()
    result = add(
        cli,
        shipped_copy,
        "--date",
        "30 January 2024",
        "--place",
        "Rabat",
        "--participant",
        "Al-Malik",
        "--participant",
        "Nazim Səmədov",
        "--source-outlet",
        "Azertac",
        "--source-title",
        "Envoy meets ICESCO head",
    )
    assert result.exit_code == 2
    assert MEETING_0130 in result.stderr.splitlines()[0]
    assert f"--attach-to {MEETING_0130}" in result.stderr
    assert shipped_copy.read_bytes() == before


def test_a_month_overlapping_the_stored_day_with_unknown_place_is_still_a_duplicate(
    cli, shipped_copy
):
    result = add(
        cli,
        shipped_copy,
        "--date",
        "January 2024",
        "--participant",
        "salim-almalik",
        "--participant",
        "nazim-samadov",
        "--source",
        NEWSAZ,
    )
    assert result.exit_code == 2
    assert MEETING_0130 in result.stderr


def test_a_different_place_or_one_shared_participant_is_not_a_duplicate(cli, shipped_copy):
    elsewhere = add(
        cli,
        shipped_copy,
        "--date",
        "2024-01-30",
        "--place",
        "Baku",
        "--participant",
        "AlMalik",
        "--participant",
        "nazim-samadov",
        "--source",
        NEWSAZ,
    )
    assert elsewhere.exit_code == 0, elsewhere.stderr
    other_guest = add(
        cli,
        shipped_copy,
        "--date",
        "2024-01-30",
        "--place",
        "Rabat",
        "--participant",
        "AlMalik",
        "--participant",
        "Abdelilah Benarafa",
        "--source",
        NEWSAZ,
    )
    assert other_guest.exit_code == 0, other_guest.stderr


def test_allow_duplicate_records_it_anyway_with_a_distinct_id(cli, shipped_copy):
    result = add(
        cli,
        shipped_copy,
        "--date",
        "2024-01-30",
        "--place",
        "Rabat",
        "--participant",
        "nazim-samadov:guest",
        "--participant",
        "AlMalik",
        "--source",
        NEWSAZ,
        "--allow-duplicate",
    )
    assert result.exit_code == 0, result.stderr
    assert result.stdout == f"{MEETING_0130}-2\n"


def test_attach_to_adds_the_source_and_new_details_in_one_write(cli, shipped_copy):
    result = add(
        cli,
        shipped_copy,
        "--attach-to",
        MEETING_0130,
        "--date",
        "2024-01-30",
        "--participant",
        "Abdelilah Benarafa:attendee",
        "--participant",
        "AlMalik",
        "--topic",
        "cop29",
        "--topic",
        "Heritage of Karabakh",
        "--tag",
        "Heritage",
        "--source-outlet",
        "Azertac",
        "--source-title",
        "Envoy meets ICESCO head",
        "--source-date",
        "2024-02-01",
        "--locator",
        "para. 2",
    )
    assert result.exit_code == 0, result.stderr
    assert result.stdout == f"{MEETING_0130}\n"
    data = read_store(shipped_copy)
    event = data.find("events", MEETING_0130)
    assert {"source": "azertac-2024-02-01-envoy-meets-icesco-head", "locator": "para. 2"} in event[
        "sources"
    ]
    parts = {p["entity"]: p for p in event["participants"]}
    assert parts["abdelilah-benarafa"]["part"] == "attendee"
    assert parts["salim-almalik"]["part"] == "host"  # kept as stored
    assert event["topics"].count("COP29") == 1  # matched case-insensitively
    assert "Heritage of Karabakh" in event["topics"]
    assert "heritage" in event["tags"]
    [entry] = data.records("history")
    assert {c["id"] for c in entry["changes"]} == {
        MEETING_0130,
        "azertac-2024-02-01-envoy-meets-icesco-head",
    }


def test_attach_to_with_a_date_that_does_not_overlap_is_refused(cli, shipped_copy):
    result = add(
        cli,
        shipped_copy,
        "--attach-to",
        MEETING_0130,
        "--date",
        "2023",
        "--source",
        NEWSAZ,
        "--locator",
        "x",
    )
    assert result.exit_code == 2
    assert "does not overlap" in result.stderr


def test_attach_to_a_more_precise_date_refines_it(cli, shipped_copy):
    result = add(
        cli,
        shipped_copy,
        "--attach-to",
        "2024-05-shusha-culture-capital-launch",
        "--date",
        "2024-05-14",
        "--source",
        NEWSAZ,
        "--locator",
        "x",
    )
    assert result.exit_code == 0, result.stderr
    event = events(shipped_copy)["2024-05-shusha-culture-capital-launch"]
    assert event["date"]["edtf"] == "2024-05-14"


def test_attach_to_nothing_new_writes_nothing(cli, shipped_copy):
    before = shipped_copy.read_bytes()
    result = add(
        cli,
        shipped_copy,
        "--attach-to",
        MEETING_0130,
        "--source",
        NEWSAZ,
        "--locator",
        "para. 3: date and venue",
    )
    assert result.exit_code == 0, result.stderr
    assert "already has all of this" in result.stderr
    assert shipped_copy.read_bytes() == before


def test_attach_to_an_unknown_event_is_refused(cli, shipped_copy):
    result = add(cli, shipped_copy, "--attach-to", "no-such-event", "--source", NEWSAZ)
    assert result.exit_code == 2
    assert result.stderr.startswith("error: attach-to: no event 'no-such-event'")


# -- dry run, prompts ---------------------------------------------------------------------------


def test_dry_run_shows_the_records_and_writes_nothing(cli, shipped_copy):
    before = shipped_copy.read_bytes()
    result = add(
        cli,
        shipped_copy,
        "--date",
        "2024-06-01",
        "--participant",
        "icesco",
        "--participant",
        "Jane Roe",
        "--source",
        NEWSAZ,
        "--create-missing",
        "--kind",
        "person",
        "--dry-run",
    )
    assert result.exit_code == 0, result.stderr
    preview = json.loads(result.stdout)
    assert {(p["action"], p["table"]) for p in preview} == {("add", "entities"), ("add", "events")}
    assert "nothing was written" in result.stderr
    assert shipped_copy.read_bytes() == before


def test_missing_fields_are_asked_for_on_a_terminal(cli, shipped_copy, monkeypatch):
    monkeypatch.setattr(write_cli, "interactive", lambda: True)
    answers = "2024-02-02\nNazim Samadov:guest; AlMalik:host\n\nRabat\n\nAzertac\nA title\n\n\n"
    result = add(cli, shipped_copy, input=answers)
    assert result.exit_code == 0, result.stderr + result.stdout
    assert result.stdout.strip().splitlines()[-1] == "2024-02-02-samadov-almalik-rabat"
    event = events(shipped_copy)["2024-02-02-samadov-almalik-rabat"]
    assert event["participants"][1] == {"entity": "salim-almalik", "part": "host"}
    assert event["sources"][0]["source"].startswith("azertac-")


def test_a_bad_answer_is_refused_at_once_and_asked_again_keeping_the_others(
    cli, shipped_copy, monkeypatch
):
    monkeypatch.setattr(write_cli, "interactive", lambda: True)
    answers = [
        "someday soon",  # a date that cannot be read: asked again
        "2024-02-02",
        "Nobody Known; AlMalik:host",  # a participant not in the store: offered to record,
        "n",  # declined, so asked again
        "Nazim Samadov:guest; AlMalik:host",
        "",  # the list confirmed
        "Atlantis",  # an unknown place: offered to record, declined, asked again
        "n",
        "Rabat",
        "no-such-source",  # an unknown source id: asked again
        "",  # then a new one, whose date cannot be read at first
        "Azertac",
        "A title",
        "31 Febtember",
        "2024-02-03",
        "",
    ]
    result = add(cli, shipped_copy, input="\n".join(answers) + "\n")
    assert result.exit_code == 0, result.stderr + result.stdout
    assert result.stdout.strip().splitlines()[-1] == "2024-02-02-samadov-almalik-rabat"
    errors = [line for line in result.stderr.splitlines() if "error:" in line]
    assert len(errors) == 3, result.stderr
    assert "error: date: cannot read the date 'someday soon'" in errors[0]
    assert "'Nobody Known' is not in the store. Record it as a new entity?" in result.stderr
    assert "'Atlantis' is not in the store. Record it as a new entity?" in result.stderr
    assert "source: no source 'no-such-source'" in errors[1]
    assert "source date" in errors[2]
    event = events(shipped_copy)["2024-02-02-samadov-almalik-rabat"]
    assert [p["entity"] for p in event["participants"]] == ["nazim-samadov", "salim-almalik"]
    source = read_store(shipped_copy).find("sources", event["sources"][0]["source"])
    assert source["published"] == "2024-02-03"


def test_with_create_missing_a_new_name_at_the_prompt_is_taken_and_its_kind_checked(
    cli, shipped_copy, monkeypatch
):
    monkeypatch.setattr(write_cli, "interactive", lambda: True)
    answers = ["Jane Roe:guest; icesco", "picnic", "n", "person", "", ""]
    result = add(cli, shipped_copy, "--date", "2024-02-02", "--source", NEWSAZ,
                 "--create-missing", input="\n".join(answers) + "\n")  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert "kind 'picnic' is not a known entity kind" in result.stderr
    assert read_store(shipped_copy).find("entities", "jane-roe")["kind"] == "person"


def test_the_kind_of_a_new_participant_is_asked_for_on_a_terminal(cli, shipped_copy, monkeypatch):
    monkeypatch.setattr(write_cli, "interactive", lambda: True)
    result = add(
        cli,
        shipped_copy,
        "--date",
        "2024-02-02",
        "--participant",
        "Acme Trust",
        "--participant",
        "icesco",
        "--source",
        NEWSAZ,
        "--create-missing",
        input="organization\n",
    )
    assert result.exit_code == 0, result.stderr
    assert read_store(shipped_copy).find("entities", "acme-trust")["kind"] == "organization"


def test_without_a_terminal_nothing_is_asked_and_missing_fields_are_an_error(cli, shipped_copy):
    result = add(cli, shipped_copy, input="2024-02-02\n")
    assert result.exit_code == 2
    assert "date is required" in result.stderr


# -- add-event --------------------------------------------------------------------------------


def test_add_event_records_any_kind_with_a_derived_title(cli, shipped_copy):
    result = cli(
        "add-event",
        "--db",
        str(shipped_copy),
        "--kind",
        "award",
        "--date",
        "2023-11-08",
        "--participant",
        "ilham-aliyev:awarder",
        "--participant",
        "AlMalik:recipient",
        "--place",
        "Baku",
        "--source",
        NEWSAZ,
    )
    assert result.exit_code == 0, result.stderr
    event = events(shipped_copy)[result.stdout.strip()]
    assert event["kind"] == "award"
    assert event["title"] == "Award: Ilham Aliyev and Salim M. AlMalik in Baku"
    assert result.stdout == "2023-11-08-aliyev-almalik-baku\n"


def test_add_event_refuses_an_unknown_kind_and_needs_one(cli, shipped_copy):
    unknown = cli(
        "add-event",
        "--db",
        str(shipped_copy),
        "--kind",
        "picnic",
        "--date",
        "2024",
        "--participant",
        "icesco",
        "--source",
        NEWSAZ,
    )
    assert unknown.exit_code == 2
    assert "kind 'picnic' is not a known event kind" in unknown.stderr
    missing = cli(
        "add-event",
        "--db",
        str(shipped_copy),
        "--date",
        "2024",
        "--participant",
        "icesco",
        "--source",
        NEWSAZ,
    )
    assert missing.exit_code == 2
    assert "--kind is required" in missing.stderr


def test_add_event_accepts_organizations_without_participants(cli, shipped_copy):
    result = cli(
        "add-event",
        "--db",
        str(shipped_copy),
        "--kind",
        "agreement",
        "--date",
        "2024-10",
        "--organization",
        "icesco",
        "--organization",
        "Morocco",
        "--source",
        NEWSAZ,
    )
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "2024-10-icesco-morocco\n"


def test_a_real_terminal_is_asked_for_missing_fields(shipped_copy):
    """Through a pseudo-terminal (stdin and stdout both TTYs), as a person would type."""
    import os
    import pty
    import select
    import sys
    import time

    script = str(Path(sys.executable).with_name("partnerkb"))
    pid, fd = pty.fork()
    if pid == 0:  # the child: partnerkb on the terminal
        os.execv(script, [script, "add-meeting", "--db", str(shipped_copy)])
    answers = [
        ("Date", "someday soon"),  # refused at once, and asked again
        ("Date", "2024-02-02"),
        ("Participants", "Nazim Samadov:guest; AlMalik:host"),
        ("Is that right?", ""),
        ("Place", "Rabat"),
        ("Source: a stored", NEWSAZ),
    ]
    screen = b""
    seen = 0  # what has been answered already: each prompt is looked for after it

    def read_until(text: bytes, timeout: float = 30.0) -> None:
        nonlocal screen, seen
        deadline = time.monotonic() + timeout
        while text not in screen[seen:] and time.monotonic() < deadline:
            if select.select([fd], [], [], 0.1)[0]:
                try:
                    screen += os.read(fd, 4096)
                except OSError:
                    return
        if text in screen[seen:]:
            seen = screen.index(text, seen) + len(text)

    for prompt, answer in answers:
        read_until(prompt.encode())
        os.write(fd, answer.encode() + b"\n")
    read_until(b"added event")
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    text = screen.decode(errors="replace")
    assert os.WEXITSTATUS(status) == 0, text
    assert "error: date: cannot read the date 'someday soon'" in text
    assert text.count("Date (e.g.") == 2
    assert "2024-02-02-samadov-almalik-rabat" in text
    assert "2024-02-02-samadov-almalik-rabat" in events(shipped_copy)


# -- properties -------------------------------------------------------------------------------

free_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=40
)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    day=st.one_of(free_text, st.dates().map(str)),
    name=st.one_of(free_text, st.sampled_from(["icesco", "AlMalik", "Şuşa", "nazim-samadov"])),
    title=st.one_of(st.none(), free_text),
)
def test_any_input_is_either_recorded_and_undoable_or_refused_in_one_line(
    cli, shipped_copy, day, name, title
):
    before = shipped_copy.read_bytes()
    args = ["--date", day, "--participant", name, "--participant", "morocco", "--source", NEWSAZ]
    result = add(cli, shipped_copy, *args, *(["--title", title] if title is not None else []))
    if result.exit_code == 0:
        assert len(result.stdout.splitlines()) == 1
        undo = cli("undo", "--db", str(shipped_copy), "--yes")
        assert undo.exit_code == 0, undo.stderr
        after = read_store(shipped_copy)
        assert after.records("events") == read_store_bytes(before).records("events")
        shipped_copy.write_bytes(before)
    else:
        assert result.exit_code == 2, result.stderr
        assert result.stderr.startswith("error: ")
        assert len([line for line in result.stderr.splitlines() if line.startswith("error")]) == 1
        assert result.stdout == ""
        assert shipped_copy.read_bytes() == before


def read_store_bytes(content: bytes):
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "kb.json"
        path.write_bytes(content)
        return read_store(path)


# -- --kind on add-meeting: the kind of new participants, never of the event --------------------

MEETING_ARGS = ["--date", "2024-02-05", "--participant", "icesco", "--participant", "morocco",
                "--source", NEWSAZ]  # fmt: skip


@pytest.mark.parametrize("kind", ["visit", "Conference", "meeting"])
def test_add_meeting_refuses_a_kind_of_event_given_as_kind(cli, shipped_copy, kind):
    before = shipped_copy.read_bytes()
    result = add(cli, shipped_copy, *MEETING_ARGS, "--create-missing", "--kind", kind)
    assert result.exit_code == 2
    error, hint = result.stderr.splitlines()
    assert error.startswith(f"error: --kind {kind!r}: on add-meeting, --kind is the kind of the ")
    assert "not of the event" in error
    assert ("add-event --kind" in hint) != (kind == "meeting")
    assert "--entity-kind person" in hint
    assert shipped_copy.read_bytes() == before


@pytest.mark.parametrize("option", ["--kind", "--entity-kind"])
def test_an_entity_kind_without_create_missing_is_refused_as_it_would_do_nothing(
    cli, shipped_copy, option
):
    before = shipped_copy.read_bytes()
    result = add(cli, shipped_copy, *MEETING_ARGS, option, "person")
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: {option} only says what --create-missing records")
    assert shipped_copy.read_bytes() == before
    event = cli("--db", str(shipped_copy), "add-event", "--kind", "visit", *MEETING_ARGS,
                "--entity-kind", "person")  # fmt: skip
    assert event.exit_code == 2
    assert event.stderr.startswith("error: --entity-kind only says what --create-missing")


def test_entity_kind_names_the_kind_of_new_participants_on_add_meeting(cli, shipped_copy):
    result = add(cli, shipped_copy, "--date", "2024-02-05", "--participant", "Jane Roe",
                 "--participant", "Acme Trust", "--source", NEWSAZ, "--create-missing",
                 "--entity-kind", "person", "--entity-kind", "Acme Trust=organization")  # fmt: skip
    assert result.exit_code == 0, result.stderr
    data = read_store(shipped_copy)
    assert data.find("entities", "jane-roe")["kind"] == "person"
    assert data.find("entities", "acme-trust")["kind"] == "organization"
    assert data.find("events", result.stdout.strip())["kind"] == "meeting"
