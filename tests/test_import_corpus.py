"""The corpus of US official travels and foreign leaders' visits (a sample cut from
shared/corpus, in tests/fixtures) imported with the shipped mapping: counts and facts checked
against the source file read independently with the csv module."""

from __future__ import annotations

import csv
import re
import unicodedata
from pathlib import Path

import pytest

from partnerkb.store import Store, StoreData, read_store

FIXTURES = Path(__file__).parent / "fixtures"
SAMPLE_CSV = FIXTURES / "us-official-travels-sample.csv"
SAMPLE_JSONL = FIXTURES / "us-official-travels-sample.jsonl"


def source_rows() -> list[dict[str, str]]:
    with SAMPLE_CSV.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def person_key(name: str) -> str:
    """Spellings of one name that differ by accents, case or punctuation are one person."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "", ascii_name.lower())


@pytest.fixture(scope="module")
def corpus_store(tmp_path_factory) -> Path:
    from typer.testing import CliRunner

    from partnerkb.cli.app import app

    path = tmp_path_factory.mktemp("corpus") / "us.json"
    Store(path).create(StoreData.empty("us official travels"))
    result = CliRunner().invoke(
        app, ["--db", str(path), "import", str(SAMPLE_CSV), "--mapping", "us-official-travels"]
    )
    assert result.exit_code == 0, result.stderr
    return path


@pytest.fixture(scope="module")
def data(corpus_store) -> StoreData:
    return read_store(corpus_store)


def test_every_row_becomes_one_event_of_kind_visit(data):
    rows = source_rows()
    events = {e["id"]: e for e in data.records("events")}
    assert len(events) == len(rows) == 157
    assert set(events) == {r["id"] for r in rows}
    assert {e["kind"] for e in events.values()} == {"visit"}


def test_the_entities_are_the_people_countries_and_places_of_the_rows(data):
    rows = source_rows()
    kinds: dict[str, list[dict]] = {}
    for entity in data.records("entities"):
        kinds.setdefault(entity["kind"], []).append(entity)
    countries = {r["country_id"] for r in rows} | {"united-states"}
    assert {e["id"] for e in kinds["country"]} == countries
    places = {(r["locale"], r["country_id"]) for r in rows if r["locale"]}
    assert len(kinds["place"]) == len(places)
    people = {person_key(p) for r in rows for p in r["person"].split(";") if p.strip()}
    assert len(kinds["person"]) == len(people)
    assert len(data.records("sources")) == len({r["source"] for r in rows})


def test_every_date_keeps_its_real_precision(data):
    events = {e["id"]: e for e in data.records("events")}
    for row in source_rows():
        date = events[row["id"]]["date"]
        assert (date["earliest"], date["latest"]) == (row["start_date"], row["end_date"])
        if row["start_date"] == row["end_date"]:
            assert date["edtf"] == row["start_date"]
        else:
            assert date["edtf"] == f"{row['start_date']}/{row['end_date']}"


def test_a_travel_is_a_visit_abroad_hosted_by_the_country_visited(data):
    event = data.find("events", "travel-1914")
    assert event is not None
    assert event["title"] == "Secretary of State William Henry Seward visits Denmark"
    assert event["participants"] == [
        {"entity": "william-henry-seward", "part": "guest", "as": "Secretary of State"},
        {"entity": "denmark", "part": "host"},
    ]
    place = data.find("entities", event["place"])
    assert place is not None and place["kind"] == "place"
    assert place["name"] == "St. Thomas, St. Croix, Frederikstadt, Christianstadt (Virgin Islands)"
    assert place["located_in"] == "denmark"
    assert event["summary"].startswith("Met with Danish colonial officials")
    assert event["organizations"] == ["united-states", "denmark"]
    assert "us-official-travel" in event["tags"]
    (cite,) = event["sources"]
    source = data.find("sources", cite["source"])
    assert source is not None
    assert source["title"] == "HistoryAtState/travels:secretary-travels/seward-william-henry.xml"
    assert cite["locator"] == "entry 1914"


def test_a_visit_is_hosted_by_the_united_states_and_may_bring_two_leaders(data):
    event = data.find("events", "visit-379")
    assert event is not None
    assert event["place"] == "united-states"
    assert event["participants"] == [
        {"entity": "anwar-sadat", "part": "guest", "as": "President"},
        {"entity": "mustafa-khalil", "part": "guest", "as": "Prime Minister"},
        {"entity": "united-states", "part": "host"},
    ]
    khalil = data.find("entities", "mustafa-khalil")
    assert khalil is not None
    assert [(r["title"], r["organization"]) for r in khalil["roles"]] == [
        ("Prime Minister", "egypt")
    ]


def test_a_travel_without_a_locale_takes_place_in_the_country(data):
    rows = [r for r in source_rows() if r["kind"] == "travel" and not r["locale"]]
    assert rows
    for row in rows:
        event = data.find("events", row["id"])
        assert event is not None and event["place"] == row["country_id"]


def test_a_person_holds_the_role_the_rows_give_first_and_last_cited_on_their_dates(data):
    rows = [r for r in source_rows() if r["person"] == "George Pratt Shultz"]
    shultz = data.find("entities", "george-pratt-shultz")
    assert shultz is not None
    (role,) = shultz["roles"]
    assert (role["title"], role["organization"]) == ("Secretary of State", "united-states")
    assert role["first_cited"] == min(r["start_date"] for r in rows)
    assert role["last_cited"] == max(r["end_date"] for r in rows)
    assert role["from"] is None and role["until"] is None  # the rows never say when he took it


def test_a_visitor_without_a_title_has_no_role(data):
    row = next(r for r in source_rows() if r["person"] == "Valdas Adamkus")
    event = data.find("events", row["id"])
    assert event is not None
    assert event["participants"][0] == {"entity": "valdas-adamkus", "part": "guest"}
    adamkus = data.find("entities", "valdas-adamkus")
    assert adamkus is not None and adamkus["roles"] == []


def test_a_country_is_named_as_in_its_latest_row_and_keeps_its_other_names(data):
    rows = [r for r in source_rows() if r["country_id"] == "korea-south"]
    latest = max(rows, key=lambda r: (r["end_date"], r["start_date"]))["country"]
    korea = data.find("entities", "korea-south")
    assert korea is not None
    assert korea["name"] == latest
    assert sorted({korea["name"], *korea["aliases"]}) == sorted({r["country"] for r in rows})


def test_spellings_of_one_name_that_differ_by_accents_are_one_person(data):
    names = {r["person"] for r in source_rows() if "Orb" in r["person"]}
    assert names == {"Viktor Orbán", "Viktor Orban"}
    people = [e for e in data.records("entities") if person_key(e["name"]) == "viktororban"]
    assert [p["id"] for p in people] == ["viktor-orban"]
    assert people[0]["name"] in names


def test_the_jsonl_file_gives_the_same_store_as_the_csv(cli, corpus_store, tmp_path):
    other = tmp_path / "from-jsonl.json"
    Store(other).create(StoreData.empty("us official travels"))
    result = cli("--db", str(other), "import", str(SAMPLE_JSONL), "--mapping",
                 "us-official-travels")  # fmt: skip
    assert result.exit_code == 0, result.stderr
    first = cli("--db", str(corpus_store), "export", "--format", "jsonl").stdout
    assert cli("--db", str(other), "export", "--format", "jsonl").stdout == first


def test_importing_the_corpus_again_adds_nothing(cli, corpus_store, tmp_path):
    copy = tmp_path / "us.json"
    copy.write_bytes(corpus_store.read_bytes())
    result = cli("--db", str(copy), "import", str(SAMPLE_CSV), "--mapping", "us-official-travels")
    assert result.exit_code == 0
    assert result.stdout == ""
    assert "added nothing; updated nothing" in result.stderr
    assert copy.read_bytes() == corpus_store.read_bytes()


def test_a_corrected_row_updates_its_event_and_says_which_field(cli, corpus_store, tmp_path):
    copy = tmp_path / "us.json"
    copy.write_bytes(corpus_store.read_bytes())
    text = SAMPLE_CSV.read_text(encoding="utf-8")
    edited = tmp_path / "edited.csv"
    edited.write_text(text.replace("during a working vacation", "on a working holiday"),
                      encoding="utf-8")  # fmt: skip
    result = cli("--db", str(copy), "import", str(edited), "--mapping", "us-official-travels",
                 "--dry-run")  # fmt: skip
    assert "would update event travel-1914: summary" in result.stderr
    assert "would add nothing; would update 1 event; would skip" in result.stderr
    result = cli("--db", str(copy), "import", str(edited), "--mapping", "us-official-travels")
    assert result.stdout == "travel-1914\n"
    event = read_store(copy).find("events", "travel-1914")
    assert event is not None and "working holiday" in event["summary"]


def test_the_corpus_mapping_needs_the_corpus_columns(cli, tmp_path):
    path = tmp_path / "us.json"
    Store(path).create(StoreData.empty())
    other = tmp_path / "other.csv"
    other.write_text("id,person\n1,Someone\n", encoding="utf-8")
    result = cli("--db", str(path), "import", str(other), "--mapping", "us-official-travels")
    assert result.exit_code == 2
    assert "mapping us-official-travels: column 'country' is not in the file" in result.stderr


def test_the_documented_mapping_is_the_shipped_one():
    import json

    from partnerkb.interchange.mapping import load_mapping

    docs = (Path(__file__).parents[1] / "docs" / "interchange.md").read_text(encoding="utf-8")
    block = docs.split("<!-- mapping:us-official-travels -->", 1)[1].split("```json", 1)[1]
    documented = json.loads(block.split("```", 1)[0])
    shipped = load_mapping("us-official-travels")
    assert documented["fields"] == shipped.fields
    assert documented["cases"]["values"] == shipped.cases
