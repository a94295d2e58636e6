"""--source on timeline/list/search, stats and check — on a small store with known answers (see
analysis_store.py) and on the shipped data."""

from __future__ import annotations

import copy
import csv
import io
import json

import pytest

from analysis_store import ENTITIES, EVENTS, REFERENCE_DAY, SOURCES, write_store


@pytest.fixture
def store(tmp_path):
    return str(write_store(tmp_path / "kb.json"))


def run_json(cli, *args):
    result = cli(*args, "--format", "json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


# -- --source ---------------------------------------------------------------------------------


def test_timeline_source_lists_everything_recorded_from_it(cli, store):
    rows = run_json(cli, "timeline", "--source", "herald-2023-06-15", "--db", store)
    # the exhibition it reports, the exchange it announces, the postponement and cancellation
    assert [r["id"] for r in rows] == [
        "exhibition-2023-03-01", "exchange-open-ended", "visit-2023-09", "festival-2023-10",
    ]  # fmt: skip


def test_source_by_title_and_with_other_filters(cli, store):
    rows = run_json(cli, "timeline", "--source", "Herald report of 2023-06-15", "--kind", "visit",
                    "--db", store)  # fmt: skip
    assert [r["id"] for r in rows] == ["visit-2023-09"]
    none = cli("timeline", "--source", "herald-2023-08-13", "--kind", "meeting", "--db", store)
    assert none.exit_code == 1


def test_list_source_entities_events_and_sources(cli, store):
    entities = run_json(cli, "list", "entities", "--source", "herald-2023-06-15", "--db", store)
    assert [r["id"] for r in entities] == ["delta-league", "quinn-roe"]
    # a role's citation counts: Pat Doe's post of Special Envoy comes from this source
    entities = run_json(cli, "list", "entities", "--source", "gazette-2023-02-15", "--db", store)
    assert [r["id"] for r in entities] == ["pat-doe", "rae-poe"]
    events = run_json(cli, "list", "events", "--source", "gazette-2023-02-15", "--db", store)
    assert [r["id"] for r in events] == ["meeting-2023-02-14"]
    sources = run_json(cli, "list", "sources", "--source", "gazette-2023-02-15", "--db", store)
    assert [r["id"] for r in sources] == ["gazette-2023-02-15"]


def test_search_source_keeps_what_was_recorded_from_it(cli, store):
    hits = run_json(cli, "search", "Quinn", "--source", "herald-2023-08-13", "--db", store)
    assert [h["id"] for h in hits] == ["launch-held-2023-08-12"]
    hits = run_json(cli, "search", "Quinn", "--source", "herald-2023-06-15", "--db", store)
    assert {h["id"] for h in hits} >= {"quinn-roe", "exhibition-2023-03-01", "festival-2023-10"}
    assert "launch-held-2023-08-12" not in {h["id"] for h in hits}


def test_an_unknown_source_is_exit_2(cli, store):
    for command in (["timeline"], ["list", "events"], ["search", "Quinn"]):
        result = cli(*command, "--source", "no-such-source", "--db", store)
        assert result.exit_code == 2
        assert "--source: no source 'no-such-source'" in result.stderr


def test_shipped_timeline_from_the_2022_article(cli):
    rows = run_json(cli, "timeline", "--source", "icesco-2022-11-21-shusha-medal")
    found = {r["id"] for r in rows}
    assert {"2022-11-20-shusha-medal-almalik", "2023-icesco-baku-office-opening"} <= found
    assert "2024-01-30-samadov-almalik-rabat" not in found


# -- stats ------------------------------------------------------------------------------------


def stats(cli, store, *args, day=REFERENCE_DAY):
    answer = run_json(cli, "stats", "--as-of", day, "--db", store, *args)
    assert answer["as_of"] == day
    return answer


def counts(rows):
    return [(r["key"], r["count"]) for r in rows]


def test_stats_by_kind_counts_what_was_known_on_the_day(cli, store):
    answer = stats(cli, store)
    assert answer["total"] == 10  # three events were first reported after 1 July 2023
    assert counts(answer["counts"]) == [
        ("agreement", 2), ("meeting", 2), ("celebration", 1), ("conference", 1),
        ("exhibition", 1), ("launch", 1), ("opening", 1), ("visit", 1),
    ]  # fmt: skip
    assert counts(answer["top_participants"]) == [
        ("pat-doe", 4), ("rae-poe", 4), ("alpha-council", 3), ("quinn-roe", 3),
        ("betaland", 1), ("delta-league", 1),
    ]  # fmt: skip
    assert counts(answer["plans"]) == [("kept", 0), ("open", 4), ("overdue", 2), ("cancelled", 1)]


def test_stats_by_status_year_and_between_dates(cli, store):
    by_status = stats(cli, store, "--by", "status")["counts"]
    assert sorted(counts(by_status)) == [
        ("cancelled", 1), ("happened", 3), ("planned", 5), ("postponed", 1),
    ]  # fmt: skip
    assert counts(stats(cli, store, "--by", "year")["counts"]) == [("2022", 2), ("2023", 8)]
    window = stats(cli, store, "--since", "2023-06", "--until", "2023-12")
    assert window["total"] == 5 and window["since"] == "2023-06-01"


def test_stats_plans_kept_once_the_reports_are_in(cli, store):
    answer = stats(cli, store, day="2024-04-01")
    assert dict(counts(answer["plans"]))["kept"] == 2


def test_stats_by_entity_and_place_name_them(cli, store):
    by_entity = {r["key"]: r for r in stats(cli, store, "--by", "entity")["counts"]}
    assert by_entity["alpha-council"]["name"] == "Alpha Council"
    assert by_entity["alpha-council"]["count"] == 8
    by_place = counts(stats(cli, store, "--by", "place")["counts"])
    assert by_place == [("(no place)", 8), ("gamma-city", 2)]


def test_stats_table_has_bars_and_the_reference_day(cli, store):
    result = cli("stats", "--as-of", REFERENCE_DAY, "--db", store, "--format", "table")
    assert result.exit_code == 0
    assert "█" in result.stdout
    assert "as of 1 July 2023 (reference day)" in result.stdout
    assert "Most frequent participants" in result.stdout


def test_stats_tsv_gives_the_numbers_by_section(cli, store):
    result = cli("stats", "--as-of", REFERENCE_DAY, "--db", store)
    rows = list(csv.DictReader(io.StringIO(result.stdout), delimiter="\t"))
    assert {r["section"] for r in rows} == {"counts", "top_participants", "plans"}
    meeting = next(r for r in rows if r["section"] == "counts" and r["key"] == "meeting")
    assert meeting["count"] == "2" and meeting["share"] == "0.2"
    assert meeting["as_of"] == REFERENCE_DAY


def test_stats_with_nothing_in_the_window_exits_1_and_bad_by_exits_2(cli, store):
    assert cli("stats", "--until", "2020", "--db", store).exit_code == 1
    bad = cli("stats", "--by", "colour", "--db", store)
    assert bad.exit_code == 2 and "'colour' is not one of kind, year" in bad.stderr


def test_shipped_stats(cli):
    answer = run_json(cli, "stats", "--as-of", "2024-02-01")
    assert answer["total"] == sum(r["count"] for r in answer["counts"])
    assert dict(counts(answer["counts"]))["meeting"] >= 4
    assert dict(counts(answer["plans"]))["overdue"] >= 1  # the Baku office


# -- check ------------------------------------------------------------------------------------


def test_check_reports_overdue_plans_and_exits_1(cli, store):
    result = cli("check", "--as-of", REFERENCE_DAY, "--db", store, "--format", "table")
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "overdue-plans: office-opening-2022-12: planned for December 2022: no report since, "
        "window passed 182 days ago (as of 2023-07-01)",
        "overdue-plans: signing-2023-03: planned for March 2023: no report since, "
        "window passed 92 days ago (as of 2023-07-01)",
    ]


