"""The shipped knowledge base: whole (no dangling id), sourced, valid, and true to the two seed
articles it was built from."""

from __future__ import annotations

import re

import pytest

from partnerkb.dates import FuzzyDate
from partnerkb.model import SLUG_RE, TABLES, VALIDATORS, references
from partnerkb.store import read_store, shipped_store_path

DATA = read_store(shipped_store_path())
ALL = [(table, record) for table in TABLES for record in DATA.records(table)]


def event(event_id: str) -> dict:
    found = DATA.find("events", event_id)
    assert found is not None, event_id
    return found


def participants(event_id: str) -> dict[str, str]:
    return {p["entity"]: p.get("part") for p in event(event_id).get("participants", [])}


def test_every_record_passes_validation():
    for table, record in ALL:
        VALIDATORS[table](record)


def test_ids_are_unique_slugs_across_all_tables():
    ids = [record["id"] for _, record in ALL]
    assert len(ids) == len(set(ids))
    assert all(SLUG_RE.match(i) for i in ids)


def test_no_reference_dangles():
    for table, record in ALL:
        for field, ref in references(table, record):
            assert DATA.get(ref) is not None, f"{record['id']}.{field} -> {ref}"


def test_every_entity_event_role_and_partnership_cites_a_source():
    for table, record in ALL:
        if table != "sources":
            assert record["sources"], record["id"]
        for role in record.get("roles", []):
            assert role["sources"], record["id"]


def test_every_date_is_valid_and_its_bounds_agree():
    for _, record in ALL:
        if "date" in record:
            FuzzyDate.from_dict(record["date"])
        for role in record.get("roles", []):
            for key in ("from", "until"):
                if role.get(key):
                    FuzzyDate.from_dict(role[key])
            for key in ("first_cited", "last_cited"):
                if role.get(key):
                    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", role[key])


def test_every_event_status_history_ends_with_its_status():
    for event_record in DATA.records("events"):
        history = event_record.get("status_history") or []
        assert history and history[-1]["status"] == event_record["status"], event_record["id"]


def test_both_seed_articles_are_sources_with_their_publication_dates():
    published = {s["published"] for s in DATA.records("sources")}
    assert {"2022-11-21", "2024-01-31"} <= published


def test_the_30_january_2024_meeting_in_rabat():
    meeting = event("2024-01-30-samadov-almalik-rabat")
    assert meeting["date"]["edtf"] == "2024-01-30"
    assert meeting["place"] == "icesco-headquarters"
    assert DATA.find("entities", "icesco-headquarters")["located_in"] == "rabat"
    assert {"nazim-samadov", "salim-almalik", "anar-karimov-icesco"} <= set(
        participants(meeting["id"])
    )
    topics = " ".join(meeting["topics"]).lower()
    assert "shusha" in topics and "cop29" in topics
    assert meeting["status"] == "happened"


def test_the_20_november_2022_meeting_award_and_exhibition():
    assert event("2022-11-20-almalik-karimov-rabat")["place"] == "icesco-headquarters"
    award = participants("2022-11-20-shusha-medal-almalik")
    assert award["anar-karimov-minister"] == "awarder"
    assert award["salim-almalik"] == "recipient"
    assert event("2022-11-20-exhibition-tour-rabat")["kind"] == "exhibition"
    attendees = participants("2022-11-20-almalik-karimov-rabat")
    assert {"nazim-samadov", "abdelilah-benarafa", "anar-karimov-minister"} <= set(attendees)


def test_the_two_anar_karimovs_stay_distinct_and_linked_only_as_namesakes():
    minister = DATA.find("entities", "anar-karimov-minister")
    sector_head = DATA.find("entities", "anar-karimov-icesco")
    assert minister["name"] == sector_head["name"] == "Anar Karimov"
    assert any("Minister of Culture" in r["title"] for r in minister["roles"])
    assert any("Partnerships" in r["title"] for r in sector_head["roles"])
    assert [link["relation"] for link in minister["related"]] == ["same-name"]


def test_planned_events_keep_the_phrase_and_the_article_date_they_were_resolved_against():
    launch = event("2024-05-shusha-culture-capital-launch")
    assert launch["status"] == "planned"
    assert launch["date"]["edtf"] == "2024-05"
    assert launch["date"]["resolved_against"] == "2024-01-31"
    office = event("2023-icesco-baku-office-opening")
    assert office["status"] == "planned"
    assert (office["date"]["earliest"], office["date"]["latest"]) == ("2023-01-01", "2023-04-30")
    assert office["date"]["resolved_against"] == "2022-11-21"
    cop29 = event("2024-11-cop29-baku")
    assert (cop29["kind"], cop29["date"]["edtf"], cop29["place"]) == (
        "conference",
        "2024-11",
        "baku",
    )


@pytest.mark.parametrize(
    "event_id",
    [
        "2021-01-almalik-visit-azerbaijan",
        "azerbaijan-requests-shusha-culture-capital",
        "shusha-culture-capital-2024-designation",
        "icesco-cop29-committee",
        "world-forum-intercultural-dialogue-baku",
    ],
)
def test_the_other_facts_of_the_articles_are_recorded(event_id):
    assert event(event_id)["sources"]


def test_the_partnership_lists_its_areas():
    [partnership] = DATA.records("partnerships")
    assert set(partnership["parties"]) == {"icesco", "azerbaijan"}
    areas = " ".join(partnership["areas"]).lower()
    for area in ("education", "science", "culture", "youth", "space"):
        assert area in areas


def test_shusha_is_known_under_its_other_spellings():
    assert {"Şuşa", "Shushi"} <= set(DATA.find("entities", "shusha")["aliases"])


def test_everything_about_shusha_involves_shusha():
    about_shusha = {
        e["id"]
        for e in DATA.records("events")
        if "shusha" in [p["entity"] for p in e.get("participants", [])] + [e.get("place")]
    }
    assert {
        "azerbaijan-requests-shusha-culture-capital",
        "shusha-culture-capital-2024-designation",
        "2024-05-shusha-culture-capital-launch",
        "2022-11-20-shusha-medal-almalik",
    } <= about_shusha
