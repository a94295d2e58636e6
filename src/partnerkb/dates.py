"""Fuzzy dates: read what people and sources write, store it as EDTF, compare and display it.

What partnerkb reads is a closed grammar: the forms of `FORMS` (documented, each with an example,
in docs/dates.md). Anything else is refused with one line that names what could not be read;
nothing is guessed. In short:

- EDTF levels 0 and 1 as written (``2024-05``, ``2024-05~``, ``2024-21``, ``2024-05/2024-06``);
- ISO days, with or without a time or a zone: the day as written is kept, the time dropped;
- a day, month and year with the month by name, in the orders of English news (``30 January
  2024``, ``January 30, 2024``, ``Tuesday 30 January 2024``, ``Tuesday, 2024-01-02``); a month
  and a year; a year; seasons and parts of a year (``spring 2024``, ``early 2023``, ``Q1 2024``);
- qualifiers (``around``, ``circa``, ``before``, ``after``, ``by``, ``until``, ``since``,
  ``between ... and ...``) and ranges of days, months and years (``1-3 May 2024``,
  ``May 1-3, 2024``, ``30 January – 2 February 2024``, ``2024-5-6 to 2024-5-8``);
- relative phrases (``yesterday``, ``later this year``, ``at the beginning of next year``, ``on
  Tuesday``, ``in May``, ``in two weeks``), resolved against a reference day (the day of the
  report), and stored with the phrase and that day.

Numbers are read one way only: a four-digit year first is year-month-day (``2024-5-6`` is 6 May);
a year has four digits (``0004`` is the year 4; ``68`` is refused); an all-numeric day and month
(``06/05/2024``) is refused unless a date order (``dmy`` or ``mdy``) is given, and then read that
way only.

The stored form is a subset of the Library of Congress Extended Date/Time Format (EDTF):

- ``2024``, ``2024-05``, ``2024-05-30`` with an optional qualifier ``?`` (uncertain), ``~``
  (approximate) or ``%`` (both); seasons ``2024-21`` .. ``2024-24``;
- intervals ``A/B``, with ``..`` for an open end and an empty end for an unknown one;
- "one of a set" ``[..A]``, ``[A..]``, ``[A..B]``: one day, on or before / on or after / between.

Each date also carries its earliest and latest possible day, so that sorting and filtering never
re-parse it. The text `FuzzyDate.display` shows for a stored date reads back, through the
grammar, to the same stored date. dateutil only does month arithmetic (relativedelta) here: it
never decides what a text means.
"""

from __future__ import annotations

import calendar
import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from .errors import InvalidInput

MONTHS = [
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
]  # fmt: skip
SEASONS = {21: "spring", 22: "summer", 23: "autumn", 24: "winter"}
QUALIFIER_LABELS = {"~": "approx.", "?": "uncertain", "%": "approx. and uncertain"}
# early/mid/late in a year, stored as month intervals, approximate
PARTS_OF_YEAR = {"early": (1, 4), "mid": (5, 8), "late": (9, 12)}
# early/mid/late in a month, stored as day intervals, approximate (late: 21 to the month's end)
PARTS_OF_MONTH = {"early": (1, 10), "mid": (11, 20), "late": (21, 31)}
DATE_ORDERS = ("dmy", "mdy")
ACCEPTED_HINT = (
    'accepted: "2024-01-30", "30 January 2024", "January 30, 2024", "May 2024", "2024", '
    '"early 2023", "1-3 May 2024", "around May 2024", "before 2024", "later this year"; '
    "all the forms are in docs/dates.md"
)

_SINGLE = re.compile(r"^(?P<y>-?\d{4})(?:-(?P<m>\d{2})(?:-(?P<d>\d{2}))?)?(?P<q>[?~%])?$")


@dataclass(frozen=True)
class EdtfPoint:
    """One EDTF date (no interval): its span and how to say it."""

    year: int
    month: int | None
    day: int | None
    season: int | None
    qualifier: str | None

    @property
    def earliest(self) -> date:
        if self.season is not None:
            start_month = {21: 3, 22: 6, 23: 9, 24: 12}[self.season]
            return date(self.year, start_month, 1)
        return date(self.year, self.month or 1, self.day or 1)

    @property
    def latest(self) -> date:
        if self.season is not None:
            if self.season == 24:
                return date(self.year + 1, 2, calendar.monthrange(self.year + 1, 2)[1])
            end_month = {21: 5, 22: 8, 23: 11}[self.season]
            return date(self.year, end_month, calendar.monthrange(self.year, end_month)[1])
        if self.month is None:
            return date(self.year, 12, 31)
        if self.day is None:
            return date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])
        return date(self.year, self.month, self.day)

    @property
    def edtf(self) -> str:
        """The point as EDTF: '2024', '2024-05~', '2024-21'."""
        text = f"{self.year:04d}"
        if self.season is not None:
            text += f"-{self.season}"
        elif self.month is not None:
            text += f"-{self.month:02d}"
            if self.day is not None:
                text += f"-{self.day:02d}"
        return text + (self.qualifier or "")

    def label(self, with_qualifier: bool = True) -> str:
        year = f"{self.year:04d}"  # the year 4 reads 0004: a year is written with four digits
        if self.season is not None:
            text = f"{SEASONS[self.season]} {year}"
        elif self.month is None:
            text = year
        elif self.day is None:
            text = f"{MONTHS[self.month - 1]} {year}"
        else:
            text = f"{self.day} {MONTHS[self.month - 1]} {year}"
        if with_qualifier and self.qualifier:
            text += f" ({QUALIFIER_LABELS[self.qualifier]})"
        return text


@functools.lru_cache(maxsize=8192)
def parse_point(text: str) -> EdtfPoint:
    """One EDTF date (not an interval or set): its parts, span and label. Cached: the points
    are immutable, and a store or an import repeats the same dates many times."""
    match = _SINGLE.match(text)
    if not match:
        raise InvalidInput(f"not an EDTF date: {text!r}")
    year = int(match["y"])
    month = int(match["m"]) if match["m"] else None
    day = int(match["d"]) if match["d"] else None
    season = None
    if month is not None and 21 <= month <= 24 and day is None:
        season, month = month, None
    elif month is not None and not 1 <= month <= 12:
        raise InvalidInput(f"not an EDTF date: {text!r} (month {month})")
    if year < 1 or year > 9999:
        raise InvalidInput(f"year out of range in {text!r} (partnerkb keeps the years 1 to 9999)")
    point = EdtfPoint(year, month, day, season, match["q"])
    try:
        point.earliest  # noqa: B018 - validates the day of the month
        point.latest  # noqa: B018
    except ValueError as exc:
        raise InvalidInput(f"not a valid date: {text!r} ({exc})") from None
    return point