def test_check_is_silent_when_all_is_well(cli, store):
    names = ["references", "sources", "dates", "tenures", "statuses", "duplicates", "namesakes",
             "place-participants", "uncited-sources", "uncited-enrichment", "summaries",
             "locators", "inferences"]  # fmt: skip
    result = cli("check", *names, "--db", store)
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "")
    assert cli("check", *names, "--db", store, "--format", "json").stdout.strip() == "[]"


def broken_store(tmp_path, **changes):
    return str(write_store(tmp_path / "broken.json", validate=False, **changes))


def _with_event(change):
    events = copy.deepcopy(EVENTS)
    change(events)
    return {"events": events}


def _with_entities(change):
    entities = copy.deepcopy(ENTITIES)
    change(entities)
    return {"entities": entities}


def _set(records, record_id, **fields):
    next(r for r in records if r["id"] == record_id).update(fields)


def _duplicate(events):
    twin = copy.deepcopy(next(e for e in events if e["id"] == "meeting-2022-05-03"))
    events.append({**twin, "id": "meeting-2022-05-03-again"})


def _namesake(entities):
    twin = copy.deepcopy(next(e for e in entities if e["id"] == "quinn-roe"))
    entities.append({**twin, "id": "quinn-roe-2", "roles": []})


def _role(entities, person, n, **fields):
    next(e for e in entities if e["id"] == person)["roles"][n].update(fields)


