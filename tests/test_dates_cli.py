"""Dates at every entry point: flags, --from-json, import (and its mapping), edit --set date=,
role dates, source dates, --since/--until, --as-of and --date-order. Refused dates exit 2 with
one line and the store byte for byte as it was; relative phrases follow the reference day."""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

import pytest

from partnerkb.cli import write as write_cli
from partnerkb.dates import REFUSED
from partnerkb.store import read_store

NEWSAZ = "newsaz-2024-01-31-samadov-almalik"  # published 2024-01-31
ICESCO_2022 = "icesco-2022-11-21-shusha-medal"  # published 2022-11-21
MEETING = ["--participant", "icesco", "--participant", "morocco"]


def meeting(cli, db: Path, *args: str, input: str | None = None):
    return cli("add-meeting", "--db", str(db), *MEETING, *args, input=input)


def event(db: Path, event_id: str) -> dict:
    found = read_store(db).find("events", event_id)
    assert found is not None
    return found


def undated_source(cli, db: Path) -> str:
    result = cli("add-source", "--db", str(db), "--outlet", "Notes", "--title", "A call")
    assert result.exit_code == 0, result.stderr
    return result.stdout.strip()


def assert_refused(result, db: Path, before: bytes, *words: str) -> None:
    assert result.exit_code == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    error_lines = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(error_lines) == 1, result.stderr
    for word in words:
        assert word in error_lines[0], result.stderr
    assert db.read_bytes() == before


# -- the acceptance cases of issue 8 ------------------------------------------------------------


def test_later_this_year_citing_a_source_of_2024_01_31_is_a_planned_2024_window(cli, shipped_copy):
    result = meeting(cli, shipped_copy, "--date", "later this year", "--source", NEWSAZ)
    assert result.exit_code == 0, result.stderr
    stored = event(shipped_copy, result.stdout.strip())
    assert stored["date"] == {
        "edtf": "[2024-01-31..2024-12-31]", "earliest": "2024-01-31", "latest": "2024-12-31",
        "phrase": "later this year", "resolved_against": "2024-01-31",
    }  # fmt: skip
    assert stored["status"] == "planned"
    assert stored["status_history"][0]["as_of"] == "2024-01-31"
    assert "resolved against today" not in result.stderr


def test_the_same_with_as_of_and_a_source_without_a_date(cli, shipped_copy):
    source = undated_source(cli, shipped_copy)
    result = meeting(cli, shipped_copy, "--date", "later this year", "--source", source,
                     "--as-of", "2024-01-31")  # fmt: skip
    assert result.exit_code == 0, result.stderr
    stored = event(shipped_copy, result.stdout.strip())
    assert stored["date"]["edtf"] == "[2024-01-31..2024-12-31]"
    assert stored["date"]["resolved_against"] == "2024-01-31"
    assert stored["status"] == "planned"
    assert stored["status_history"][0]["as_of"] == "2024-01-31"


def test_without_as_of_or_a_dated_source_today_is_used_and_stderr_says_so_once(cli, shipped_copy):
    source = undated_source(cli, shipped_copy)
    result = meeting(cli, shipped_copy, "--date", "yesterday", "--source", source)
    assert result.exit_code == 0, result.stderr
    stored = event(shipped_copy, result.stdout.strip())
    today = date.today()
    assert stored["date"]["resolved_against"] == today.isoformat()
    notes = [line for line in result.stderr.splitlines() if "resolved against today" in line]
    assert len(notes) == 1 and "'yesterday'" in notes[0] and "--as-of" in notes[0]


def test_as_of_wins_over_the_sources_day(cli, shipped_copy):
    result = meeting(cli, shipped_copy, "--date", "next month", "--source", NEWSAZ,
                     "--as-of", "30 June 2024")  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert event(shipped_copy, result.stdout.strip())["date"]["edtf"] == "2024-07"


def test_a_relative_date_citing_sources_of_different_days_needs_as_of(cli, shipped_copy):
    before = shipped_copy.read_bytes()
    result = meeting(cli, shipped_copy, "--date", "last week", "--source", NEWSAZ,
                     "--source", ICESCO_2022)  # fmt: skip
    assert_refused(result, shipped_copy, before, "relative", "different days")
    assert "--as-of" in result.stderr


