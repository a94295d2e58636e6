"""upcoming and plans: what is coming up, what is overdue, and what became of every plan — on a
small store with known answers (see analysis_store.py) and on the shipped data."""

from __future__ import annotations

import csv
import io
import json

import pytest

from analysis_store import REFERENCE_DAY, write_store


@pytest.fixture
def store(tmp_path):
    return str(write_store(tmp_path / "kb.json"))


def run_json(cli, *args):
    result = cli(*args, "--format", "json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def ids(rows):
    return [row["id"] for row in rows]


# -- upcoming ---------------------------------------------------------------------------------


def test_upcoming_lists_open_plans_soonest_first_and_overdue_ones_longest_first(cli, store):
    answer = run_json(cli, "upcoming", "--as-of", REFERENCE_DAY, "--db", store)
    assert answer["as_of"] == REFERENCE_DAY
    assert answer["window_end"] == "2024-07-01"
    # the window spans the reference day; open-ended; fulfilled only by a later report;
    # postponed to October
    assert ids(answer["upcoming"]) == [
        "forum-2023", "exchange-open-ended", "launch-2023-08", "festival-2023-10",
    ]  # fmt: skip
    assert ids(answer["overdue"]) == ["office-opening-2022-12", "signing-2023-03"]
    assert [r["plan"]["days_overdue"] for r in answer["overdue"]] == [182, 92]


def test_upcoming_says_who_announced_each_plan(cli, store):
    answer = run_json(cli, "upcoming", "--as-of", REFERENCE_DAY, "--db", store)
    forum = answer["upcoming"][0]
    assert forum["plan"]["announced_by"] == ["gazette-2023-01-10"]
    assert forum["plan"]["display"]["announced_by"] == ["Gazette, 2023-01-10"]
    assert forum["display"]["date"] == "2023"


def test_upcoming_within_a_shorter_window_leaves_out_what_starts_after_it(cli, store):
    answer = run_json(cli, "upcoming", "--within", "90d", "--as-of", REFERENCE_DAY, "--db", store)
    assert answer["window_end"] == "2023-09-29"
    assert "festival-2023-10" not in ids(answer["upcoming"])
    assert "launch-2023-08" in ids(answer["upcoming"])


def test_upcoming_as_of_a_day_ignores_reports_published_later(cli, store):
    # on 1 February 2023 the festival was not yet postponed, the visit not yet cancelled,
    # and the open-ended exchange not yet announced
    answer = run_json(cli, "upcoming", "--as-of", "2023-02-01", "--db", store)
    upcoming = {r["id"]: r for r in answer["upcoming"]}
    assert "visit-2023-09" in upcoming
    assert upcoming["festival-2023-10"]["status_as_of"] == "planned"
    assert "exchange-open-ended" not in upcoming
    assert "summit-2024-06" not in upcoming


def test_a_fulfilment_counts_from_the_day_its_report_was_published(cli, store):
    before = run_json(cli, "upcoming", "--as-of", "2023-08-12", "--db", store)
    assert "launch-2023-08" in ids(before["upcoming"])
    after = run_json(cli, "upcoming", "--as-of", "2023-08-13", "--db", store)
    assert "launch-2023-08" not in ids(after["upcoming"])


def test_upcoming_by_entity(cli, store):
    answer = run_json(
        cli, "upcoming", "--entity", "Quinn Roe", "--as-of", REFERENCE_DAY, "--db", store
    )
    assert ids(answer["upcoming"]) == ["launch-2023-08", "festival-2023-10"]
    assert answer["overdue"] == []


def test_upcoming_table_caption_says_the_reference_day(cli, store):
    result = cli("upcoming", "--as-of", REFERENCE_DAY, "--db", store, "--format", "table")
    assert result.exit_code == 0
    assert "as of 1 July 2023 (reference day)" in result.stdout
    assert "Overdue plans" in result.stdout and "182 days ago" in result.stdout


def test_upcoming_piped_is_tsv_with_the_section_and_reference_day(cli, store):
    result = cli("upcoming", "--as-of", REFERENCE_DAY, "--db", store)
    rows = list(csv.DictReader(io.StringIO(result.stdout), delimiter="\t"))
    assert [(r["section"], r["id"]) for r in rows][-2:] == [
        ("overdue", "office-opening-2022-12"), ("overdue", "signing-2023-03"),
    ]  # fmt: skip
    assert {r["as_of"] for r in rows} == {REFERENCE_DAY}
    assert rows[0]["date"] == "2023"


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_upcoming_other_formats_carry_the_reference_day(cli, store, fmt):
    result = cli("upcoming", "--as-of", REFERENCE_DAY, "--db", store, "--format", fmt)
    assert result.exit_code == 0
    if fmt == "jsonl":
        lines = [json.loads(line) for line in result.stdout.splitlines()]
        assert len(lines) == 6 and {line["as_of"] for line in lines} == {REFERENCE_DAY}
    else:
        rows = list(csv.DictReader(io.StringIO(result.stdout)))
        assert len(rows) == 6 and rows[0]["as_of"] == REFERENCE_DAY


def test_upcoming_with_nothing_ahead_or_overdue_exits_1(cli, store):
    result = cli("upcoming", "--as-of", "2020-01-01", "--db", store)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.startswith("error: no plan is coming up")


@pytest.mark.parametrize(
    "args, needle",
    [
        (["--within", "soon"], "--within: cannot read the span 'soon'"),
        (["--within", "0d"], "empty"),
        (["--as-of", "May 2024"], "--as-of needs one day"),
        (["--as-of", "someday"], "cannot read the date"),
        (["--entity", "Nobody At All"], "no entity"),
    ],
)
def test_upcoming_bad_input_is_one_line_and_exit_2(cli, store, args, needle):
    result = cli("upcoming", *args, "--db", store)
    assert result.exit_code == 2
    assert needle in result.stderr
    assert "Traceback" not in result.stderr


# -- plans ------------------------------------------------------------------------------------


def plans_as_of(cli, store, day, *flags):
    answer = run_json(cli, "plans", "--as-of", day, "--db", store, *flags)
    assert answer["as_of"] == day
    return {row["id"]: row["plan"] for row in answer["plans"]}


def test_plans_say_what_became_of_each_promise(cli, store):
    plans = plans_as_of(cli, store, "2024-04-01")
    assert plans["signing-2023-03"]["state"] == "fulfilled"
    assert plans["signing-2023-03"]["fulfilled_by"] == "signing-held-2023-05-10"
    assert plans["signing-2023-03"]["delay_days"] == 40
    assert plans["signing-2023-03"]["text"] == (
        "expected in March 2023, held on 10 May 2023: 40 days late"
    )
    assert plans["launch-2023-08"]["text"] == (
        "expected in August 2023, held on 12 August 2023: within the window"
    )
    assert plans["launch-2023-08"]["delay_days"] == 0
    assert plans["office-opening-2022-12"]["text"] == (
        "planned for December 2022: no report since, window passed 457 days ago"
    )
    assert plans["festival-2023-10"]["state"] == "overdue"
    assert plans["festival-2023-10"]["text"].startswith("planned for October 2023: postponed,")
    assert plans["visit-2023-09"]["state"] == "cancelled"
    assert plans["exchange-open-ended"]["text"].endswith("open, no end date given")
    assert plans["summit-2024-06"]["state"] == "open"
    # an event that simply happened is no plan; the events that fulfil plans are not plans
    assert "meeting-2022-05-03" not in plans and "signing-held-2023-05-10" not in plans


def test_plans_fulfilled_late_is_overdue_until_the_report_of_it(cli, store):
    plans = plans_as_of(cli, store, REFERENCE_DAY)
    assert plans["signing-2023-03"]["state"] == "overdue"
    assert plans["signing-2023-03"]["days_overdue"] == 92
    assert "summit-2024-06" not in plans


@pytest.mark.parametrize(
    "flags, expected",
    [
        (["--open"], {"forum-2023", "exchange-open-ended", "launch-2023-08", "festival-2023-10"}),
        (["--overdue"], {"office-opening-2022-12", "signing-2023-03"}),
        (["--cancelled"], {"visit-2023-09"}),
        (["--open", "--overdue"], {"forum-2023", "exchange-open-ended", "launch-2023-08",
                                   "festival-2023-10", "office-opening-2022-12",
                                   "signing-2023-03"}),
    ],
)  # fmt: skip
def test_plans_filters(cli, store, flags, expected):
    assert set(plans_as_of(cli, store, REFERENCE_DAY, *flags)) == expected


def test_plans_fulfilled_and_counts(cli, store):
    answer = run_json(cli, "plans", "--fulfilled", "--as-of", "2024-04-01", "--db", store)
    assert ids(answer["plans"]) == ["signing-2023-03", "launch-2023-08"]
    assert answer["counts"]["fulfilled"] == 2


def test_plans_with_no_plan_left_exits_1(cli, store):
    result = cli("plans", "--fulfilled", "--as-of", REFERENCE_DAY, "--db", store)
    assert result.exit_code == 1
    assert "no plan is fulfilled or happened" in result.stderr


def test_plans_table_and_tsv(cli, store):
    table = cli("plans", "--as-of", REFERENCE_DAY, "--db", store, "--format", "table")
    assert "as of 1 July 2023 (reference day)" in table.stdout
    assert "Plans and outcomes" in table.stdout
    tsv = cli("plans", "--as-of", REFERENCE_DAY, "--db", store)
    rows = {r["id"]: r for r in csv.DictReader(io.StringIO(tsv.stdout), delimiter="\t")}
    assert rows["signing-2023-03"]["days_overdue"] == "92"
    assert rows["signing-2023-03"]["as_of"] == REFERENCE_DAY


# -- add-event / add-meeting --fulfils ------------------------------------------------------


def test_add_event_fulfils_a_plan_and_plans_reports_it(cli, store):
    result = cli(
        "add-event", "--kind", "opening", "--date", "2023-02-20", "--participant", "Alpha Council",
        "--participant", "Betaland", "--fulfils", "office-opening-2022-12",
        "--source", "herald-2023-06-15", "--db", store,
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    new_id = result.stdout.strip()
    shown = run_json(cli, "show", "office-opening-2022-12", "--db", store)
    assert shown["fulfilled_by"] == new_id
    assert run_json(cli, "show", new_id, "--db", store)["fulfils"] == "office-opening-2022-12"
    plans = plans_as_of(cli, store, REFERENCE_DAY)
    assert plans["office-opening-2022-12"]["state"] == "fulfilled"
    assert plans["office-opening-2022-12"]["delay_days"] == 51


def test_add_meeting_fulfils_by_title(cli, store):
    result = cli(
        "add-meeting", "--date", "2023-08-05", "--participant", "Quinn Roe",
        "--participant", "Pat Doe", "--fulfils", "Forum 2023", "--source", "herald-2023-08-13",
        "--db", store,
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    plans = plans_as_of(cli, store, "2023-09-01")
    assert plans["forum-2023"]["state"] == "fulfilled"


@pytest.mark.parametrize(
    "plan, needle",
    [
        ("meeting-2022-05-03", "was never planned"),
        ("signing-2023-03", "already fulfilled by signing-held-2023-05-10"),
        ("no-such-plan", "no event"),
    ],
)
def test_fulfils_refuses_what_is_not_an_open_plan(cli, store, plan, needle):
    before = open(store, "rb").read()
    result = cli(
        "add-event", "--kind", "visit", "--date", "2023-02-20", "--participant", "Pat Doe",
        "--fulfils", plan, "--source", "herald-2023-06-15", "--db", store,
    )  # fmt: skip
    assert result.exit_code == 2
    assert needle in result.stderr
    assert open(store, "rb").read() == before


# -- the shipped data -------------------------------------------------------------------------


def test_shipped_upcoming_as_of_1_february_2024(cli):
    answer = run_json(cli, "upcoming", "--as-of", "2024-02-01")
    upcoming = ids(answer["upcoming"])
    for plan in (
        "2024-05-shusha-culture-capital-launch",
        "2024-11-cop29-baku",
        "world-forum-intercultural-dialogue-baku",
    ):
        assert plan in upcoming
    assert "2023-icesco-baku-office-opening" in ids(answer["overdue"])
    assert "2023-icesco-baku-office-opening" not in upcoming
    launch = next(r for r in answer["upcoming"] if r["id"].endswith("culture-capital-launch"))
    assert launch["display"]["date"] == "May 2024"
    office = next(r for r in answer["overdue"] if r["id"] == "2023-icesco-baku-office-opening")
    assert office["display"]["date"] == "early 2023 (approx.)"
    assert office["plan"]["days_overdue"] == 277  # 30 April 2023 to 1 February 2024


def test_shipped_launch_stays_upcoming_as_of_february_once_its_outcome_is_recorded(
    cli, shipped_copy
):
    """The launch's outcome (11 May 2024) is recorded — by the shipped data's follow-up article,
    or here as that article would record it — and February's answer does not change."""
    db = str(shipped_copy)
    plan = run_json(cli, "show", "2024-05-shusha-culture-capital-launch", "--db", db)
    if not plan.get("fulfilled_by"):
        source = cli(
            "add-source", "--outlet", "ICESCO", "--title", "Shusha celebration begins",
            "--date", "2024-05-11", "--db", db,
        )  # fmt: skip
        assert source.exit_code == 0, source.stderr
        held = cli(
            "add-event", "--kind", "launch", "--date", "2024-05-11", "--status", "happened",
            "--participant", "shusha:subject", "--organization", "icesco",
            "--fulfils", "2024-05-shusha-culture-capital-launch",
            "--source", source.stdout.strip(), "--db", db,
        )  # fmt: skip
        assert held.exit_code == 0, held.stderr
    february = run_json(cli, "upcoming", "--as-of", "2024-02-01", "--db", db)
    assert "2024-05-shusha-culture-capital-launch" in ids(february["upcoming"])
    june = plans_as_of(cli, db, "2024-06-01")
    assert june["2024-05-shusha-culture-capital-launch"]["text"] == (
        "expected in May 2024, held on 11 May 2024: within the window"
    )


def test_shipped_plans_report_the_baku_office_as_overdue(cli):
    answer = run_json(cli, "plans", "--overdue", "--as-of", "2024-02-01")
    office = next(r for r in answer["plans"] if r["id"] == "2023-icesco-baku-office-opening")
    assert office["plan"]["text"].startswith(
        "planned for early 2023 (approx.): no report since, window passed 277 days ago"
    )


def test_the_latest_report_wins_whatever_order_the_reports_were_entered_in(cli, tmp_path):
    """A report of January entered after one of June does not undo the June postponement."""
    import copy

    from analysis_store import EVENTS

    events = copy.deepcopy(EVENTS)
    festival = next(e for e in events if e["id"] == "festival-2023-10")
    festival["status_history"].reverse()  # postponed (June), then planned (January)
    festival["status"] = "planned"
    db = str(write_store(tmp_path / "kb.json", events=events))
    plans = plans_as_of(cli, db, REFERENCE_DAY)
    assert plans["festival-2023-10"]["status"] == "postponed"
    assert plans_as_of(cli, db, "2023-02-01")["festival-2023-10"]["status"] == "planned"


def test_a_request_awaiting_an_answer_is_pending_like_a_plan(cli, tmp_path):
    import copy

    from analysis_store import EVENTS, G23, H23, _event

    events = copy.deepcopy(EVENTS)
    events.append(_event("permit-2023", "request", "2023", [("requested", G23)],
                         [("betaland", "requester")], ["alpha-council"]))  # fmt: skip
    events.append(_event("tour-2023", "celebration", "2023", [("ongoing", H23)],
                         [("betaland", "host")], ["alpha-council"]))  # fmt: skip
    db = str(write_store(tmp_path / "kb.json", events=events))
    plans = plans_as_of(cli, db, REFERENCE_DAY)
    assert plans["permit-2023"]["state"] == "open"
    assert plans["permit-2023"]["text"].startswith("requested for 2023: open")
    assert "tour-2023" not in plans  # under way, not a plan