FAULTS = [
    ("references", lambda: _with_event(lambda ev: _set(ev, "forum-2023", place="atlantis")),
     "references: forum-2023: place refers to 'atlantis', which is not in the store"),
    ("sources", lambda: _with_entities(lambda en: _set(en, "betaland", sources=[])),
     "sources: betaland: the entity cites no source"),
    ("dates", lambda: _with_entities(lambda en: _role(en, "pat-doe", 0, until={
        "edtf": "2019", "earliest": "2019-01-01", "latest": "2019-12-31"})),
     "dates: pat-doe: role 1 (Minister of Culture) ends (2019-12-31) before it starts "
     "(2020-03-01)"),
    ("tenures", lambda: _with_entities(lambda en: _role(en, "quinn-roe", 0, **{"from": {
        "edtf": "2022-06", "earliest": "2022-06-01", "latest": "2022-06-30"}})),
     "tenures: pat-doe: holds 'Minister of Culture' at Ministry of Culture of Betaland on the "
     "same days as quinn-roe (2020-03-31..2022-12-01 and 2022-06-30..2023-06-15)"),
    ("statuses", lambda: _with_event(lambda ev: _set(ev, "launch-2023-08", status="cancelled")),
     "statuses: launch-2023-08: cancelled, but is fulfilled by launch-held-2023-08-12"),
    ("statuses", lambda: _with_event(lambda ev: _set(ev, "summit-2024-06", status_history=[
        {"status": "happened", "as_of": "2023-06-15",
         "sources": [{"source": "herald-2023-06-15"}]}])),
     "statuses: summit-2024-06: reported happened on 2023-06-15, before it starts "
     "(2024-06-01)"),
    ("duplicates", lambda: _with_event(_duplicate),
     "duplicates: meeting-2022-05-03-again: looks like meeting-2022-05-03: same participants "
     "and place, overlapping dates"),
    ("namesakes", lambda: _with_entities(_namesake),
     "namesakes: quinn-roe: shares the name 'Quinn Roe' with quinn-roe-2"),
    ("place-participants", lambda: _with_event(lambda ev: _set(
        ev, "forum-2023", participants=[{"entity": "gamma-city", "part": "host"}])),
     "place-participants: forum-2023: the place gamma-city is a participant (host); a place "
     "belongs in the place field"),
    ("uncited-sources", lambda: {"sources": [*SOURCES, {**SOURCES[0], "id": "unread"}]},
     "uncited-sources: unread: no record cites it"),
    ("uncited-enrichment", lambda: _with_entities(lambda en: _set(
        en, "betaland", external_ids={"wikidata": "Q1"})),
     "uncited-enrichment: betaland: external_ids.wikidata 'Q1': an external id needs a source of "
     "its own (e.g. the item's page)"),
    ("uncited-enrichment", lambda: _with_entities(lambda en: _set(en, "betaland", provenance=[
        {"field": "aliases", "value": "Beta", "basis": "outside", "note": "known"}])),
     "uncited-enrichment: betaland: aliases 'Beta': outside knowledge without a source of its own"),
    ("inferences", lambda: _with_event(lambda ev: _set(ev, "forum-2023", provenance=[
        {"field": "place", "basis": "inferred", "note": "from the venue's owner"}])),
     "inferences: forum-2023: place is inferred: from the venue's owner"),
    ("summaries", lambda: _with_event(lambda ev: _set(ev, "forum-2023", summary=None)),
     "summaries: forum-2023: no summary"),
    ("locators", lambda: _with_event(lambda ev: _set(
        ev, "forum-2023", sources=[{"source": "gazette-2023-01-10"}])),
     "locators: forum-2023: cites gazette-2023-01-10 without a locator"),
]  # fmt: skip