def test_status_follows_the_reference_day_not_the_day_of_typing(cli, shipped_copy):
    # 2024-03-05 is long past today, but after the day of the report that cites it
    result = meeting(cli, shipped_copy, "--date", "2024-03-05", "--source", NEWSAZ)
    stored = event(shipped_copy, result.stdout.strip())
    assert (stored["status"], stored["status_history"][0]["as_of"]) == ("planned", "2024-01-31")
    shown = cli("show", "--db", str(shipped_copy), stored["id"], "--format", "json")
    assert "date passed" in json.loads(shown.stdout)["display"]["status"]


# -- a status no report dates is never stamped with the day of typing -------------------------


def test_a_status_no_report_dates_is_known_from_when_the_event_ended_not_the_day_of_typing(
    cli, shipped_copy
):
    source = undated_source(cli, shipped_copy)
    result = meeting(cli, shipped_copy, "--date", "1-3 May 1990", "--source", source)
    assert result.exit_code == 0, result.stderr
    stored = event(shipped_copy, result.stdout.strip())
    assert stored["status"] == "happened"
    assert stored["status_history"][0]["as_of"] == "1990-05-03"
    # answered as of 1995, the record knew it: it had happened by then
    partners = cli("partners", "--db", str(shipped_copy), "icesco", "--as-of", "1995-01-01",
                   "--format", "json")  # fmt: skip
    assert partners.exit_code == 0, partners.stderr
    assert "morocco" in {row["id"] for row in json.loads(partners.stdout)["partners"]}


def test_a_plan_no_report_dates_counts_on_every_day(cli, shipped_copy):
    source = undated_source(cli, shipped_copy)
    result = meeting(cli, shipped_copy, "--date", "May 2031", "--source", source)
    stored = event(shipped_copy, result.stdout.strip())
    assert stored["status"] == "planned"
    assert stored["status_history"][0]["as_of"] is None
    upcoming = cli("upcoming", "--db", str(shipped_copy), "--as-of", "2030-12-01",
                   "--format", "json")  # fmt: skip
    assert stored["id"] in {row["id"] for row in json.loads(upcoming.stdout)["upcoming"]}


def test_an_edit_of_status_citing_an_undated_source_is_not_stamped_today(cli, shipped_copy):
    source = undated_source(cli, shipped_copy)
    plan = meeting(cli, shipped_copy, "--date", "2020-03-05", "--status", "planned",
                   "--source", NEWSAZ, "--as-of", "2020-01-01").stdout.strip()  # fmt: skip
    result = cli("edit", "--db", str(shipped_copy), plan, "--set", "status=happened",
                 "--source", source)  # fmt: skip
    assert result.exit_code == 0, result.stderr
    history = event(shipped_copy, plan)["status_history"]
    assert [(h["status"], h["as_of"]) for h in history] == [
        ("planned", "2020-01-01"), ("happened", "2020-03-05")
    ]


def test_an_import_whose_rows_cite_no_dated_source_answers_as_of_questions(cli, tmp_path):
    db = tmp_path / "kb.json"
    assert cli("init", "--db", str(db)).exit_code == 0
    rows = tmp_path / "trips.csv"
    rows.write_text(
        "date,participants,place,title\n"
        "1988-02-26/1988-02-28,Ann Lee:guest; Bo Ray:host,Oslo,First trip\n"
        "1994-06-01,Ann Lee:guest; Bo Ray:host,Oslo,Second trip\n",
        encoding="utf-8",
    )
    source = cli("add-source", "--db", str(db), "--outlet", "Archive", "--title", "Travels")
    result = cli("import", "--db", str(db), str(rows), "--source", source.stdout.strip(),
                 "--create-missing", "--kind", "Oslo=place")  # fmt: skip
    assert result.exit_code == 0, result.stderr
    days = {e["title"]: e["status_history"][0]["as_of"] for e in read_store(db).records("events")}
    assert days == {"First trip": "1988-02-28", "Second trip": "1994-06-01"}
    stats = cli("stats", "--db", str(db), "--as-of", "1990-01-01", "--format", "json")
    assert stats.exit_code == 0, stats.stderr
    assert json.loads(stats.stdout)["total"] == 1
    timeline = cli("timeline", "--db", str(db), "--as-of", "1990", "--format", "json")
    assert timeline.exit_code == 2  # a year is not a day
    timeline = cli("timeline", "--db", str(db), "--as-of", "1990-01-01", "--format", "json")
    assert [r["title"] for r in json.loads(timeline.stdout)] == ["First trip"]


