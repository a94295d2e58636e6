"""Fuzzy dates: the closed grammar (every form and every refusal), EDTF bounds, display and its
round trip, sorting, overlap, and the status a date implies on the reference day."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from partnerkb.dates import (
    FORMS,
    MONTHS,
    REFERENCE_DAY,
    REFUSED,
    FuzzyDate,
    check_date_order,
    edtf_bounds,
    edtf_display,
    overlaps,
    parse_bound,
    parse_date,
    parse_day,
    resolve_phrase,
    sort_key,
    status_on,
)
from partnerkb.errors import InvalidInput

ARTICLE_2024 = date(2024, 1, 31)
ARTICLE_2022 = date(2022, 11, 21)
DOCS = Path(__file__).resolve().parents[1] / "docs" / "dates.md"


# -- the grammar, form by form ----------------------------------------------------------------


@pytest.mark.parametrize("form", FORMS, ids=[f"{f.section}: {f.example}" for f in FORMS])
def test_every_form_of_the_grammar_reads_its_example_as_documented(form):
    parsed = parse_date(form.example, REFERENCE_DAY, order=form.order)
    assert parsed.edtf == form.edtf
    assert (parsed.phrase is not None) == parsed.is_relative
    if form.section == "relative" and "(" not in form.example:
        assert parsed.resolved_against == REFERENCE_DAY
        assert parsed.phrase == form.example


@pytest.mark.parametrize("form", FORMS, ids=[f.example for f in FORMS])
def test_every_form_is_listed_in_docs_dates_md_with_its_example(form):
    assert f"`{form.example}`" in DOCS.read_text(encoding="utf-8")


@pytest.mark.parametrize(("text", "reason"), REFUSED)
def test_every_refused_form_names_why_in_one_line(text, reason):
    with pytest.raises(InvalidInput) as caught:
        parse_date(text, REFERENCE_DAY)
    assert reason in caught.value.message
    assert "\n" not in caught.value.message
    assert caught.value.message.startswith(f"cannot read the date {text!r}")
    assert caught.value.hint and "docs/dates.md" in caught.value.hint


@pytest.mark.parametrize(("text", "reason"), REFUSED)
def test_every_refused_form_is_listed_in_docs_dates_md(text, reason):
    assert f"`{text}`" in DOCS.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "bad",
    ["foo", "", "   ", "2024-02-30", "soon-ish", "the 2020s and more", "May May 2024",
     "32 May 2024", "2024-05-06T12", "around", "between 2024", "[2024]", "2024/05/06/07",
     "early spring 2024", "Q5 2024", "1-3 Mai 2024", "next decade", "2024-05-XX-01"],
)  # fmt: skip
def test_what_is_not_a_form_is_refused(bad):
    with pytest.raises(InvalidInput):
        parse_date(bad, ARTICLE_2024)


# -- the rows of issue 8 (typed with a source of 2024-01-31) ------------------------------------


@pytest.mark.parametrize(
    ("typed", "edtf", "shown"),
    [
        ("1-3 May 2024", "2024-05-01/2024-05-03", "1–3 May 2024"),
        ("15-20 May 2024", "2024-05-15/2024-05-20", "15–20 May 2024"),
        ("2024-01-02T00:00:00Z", "2024-01-02", "2 January 2024"),
        ("4 April 0004", "0004-04-04", "4 April 0004"),
        ("later this year", "[2024-01-31..2024-12-31]",
         "between 31 January 2024 and 31 December 2024"),
    ],
)  # fmt: skip
def test_the_issue_rows_are_read_as_they_were_meant(typed, edtf, shown):
    parsed = parse_date(typed, ARTICLE_2024)
    assert (parsed.edtf, parsed.display) == (edtf, shown)


def test_later_this_year_in_a_2024_article_is_a_2024_window_resolved_against_it():
    parsed = parse_date("later this year", ARTICLE_2024)
    assert (parsed.earliest, parsed.latest) == (ARTICLE_2024, date(2024, 12, 31))
    assert parsed.to_dict()["resolved_against"] == "2024-01-31"
    assert parsed.to_dict()["phrase"] == "later this year"
    assert status_on(parsed.to_dict(), ARTICLE_2024) == "planned"


@pytest.mark.parametrize("typed", ["06/05/2024", "05/13/2024", "13/05/2024", "6.5.2024"])
def test_all_numeric_day_and_month_are_refused_without_an_order(typed):
    with pytest.raises(InvalidInput, match="ambiguous") as caught:
        parse_date(typed, ARTICLE_2024)
    assert "--date-order" in (caught.value.hint or "")


@pytest.mark.parametrize(
    ("typed", "order", "edtf"),
    [("06/05/2024", "dmy", "2024-05-06"), ("06/05/2024", "mdy", "2024-06-05"),
     ("05/13/2024", "mdy", "2024-05-13"), ("13.05.2024", "dmy", "2024-05-13"),
     ("1-2-2024", "MDY", "2024-01-02")],
)  # fmt: skip
def test_an_order_reads_all_numeric_dates_that_way(typed, order, edtf):
    assert parse_date(typed, ARTICLE_2024, order=order).edtf == edtf


@pytest.mark.parametrize(("typed", "order"), [("05/13/2024", "dmy"), ("13/05/2024", "mdy")])
def test_an_order_never_reads_a_date_the_other_way(typed, order):
    with pytest.raises(InvalidInput, match="13 is not a month"):
        parse_date(typed, ARTICLE_2024, order=order)


def test_an_unknown_date_order_is_refused():
    with pytest.raises(InvalidInput, match="not a date order"):
        check_date_order("ymd")
    assert check_date_order(None) is None
    assert check_date_order(" DMY ") == "dmy"


@pytest.mark.parametrize(
    "typed", ["5 Jun 68", "June 68", "June '24", "5 June, 24", "06/05/24", "January 30, 24", "'68"]
)
def test_two_digit_years_are_refused(typed):
    with pytest.raises(InvalidInput, match="two-digit year"):
        parse_date(typed, ARTICLE_2024, order="dmy")


@pytest.mark.parametrize(
    ("typed", "edtf"),
    [("0850", "0850"), ("AD 850", "0850"), ("4 April 4 CE", "0004-04-04"), ("May 0999", "0999-05")],
)
def test_years_below_1000_are_kept_as_written(typed, edtf):
    parsed = parse_date(typed)
    assert parsed.edtf == edtf
    assert parse_date(parsed.display).edtf == edtf


# -- ISO, year first, weekdays ------------------------------------------------------------------


days = st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31))


@given(days, st.integers(0, 23), st.integers(0, 59),
       st.sampled_from(["", "Z", "+05:00", "-11:00", "+0530", ".123Z"]))  # fmt: skip
def test_an_iso_time_and_zone_never_move_the_day(day, hour, minute, zone):
    text = f"{day.isoformat()}T{hour:02d}:{minute:02d}:00{zone}"
    assert parse_date(text).edtf == day.isoformat()


@given(days)
def test_year_first_numeric_dates_are_never_read_day_first(day):
    for text in (f"{day.year:04d}-{day.month}-{day.day}",
                 f"{day.year:04d}/{day.month:02d}/{day.day:02d}",
                 f"{day.year:04d}.{day.month}.{day.day}"):  # fmt: skip
        assert parse_date(text).edtf == day.isoformat()


@given(days)
def test_a_written_date_reads_the_same_in_every_english_order(day):
    month = MONTHS[day.month - 1]
    weekday = day.strftime("%A")
    year = f"{day.year:04d}"
    for text in (f"{day.day} {month} {year}", f"{month} {day.day}, {year}",
                 f"{weekday} {day.day} {month} {year}", f"{weekday}, {month} {day.day}, {year}",
                 f"{weekday}, {day.isoformat()}", f"{day.day} {month[:3]}. {year}"):  # fmt: skip
        assert parse_date(text).edtf == day.isoformat(), text


def test_a_weekday_that_is_not_the_dates_is_refused():
    with pytest.raises(InvalidInput, match="was a Tuesday, not a Monday"):
        parse_date("Monday 30 January 2024")


# -- relative phrases and the reference day ----------------------------------------------------


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
        ("on Sunday", ARTICLE_2022, "2022-11-20"),
        ("on Monday", ARTICLE_2022, "2022-11-21"),
        ("last May", ARTICLE_2024, "2023-05"),
        ("next January", ARTICLE_2024, "2025-01"),
        ("on 3 June", ARTICLE_2024, "2024-06-03"),
        ("1-3 May", ARTICLE_2024, "2024-05-01/2024-05-03"),
    ],
)
def test_relative_phrases_resolve_against_the_reference_day_and_keep_the_phrase(
    phrase, reference, edtf
):
    parsed = parse_date(phrase, reference)
    assert parsed.edtf == edtf
    assert parsed.phrase == phrase
    assert parsed.resolved_against == reference
    assert parsed.to_dict()["resolved_against"] == reference.isoformat()


@pytest.mark.parametrize(
    ("words", "edtf", "relative"),
    [
        ("on Saturday (11 May 2024)", "2024-05-11", False),
        ("on Tuesday", "2024-01-30", True),
        ("later this year", "[2024-01-31..2024-12-31]", True),
        ("at the beginning of next year", "2025-01~/2025-04~", True),
        ("on June 3", "2024-06-03", True),
    ],
)
def test_a_source_phrase_resolves_against_its_publication_day(words, edtf, relative):
    parsed = resolve_phrase(words, ARTICLE_2024)
    assert parsed.edtf == edtf
    assert parsed.phrase == words
    assert parsed.resolved_against == (ARTICLE_2024 if relative else None)


def test_a_bare_weekday_points_forward_when_the_source_speaks_of_the_future():
    assert resolve_phrase("on Tuesday", ARTICLE_2024, tense="future").edtf == "2024-02-06"
    assert resolve_phrase("on Wednesday", ARTICLE_2024, tense="future").edtf == "2024-01-31"


def test_an_absolute_date_is_not_relative_and_keeps_no_phrase():
    parsed = parse_date("30 January 2024", ARTICLE_2024)
    assert (parsed.phrase, parsed.resolved_against) == (None, None)


def test_parse_day_takes_one_day_only():
    assert parse_day("31 January 2024") == ARTICLE_2024
    assert parse_day("yesterday", ARTICLE_2024) == date(2024, 1, 30)
    with pytest.raises(InvalidInput, match="not one day"):
        parse_day("May 2024", what="--as-of")


# -- status on the reference day --------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "status"),
    [("30 January 2024", "happened"), ("31 January 2024", "happened"),
     ("1 February 2024", "planned"), ("later this year", "planned"), ("January 2024", "planned"),
     ("2023", "happened"), ("before 2024", "happened"), ("after 2024", "planned")],
)  # fmt: skip
def test_status_follows_the_reference_day(typed, status):
    assert status_on(parse_date(typed, ARTICLE_2024).to_dict(), ARTICLE_2024) == status


# -- EDTF bounds, display, sorting, overlap ----------------------------------------------------


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


def test_a_stored_date_resolved_against_the_day_of_typing_is_read_as_stored():
    old = {"edtf": "[2026-11-30..2026-12-31]", "earliest": "2026-11-30", "latest": "2026-12-31",
           "phrase": "later this year", "resolved_against": "2026-11-30"}  # fmt: skip
    assert FuzzyDate.from_dict(old).to_dict() == old


def test_edtf_display_of_open_and_unknown_ends():
    assert edtf_display("../2024-05") == "until May 2024"
    assert edtf_display("2024-05/..") == "from May 2024"
    assert edtf_display("/2024-05") == "until May 2024 (start unknown)"
    assert edtf_display("2024-05~/") == "from May 2024 (approx.; end unknown)"
    assert edtf_bounds("2024-05/..") == (date(2024, 5, 1), None)


# -- round trips: what is displayed reads back to what is stored ------------------------------


@st.composite
def points(draw):
    day = draw(days)
    precision = draw(st.sampled_from(["day", "month", "year", "season"]))
    qualifier = draw(st.sampled_from(["", "", "~", "?", "%"]))
    year = f"{day.year:04d}"
    text = {"day": day.isoformat(), "month": f"{year}-{day.month:02d}", "year": year,
            "season": f"{year}-{draw(st.integers(21, 24))}"}[precision]  # fmt: skip
    return text + qualifier


@st.composite
def stored_dates(draw):
    a, b = draw(points()), draw(points())
    shape = draw(st.sampled_from(["{a}", "{a}/{b}", "../{b}", "{a}/..", "/{b}", "{a}/",
                                  "[..{b}]", "[{a}..]", "[{a}..{b}]"]))  # fmt: skip
    edtf = shape.format(a=a, b=b)
    try:
        FuzzyDate.from_edtf(edtf)
    except InvalidInput:
        assume(False)
    return edtf


@given(stored_dates())
def test_the_display_of_any_stored_date_reads_back_to_the_same_stored_date(edtf):
    shown = edtf_display(edtf)
    assert parse_date(shown, ARTICLE_2024).edtf == edtf, shown
    assert parse_date(edtf, ARTICLE_2024).edtf == edtf


@given(st.sampled_from(["early", "mid", "late"]), st.integers(1, 9999), st.integers(1, 12),
       st.sampled_from(["~", "%"]))  # fmt: skip
def test_parts_of_years_and_months_read_back(word, year, month, qualifier):
    for text in (f"{word} {year:04d}", f"{word} {MONTHS[month - 1]} {year:04d}"):
        parsed = parse_date(text)
        qualified = re.sub(r"~", qualifier, parsed.edtf)
        assert parse_date(edtf_display(qualified)).edtf == qualified


@given(days, days)
def test_a_range_spans_from_its_first_to_its_last_day(a, b):
    start, end = min(a, b), max(a, b)
    for text in (f"{start.isoformat()}/{end.isoformat()}",
                 f"{start.isoformat()} to {end.isoformat()}"):  # fmt: skip
        parsed = parse_date(text)
        assert (parsed.earliest, parsed.latest) == (start, end)
        assert parse_date(parsed.display).edtf == parsed.edtf


@given(days, st.integers(0, 40))
def test_a_range_of_days_written_in_words_reads_as_the_same_range(start, length):
    end = start + timedelta(days=length) if start < date(9999, 11, 1) else start
    month_a, month_b = MONTHS[start.month - 1], MONTHS[end.month - 1]
    if (start.year, start.month) == (end.year, end.month):
        texts = [f"{start.day}-{end.day} {month_b} {end.year:04d}",
                 f"{month_b} {start.day}–{end.day}, {end.year:04d}"]  # fmt: skip
    elif start.year == end.year:
        texts = [f"{start.day} {month_a} – {end.day} {month_b} {end.year:04d}",
                 f"{month_a} {start.day} - {month_b} {end.day}, {end.year:04d}"]  # fmt: skip
    else:
        texts = [f"{start.day} {month_a} {start.year:04d} to {end.day} {month_b} {end.year:04d}"]
    for text in texts:
        assert parse_date(text).edtf == f"{start.isoformat()}/{end.isoformat()}", text


def test_the_python_examples_in_docs_dates_md_run():
    import doctest

    failures, _ = doctest.testfile(str(DOCS), module_relative=False)
    assert failures == 0