@dataclass(frozen=True)
class FuzzyDate:
    """A date of known precision, its EDTF form and its earliest and latest possible day.

    `phrase` is the text a relative date was read from ("later this year") and
    `resolved_against` the reference day it was resolved against (the report's day)."""

    edtf: str
    earliest: date | None
    latest: date | None
    phrase: str | None = None
    resolved_against: date | None = None

    # -- construction -------------------------------------------------------------------------
    @classmethod
    def from_edtf(
        cls, edtf: str, phrase: str | None = None, resolved_against: date | None = None
    ) -> FuzzyDate:
        earliest, latest = edtf_bounds(edtf)
        return cls(edtf, earliest, latest, phrase, resolved_against)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FuzzyDate:
        """Read a stored date, checking that its bounds agree with its EDTF form. Stored dates
        are read as EDTF, never through the grammar: what an older version stored stays."""
        if not isinstance(data, dict) or not isinstance(data.get("edtf"), str):
            raise InvalidInput("a date must be an object with an 'edtf' string")
        resolved = data.get("resolved_against")
        try:
            resolved_day = date.fromisoformat(resolved) if resolved else None
        except (TypeError, ValueError):
            raise InvalidInput(f"date: resolved_against {resolved!r} is not an ISO day") from None
        parsed = cls.from_edtf(data["edtf"], data.get("phrase"), resolved_day)
        stored = (data.get("earliest"), data.get("latest"))
        if stored != (_iso(parsed.earliest), _iso(parsed.latest)):
            raise InvalidInput(
                f"date {data['edtf']!r}: stored bounds {stored} do not match "
                f"({_iso(parsed.earliest)}, {_iso(parsed.latest)})"
            )
        return parsed

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "edtf": self.edtf,
            "earliest": _iso(self.earliest),
            "latest": _iso(self.latest),
        }
        if self.phrase:
            data["phrase"] = self.phrase
        if self.resolved_against:
            data["resolved_against"] = self.resolved_against.isoformat()
        return data

    # -- use ----------------------------------------------------------------------------------
    @property
    def display(self) -> str:
        return edtf_display(self.edtf)

    @property
    def is_relative(self) -> bool:
        """Whether it was resolved against a reference day (a relative phrase)."""
        return self.resolved_against is not None

    def overlaps(self, since: date | None, until: date | None) -> bool:
        return overlaps(_iso(self.earliest), _iso(self.latest), _iso(since), _iso(until))


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def overlaps(
    earliest: str | None, latest: str | None, since: str | None, until: str | None
) -> bool:
    """Whether a span (ISO days, None for open) overlaps the filter span [since, until]."""
    if since is not None and latest is not None and latest < since:
        return False
    if until is not None and earliest is not None and earliest > until:
        return False
    return True


def sort_key(date_dict: dict[str, Any] | None) -> tuple[str, str]:
    """Sort by earliest day, then by latest day. An open start ("on or before X") sorts by its
    latest day, ahead of what is known to happen on X; an open end sorts after its start."""
    if not date_dict:
        return ("9999-99-99", "9999-99-99")
    earliest, latest = date_dict.get("earliest"), date_dict.get("latest")
    if earliest is None:
        return (latest or "9999-99-99", "")
    return (earliest, latest or "9999-99-99")


def status_on(date_dict: dict[str, Any], reference: date) -> str:
    """The status a date implies on the reference day: 'happened' when it lies wholly before it
    (a single day on the reference day included: the report is of that day), else 'planned'
    (wholly after it, or a span that runs across it)."""
    earliest, latest = date_dict.get("earliest"), date_dict.get("latest")
    day = reference.isoformat()
    if latest is not None and (latest < day or (latest == day and earliest == day)):
        return "happened"
    return "planned"


@functools.lru_cache(maxsize=8192)
def edtf_bounds(edtf: str) -> tuple[date | None, date | None]:
    """Earliest and latest possible day of an EDTF string; raises InvalidInput when invalid."""
    text = edtf.strip()
    if text.startswith("[") and text.endswith("]"):
        inner = text[1:-1]
        if ".." not in inner:
            raise InvalidInput(f"unsupported EDTF set: {edtf!r} (use [..A], [A..] or [A..B])")
        start, _, end = inner.partition("..")
        return _bounds_pair(edtf, start, end)
    if "/" in text:
        start, _, end = text.partition("/")
        return _bounds_pair(
            edtf, "" if start in ("..", "") else start, "" if end in ("..", "") else end
        )
    point = parse_point(text)
    return point.earliest, point.latest


def _bounds_pair(edtf: str, start: str, end: str) -> tuple[date | None, date | None]:
    if not start and not end:
        raise InvalidInput(f"an EDTF interval needs at least one end: {edtf!r}")
    earliest = parse_point(start).earliest if start else None
    latest = parse_point(end).latest if end else None
    if earliest and latest and earliest > latest:
        raise InvalidInput(f"date range ends before it starts: {edtf!r}")
    return earliest, latest


# ---------------------------------------------------------------------------------------------
# Display: every label reads back, through the grammar, to the same EDTF
# ---------------------------------------------------------------------------------------------


def edtf_display(edtf: str) -> str:
    """How a stored date reads for people: with its precision, never an invented day."""
    text = edtf.strip()
    if text.startswith("["):
        start, _, end = text[1:-1].partition("..")
        a = parse_point(start) if start else None
        b = parse_point(end) if end else None
        if a is None and b is not None:
            return _with_suffix(f"on or before {b.label(False)}", b.qualifier, None, single=True)
        if b is None and a is not None:
            return _with_suffix(f"on or after {a.label(False)}", a.qualifier, None, single=True)
        assert a is not None and b is not None
        return _with_suffix(
            f"between {a.label(False)} and {b.label(False)}", a.qualifier, b.qualifier
        )
    if "/" in text:
        start, _, end = text.partition("/")
        if start in ("", ".."):
            b = parse_point(end)
            unknown = "; start unknown" if start == "" else ""
            return _with_suffix(f"until {b.label(False)}", b.qualifier, None, True, unknown)
        if end in ("", ".."):
            a = parse_point(start)
            unknown = "; end unknown" if end == "" else ""
            return _with_suffix(f"from {a.label(False)}", a.qualifier, None, True, unknown)
        a, b = parse_point(start), parse_point(end)
        return _with_suffix(_range_label(a, b), a.qualifier, b.qualifier)
    return parse_point(text).label()


def _with_suffix(
    text: str, first: str | None, second: str | None, single: bool = False, extra: str = ""
) -> str:
    """'May–June 2024 (approx.)' when both ends share a qualifier, else each end named."""
    if single or first == second:
        parts = [QUALIFIER_LABELS[first]] if first else []
    else:
        parts = [f"{QUALIFIER_LABELS[q]} {end}" for q, end in ((first, "start"), (second, "end"))
                 if q]  # fmt: skip
    inner = "; ".join(parts) + extra
    inner = inner.removeprefix("; ")
    return f"{text} ({inner})" if inner else text


def _range_label(start: EdtfPoint, end: EdtfPoint) -> str:
    """The words of an interval, without qualifiers (the caller adds them)."""
    same_year = start.year == end.year and start.season is None and end.season is None
    year = f"{end.year:04d}"
    both_approx = start.qualifier == end.qualifier and start.qualifier in ("~", "%")
    if same_year and start.day is None and end.day is None and start.month and end.month:
        for word, (first, last) in PARTS_OF_YEAR.items():
            if both_approx and (start.month, end.month) == (first, last):
                return f"{word} {year}"
        return f"{MONTHS[start.month - 1]}–{MONTHS[end.month - 1]} {year}"
    if same_year and start.day and end.day and start.month and end.month:
        if start.month == end.month:
            last_day = calendar.monthrange(end.year, end.month)[1]
            for word, (first, last) in PARTS_OF_MONTH.items():
                if both_approx and (start.day, end.day) == (first, min(last, last_day)):
                    return f"{word} {MONTHS[end.month - 1]} {year}"
            return f"{start.day}–{end.day} {MONTHS[end.month - 1]} {year}"
        return f"{start.day} {MONTHS[start.month - 1]} – {end.day} {MONTHS[end.month - 1]} {year}"
    return f"{start.label(False)} – {end.label(False)}"


# ---------------------------------------------------------------------------------------------
# The grammar: what people and sources write
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DateForm:
    """One form of the grammar: what it is, an example, and what the example is stored as when
    read on `REFERENCE_DAY` (and, for all-numeric dates, with `order`)."""

    section: str
    name: str
    example: str
    edtf: str
    order: str | None = None