# -- a status the day of the report cannot give ---------------------------------------------


@pytest.mark.parametrize("status", ["happened", "ongoing", "Happened"])
def test_happened_or_ongoing_for_an_event_after_the_day_of_the_report_is_refused(
    cli, shipped_copy, status
):
    before = shipped_copy.read_bytes()
    result = meeting(cli, shipped_copy, "--date", "2024-03-05", "--status", status,
                     "--source", NEWSAZ)  # fmt: skip
    assert_refused(result, shipped_copy, before, "status", "after the day of the report")
    assert "--as-of" in result.stderr


def test_happened_after_the_day_of_the_report_is_refused_by_edit_and_import(
    cli, shipped_copy, tmp_path
):
    before = shipped_copy.read_bytes()
    result = cli("edit", "--db", str(shipped_copy), "2024-11-cop29-baku", "--set",
                 "status=happened", "--source", NEWSAZ)  # fmt: skip
    assert_refused(result, shipped_copy, before, "status", "after the day of the report")
    rows = tmp_path / "rows.csv"
    rows.write_text("date,participants,status\n2024-03-05,icesco; morocco,happened\n")
    result = cli("import", "--db", str(shipped_copy), str(rows), "--source", NEWSAZ)
    assert result.exit_code == 2, result.stderr
    assert "after the day of the report" in result.stderr
    assert shipped_copy.read_bytes() == before


def test_happened_for_an_event_that_began_by_the_day_of_the_report_is_kept(cli, shipped_copy):
    result = meeting(cli, shipped_copy, "--date", "January 2024", "--status", "happened",
                     "--source", NEWSAZ)  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert event(shipped_copy, result.stdout.strip())["status"] == "happened"


@pytest.mark.parametrize(
    ("typed", "edtf"),
    [("1-3 May 2024", "2024-05-01/2024-05-03"), ("15-20 May 2024", "2024-05-15/2024-05-20"),
     ("2024-01-02T00:00:00Z", "2024-01-02"), ("4 April 0004", "0004-04-04"),
     ("May 1-3, 2024", "2024-05-01/2024-05-03"), ("2024-5-6 to 2024-5-8", "2024-05-06/2024-05-08"),
     ("30 January – 2 February 2024", "2024-01-30/2024-02-02")],
)  # fmt: skip
def test_the_issue_rows_are_stored_as_meant(cli, shipped_copy, typed, edtf):
    result = meeting(cli, shipped_copy, "--date", typed, "--source", NEWSAZ, "--dry-run")
    assert result.exit_code == 0, result.stderr
    (record,) = [r["record"] for r in json.loads(result.stdout) if r["table"] == "events"]
    assert record["date"]["edtf"] == edtf


# -- refused, everywhere: exit 2, one line, the store untouched ---------------------------------


@pytest.mark.parametrize(("typed", "reason"), REFUSED)
def test_a_refused_date_flag_exits_2_with_one_line_and_the_store_unchanged(
    cli, shipped_copy, typed, reason
):
    before = shipped_copy.read_bytes()
    result = meeting(cli, shipped_copy, "--date", typed, "--source", NEWSAZ)
    assert_refused(result, shipped_copy, before, reason)


