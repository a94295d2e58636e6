"""Fuzzy dates: parsing what people and sources write, EDTF bounds, display, sorting, overlap."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from partnerkb.dates import (
    FuzzyDate,
    edtf_bounds,
    edtf_display,
    overlaps,
    parse_bound,
    parse_date,
    sort_key,
)
from partnerkb.errors import InvalidInput

ARTICLE_2024 = date(2024, 1, 31)
ARTICLE_2022 = date(2022, 11, 21)


@pytest.mark.parametrize(
    ("text", "edtf", "earliest", "latest", "shown"),
    [
        ("2024-01-30", "2024-01-30", "2024-01-30", "2024-01-30", "30 January 2024"),
        ("30 Jan 2024", "2024-01-30", "2024-01-30", "2024-01-30", "30 January 2024"),
        ("Tuesday 30 January 2024", "2024-01-30", "2024-01-30", "2024-01-30", "30 January 2024"),
        ("May 2024", "2024-05", "2024-05-01", "2024-05-31", "May 2024"),
        ("2024", "2024", "2024-01-01", "2024-12-31", "2024"),
        ("February 2024", "2024-02", "2024-02-01", "2024-02-29", "February 2024"),
        ("early 2023", "2023-01~/2023-04~", "2023-01-01", "2023-04-30", "early 2023 (approx.)"),
        ("late 2022", "2022-09~/2022-12~", "2022-09-01", "2022-12-31", "late 2022 (approx.)"),
        ("around May 2024", "2024-05~", "2024-05-01", "2024-05-31", "May 2024 (approx.)"),
        ("before May 2024", "[..2024-05]", None, "2024-05-31", "on or before May 2024"),
        ("after 2023", "[2023..]", "2023-01-01", None, "on or after 2023"),
        (
            "between 2022 and 2023",
            "[2022..2023]",
            "2022-01-01",
            "2023-12-31",
            "between 2022 and 2023",
        ),
        (
            "2024-11-11 to 2024-11-22",
            "2024-11-11/2024-11-22",
            "2024-11-11",
            "2024-11-22",
            "11–22 November 2024",
        ),
        ("2024-05?", "2024-05?", "2024-05-01", "2024-05-31", "May 2024 (uncertain)"),
        ("2024-21", "2024-21", "2024-03-01", "2024-05-31", "spring 2024"),
        ("[..2022-11-20]", "[..2022-11-20]", None, "2022-11-20", "on or before 20 November 2022"),
    ],
)
def test_parse_date_keeps_the_precision_it_was_given(text, edtf, earliest, latest, shown):
    parsed = parse_date(text, ARTICLE_2024)
    assert parsed.edtf == edtf
    assert parsed.to_dict()["earliest"] == earliest
    assert parsed.to_dict()["latest"] == latest
    assert parsed.display == shown


@pytest.mark.parametrize(
    ("phrase", "reference", "edtf"),
    [
        ("in May", ARTICLE_2024, "2024-05"),
        ("later this year", ARTICLE_2024, "[2024-01-31..2024-12-31]"),
        ("at the beginning of next year", ARTICLE_2022, "2023-01~/2023-04~"),
        ("beginning of next year", ARTICLE_2022, "2023-01~/2023-04~"),
        ("yesterday", ARTICLE_2024, "2024-01-30"),
        ("3 months ago", ARTICLE_2024, "2023-10"),
        ("last year", ARTICLE_2024, "2023"),
        ("next month", ARTICLE_2024, "2024-02"),
        ("in 3 days", ARTICLE_2024, "2024-02-03"),
        ("in a month", ARTICLE_2024, "2024-02"),
    ],
)
def test_relative_phrases_resolve_against_the_reference_day_and_keep_the_phrase(
    phrase, reference, edtf
):
    parsed = parse_date(phrase, reference)
    assert parsed.edtf == edtf
    assert parsed.phrase is not None
    assert parsed.resolved_against == reference
    assert parsed.to_dict()["resolved_against"] == reference.isoformat()


def test_a_source_phrase_is_never_resolved_against_today():
    parsed = parse_date("later this year", ARTICLE_2024)
    assert parsed.earliest == ARTICLE_2024
    assert parsed.latest == date(2024, 12, 31)


@pytest.mark.parametrize(
    "bad", ["foo", "2024-13", "31 Feb 2024", "", "2024-02-30", "[2024..2023]", "soon-ish"]
)
def test_unreadable_dates_are_refused_with_a_clear_error(bad):
    with pytest.raises(InvalidInput):
        parse_date(bad, ARTICLE_2024)


def test_a_month_is_never_shown_as_its_first_day():
    assert "1 May" not in parse_date("May 2024", ARTICLE_2024).display
    assert "1 January" not in parse_date("2024", ARTICLE_2024).display


def test_may_sorts_after_the_last_day_of_april_and_before_june():
    may = parse_date("May 2024").to_dict()
    april_30 = parse_date("2024-04-30").to_dict()
    june_1 = parse_date("2024-06-01").to_dict()
    assert sort_key(april_30) < sort_key(may) < sort_key(june_1)


def test_an_open_start_sorts_before_what_happens_on_its_last_day():
    before = parse_date("[..2022-11-20]").to_dict()
    on_the_day = parse_date("2022-11-20").to_dict()
    assert sort_key(before) < sort_key(on_the_day)


def test_since_a_day_inside_a_month_keeps_that_month():
    may = parse_date("May 2024")
    since, _ = parse_bound("2024-05-15")
    assert overlaps(may.to_dict()["earliest"], may.to_dict()["latest"], since, None)
    _, until = parse_bound("2024-04")
    assert not overlaps(may.to_dict()["earliest"], may.to_dict()["latest"], None, until)


def test_stored_bounds_that_disagree_with_the_edtf_are_refused():
    with pytest.raises(InvalidInput):
        FuzzyDate.from_dict({"edtf": "2024-05", "earliest": "2024-05-01", "latest": "2024-05-30"})


def test_edtf_display_of_open_intervals():
    assert edtf_display("../2024-05") == "until May 2024"
    assert edtf_display("2024-05/..") == "from May 2024"
    assert edtf_bounds("2024-05/..") == (date(2024, 5, 1), None)


days = st.dates(min_value=date(1800, 1, 1), max_value=date(2200, 12, 31))


@given(days, st.sampled_from(["day", "month", "year"]), st.sampled_from(["", "~", "?", "%"]))
def test_any_stored_date_round_trips_and_its_bounds_contain_its_day(day, precision, qualifier):
    edtf = {"day": day.isoformat(), "month": day.isoformat()[:7], "year": day.isoformat()[:4]}[
        precision
    ]
    parsed = FuzzyDate.from_edtf(edtf + qualifier)
    assert parsed.earliest <= day <= parsed.latest
    assert FuzzyDate.from_dict(parsed.to_dict()) == parsed
    assert parse_date(parsed.edtf).edtf == parsed.edtf


@given(days, days)
def test_a_range_spans_from_its_first_to_its_last_day(a, b):
    start, end = min(a, b), max(a, b)
    parsed = parse_date(f"{start.isoformat()}/{end.isoformat()}")
    assert (parsed.earliest, parsed.latest) == (start, end)
    assert parsed.display


@given(days)
def test_year_first_numeric_dates_are_never_read_day_first(day):
    for text in (f"{day.year}-{day.month}-{day.day}", f"{day.year}/{day.month:02d}/{day.day:02d}"):
        assert parse_date(text).edtf == day.isoformat()


@pytest.mark.parametrize(
    ("text", "edtf"), [("30/01/2024", "2024-01-30"), ("1.2.2024", "2024-02-01")]
)
def test_slashed_and_dotted_dates_read_day_first_not_as_intervals(text, edtf):
    assert parse_date(text).edtf == edtf


def test_an_impossible_year_first_date_is_refused():
    with pytest.raises(InvalidInput):
        parse_date("2024-13-1")