# The day the examples of relative phrases are read against: a Wednesday.
REFERENCE_DAY = date(2024, 1, 31)

# Every form partnerkb reads, one example each (docs/dates.md lists the same, and the tests read
# every example back). Anything that is none of these is refused.
# fmt: off
FORMS: tuple[DateForm, ...] = (
    DateForm("EDTF", "a day", "2024-01-30", "2024-01-30"),
    DateForm("EDTF", "a month", "2024-05", "2024-05"),
    DateForm("EDTF", "a year", "2024", "2024"),
    DateForm("EDTF", "approximate", "2024-05~", "2024-05~"),
    DateForm("EDTF", "uncertain", "2024-05?", "2024-05?"),
    DateForm("EDTF", "approximate and uncertain", "2024-05%", "2024-05%"),
    DateForm("EDTF", "a season (21 spring .. 24 winter)", "2024-21", "2024-21"),
    DateForm("EDTF", "an interval", "2024-05/2024-06", "2024-05/2024-06"),
    DateForm("EDTF", "an interval with an open end", "2024-05/..", "2024-05/.."),
    DateForm("EDTF", "an interval with an unknown start", "/2024-05", "/2024-05"),
    DateForm("EDTF", "one day on or before", "[..2022-11-20]", "[..2022-11-20]"),
    DateForm("EDTF", "one day between two dates", "[2022-11-20..2024-01-30]",
             "[2022-11-20..2024-01-30]"),  # fmt: skip
    DateForm("EDTF", "unspecified digits: a decade", "201X", "[2010..2019]"),
    DateForm("EDTF", "unspecified digits: the day", "2024-05-XX", "2024-05"),
    DateForm("ISO", "a day with a time (the time is dropped)", "2024-01-02T00:00:00",
             "2024-01-02"),  # fmt: skip
    DateForm("ISO", "a day with a time and a zone (the day as written)",
             "2024-01-02T23:30:00+05:00", "2024-01-02"),  # fmt: skip
    DateForm("ISO", "UTC", "2024-01-02T00:00:00Z", "2024-01-02"),
    DateForm("ISO", "year first, without zeros (always year-month-day)", "2024-5-6",
             "2024-05-06"),  # fmt: skip
    DateForm("ISO", "year first, slashes or dots", "2024/05/06", "2024-05-06"),
    DateForm("ISO", "year and month, slash", "2024/05", "2024-05"),
    DateForm("day", "day month year", "30 January 2024", "2024-01-30"),
    DateForm("day", "abbreviated month", "30 Jan 2024", "2024-01-30"),
    DateForm("day", "ordinal day", "30th of January 2024", "2024-01-30"),
    DateForm("day", "hyphens", "30-Jan-2024", "2024-01-30"),
    DateForm("day", "month day, year", "January 30, 2024", "2024-01-30"),
    DateForm("day", "with the weekday", "Tuesday 30 January 2024", "2024-01-30"),
    DateForm("day", "weekday, month day, year", "Tuesday, January 30, 2024", "2024-01-30"),
    DateForm("day", "weekday and an ISO day", "Tuesday, 2024-01-02", "2024-01-02"),
    DateForm("day", "year month day", "2024 January 30", "2024-01-30"),
    DateForm("day", "a year below 1000, four digits", "4 April 0004", "0004-04-04"),
    DateForm("day", "a year with AD or CE", "4 April 4 AD", "0004-04-04"),
    DateForm("day", "all-numeric, with --date-order dmy", "06/05/2024", "2024-05-06", "dmy"),
    DateForm("day", "all-numeric, with --date-order mdy", "05/13/2024", "2024-05-13", "mdy"),
    DateForm("month", "month year", "May 2024", "2024-05"),
    DateForm("month", "abbreviated, with a dot", "Sept. 2024", "2024-09"),
    DateForm("month", "numeric month/year", "05/2024", "2024-05"),
    DateForm("year", "a year after AD", "AD 850", "0850"),
    DateForm("year", "a decade", "the 2010s", "[2010..2019]"),
    DateForm("season", "a season", "spring 2024", "2024-21"),
    DateForm("season", "fall is autumn", "fall of 2024", "2024-23"),
    DateForm("part", "early in a year (January to April, approximate)", "early 2023",
             "2023-01~/2023-04~"),  # fmt: skip
    DateForm("part", "mid (May to August)", "mid-2023", "2023-05~/2023-08~"),
    DateForm("part", "late (September to December)", "late 2023", "2023-09~/2023-12~"),
    DateForm("part", "the beginning of a year", "the beginning of 2023", "2023-01~/2023-04~"),
    DateForm("part", "the end of a year", "end of 2023", "2023-09~/2023-12~"),
    DateForm("part", "early in a month (days 1 to 10)", "early May 2024",
             "2024-05-01~/2024-05-10~"),  # fmt: skip
    DateForm("part", "late in a month (21 to the end)", "late May 2024",
             "2024-05-21~/2024-05-31~"),  # fmt: skip
    DateForm("part", "a half of a year", "the first half of 2024", "2024-01/2024-06"),
    DateForm("part", "a quarter", "Q3 2024", "2024-07/2024-09"),
    DateForm("part", "a quarter in words", "the second quarter of 2024", "2024-04/2024-06"),
    DateForm("qualifier", "around (approximate)", "around May 2024", "2024-05~"),
    DateForm("qualifier", "about", "about 2021", "2021~"),
    DateForm("qualifier", "circa", "c. 2021", "2021~"),
    DateForm("qualifier", "possibly (uncertain)", "possibly May 2024", "2024-05?"),
    DateForm("qualifier", "a question mark (uncertain)", "May 2024?", "2024-05?"),
    DateForm("qualifier", "as displayed", "May 2024 (approx.)", "2024-05~"),
    DateForm("qualifier", "before (strictly)", "before May 2024", "[..2024-04]"),
    DateForm("qualifier", "by (on or before)", "by May 2024", "[..2024-05]"),
    DateForm("qualifier", "on or before", "on or before 20 November 2022", "[..2022-11-20]"),
    DateForm("qualifier", "after (strictly)", "after 2023", "[2024..]"),
    DateForm("qualifier", "on or after", "on or after 31 January 2024", "[2024-01-31..]"),
    DateForm("qualifier", "between (one day in)", "between 2022 and 2023", "[2022..2023]"),
    DateForm("qualifier", "until (a span that ends)", "until May 2024", "../2024-05"),
    DateForm("qualifier", "since or from (a span that starts)", "since May 2024", "2024-05/.."),
    DateForm("range", "days of a month", "1-3 May 2024", "2024-05-01/2024-05-03"),
    DateForm("range", "with an en dash", "15–20 May 2024", "2024-05-15/2024-05-20"),
    DateForm("range", "month first", "May 1-3, 2024", "2024-05-01/2024-05-03"),
    DateForm("range", "across months", "30 January – 2 February 2024",
             "2024-01-30/2024-02-02"),  # fmt: skip
    DateForm("range", "across months, month first", "January 30 - February 2, 2024",
             "2024-01-30/2024-02-02"),  # fmt: skip
    DateForm("range", "across years", "30 December 2023 to 2 January 2024",
             "2023-12-30/2024-01-02"),  # fmt: skip
    DateForm("range", "ISO days with to", "2024-5-6 to 2024-5-8", "2024-05-06/2024-05-08"),
    DateForm("range", "months", "May–June 2024", "2024-05/2024-06"),
    DateForm("range", "months with through", "May through July 2024", "2024-05/2024-07"),
    DateForm("range", "years", "2022-2023", "2022/2023"),
    DateForm("range", "from ... until ...", "from 1 May until 3 May 2024",
             "2024-05-01/2024-05-03"),  # fmt: skip
    DateForm("range", "approximate range", "around 1-3 May 2024", "2024-05-01~/2024-05-03~"),
    DateForm("relative", "today", "today", "2024-01-31"),
    DateForm("relative", "yesterday", "yesterday", "2024-01-30"),
    DateForm("relative", "tomorrow", "tomorrow", "2024-02-01"),
    DateForm("relative", "this year", "this year", "2024"),
    DateForm("relative", "last year", "last year", "2023"),
    DateForm("relative", "next month", "next month", "2024-02"),
    DateForm("relative", "last week (Monday to Sunday)", "last week", "2024-01-22/2024-01-28"),
    DateForm("relative", "next week", "next week", "2024-02-05/2024-02-11"),
    DateForm("relative", "later this year (one day, from the reference day)",
             "later this year", "[2024-01-31..2024-12-31]"),  # fmt: skip
    DateForm("relative", "earlier this month", "earlier this month",
             "[2024-01-01..2024-01-31]"),  # fmt: skip
    DateForm("relative", "at the beginning of next year", "at the beginning of next year",
             "2025-01~/2025-04~"),  # fmt: skip
    DateForm("relative", "late last year", "late last year", "2023-09~/2023-12~"),
    DateForm("relative", "on a weekday (the last one, the reference day included)",
             "on Tuesday", "2024-01-30"),  # fmt: skip
    DateForm("relative", "last Friday", "last Friday", "2024-01-26"),
    DateForm("relative", "next Friday", "next Friday", "2024-02-02"),
    DateForm("relative", "a weekday with its date", "on Saturday (11 May 2024)", "2024-05-11"),
    DateForm("relative", "a month of the reference year", "in May", "2024-05"),
    DateForm("relative", "a day of the reference year", "on June 3", "2024-06-03"),
    DateForm("relative", "next with a month", "next May", "2024-05"),
    DateForm("relative", "a season of the reference year", "this spring", "2024-21"),
    DateForm("relative", "in some time", "in two weeks", "2024-02-12/2024-02-18"),
    DateForm("relative", "in days", "in 3 days", "2024-02-03"),
    DateForm("relative", "ago", "3 months ago", "2023-10"),
)
# fmt: on