ENTRY_POINTS = {
    "add-event --date": lambda db, d: ["add-event", "--db", db, "--kind", "visit", "--date", d,
                                       "--participant", "icesco", "--source", NEWSAZ],
    "add-role --from": lambda db, d: ["add-role", "--db", db, "nazim-samadov", "--title",
                                      "Envoy", "--from", d, "--source", NEWSAZ],
    "add-role --until": lambda db, d: ["add-role", "--db", db, "nazim-samadov", "--title",
                                       "Envoy", "--until", d, "--source", NEWSAZ],
    "add-entity --role-from": lambda db, d: ["add-entity", "--db", db, "Jane Roe", "--kind",
                                             "person", "--role-title", "Envoy", "--role-from", d,
                                             "--source", NEWSAZ],
    "add-source --date": lambda db, d: ["add-source", "--db", db, "--outlet", "X", "--title",
                                        "Y", "--date", d],
    "--source-date": lambda db, d: ["add-meeting", "--db", db, *MEETING, "--date", "2024-01-30",
                                    "--source-outlet", "X", "--source-title", "Y",
                                    "--source-date", d],
    "edit --set date=": lambda db, d: ["edit", "--db", db, "2024-01-30-samadov-almalik-rabat",
                                       "--set", f"date={d}"],
    "edit --set roles.1.from=": lambda db, d: ["edit", "--db", db, "nazim-samadov", "--set",
                                               f"roles.1.from={d}"],
    "edit --set published=": lambda db, d: ["edit", "--db", db, NEWSAZ, "--set",
                                            f"published={d}"],
    "--as-of": lambda db, d: ["add-meeting", "--db", db, *MEETING, "--date", "2024-01-30",
                              "--source", NEWSAZ, "--as-of", d],
    "timeline --since": lambda db, d: ["timeline", "--db", db, "--since", d],
    "timeline --until": lambda db, d: ["timeline", "--db", db, "--until", d],
    "search --since": lambda db, d: ["search", "Shusha", "--db", db, "--since", d],
    "export --until": lambda db, d: ["export", "--db", db, "--format", "json", "--until", d],
}  # fmt: skip


@pytest.mark.parametrize("entry", sorted(ENTRY_POINTS))
@pytest.mark.parametrize(("typed", "reason"), [("06/05/2024", "ambiguous"),
                                               ("5 Jun 68", "two-digit year")])  # fmt: skip
def test_every_entry_point_that_takes_a_date_refuses_the_same_way(
    cli, shipped_copy, entry, typed, reason
):
    before = shipped_copy.read_bytes()
    result = cli(*ENTRY_POINTS[entry](str(shipped_copy), typed))
    assert_refused(result, shipped_copy, before, reason)


@pytest.mark.parametrize("entry", sorted(ENTRY_POINTS))
def test_every_entry_point_that_takes_a_date_reads_it_with_the_date_order(cli, shipped_copy, entry):
    result = cli(*ENTRY_POINTS[entry](str(shipped_copy), "31/01/2024"), "--date-order", "dmy")
    assert result.exit_code == 0, result.stderr


def test_from_json_dates_go_through_the_grammar(cli, shipped_copy):
    before = shipped_copy.read_bytes()
    item = {"date": "06/05/2024", "participants": ["icesco", "morocco"], "source": NEWSAZ}
    result = cli("add-meeting", "--db", str(shipped_copy), "--from-json", "-",
                 input=json.dumps(item))  # fmt: skip
    assert_refused(result, shipped_copy, before, "line 1", "ambiguous")
    result = cli("add-meeting", "--db", str(shipped_copy), "--from-json", "-", "--date-order",
                 "mdy", "--dry-run", input=json.dumps(item))  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert '"2024-06-05"' in result.stdout


def test_a_prompt_refuses_an_ambiguous_date_and_asks_again(cli, shipped_copy, monkeypatch):
    monkeypatch.setattr(write_cli, "interactive", lambda: True)
    answers = ["06/05/2024", "6 May 2024", "Rabat"]
    result = cli("add-meeting", "--db", str(shipped_copy), *MEETING, "--source", NEWSAZ,
                 input="\n".join(answers) + "\n")  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert "ambiguous" in result.stderr
    event_id = result.stdout.strip().splitlines()[-1]  # the runner echoes the answers
    assert event(shipped_copy, event_id)["date"]["edtf"] == "2024-05-06"


# -- the date order: flag, environment, mapping --------------------------------------------------


