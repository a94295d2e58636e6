"""The read commands on the shipped knowledge base: timeline, search, show, list — their
answers, formats, exit codes and errors."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from partnerkb.store import StoreData, dumps, read_store
from store_files import save_tables

PARTNERKB = str(Path(sys.executable).with_name("partnerkb"))


def parse_json(result):
    return json.loads(result.stdout)


def tsv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text), delimiter="\t", quoting=csv.QUOTE_NONE))


# -- timeline ---------------------------------------------------------------------------------


def test_timeline_piped_is_tsv_with_a_header_in_date_order(cli):
    result = cli("timeline")
    assert result.exit_code == 0, result.stderr
    rows = tsv_rows(result.stdout)
    assert list(rows[0]) == ["date", "date_sort", "id", "title", "kind", "status", "place",
                             "participants", "status_label"]  # fmt: skip
    ids = [r["id"] for r in rows]
    assert ids.index("2021-01-almalik-visit-azerbaijan") < ids.index(
        "2022-11-20-almalik-karimov-rabat"
    )
    assert ids.index("2022-11-20-almalik-karimov-rabat") < ids.index(
        "2024-01-30-samadov-almalik-rabat"
    )
    assert ids.index("2024-05-shusha-culture-capital-launch") < ids.index("2024-11-cop29-baku")
    assert "\x1b[" not in result.stdout
    assert result.stderr == ""


def test_timeline_shows_dates_with_their_precision(cli):
    rows = {r["id"]: r["date"] for r in tsv_rows(cli("timeline").stdout)}
    assert rows["2024-05-shusha-culture-capital-launch"] == "May 2024"
    assert rows["2023-icesco-baku-office-opening"] == "early 2023 (approx.)"
    assert rows["2024-01-30-samadov-almalik-rabat"] == "30 January 2024"
    assert rows["almalik-karimov-earlier-meeting"] == "on or before 20 November 2022"


def test_timeline_table_groups_events_by_year(cli):
    result = cli("timeline", "--format", "table")
    assert result.exit_code == 0
    for year in ("2021", "2022", "2023", "2024"):
        assert f"│ {year} " in result.stdout


def test_timeline_json_is_the_stored_records_plus_display_fields(cli):
    events = parse_json(cli("timeline", "--format", "json"))
    meeting = next(e for e in events if e["id"] == "2024-01-30-samadov-almalik-rabat")
    assert meeting["date"]["edtf"] == "2024-01-30"
    assert meeting["participants"][0]["entity"] == "nazim-samadov"
    assert meeting["display"]["date"] == "30 January 2024"
    assert meeting["display"]["place"] == "ICESCO Headquarters"
    assert meeting["display"]["typology"]["plover"] == "CONSULT"
    assert meeting["sources"][0]["source"] == "newsaz-2024-01-31-samadov-almalik"


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "tsv"])
def test_timeline_other_formats_parse(cli, fmt):
    result = cli("timeline", "--format", fmt)
    assert result.exit_code == 0
    if fmt == "jsonl":
        assert all(json.loads(line)["id"] for line in result.stdout.splitlines())
    else:
        delimiter = "," if fmt == "csv" else "\t"
        rows = list(csv.DictReader(io.StringIO(result.stdout), delimiter=delimiter))
        assert len(rows) == len(parse_json(cli("timeline", "--format", "json")))


def test_timeline_by_entity_name_or_id(cli):
    by_name = tsv_rows(cli("timeline", "--entity", "Nazim Samadov").stdout)
    by_id = tsv_rows(cli("timeline", "--entity", "nazim-samadov").stdout)
    assert by_name == by_id
    assert {r["id"] for r in by_id} == {
        "2022-11-20-almalik-karimov-rabat",
        "2024-01-30-samadov-almalik-rabat",
    }


def test_timeline_of_a_country_includes_events_at_its_places(cli):
    ids = {r["id"] for r in tsv_rows(cli("timeline", "--entity", "azerbaijan").stdout)}
    assert "2024-11-cop29-baku" in ids
    assert "world-forum-intercultural-dialogue-baku" in ids  # in Baku, ICESCO only


def test_timeline_since_a_day_keeps_the_month_it_falls_in(cli):
    ids = {r["id"] for r in tsv_rows(cli("timeline", "--since", "2024-05-15").stdout)}
    assert "2024-05-shusha-culture-capital-launch" in ids
    assert "2024-01-30-samadov-almalik-rabat" not in ids


@pytest.mark.parametrize(
    ("args", "present", "absent"),
    [
        (["--since", "May 2024"], "2024-11-cop29-baku", "2024-01-30-samadov-almalik-rabat"),
        (
            ["--until", "2023"],
            "2022-11-20-shusha-medal-almalik",
            "2024-01-30-samadov-almalik-rabat",
        ),
        (
            ["--since", "2024", "--until", "2024-01-30"],
            "2024-01-30-samadov-almalik-rabat",
            "2024-11-cop29-baku",
        ),
        (["--planned"], "2024-11-cop29-baku", "2024-01-30-samadov-almalik-rabat"),
        (["--happened"], "2024-01-30-samadov-almalik-rabat", "2024-11-cop29-baku"),
        (
            ["--kind", "award"],
            "2022-11-20-shusha-medal-almalik",
            "2024-01-30-samadov-almalik-rabat",
        ),
    ],
)
def test_timeline_filters(cli, args, present, absent):
    result = cli("timeline", *args)
    assert result.exit_code == 0, result.stderr
    ids = {r["id"] for r in tsv_rows(result.stdout)}
    assert present in ids and absent not in ids


def test_timeline_with_nothing_matching_exits_1(cli):
    result = cli("timeline", "--kind", "award", "--since", "2023")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "no event" in result.stderr


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--since", "someday"], "--since"),
        (["--until", "2024-13-01"], "--until"),
        (["--since", "2025", "--until", "2024"], "after"),
        (["--planned", "--happened"], "exclude"),
        (["--entity", "Samdov"], "nazim-samadov"),
        (["--format", "xml"], "xml"),
        (["--frobnicate"], "frobnicate"),
    ],
)
def test_timeline_bad_input_is_one_line_and_exit_2(cli, args, needle):
    result = cli("timeline", *args)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith("error: ")
    assert needle in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) <= 2  # the error and at most a hint


# -- search -----------------------------------------------------------------------------------


def test_search_shusha_ranks_the_city_first_and_finds_its_events(cli):
    hits = parse_json(cli("search", "Shusha", "--format", "json"))
    assert hits[0]["id"] == "shusha"
    ids = {h["id"] for h in hits}
    assert {"2022-11-20-shusha-medal-almalik", "shusha-culture-capital-2024-designation"} <= ids
    assert all({"type", "id", "kind", "date", "title", "score", "matched"} <= set(h) for h in hits)


@pytest.mark.parametrize("spelling", ["Şuşa", "shusha", "SHUSHA", "Shushi"])
def test_search_is_case_and_accent_insensitive(cli, spelling):
    hits = parse_json(cli("search", spelling, "--format", "json"))
    assert hits[0]["id"] == "shusha"


def test_search_with_no_match_exits_1(cli):
    result = cli("search", "zzzzqqq")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "nothing matches" in result.stderr


# -- show -------------------------------------------------------------------------------------


def test_show_icesco_profile(cli):
    result = cli("show", "icesco", "--format", "table")
    assert result.exit_code == 0
    for text in ("Islamic World Educational", "Events", "Sources", "Salim M. AlMalik"):
        assert text in result.stdout


def test_show_person_json_has_roles_events_met_and_sources(cli):
    profile = parse_json(cli("show", "Nazim Samadov", "--format", "json"))
    assert profile["id"] == "nazim-samadov"
    [role] = profile["roles"]
    assert role["title"] == "Ambassador of Azerbaijan to Morocco"
    # the days the sources show him in the post, not only when he was first and last cited
    assert role["display"]["span"] == "attested 20 November 2022; 30 January 2024"
    assert "current" not in role["display"]["span"]
    assert [e["id"] for e in profile["events"]] == [
        "2022-11-20-almalik-karimov-rabat",
        "2024-01-30-samadov-almalik-rabat",
    ]
    assert profile["met"][0]["id"] == "salim-almalik"
    assert len(profile["cited_sources"]) == 2


def test_show_finds_a_place_by_its_other_spelling(cli):
    assert parse_json(cli("show", "Şuşa", "--format", "json"))["id"] == "shusha"


def test_show_an_event_with_its_sources_and_typology(cli):
    result = cli("show", "2022-11-20-shusha-medal-almalik", "--format", "table")
    assert result.exit_code == 0
    assert "CAMEO 051" in result.stdout
    assert "ICESCO" in result.stdout and "2022-11-21" in result.stdout


def test_show_a_planned_event_says_what_the_source_said(cli):
    result = cli("show", "2024-05-shusha-culture-capital-launch", "--format", "table")
    assert "May 2024" in result.stdout
    assert "2024-01-31" in result.stdout


def test_show_a_shared_name_lists_the_candidates_instead_of_guessing(cli):
    result = cli("show", "Anar Karimov")
    assert result.exit_code == 2
    ids = {r["id"] for r in tsv_rows(result.stdout)}
    assert ids == {"anar-karimov-minister", "anar-karimov-icesco"}
    assert "names 2 records" in result.stderr


def test_show_an_unknown_name_suggests_the_closest(cli):
    result = cli("show", "Samdov")
    assert result.exit_code == 2
    assert result.stderr.splitlines()[0] == "error: no record 'Samdov'"
    assert "nazim-samadov" in result.stderr


@pytest.mark.parametrize("fmt", ["tsv", "csv", "jsonl"])
def test_show_in_script_formats(cli, fmt):
    result = cli("show", "salim-almalik", "--format", fmt)
    assert result.exit_code == 0
    assert "Director-General" in result.stdout


# -- list -------------------------------------------------------------------------------------


def test_list_entities_json_is_valid_and_sourced(cli):
    entities = parse_json(cli("list", "entities", "--format", "json"))
    assert {"icesco", "azerbaijan", "shusha", "salim-almalik"} <= {e["id"] for e in entities}
    assert all(e["sources"] for e in entities)


def test_list_filters(cli):
    people = tsv_rows(cli("list", "entities", "--kind", "person").stdout)
    assert people and all(r["kind"] == "person" for r in people)
    met = {r["id"] for r in tsv_rows(cli("list", "entities", "--entity", "nazim-samadov").stdout)}
    assert "salim-almalik" in met and "nazim-samadov" not in met
    meetings = tsv_rows(cli("list", "events", "--kind", "meeting").stdout)
    assert meetings and all(r["kind"] == "meeting" for r in meetings)
    sources = tsv_rows(cli("list", "sources").stdout)
    # the two articles, and the reference pages that enrichment cites (no publication day)
    assert [s["published"] for s in sources if s["published"]] == [
        "2022-11-21", "2023-09-26", "2024-01-31", "2024-11-11"
    ]


def test_list_with_nothing_matching_exits_1(cli):
    assert cli("list", "entities", "--kind", "person", "--tag", "spaceship").exit_code == 1
    # a kind no record has and no usual kind is a usage error, not "nothing matched"
    assert cli("list", "entities", "--kind", "spaceship").exit_code == 2


def test_list_rejects_an_unknown_table(cli):
    result = cli("list", "meetings")
    assert result.exit_code == 2
    assert result.stderr.startswith("error: ")


# -- text from the store is text --------------------------------------------------------------


@pytest.fixture
def hostile_store(tmp_path: Path, shipped_copy: Path) -> Path:
    data = read_store(shipped_copy)
    entity = data.find("entities", "nazim-samadov")
    entity["name"] = "[bold red]Nazim[/bold red] \x1b[31mSamadov\x1b]0;pwned\x07"
    entity["description"] = '=HYPERLINK("http://evil","click")'
    save_tables(shipped_copy, data.to_json())
    return shipped_copy


def test_rich_markup_and_terminal_escapes_in_the_store_are_printed_as_text(cli, hostile_store):
    result = cli(
        "list", "entities", "--kind", "person", "--format", "table", "--db", str(hostile_store)
    )
    assert result.exit_code == 0
    assert "[bold red]Nazim[/bold red]" in result.stdout
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    assert "\\x1b[31mSamadov" in result.stdout
    tsv = cli("list", "entities", "--kind", "person", "--db", str(hostile_store)).stdout
    assert "\x1b" not in tsv


def test_csv_cells_cannot_smuggle_formulas(cli, hostile_store):
    result = cli("list", "entities", "--format", "csv", "--db", str(hostile_store))
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    description = next(r["description"] for r in rows if r["id"] == "nazim-samadov")
    assert description.startswith("'=")


# -- help, version, entry point ---------------------------------------------------------------


@pytest.mark.parametrize("command", ["timeline", "search", "show", "list"])
def test_every_read_command_has_help_with_examples(cli, command):
    result = cli(command, "--help")
    assert result.exit_code == 0
    assert "Examples" in result.stdout
    assert "--format" in result.stdout or command == "list"


def test_no_arguments_shows_help(cli):
    result = cli()
    assert result.exit_code == 0
    assert "timeline" in result.stdout


def test_an_unknown_command_is_one_line_and_exit_2(cli):
    result = cli("frobnicate")
    assert result.exit_code == 2
    assert result.stderr.startswith("error: ")


def test_installed_command_works_from_any_folder_and_ends_quietly_in_a_pipe(tmp_path):
    result = subprocess.run([PARTNERKB, "search", "Shusha", "--format", "json"], cwd=tmp_path,
                            capture_output=True, text=True, check=False)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)[0]["id"] == "shusha"
    piped = subprocess.run(f"'{PARTNERKB}' timeline --format jsonl | head -n 1", shell=True,
                           cwd=tmp_path, capture_output=True, text=True, check=False)  # fmt: skip
    assert json.loads(piped.stdout)["id"]
    assert piped.stderr == ""


def test_empty_store_timeline_is_exit_1(tmp_path, cli):
    path = tmp_path / "empty.json"
    path.write_bytes(dumps(StoreData.empty().to_json()))
    assert cli("timeline", "--db", str(path)).exit_code == 1


def test_show_the_partnership_with_its_areas_and_events_in_order(cli):
    profile = parse_json(cli("show", "icesco-azerbaijan", "--format", "json"))
    assert profile["display"]["parties"] == ["ICESCO", "Azerbaijan"]
    assert "space sciences" in profile["areas"]
    ids = [e["id"] for e in profile["timeline"]]
    assert ids.index("2021-01-almalik-visit-azerbaijan") < ids.index("2024-11-cop29-baku")
    table = cli("show", "icesco-azerbaijan", "--format", "table")
    assert "ICESCO – Azerbaijan" in table.stdout and "Events" in table.stdout


def test_show_a_source(cli):
    source = parse_json(cli("show", "newsaz-2024-01-31-samadov-almalik", "--format", "json"))
    assert (source["type"], source["published"]) == ("source", "2024-01-31")


def test_a_name_given_in_part_finds_the_one_entity_that_holds_it(cli):
    assert parse_json(cli("show", "Samadov", "--format", "json"))["id"] == "nazim-samadov"
    ids = {r["id"] for r in tsv_rows(cli("timeline", "--entity", "Benarafa").stdout)}
    assert ids == {"2022-11-20-almalik-karimov-rabat"}


def test_a_name_in_part_shared_by_several_lists_them(cli):
    result = cli("show", "Karimov")
    assert result.exit_code == 2
    assert {r["id"] for r in tsv_rows(result.stdout)} == {
        "anar-karimov-minister",
        "anar-karimov-icesco",
    }


def test_escapes_typed_or_stored_never_reach_the_terminal_through_stderr(cli):
    result = cli("show", "x\x1b[31mzz\x07")
    assert result.exit_code == 2
    assert "\x1b" not in result.stderr and "\x07" not in result.stderr
    assert "\\x1b[31mzz" in result.stderr


def test_a_reader_that_stops_early_is_not_an_error(tmp_path, shipped_copy):
    data = read_store(shipped_copy)
    template = data.find("events", "2024-01-30-samadov-almalik-rabat")
    events = data.tables["events"]
    for n in range(3000):  # well past a pipe's buffer
        events[str(1000 + n)] = {**template, "id": f"copy-{n}"}
    save_tables(shipped_copy, data.to_json())
    piped = subprocess.run(
        ["bash", "-c", f"'{PARTNERKB}' timeline --db '{shipped_copy}' | head -n 1; "
         'exit "${PIPESTATUS[0]}"'],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert piped.returncode == 0, piped.stderr
    assert piped.stderr == ""


def test_export_never_writes_over_the_store_even_with_force(cli, shipped_copy):
    before = shipped_copy.read_bytes()
    result = cli("export", "--format", "csv", "--output", str(shipped_copy), "--force", "--db",
                 str(shipped_copy))  # fmt: skip
    assert result.exit_code == 2
    assert "never writes over it" in result.stderr
    assert shipped_copy.read_bytes() == before


def test_a_dry_run_on_the_shipped_data_leaves_no_lock_file(cli):
    from partnerkb.store import shipped_store_path

    lock = Path(f"{shipped_store_path()}.lock")
    lock.unlink(missing_ok=True)
    result = cli("add-source", "--outlet", "O", "--title", "T", "--date", "2024-01-01", "--dry-run")
    assert result.exit_code == 0, result.stderr
    assert not lock.exists()


def test_a_plan_whose_date_has_passed_says_so_in_the_table_but_not_in_script_formats(cli):
    table = cli("timeline", "--planned", "--format", "table").stdout
    assert "date passed" in table
    rows = tsv_rows(cli("timeline", "--planned").stdout)
    assert {r["status"] for r in rows} == {"planned"}
    office = next(
        e
        for e in parse_json(cli("timeline", "--format", "json"))
        if e["id"] == "2023-icesco-baku-office-opening"
    )
    assert office["status"] == "planned"
    assert office["display"]["status"].startswith("planned (date passed")


def test_csv_and_tsv_timelines_carry_a_sortable_iso_day_beside_the_display_date(cli):
    for fmt in ("csv", "tsv"):
        text = cli("timeline", "--format", fmt).stdout
        rows = tsv_rows(text) if fmt == "tsv" else list(csv.DictReader(io.StringIO(text)))
        by_id = {r["id"]: r for r in rows}
        month = by_id["2024-05-shusha-culture-capital-launch"]
        assert (month["date"], month["date_sort"]) == ("May 2024", "2024-05-01")
        assert by_id["almalik-karimov-earlier-meeting"]["date_sort"] == "2022-11-20"
        days = [r["date_sort"] for r in rows]
        assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", d) for d in days)
        assert days == sorted(days)  # the timeline's order is the order of the column


def test_csv_and_tsv_carry_the_status_as_the_table_words_it(cli):
    import csv as csv_module
    import io

    office = "2023-icesco-baku-office-opening"  # a plan whose dates passed with no report
    for command in (["timeline"], ["list", "events"], ["search", "Baku office"]):
        for fmt, delimiter in (("csv", ","), ("tsv", "\t")):
            result = cli(*command, "--format", fmt)
            assert result.exit_code == 0, result.stderr
            rows = {r["id"]: r for r in csv_module.DictReader(io.StringIO(result.stdout),
                                                              delimiter=delimiter)}  # fmt: skip
            assert rows[office]["status"] == "planned", command
            assert rows[office]["status_label"].startswith("planned (date passed"), command


def test_timeline_as_of_a_day_shows_the_record_as_it_stood_then(cli):
    launch, held = "2024-05-shusha-culture-capital-launch", "2024-05-11-aliyev-almalik"
    result = cli("timeline", "--as-of", "2024-02-01", "--format", "json")
    assert result.exit_code == 0, result.stderr
    rows = {r["id"]: r for r in json.loads(result.stdout)}
    assert {r["as_of"] for r in rows.values()} == {"2024-02-01"}
    # the launch was a plan on that day; the report that it was held came in May
    assert rows[launch]["status"] == "planned" and rows[launch]["fulfilled_by"] is None
    assert rows[launch]["display"]["status"] == "planned"
    assert held not in rows
    now = {r["id"]: r for r in json.loads(cli("timeline", "--format", "json").stdout)}
    assert held in now and now[launch]["fulfilled_by"] == held
    planned = cli("timeline", "--as-of", "2024-02-01", "--planned", "--format", "json")
    assert launch in {r["id"] for r in json.loads(planned.stdout)}
    assert "as_of" in tsv_rows(cli("timeline", "--as-of", "2024-02-01").stdout)[0]


def test_timeline_as_of_before_any_report_matches_nothing_and_bad_days_are_refused(cli):
    result = cli("timeline", "--as-of", "1900-01-01")
    assert result.exit_code == 1
    assert "as the record stood on 1900-01-01" in result.stderr
    refused = cli("timeline", "--as-of", "May 2024")
    assert refused.exit_code == 2 and "--as-of needs one day" in refused.stderr