# Refused inputs, each with the reason the error line gives (tests read each back).
REFUSED: tuple[tuple[str, str], ...] = (
    ("06/05/2024", "ambiguous"),
    ("05/13/2024", "ambiguous"),
    ("5 Jun 68", "two-digit year"),
    ("06/05/24", "two-digit year"),
    ("June '24", "two-digit year"),
    ("May 850", "four digits"),
    ("2024-13", "month"),
    ("31 Feb 2024", "day"),
    ("Monday 30 January 2024", "Tuesday"),
    ("[2024..2023]", "before it starts"),
    ("3-1 May 2024", "before it starts"),
    ("soon", "cannot read"),
    ("next decade", "cannot read"),
    ("2024-01-02T25:00", "time"),
    ("10000", "cannot read"),
    ("300 BC", "before the year 1"),
)

_MONTH_NAMES = {name.lower(): i + 1 for i, name in enumerate(MONTHS)}
_MONTH_NAMES.update({name.lower()[:3]: i + 1 for i, name in enumerate(MONTHS)})
_MONTH_NAMES["sept"] = 9
_WEEKDAYS = {
    "monday": 0, "mon": 0, "tuesday": 1, "tue": 1, "tues": 1, "wednesday": 2, "wed": 2,
    "thursday": 3, "thu": 3, "thur": 3, "thurs": 3, "friday": 4, "fri": 4, "saturday": 5,
    "sat": 5, "sunday": 6, "sun": 6,
}  # fmt: skip
_SEASON_NAMES = {"spring": 21, "summer": 22, "autumn": 23, "fall": 23, "winter": 24}
_NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
}  # fmt: skip
_ORDINALS = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4,
             "4th": 4, "last": 4}  # fmt: skip

_MON = r"(?:" + "|".join(sorted(_MONTH_NAMES, key=len, reverse=True)) + r")\.?"
_WD = r"(?:" + "|".join(sorted(_WEEKDAYS, key=len, reverse=True)) + r")\.?"
_DAY = r"(?:\d{1,2})(?:st|nd|rd|th)?"
_YEAR = r"(?:\d{4}|(?:ad|a\.d\.)\s*\d{1,4}|\d{1,4}\s*(?:ad|ce|a\.d\.|c\.e\.))"
_NUM = r"(?:\d+|" + "|".join(_NUMBER_WORDS) + r")"
_SEP = r"(?:\s*[-–]\s*|\s+(?:to|until|till|through|thru)\s+)"
_SPACED_SEP = re.compile(r"\s+(?:[-–]|to|until|till|through|thru)\s+|–")
_UNITS = ("day", "week", "month", "year")
_QUALIFIER_WORDS = {
    "around": "~", "about": "~", "approximately": "~", "approx.": "~", "approx": "~",
    "circa": "~", "c.": "~", "ca.": "~", "ca": "~", "roughly": "~", "possibly": "?",
    "probably": "?", "perhaps": "?", "maybe": "?",
}  # fmt: skip
_QUALIFIERS_LONGEST_FIRST = sorted(_QUALIFIER_WORDS.items(), key=lambda kv: -len(kv[0]))
_SUFFIX_QUALIFIERS = {label: q for q, label in QUALIFIER_LABELS.items()}
_SUFFIX_QUALIFIERS.update({"approx": "~", "approximate": "~", "approx., uncertain": "%"})


@dataclass
class _Reading:
    """What one parse needs and learns: the reference day, the date order, whether the text
    was relative (resolved against the reference day)."""

    text: str  # as given, for messages
    reference: date
    order: str | None
    tense: str | None
    relative: bool = False
    notes: list[str] = field(default_factory=list)

    def fail(self, why: str = "") -> InvalidInput:
        reason = f": {why}" if why else ""
        return InvalidInput(f"cannot read the date {self.text!r}{reason}", hint=ACCEPTED_HINT)

    def ref(self) -> date:
        self.relative = True
        return self.reference


def check_date_order(text: str | None, origin: str = "--date-order") -> str | None:
    """'dmy' or 'mdy' (any case), or None when not given; raises InvalidInput naming `origin`."""
    if text is None or not text.strip():
        return None
    value = text.strip().lower()
    if value not in DATE_ORDERS:
        raise InvalidInput(
            f"{origin}: {text!r} is not a date order",
            hint="dmy reads 06/05/2024 as 6 May 2024, mdy as June 5, 2024",
        )
    return value