def test_the_environment_sets_the_date_order_and_the_flag_wins(cli, shipped_copy):
    args = ["--date", "06/05/2024", "--source", NEWSAZ, "--dry-run"]
    by_env = cli("add-meeting", "--db", str(shipped_copy), *MEETING, *args,
                 env={"PARTNERKB_DATE_ORDER": "mdy"})  # fmt: skip
    assert '"2024-06-05"' in by_env.stdout, by_env.stderr
    by_flag = cli("add-meeting", "--db", str(shipped_copy), *MEETING, *args, "--date-order",
                  "dmy", env={"PARTNERKB_DATE_ORDER": "mdy"})  # fmt: skip
    assert '"2024-05-06"' in by_flag.stdout, by_flag.stderr


def test_an_unknown_date_order_is_refused(cli, shipped_copy):
    before = shipped_copy.read_bytes()
    result = meeting(cli, shipped_copy, "--date", "2024-01-30", "--source", NEWSAZ,
                     "--date-order", "ymd")  # fmt: skip
    assert_refused(result, shipped_copy, before, "--date-order", "'ymd'")
    result = cli("add-meeting", "--db", str(shipped_copy), *MEETING, "--date", "2024-01-30",
                 "--source", NEWSAZ, env={"PARTNERKB_DATE_ORDER": "day first"})  # fmt: skip
    assert_refused(result, shipped_copy, before, "$PARTNERKB_DATE_ORDER")


def _csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["When", "Who"])
        writer.writerows(rows)
    return path


def test_import_refuses_ambiguous_rows_naming_them_and_writes_nothing(cli, shipped_copy, tmp_path):
    before = shipped_copy.read_bytes()
    path = _csv(tmp_path / "m.csv", [["2024-05-06", "icesco; morocco"],
                                     ["06/05/2024", "icesco; morocco"]])  # fmt: skip
    result = cli("--db", str(shipped_copy), "import", str(path), "--map",
                 "When=date,Who=participants", "--source", NEWSAZ)  # fmt: skip
    assert result.exit_code == 2
    assert "row 3: date: cannot read the date '06/05/2024': ambiguous" in result.stderr
    assert shipped_copy.read_bytes() == before


def test_a_mapping_says_its_files_date_order_and_the_flag_wins(cli, shipped_copy, tmp_path):
    path = _csv(tmp_path / "m.csv", [["06/05/2024", "icesco; morocco"]])
    mapping = tmp_path / "map.json"
    fields = {"date": "{When}", "participants": "{Who}"}
    mapping.write_text(json.dumps({"date_order": "dmy", "fields": fields}))
    base = ["--db", str(shipped_copy), "import", str(path), "--mapping", str(mapping),
            "--source", NEWSAZ, "--dry-run"]  # fmt: skip
    by_mapping = cli(*base, env={"PARTNERKB_DATE_ORDER": "mdy"})
    assert by_mapping.exit_code == 0, by_mapping.stderr
    assert "2024-05-06-" in by_mapping.stdout + by_mapping.stderr
    by_flag = cli(*base, "--date-order", "mdy")
    assert "2024-06-05-" in by_flag.stdout + by_flag.stderr


def test_a_mapping_with_an_unknown_date_order_is_refused(cli, shipped_copy, tmp_path):
    path = _csv(tmp_path / "m.csv", [["2024-05-06", "icesco; morocco"]])
    mapping = tmp_path / "map.json"
    mapping.write_text(json.dumps({"date_order": "ydm", "fields": {"date": "{When}"}}))
    result = cli("--db", str(shipped_copy), "import", str(path), "--mapping", str(mapping))
    assert result.exit_code == 2
    assert "date_order" in result.stderr


def test_import_reads_relative_dates_against_as_of_and_the_rows_source(cli, shipped_copy, tmp_path):
    path = _csv(tmp_path / "m.csv", [["later this year", "icesco; morocco"]])
    base = ["--db", str(shipped_copy), "import", str(path), "--map", "When=date,Who=participants"]
    result = cli(*base, "--source", NEWSAZ)
    assert result.exit_code == 0, result.stderr
    stored = event(shipped_copy, result.stdout.split()[0])
    assert stored["date"]["resolved_against"] == "2024-01-31"
    assert stored["status"] == "planned"
    assert stored["status_history"][0]["as_of"] == "2024-01-31"