@pytest.mark.parametrize(
    "name, changes, line", FAULTS, ids=[f"{f[0]}-{n}" for n, f in enumerate(FAULTS)]
)
def test_each_check_finds_its_fault(cli, tmp_path, name, changes, line):
    db = broken_store(tmp_path, **changes())
    result = cli("check", name, "--db", db, "--format", "table")
    assert result.exit_code == 1, result.stderr
    assert line in result.stdout.splitlines()
    as_json = json.loads(cli("check", name, "--db", db, "--format", "json").stdout)
    assert {f["check"] for f in as_json} == {name}


def test_strict_adds_the_style_checks(cli, tmp_path):
    db = broken_store(tmp_path, **_with_event(lambda ev: _set(ev, "forum-2023", summary="")))
    assert "summaries" not in cli("check", "--db", db, "--format", "table").stdout
    strict = cli("check", "--strict", "--db", db, "--format", "table")
    assert "summaries: forum-2023: no summary" in strict.stdout


def test_a_namesake_linked_as_such_is_not_a_finding(cli, tmp_path):
    def linked(entities):
        _namesake(entities)
        _set(
            entities,
            "quinn-roe-2",
            related=[
                {
                    "entity": "quinn-roe",
                    "relation": "same-name",
                    "sources": [{"source": "herald-2023-06-15"}],
                }
            ],
        )

    db = broken_store(tmp_path, **_with_entities(linked))
    assert cli("check", "namesakes", "--db", db).exit_code == 0


def test_check_piped_is_tsv_and_an_unknown_check_is_exit_2(cli, store):
    result = cli("check", "overdue-plans", "--as-of", REFERENCE_DAY, "--db", store)
    rows = list(csv.DictReader(io.StringIO(result.stdout), delimiter="\t"))
    assert [r["id"] for r in rows] == ["office-opening-2022-12", "signing-2023-03"]
    assert rows[0]["as_of"] == REFERENCE_DAY
    bad = cli("check", "spelling", "--db", store)
    assert bad.exit_code == 2 and "no check named 'spelling'" in bad.stderr


def test_shipped_data_passes_every_check_but_the_overdue_plans(cli):
    result = cli("check", "--strict", "--as-of", "2024-02-01", "--format", "json")
    findings = json.loads(result.stdout)
    assert {f["check"] for f in findings} == {"overdue-plans"}
    assert "2023-icesco-baku-office-opening" in [f["id"] for f in findings]
    assert result.exit_code == 1


def test_text_from_the_store_cannot_drive_the_terminal_or_a_spreadsheet(cli, tmp_path):
    """Titles with an escape sequence, Rich markup and a formula, through every new command."""
    events = copy.deepcopy(EVENTS)
    _set(events, "office-opening-2022-12", title="\x1b[31mred[/] [bold]loud[/bold]")
    _set(events, "forum-2023", title='=HYPERLINK("http://x")')
    db = broken_store(tmp_path, events=events)
    for args in (["upcoming"], ["plans"], ["check"], ["partners", "alpha-council"]):
        table = cli(*args, "--as-of", REFERENCE_DAY, "--db", db, "--format", "table")
        assert "\x1b" not in table.stdout, args
        tsv = cli(*args, "--as-of", REFERENCE_DAY, "--db", db)
        assert "\x1b" not in tsv.stdout and "\t=HYPERLINK" not in tsv.stdout, args
    shown = cli("plans", "--as-of", REFERENCE_DAY, "--db", db, "--format", "table").stdout
    assert "\\x1b" in shown and "[bold]loud[/bold]" in shown  # shown, never run as markup
    check = cli("check", "overdue-plans", "--as-of", REFERENCE_DAY, "--db", db, "-f", "table")
    assert check.stdout.startswith("overdue-plans: office-opening-2022-12:")


def test_references_and_uncited_sources_read_every_kind_of_reference(cli, tmp_path):
    """Typed links and provenance refer and cite too (the model's one list of references)."""

    def change(events):
        _set(events, "forum-2023", links=[{"type": "follows", "event": "ghost-event",
                                           "sources": [{"source": "only-in-a-link"}]}])  # fmt: skip

    db = broken_store(
        tmp_path, **_with_event(change), sources=[*SOURCES, {**SOURCES[0], "id": "only-in-a-link"}]
    )
    result = cli("check", "references", "uncited-sources", "--db", db, "--format", "table")
    assert result.stdout.splitlines() == [
        "references: forum-2023: links refers to 'ghost-event', which is not in the store",
    ]