def parse_date(
    text: str,
    reference: date | None = None,
    *,
    order: str | None = None,
    keep_phrase: bool = False,
    tense: str | None = None,
) -> FuzzyDate:
    """Read a date as a user or a source writes it (one of `FORMS`), or refuse it.

    `reference` is the day a relative phrase is resolved against (default: today); `order`
    ('dmy' or 'mdy') reads all-numeric day/month dates, refused without it. A relative date keeps
    the text (`phrase`) and the day it was resolved against (`resolved_against`); with
    `keep_phrase` any date keeps its text. `tense` ('past' or 'future') says which way a bare
    weekday ('on Tuesday') points; by default the last one, the reference day included.
    Raises InvalidInput (one line naming what could not be read, a hint with the forms).
    """
    raw = " ".join(str(text).split())
    order = check_date_order(order)
    if tense not in (None, "past", "future"):
        raise ValueError(f"tense must be 'past' or 'future', not {tense!r}")
    if _SINGLE.match(raw):  # the common case, an EDTF or ISO day, month or year: read at once
        try:
            earliest, latest = edtf_bounds(raw)
        except InvalidInput as exc:
            raise InvalidInput(f"cannot read the date {raw!r}: {exc.message}",
                               hint=ACCEPTED_HINT) from None  # fmt: skip
        return FuzzyDate(raw, earliest, latest)
    reading = _Reading(raw, reference or date.today(), order, tense)
    if not raw:
        raise InvalidInput("empty date", hint=ACCEPTED_HINT)
    try:
        edtf = _read(_normalize(raw), reading)
    except (ValueError, OverflowError):  # arithmetic beyond the years 1 to 9999
        raise reading.fail("out of the years 1 to 9999") from None
    except InvalidInput as exc:
        if not exc.message.startswith("cannot read the date"):
            exc = InvalidInput(f"cannot read the date {raw!r}: {exc.message}", hint=ACCEPTED_HINT)
        raise exc from None
    try:
        parsed = FuzzyDate.from_edtf(edtf)
    except InvalidInput as exc:
        raise InvalidInput(f"cannot read the date {raw!r}: {exc.message}",
                           hint=ACCEPTED_HINT) from None  # fmt: skip
    phrase = raw if (reading.relative or keep_phrase) and raw != edtf else None
    return FuzzyDate(edtf, parsed.earliest, parsed.latest, phrase,
                     reading.reference if reading.relative else None)  # fmt: skip


def resolve_phrase(
    text: str, published: date, *, order: str | None = None, tense: str | None = None
) -> FuzzyDate:
    """A source's words for a date, resolved against the day the source was published.

    For what an article says: 'on Saturday (11 May 2024)', 'on Tuesday', 'later this year', 'at
    the beginning of next year', 'on June 3'. The phrase is kept as given (trimmed), with
    `resolved_against` = `published` when the words depend on it. `tense='future'` turns a bare
    weekday forward ('will meet on Tuesday'). Raises InvalidInput when the words are not one of
    the grammar's forms (see `FORMS`).
    """
    return parse_date(text, published, order=order, keep_phrase=True, tense=tense)


def parse_day(
    text: str, reference: date | None = None, *, order: str | None = None, what: str = "date"
) -> date:
    """One day (an --as-of, a publication day) in any form of the grammar; a month, a year or a
    range is refused. Raises InvalidInput naming `what`."""
    parsed = parse_date(text, reference, order=order)
    if parsed.earliest is None or parsed.earliest != parsed.latest:
        raise InvalidInput(
            f"{what} {text.strip()!r} is not one day ({parsed.display})",
            hint="give a day: 2024-01-31 or 31 January 2024",
        )
    return parsed.earliest


def parse_bound(
    text: str, today: date | None = None, *, order: str | None = None
) -> tuple[str | None, str | None]:
    """A --since/--until value as its (earliest, latest) ISO days: "2023", "May 2024", ..."""
    parsed = parse_date(text, today, order=order)
    return _iso(parsed.earliest), _iso(parsed.latest)


def edtf_is_relative(text: str, reference: date | None = None) -> bool:
    """Whether a text is a relative phrase (resolved against a reference day): 'yesterday',
    'next year', 'in May'. False for what the grammar refuses."""
    try:
        return parse_date(text, reference or REFERENCE_DAY).is_relative
    except InvalidInput:
        return False


# -- normalising ------------------------------------------------------------------------------


@functools.cache
def _pattern(text: str) -> re.Pattern[str]:
    return re.compile(text)


def _fullmatch(pattern: str, text: str) -> re.Match[str] | None:
    """re.fullmatch with the grammar's patterns compiled once (fewer look-ups than re's cache)."""
    return _pattern(pattern).fullmatch(text)


def _normalize(text: str) -> str:
    """Lower case, one kind of dash for ranges (en dash), single spaces, no final full stop."""
    lowered = text.lower()
    for dash in ("\u2014", "\u2012", "\u2212", "\u2015"):
        lowered = lowered.replace(dash, "\u2013")
    lowered = lowered.replace("\u00a0", " ")
    lowered = " ".join(lowered.split())
    abbreviation = re.search(r"\b(?:c|ca|approx|a\.d|c\.e)\.$", lowered)
    if lowered.endswith(".") and not lowered.endswith("..") and not abbreviation:
        lowered = lowered[:-1].rstrip()
    return lowered


# -- the reader ---------------------------------------------------------------------------------


def _read(s: str, r: _Reading) -> str:
    """The EDTF of a normalised text, or InvalidInput."""
    if not s:
        raise r.fail()
    edtf = _edtf_as_written(s, r)
    if edtf is not None:
        return edtf
    for rule in _RULES:
        result = rule(s, r)
        if result is not None:
            return result
    raise _refusal(s, r)


def _edtf_as_written(s: str, r: _Reading) -> str | None:
    """EDTF levels 0-1 as typed (intervals, sets, unspecified digits translated)."""
    if not _fullmatch(r"[\dx\[\]./?~%-]+", s) or not re.match(r"[\[./]*-?\d", s):
        return None
    if "x" in s:
        return _unspecified(s, r)
    candidate = s
    if _fullmatch(r"\d{4}-\d{4}", s):  # 2022-2023 is a range of years, not EDTF
        return None
    try:
        edtf_bounds(candidate)
    except InvalidInput as exc:
        if _SINGLE.match(candidate) or (
            ("/" in candidate or "[" in candidate)
            and all(_SINGLE.match(p) for p in re.split(r"/|\.\.|\[|\]", candidate) if p)
        ):
            raise r.fail(exc.message) from None
        return None
    return candidate


def _unspecified(s: str, r: _Reading) -> str:
    """EDTF unspecified digits, stored as the equivalent form: 201X is one year of the 2010s
    ([2010..2019]), 2024-05-XX a day of May 2024 (2024-05)."""
    match = _fullmatch(r"(\d{2}|\d{3}|\d{4})(x{0,2})(?:-(\d{2}|xx))?(?:-(\d{2}|xx))?", s)
    if not match or len(match[1]) + len(match[2]) != 4:
        raise r.fail("unspecified digits (X) in an unsupported place")
    digits, xs, month, day = match[1], match[2], match[3], match[4]
    if xs:
        if month or day:
            raise r.fail("an unspecified year with a month or day")
        low, high = digits + "0" * len(xs), digits + "9" * len(xs)
        if int(low) < 1:
            low = "0001"
        return f"[{low}..{high}]"
    if month == "xx":
        if day not in (None, "xx"):
            raise r.fail("a day without its month")
        return digits
    if day == "xx":
        return f"{digits}-{month}"
    raise r.fail()


def _points(edtf: str) -> list[tuple[int, int]]:
    """Where the points of an EDTF text are: (start, end) offsets."""
    return [m.span() for m in re.finditer(r"-?\d{4}(?:-\d{2}(?:-\d{2})?)?[?~%]?", edtf)]


def _qualify(edtf: str, which: str, qualifier: str) -> str:
    """Add a qualifier to the points of an EDTF text (`which`: all, start or end)."""
    spans = _points(edtf)
    if which == "start":
        spans = spans[:1] if not edtf.startswith(("[..", "../", "/")) else []
    elif which == "end":
        spans = spans[-1:] if not edtf.endswith(("..]", "/..", "/")) else []
    if not spans:
        raise InvalidInput(f"no {which} to qualify in {edtf!r}")
    out = edtf
    for start, end in reversed(spans):
        point = out[start:end]
        current = point[-1] if point[-1] in "?~%" else ""
        base = point[:-1] if current else point
        if not current:
            combined = qualifier
        elif current in (qualifier, "%"):
            combined = current
        else:  # approximate and uncertain
            combined = "%"
        out = out[:start] + base + combined + out[end:]
    return out