def test_import_as_of_is_the_reference_day(cli, shipped_copy, tmp_path):
    source = undated_source(cli, shipped_copy)
    path = _csv(tmp_path / "m.csv", [["next month", "icesco; morocco"]])
    result = cli("--db", str(shipped_copy), "import", str(path), "--map",
                 "When=date,Who=participants", "--source", source,
                 "--as-of", "2022-11-21")  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert event(shipped_copy, result.stdout.split()[0])["date"]["edtf"] == "2022-12"


# -- re-resolving an old date, role dates, source dates ------------------------------------------


def test_edit_re_resolves_a_date_against_as_of(cli, shipped_copy):
    event_id = "2024-01-30-samadov-almalik-rabat"
    result = cli("edit", "--db", str(shipped_copy), event_id, "--set",
                 "date=later this year", "--as-of", "2024-01-31")  # fmt: skip
    assert result.exit_code == 0, result.stderr
    when = event(shipped_copy, event_id)["date"]
    assert (when["edtf"], when["resolved_against"]) == ("[2024-01-31..2024-12-31]", "2024-01-31")


def test_edit_without_as_of_reads_against_the_records_source(cli, shipped_copy):
    event_id = "2024-01-30-samadov-almalik-rabat"
    result = cli("edit", "--db", str(shipped_copy), event_id, "--set", "date=yesterday")
    assert result.exit_code == 0, result.stderr
    assert event(shipped_copy, event_id)["date"]["edtf"] == "2024-01-30"


def test_role_dates_read_against_the_cited_source(cli, shipped_copy):
    result = cli("add-role", "--db", str(shipped_copy), "nazim-samadov", "--title", "Envoy",
                 "--from", "last year", "--source", NEWSAZ)  # fmt: skip
    assert result.exit_code == 0, result.stderr
    person = read_store(shipped_copy).find("entities", "nazim-samadov")
    role = next(r for r in person["roles"] if r["title"] == "Envoy")
    assert role["from"]["edtf"] == "2023" and role["from"]["resolved_against"] == "2024-01-31"


def test_a_source_date_is_one_day_in_any_form(cli, shipped_copy):
    result = cli("add-source", "--db", str(shipped_copy), "--outlet", "X", "--title", "Y",
                 "--date", "Tuesday, January 30, 2024")  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert read_store(shipped_copy).find("sources", result.stdout.strip())["published"] == (
        "2024-01-30"
    )


def test_since_and_until_read_relative_dates_and_ranges(cli, shipped_copy):
    result = cli("timeline", "--db", str(shipped_copy), "--since", "1-3 May 2024",
                 "--format", "json")  # fmt: skip
    assert result.exit_code in (0, 1), result.stderr


# -- export -o - ------------------------------------------------------------------------------


def test_export_to_dash_writes_stdout_and_no_file(cli, shipped_copy, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = cli("export", "--db", str(shipped_copy), "--format", "jsonl", "-o", "-")
    assert result.exit_code == 0, result.stderr
    assert not (tmp_path / "-").exists()
    assert all(json.loads(line) for line in result.stdout.splitlines())


def test_every_reading_command_takes_the_date_order_its_hint_names(cli):
    """An all-numeric --as-of, --at or --since is refused as ambiguous, and read once
    --date-order says how (the hint names the option, so every command that reads dates has it)."""
    ambiguous = [
        ["upcoming", "--as-of", "01/02/2024"],
        ["plans", "--as-of", "01/02/2024"],
        ["partners", "icesco", "--as-of", "01/02/2024"],
        ["roles", "--at", "20/11/2022"],
        ["stats", "--since", "01/02/2022"],
        ["check", "--as-of", "01/02/2024"],
    ]
    for args in ambiguous:
        refused = cli(*args)
        assert refused.exit_code == 2, args
        assert "--date-order" in refused.stderr, args
        read = cli(*args, "--date-order", "dmy", "--format", "json")
        assert read.exit_code in (0, 1), (args, read.stderr)
        assert "ambiguous" not in read.stderr, args
    as_of = cli("plans", "--as-of", "01/02/2024", "--date-order", "dmy", "--format", "json")
    assert "2024-02-01" in as_of.stdout