# each rule returns the EDTF of the whole text, None when it does not apply, or raises


def _rule_suffix(s: str, r: _Reading) -> str | None:
    """'May 2024 (approx.)', '1–3 May 2024 (approx. start; uncertain end)', 'May 2024?'."""
    match = _fullmatch(r"(.*?\S)\s*\(([^()]*)\)", s)
    if match:
        parts = [p.strip() for p in match[2].split(";")]
        if not all(_suffix_part(p) is not None for p in parts):
            return None
        edtf = _read(match[1], r)
        for part in parts:
            qualifier, which = _suffix_part(part) or ("", "all")
            if qualifier in ("start unknown", "end unknown"):
                edtf = _unknown_end(edtf, qualifier, r)
            else:
                edtf = _qualify(edtf, which, qualifier)
        return edtf
    mark = _fullmatch(r"(.*[a-z].*?)\s*([?~%])", s)
    if mark:
        return _qualify(_read(mark[1], r), "all", mark[2])
    return None


def _suffix_part(part: str) -> tuple[str, str] | None:
    if part in ("start unknown", "end unknown"):
        return part, "all"
    words = part.rsplit(" ", 1)
    which = "all"
    if len(words) == 2 and words[1] in ("start", "end"):
        part, which = words[0], words[1]
    qualifier = _SUFFIX_QUALIFIERS.get(part)
    return (qualifier, which) if qualifier else None


def _unknown_end(edtf: str, what: str, r: _Reading) -> str:
    if what == "start unknown" and edtf.startswith("../"):
        return edtf[2:]
    if what == "end unknown" and edtf.endswith("/.."):
        return edtf[:-2]
    raise r.fail(f"'{what}' goes with until/from")


def _rule_qualifier_words(s: str, r: _Reading) -> str | None:
    """'around May 2024', 'c. 2021', 'possibly May 2024': the whole date qualified."""
    for words, qualifier in _QUALIFIERS_LONGEST_FIRST:
        if s.startswith(words + " ") or (words.endswith(".") and s.startswith(words)):
            rest = s[len(words) :].strip()
            if rest:
                return _qualify(_read(rest, r), "all", qualifier)
    return None


def _rule_bounds(s: str, r: _Reading) -> str | None:
    """before/after (strictly), by, on or before/after, no later than, not before, until,
    since/from, between ... and ..."""
    between = _fullmatch(r"between (.+?) and (.+)", s)
    if between:
        first, last = _one_date(between[1], r), _one_date(between[2], r)
        return f"[{first}..{last}]"
    for prefix, shape in (
        ("on or before ", "[..{e}]"), ("no later than ", "[..{e}]"),
        ("not later than ", "[..{e}]"), ("not after ", "[..{e}]"), ("by ", "[..{e}]"),
        ("on or after ", "[{s}..]"), ("not before ", "[{s}..]"), ("no earlier than ", "[{s}..]"),
        ("until ", "../{e}"), ("till ", "../{e}"), ("up to ", "../{e}"),
        ("since ", "{s}/.."),
    ):  # fmt: skip
        if s.startswith(prefix):
            one = _one_date(s[len(prefix) :], r)
            return shape.format(s=one, e=one)
    if s.startswith("before "):
        return f"[..{_step(_one_date(s[7:], r), -1, r)}]"
    if s.startswith("after "):
        return f"[{_step(_one_date(s[6:], r), 1, r)}..]"
    return None


def _one_date(s: str, r: _Reading) -> str:
    """A text that must be one point (a day, month, year or season), as EDTF."""
    edtf = _read(s.strip(), r)
    if not _SINGLE.match(edtf):
        raise r.fail(f"{s.strip()!r} must be one date here, not a range")
    return edtf


def _step(edtf: str, direction: int, r: _Reading) -> str:
    """The point just before (-1) or after (1) a point, at its precision: before May 2024 is on
    or before April 2024."""
    point = parse_point(edtf)
    if point.season is not None:
        day = point.earliest - timedelta(days=1) if direction < 0 else point.latest + timedelta(1)
        return day.isoformat()
    if point.day is not None:
        day = point.earliest + timedelta(days=direction)
        return day.isoformat() + (point.qualifier or "")
    if point.month is not None:
        month = point.year * 12 + point.month - 1 + direction
        year, month0 = divmod(month, 12)
        if not 1 <= year <= 9999:
            raise r.fail("out of the years 1 to 9999")
        return f"{year:04d}-{month0 + 1:02d}" + (point.qualifier or "")
    year = point.year + direction
    if not 1 <= year <= 9999:
        raise r.fail("out of the years 1 to 9999")
    return f"{year:04d}" + (point.qualifier or "")


def _rule_prepositions(s: str, r: _Reading) -> str | None:
    """'in May 2024', 'on 30 January 2024', 'during 2023', 'at the end of 2023'."""
    match = _fullmatch(r"(?:in|on|during|at|sometime|some time) (.+)", s)
    if not match or _fullmatch(rf"in {_NUM} \w+", s):
        return None
    rest = match[1]
    if s.startswith("on or "):
        return None
    return _read(rest, r)


def _rule_relative(s: str, r: _Reading) -> str | None:
    """Phrases resolved against the reference day."""
    simple = {"today": 0, "yesterday": -1, "tomorrow": 1, "the day before yesterday": -2,
              "the day after tomorrow": 2}  # fmt: skip
    if s in simple:
        return (r.ref() + timedelta(days=simple[s])).isoformat()
    named = _fullmatch(r"(last|this|next|the coming|the past|the previous|the next|the current)"
                         r" (week|month|year)", s)  # fmt: skip
    if named:
        step = {"last": -1, "the past": -1, "the previous": -1, "this": 0, "the current": 0,
                "next": 1, "the coming": 1, "the next": 1}[named[1]]  # fmt: skip
        return _unit_edtf(_shift(r.ref(), named[2], step), named[2])
    within = _fullmatch(r"(later|earlier) (this|in the) (week|month|year)", s)
    if within:
        ref = r.ref()
        first, last = _unit_span(ref, within[3])
        if within[1] == "later":
            return f"[{ref.isoformat()}..{last.isoformat()}]"
        return f"[{first.isoformat()}..{ref.isoformat()}]"
    ahead = _fullmatch(rf"in ({_NUM}) (day|week|month|year)s?(?: time)?", s)
    ago = _fullmatch(rf"({_NUM}) (day|week|month|year)s? (ago|from now|later|earlier)", s)
    if ahead or ago:
        match = ahead or ago
        assert match is not None
        count = int(match[1]) if match[1].isdigit() else _NUMBER_WORDS[match[1]]
        if ago and ago[3] in ("ago", "earlier"):
            count = -count
        return _unit_edtf(_shift(r.ref(), match[2], count), match[2])
    weekday = _fullmatch(rf"(last |next |this |coming |past )?({_WD})", s)
    if weekday:
        return _weekday(weekday[1], weekday[2], r).isoformat()
    season = _fullmatch(r"(this|next|last) (spring|summer|autumn|fall|winter)", s)
    if season:
        return _relative_season(season[1], _SEASON_NAMES[season[2]], r)
    month = _fullmatch(rf"(last |next |this )?({_MON})", s)
    if month:
        return _relative_month(month[1], _month(month[2]), r)
    return None


def _shift(day: date, unit: str, count: int) -> date:
    from dateutil.relativedelta import relativedelta

    moved: date = day + relativedelta(**{unit + "s": count})
    return moved


def _unit_span(day: date, unit: str) -> tuple[date, date]:
    if unit == "week":
        start = day - timedelta(days=day.weekday())
        return start, start + timedelta(days=6)
    if unit == "month":
        return day.replace(day=1), day.replace(day=calendar.monthrange(day.year, day.month)[1])
    if unit == "year":
        return date(day.year, 1, 1), date(day.year, 12, 31)
    return day, day


def _unit_edtf(day: date, unit: str) -> str:
    if not 1 <= day.year <= 9999:
        raise InvalidInput("out of the years 1 to 9999")
    if unit == "year":
        return f"{day.year:04d}"
    if unit == "month":
        return f"{day.year:04d}-{day.month:02d}"
    if unit == "week":
        start, end = _unit_span(day, "week")
        return f"{start.isoformat()}/{end.isoformat()}"
    return day.isoformat()


def _weekday(which: str | None, name: str, r: _Reading) -> date:
    """last Friday: the one before the reference day; next Friday: the one after; this Friday:
    in the reference day's week (Monday to Sunday); Friday alone: the last one, the reference
    day included (or the next one, from it, with tense='future')."""
    wanted = _WEEKDAYS[name.rstrip(".")]
    ref = r.ref()
    which = (which or "").strip()
    back = (ref.weekday() - wanted) % 7
    ahead = (wanted - ref.weekday()) % 7
    if which in ("last", "past"):
        return ref - timedelta(days=back or 7)
    if which in ("next", "coming"):
        return ref + timedelta(days=ahead or 7)
    if which == "this":
        return ref - timedelta(days=ref.weekday()) + timedelta(days=wanted)
    if r.tense == "future":
        return ref + timedelta(days=ahead)
    return ref - timedelta(days=back)


def _relative_season(which: str, season: int, r: _Reading) -> str:
    year = r.ref().year + {"this": 0, "next": 1, "last": -1}[which]
    return f"{year:04d}-{season}"


def _relative_month(which: str | None, month: int, r: _Reading) -> str:
    """'in May': May of the reference year; 'next May': the first May after the reference
    month; 'last May': the last May before it."""
    ref = r.ref()
    which = (which or "").strip()
    year = ref.year
    if which == "next" and month <= ref.month:
        year += 1
    elif which == "last" and month >= ref.month:
        year -= 1
    return f"{year:04d}-{month:02d}"


def _month(text: str) -> int:
    return _MONTH_NAMES[text.rstrip(".")]


def _year(text: str, r: _Reading) -> int:
    text = text.replace(".", "").strip()
    digits = re.sub(r"\s*(?:ad|ce)\s*", "", text)
    year = int(digits)
    if year < 1:
        raise r.fail("before the year 1")
    return year


def _rule_parts(s: str, r: _Reading) -> str | None:
    """early/mid/late, beginning/middle/end of, halves and quarters of a year; early/mid/late
    May; relative ones (at the beginning of next year)."""
    part = _fullmatch(
        r"(?:the )?(early|mid|late|beginning of|start of|middle of|end of|the beginning of|"
        r"the start of|the middle of|the end of)[\s-]+(?:the )?(.+)",
        s,
    )
    if part:
        word = part[1].removeprefix("the ")
        key = {"beginning of": "early", "start of": "early", "middle of": "mid",
               "end of": "late"}.get(word, word)  # fmt: skip
        target = _read(part[2], r)
        point = parse_point(target) if _SINGLE.match(target) else None
        if point is None or point.season is not None or point.day is not None:
            raise r.fail(f"{part[1]} goes with a year or a month, not {part[2]!r}")
        if point.month is None:
            first, last = PARTS_OF_YEAR[key]
            y = f"{point.year:04d}"
            return f"{y}-{first:02d}~/{y}-{last:02d}~"
        first, last = PARTS_OF_MONTH[key]
        last = min(last, calendar.monthrange(point.year, point.month)[1])
        ym = f"{point.year:04d}-{point.month:02d}"
        return f"{ym}-{first:02d}~/{ym}-{last:02d}~"
    half = _fullmatch(r"(?:the )?(first|second|1st|2nd) half of (.+)", s)
    quarter = _fullmatch(r"(?:the )?(first|second|third|fourth|last|1st|2nd|3rd|4th) quarter "
                           r"of (.+)", s) or _fullmatch(r"q([1-4])\s+(.+)", s)  # fmt: skip
    if half or quarter:
        match = half or quarter
        assert match is not None
        n = int(match[1]) if match[1].isdigit() else _ORDINALS[match[1]]
        size = 6 if half else 3
        year = _one_date(match[2], r)
        if not _fullmatch(r"\d{4}", year):
            raise r.fail(f"a {'half' if half else 'quarter'} goes with a year")
        first = (n - 1) * size + 1
        return f"{year}-{first:02d}/{year}-{first + size - 1:02d}"
    return None


def _rule_decade(s: str, r: _Reading) -> str | None:
    match = _fullmatch(r"(?:the )?(\d{3})0s", s)
    if not match:
        return None
    start = int(match[1]) * 10
    return f"[{max(start, 1):04d}..{start + 9:04d}]"


def _rule_ranges(s: str, r: _Reading) -> str | None:
    """Ranges of days, months and years with a hyphen, an en dash, to, until or through."""
    text = s.removeprefix("from ")
    y = rf"(?:,?\s+({_YEAR}))?"
    patterns: list[tuple[str, Callable[[re.Match[str]], tuple[str, str, str | None]]]] = [
        # 1-3 May 2024
        (rf"({_DAY}){_SEP}({_DAY})\s+(?:of\s+)?({_MON}){y}",
         lambda m: (f"{m[1]} {m[3]}", f"{m[2]} {m[3]}", m[4])),
        # 30 January – 2 February 2024
        (rf"({_DAY})\s+(?:of\s+)?({_MON}){_SEP}({_DAY})\s+(?:of\s+)?({_MON}){y}",
         lambda m: (f"{m[1]} {m[2]}", f"{m[3]} {m[4]}", m[5])),
        # May 1-3, 2024
        (rf"({_MON})\s+({_DAY}){_SEP}({_DAY}){y}",
         lambda m: (f"{m[2]} {m[1]}", f"{m[3]} {m[1]}", m[4])),
        # January 30 – February 2, 2024
        (rf"({_MON})\s+({_DAY}){_SEP}({_MON})\s+({_DAY}){y}",
         lambda m: (f"{m[2]} {m[1]}", f"{m[4]} {m[3]}", m[5])),
        # May–June 2024
        (rf"({_MON}){_SEP}({_MON}){y}", lambda m: (m[1], m[2], m[3])),
        # 2022-2023
        (rf"(\d{{4}}){_SEP}(\d{{4}})", lambda m: (m[1], m[2], None)),
    ]  # fmt: skip
    for pattern, ends in patterns:
        match = _fullmatch(pattern, text)
        if match:
            first, last, year = ends(match)
            if year is None and not _fullmatch(r"\d{4}", first):
                year_text = f"{r.ref().year:04d}"  # no year given: the reference year
            else:
                year_text = f"{_year(year, r):04d}" if year else ""
            suffix = f" {year_text}" if year_text else ""
            return _interval(_one_date(first + suffix, r), _one_date(last + suffix, r), s, r)
    parts = _SPACED_SEP.split(text, maxsplit=1)
    if len(parts) == 2 and parts[0] and parts[1]:
        first_edtf = _read(parts[0], r)
        last_edtf = _read(parts[1], r)
        if not (_SINGLE.match(first_edtf) and _SINGLE.match(last_edtf)):
            raise r.fail("each end of a range must be one date")
        return _interval(first_edtf, last_edtf, s, r)
    if s.startswith("from "):  # from May 2024: a span that starts
        return f"{_one_date(text, r)}/.."
    return None


def _interval(first: str, last: str, s: str, r: _Reading) -> str:
    if parse_point(first).earliest > parse_point(last).latest:
        raise r.fail("the range ends before it starts")
    return f"{first}/{last}"


def _rule_weekday(s: str, r: _Reading) -> str | None:
    """'Tuesday 30 January 2024', 'Tuesday, 2024-01-02', 'Saturday (11 May 2024)': the weekday
    must be the date's."""
    match = _fullmatch(rf"({_WD})(?:,\s*|\s+|\s*(?=\())(?:\((.+)\)|(.+))", s)
    if not match:
        return None
    rest = match[2] or match[3]
    edtf = _read(rest, r)
    point = parse_point(edtf) if _SINGLE.match(edtf) else None
    if point is None or point.day is None:
        raise r.fail("a weekday goes with one day")
    wanted = _WEEKDAYS[match[1].rstrip(".")]
    actual = point.earliest.weekday()
    if actual != wanted:
        day_name = calendar.day_name[actual]
        raise r.fail(f"{point.label(False)} was a {day_name}, not a {calendar.day_name[wanted]}")
    return edtf


def _rule_single(s: str, r: _Reading) -> str | None:
    """One day, month, year or season."""
    # ISO day with a time and perhaps a zone: the day as written
    iso = _fullmatch(r"(\d{4})-(\d{2})-(\d{2})[t ](\d{2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?"
                       r"(?:z|[+-]\d{2}(?::?\d{2})?)?", s)  # fmt: skip
    if iso:
        hour, minute, second = int(iso[4]), int(iso[5]), int(iso[6] or 0)
        if hour > 24 or minute > 59 or second > 60 or (hour == 24 and minute + second > 0):
            raise r.fail("not a time of day")
        return _day_edtf(int(iso[1]), int(iso[2]), int(iso[3]), r)
    ymd = _fullmatch(r"(\d{4})([-/.])(\d{1,2})\2(\d{1,2})", s)
    if ymd:  # a four-digit year first: always year, month, day
        return _day_edtf(int(ymd[1]), int(ymd[3]), int(ymd[4]), r)
    ym = _fullmatch(r"(\d{4})(?:[/.](\d{1,2})|-(\d))", s)
    if ym:
        return _month_edtf(int(ym[1]), int(ym[2] or ym[3]), r)
    numeric = _fullmatch(r"(\d{1,2})([/.-])(\d{1,2})\2(\d+)", s)
    if numeric:
        return _numeric(numeric, r)
    my = _fullmatch(r"(\d{1,2})[/.-](\d{4})", s)
    if my:
        return _month_edtf(int(my[2]), int(my[1]), r)
    dmy = _fullmatch(rf"(?:the\s+)?({_DAY})(?:\s+of)?[\s-]+({_MON}),?[\s-]+({_YEAR})", s)
    if dmy:
        return _day_edtf(_year(dmy[3], r), _month(dmy[2]), _day_number(dmy[1]), r)
    mdy = _fullmatch(rf"({_MON})\s+({_DAY}),?\s+({_YEAR})", s)
    if mdy:
        return _day_edtf(_year(mdy[3], r), _month(mdy[1]), _day_number(mdy[2]), r)
    ymd_words = _fullmatch(rf"(\d{{4}}),?\s+({_MON})\s+({_DAY})", s)
    if ymd_words:
        return _day_edtf(int(ymd_words[1]), _month(ymd_words[2]), _day_number(ymd_words[3]), r)
    month_year = _fullmatch(rf"({_MON}),?\s+(?:of\s+)?({_YEAR})", s)
    if month_year:
        return _month_edtf(_year(month_year[2], r), _month(month_year[1]), r)
    if _fullmatch(_YEAR, s):
        return f"{_check_year(_year(s, r), r):04d}"
    season = _fullmatch(rf"(?:the\s+)?(spring|summer|autumn|fall|winter)(?:\s+of)?,?\s+({_YEAR})",
                          s)  # fmt: skip
    if season:
        return f"{_check_year(_year(season[2], r), r):04d}-{_SEASON_NAMES[season[1]]}"
    # a day and a month without a year: in the reference year
    dm = _fullmatch(rf"(?:the\s+)?({_DAY})(?:\s+of)?\s+({_MON})", s)
    md = _fullmatch(rf"({_MON})\s+({_DAY})", s)
    if dm or md:
        day, month = (dm[1], dm[2]) if dm else (md[2], md[1])  # type: ignore[index]
        if _day_number(day) > 31:
            raise r.fail(f"two-digit year {day!r}: write the year in full (19{day} or 20{day})")
        return _day_edtf(r.ref().year, _month(month), _day_number(day), r)
    return None


def _day_number(text: str) -> int:
    return int(re.sub(r"\D", "", text))


def _check_year(year: int, r: _Reading) -> int:
    if not 1 <= year <= 9999:
        raise r.fail("partnerkb keeps the years 1 to 9999")
    return year


def _day_edtf(year: int, month: int, day: int, r: _Reading) -> str:
    _check_year(year, r)
    if not 1 <= month <= 12:
        raise r.fail(f"{month} is not a month")
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        raise r.fail(f"{MONTHS[month - 1]} {year:04d} has no day {day}") from None


def _month_edtf(year: int, month: int, r: _Reading) -> str:
    _check_year(year, r)
    if not 1 <= month <= 12:
        raise r.fail(f"{month} is not a month")
    return f"{year:04d}-{month:02d}"


def _numeric(match: re.Match[str], r: _Reading) -> str:
    """06/05/2024: read only with a date order, and only that way."""
    if len(match[4]) == 2:
        raise r.fail(f"two-digit year {match[4]!r}: write the year in full")
    if len(match[4]) != 4:
        raise r.fail(f"year {match[4]!r}: write the year with four digits")
    if r.order is None:
        raise InvalidInput(
            f"cannot read the date {r.text!r}: ambiguous, day/month or month/day",
            hint="give --date-order dmy or mdy (or set $PARTNERKB_DATE_ORDER), or write the "
            "month by name (30 January 2024); see docs/dates.md",
        )
    first, second = int(match[1]), int(match[3])
    day, month = (first, second) if r.order == "dmy" else (second, first)
    if not 1 <= month <= 12:
        raise r.fail(f"{month} is not a month (date order {r.order})")
    return _day_edtf(int(match[4]), month, day, r)


_RULES: tuple[Callable[[str, _Reading], str | None], ...] = (
    _rule_suffix,
    _rule_qualifier_words,
    _rule_bounds,
    _rule_decade,
    _rule_relative,
    _rule_parts,
    _rule_single,
    _rule_weekday,
    _rule_ranges,
    _rule_prepositions,
)


def _refusal(s: str, r: _Reading) -> InvalidInput:
    """The error for a text no rule reads: a two-digit or three-digit year is named."""
    short_year = re.search(
        rf"(?:{_MON}|{_DAY}\s+{_MON}|{_MON}\s+{_DAY}),?\s+'?(\d{{2}})$|^'(\d{{2}})$|{_MON}\s+'(\d{{2}})$",
        s,
    )
    if short_year:
        digits = next(g for g in short_year.groups() if g)
        return r.fail(
            f"two-digit year {digits!r}: write the year in full (19{digits} or 20{digits})"
        )
    three = re.search(rf"(?:{_MON}|{_DAY}\s+{_MON}|{_MON}\s+{_DAY}),?\s+(\d{{3}})$", s)
    if three:
        return r.fail(f"write the year with four digits ({int(three[1]):04d}) or as {three[1]} AD")
    if re.search(r"\b(?:bc|bce|b\.c\.)$", s):
        return r.fail("before the year 1: partnerkb keeps the years 1 to 9999")
    return r.fail()
