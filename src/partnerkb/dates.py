"""Fuzzy dates: parse what users type, store it as EDTF, compare and display it with its precision.

The stored form is a subset of the Library of Congress Extended Date/Time Format (EDTF):

- ``2024``, ``2024-05``, ``2024-05-30`` with an optional qualifier ``?`` (uncertain), ``~``
  (approximate) or ``%`` (both);
- seasons ``2024-21`` .. ``2024-24`` (spring, summer, autumn, winter);
- intervals ``A/B``, with ``..`` for an open end (``../2024-05``, ``2024-05/..``);
- "one of a set" ``[..A]``, ``[A..]``, ``[A..B]``: one day, on or before / on or after / between.

Each date also carries its earliest and latest possible day, so that sorting and filtering never
re-parse it, and may keep the phrase a source used ("later this year") with the day it was
resolved against (the article's publication date). dateutil is the only date parser; it is wrapped
so that a month stays a month and a year stays a year.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from .errors import InvalidInput

MONTHS = [
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
]  # fmt: skip
SEASONS = {21: "spring", 22: "summer", 23: "autumn", 24: "winter"}
QUALIFIER_LABELS = {"~": "approx.", "?": "uncertain", "%": "approx., uncertain"}
# early/mid/late in a year, stored as month intervals
PARTS_OF_YEAR = {"early": (1, 4), "mid": (5, 8), "late": (9, 12)}

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

    def label(self, with_qualifier: bool = True) -> str:
        if self.season is not None:
            text = f"{SEASONS[self.season]} {self.year}"
        elif self.month is None:
            text = str(self.year)
        elif self.day is None:
            text = f"{MONTHS[self.month - 1]} {self.year}"
        else:
            text = f"{self.day} {MONTHS[self.month - 1]} {self.year}"
        if with_qualifier and self.qualifier:
            text += f" ({QUALIFIER_LABELS[self.qualifier]})"
        return text


def parse_point(text: str) -> EdtfPoint:
    """One EDTF date (not an interval or set): its parts, span and label."""
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
        raise InvalidInput(f"year out of range in {text!r}")
    point = EdtfPoint(year, month, day, season, match["q"])
    try:
        point.earliest  # noqa: B018 - validates the day of the month
        point.latest  # noqa: B018
    except ValueError as exc:
        raise InvalidInput(f"not a valid date: {text!r} ({exc})") from None
    return point


@dataclass(frozen=True)
class FuzzyDate:
    """A date of known precision, its EDTF form and its earliest and latest possible day."""

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
        """Read a stored date, checking that its bounds agree with its EDTF form."""
        if not isinstance(data, dict) or not isinstance(data.get("edtf"), str):
            raise InvalidInput("a date must be an object with an 'edtf' string")
        resolved = data.get("resolved_against")
        parsed = cls.from_edtf(
            data["edtf"], data.get("phrase"), date.fromisoformat(resolved) if resolved else None
        )
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


def edtf_display(edtf: str) -> str:
    """How a stored date reads for people: with its precision, never an invented day."""
    text = edtf.strip()
    if text.startswith("["):
        start, _, end = text[1:-1].partition("..")
        if not start:
            return f"on or before {parse_point(end).label()}"
        if not end:
            return f"on or after {parse_point(start).label()}"
        return f"between {parse_point(start).label()} and {parse_point(end).label()}"
    if "/" in text:
        start, _, end = text.partition("/")
        if start in ("", ".."):
            return f"until {parse_point(end).label()}"
        if end in ("", ".."):
            return f"from {parse_point(start).label()}"
        return _range_label(parse_point(start), parse_point(end))
    return parse_point(text).label()


def _range_label(start: EdtfPoint, end: EdtfPoint) -> str:
    qualifier = start.qualifier or end.qualifier
    suffix = f" ({QUALIFIER_LABELS[qualifier]})" if qualifier else ""
    same_year = start.year == end.year and start.season is None and end.season is None
    if same_year and start.day is None and end.day is None and start.month and end.month:
        for word, (first, last) in PARTS_OF_YEAR.items():
            if (start.month, end.month) == (first, last):
                return f"{word} {start.year}{suffix}"
        return f"{MONTHS[start.month - 1]}–{MONTHS[end.month - 1]} {start.year}{suffix}"
    if same_year and start.day and end.day and start.month and end.month:
        if start.month == end.month:
            return f"{start.day}–{end.day} {MONTHS[end.month - 1]} {end.year}{suffix}"
        return (
            f"{start.day} {MONTHS[start.month - 1]} – {end.day} {MONTHS[end.month - 1]} "
            f"{end.year}{suffix}"
        )
    return f"{start.label(False)} – {end.label(False)}{suffix}"


# ---------------------------------------------------------------------------------------------
# What people type
# ---------------------------------------------------------------------------------------------

_UNITS = {"day": "days", "week": "weeks", "month": "months", "year": "years"}
_NUMBER_WORDS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6}
_AHEAD = re.compile(r"^in (\d+|a|an|one|two|three|four|five|six) (day|week|month|year)s?$")
_YEAR_FIRST = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})")
_DAY_FIRST = re.compile(r"\d{1,2}[/.]\d{1,2}[/.]\d{2,4}")
_EDTF_LIKE = re.compile(r"^[\d\-\[\]./?~%]+$")


def parse_date(text: str, today: date | None = None, *, keep_phrase: bool = False) -> FuzzyDate:
    """Parse a date as a user or a source gives it, relative phrases resolved against `today`.

    Accepts EDTF ("2024-05", "[..2022-11-20]"), ISO and written dates ("30 Jan 2024", "May 2024",
    "2024"), relative ones ("yesterday", "3 months ago", "last year", "next month", "later this
    year"), parts of a year ("early 2023", "beginning of next year"), approximations ("around May
    2024", "c. 2021"), and ranges ("before May 2024", "after 2023", "between 2022 and 2023",
    "2024-11-11 to 2024-11-22"). `today` is the reference day: the article's publication date for
    a source's phrase, the real today for what a user types.
    """
    raw = " ".join(text.split())
    if not raw:
        raise InvalidInput("empty date")
    reference = today or date.today()
    try:
        edtf = _to_edtf(raw, reference)
    except (ValueError, OverflowError):
        edtf = None
    if edtf is None:
        raise InvalidInput(
            f"cannot read the date {text!r}",
            hint='try "2024-01-30", "30 Jan 2024", "May 2024", "2024", "early 2023" or "yesterday"',
        )
    phrase = raw if (keep_phrase or edtf_is_relative(raw)) and raw != edtf else None
    return FuzzyDate.from_edtf(edtf, phrase, reference if phrase else None)


def edtf_is_relative(text: str) -> bool:
    """Whether a phrase depends on the day it is read ("yesterday", "next year", "in May")."""
    if _AHEAD.match(text.lower()):
        return True
    words = set(re.findall(r"[a-z]+", text.lower()))
    if words & {"today", "yesterday", "tomorrow", "ago", "last", "next", "this", "later", "coming"}:
        return True
    # a month without a year ("in May") is resolved against the reference year
    return bool(words & {m.lower() for m in MONTHS}) and not re.search(r"\d{4}", text)


def _to_edtf(raw: str, today: date) -> str | None:
    lower = raw.lower().strip().rstrip(".")
    year_first = _YEAR_FIRST.fullmatch(raw)
    if year_first:  # 2024-5-1, 2024/05/01, 2024.5.1: year, month, day — never day first
        year, month, day = (int(part) for part in year_first.groups())
        try:
            return date(year, month, day).isoformat()
        except ValueError:
            raise InvalidInput(f"not a valid date: {raw!r} (year-month-day)") from None
    if _EDTF_LIKE.match(raw):
        try:
            edtf_bounds(raw)
            return raw
        except InvalidInput:
            # 30/01/2024 and 1.2.2024 are day-first dates for dateutil, not EDTF intervals
            if not _DAY_FIRST.fullmatch(raw):
                raise
    qualifier = ""
    for prefix in ("around ", "about ", "approximately ", "circa ", "c. ", "ca. ", "approx. "):
        if lower.startswith(prefix):
            lower, qualifier = lower[len(prefix) :], "~"
            break
    for prefix in ("in ", "on ", "during ", "at "):
        if lower.startswith(prefix) and not _AHEAD.match(lower):
            lower = lower[len(prefix) :]
    if lower.startswith("before ") or lower.startswith("until "):
        return f"[..{_single(lower.split(' ', 1)[1], today)}]"
    if lower.startswith("after ") or lower.startswith("since "):
        return f"[{_single(lower.split(' ', 1)[1], today)}..]"
    between = re.match(r"^between (.+) and (.+)$", lower)
    if between:
        return f"[{_single(between[1], today)}..{_single(between[2], today)}]"
    span = re.match(r"^(?:from )?(.+?)\s+(?:to|until|–|—|-)\s+(.+)$", lower)
    if span:
        return f"{_single(span[1], today)}/{_single(span[2], today)}"
    part = re.match(
        r"^(early|beginning of|start of|the beginning of|mid|middle of|late|end of|the end of)"
        r"[\s-]+(.+)$",
        lower,
    )
    if part:
        year_edtf = _single(part[2], today)
        if not re.fullmatch(r"\d{4}", year_edtf):
            return None
        word = part[1].replace("the ", "")
        key = {"beginning of": "early", "start of": "early", "middle of": "mid", "end of": "late"}
        first, last = PARTS_OF_YEAR[key.get(word, word)]
        # "early 2023" is approximate by nature
        return f"{year_edtf}-{first:02d}~/{year_edtf}-{last:02d}~"
    if lower.startswith("later this year") or lower == "later this year":
        end = date(today.year, 12, 31)
        return f"[{today.isoformat()}..{end.isoformat()}]"
    single = _single(lower, today)
    return single + qualifier if qualifier and single[-1] not in "?~%" else single


def _single(text: str, today: date) -> str:
    """One date (no range) as EDTF."""
    text = text.strip().strip(",")
    if _SINGLE.match(text):
        parse_point(text)
        return text
    if text == "today":
        return today.isoformat()
    if text == "yesterday":
        return (today - timedelta(days=1)).isoformat()
    if text == "tomorrow":
        return (today + timedelta(days=1)).isoformat()
    relative = re.match(
        r"^(?:(\d+|a|an|one|two|three|four|five|six) )?(day|week|month|year)s? ago$", text
    )
    if relative:
        count = (
            int(relative[1])
            if relative[1] and relative[1].isdigit()
            else _NUMBER_WORDS.get(relative[1] or "a", 1)
        )
        return _shifted(today, relative[2], -count)
    ahead = _AHEAD.match(text)
    if ahead:
        count = int(ahead[1]) if ahead[1].isdigit() else _NUMBER_WORDS[ahead[1]]
        return _shifted(today, ahead[2], count)
    named = re.match(r"^(last|this|next|the coming) (day|week|month|year)$", text)
    if named:
        step = {"last": -1, "this": 0, "next": 1, "the coming": 1}[named[1]]
        return _shifted(today, named[2], step)
    return _dateutil_edtf(text, today)


def _shifted(today: date, unit: str, count: int) -> str:
    from dateutil.relativedelta import relativedelta

    moved: date = today + relativedelta(**{_UNITS[unit]: count})
    if unit == "year":
        return f"{moved.year:04d}"
    if unit == "month":
        return f"{moved.year:04d}-{moved.month:02d}"
    if unit == "week":
        start = moved - timedelta(days=moved.weekday())
        return f"{start.isoformat()}/{(start + timedelta(days=6)).isoformat()}"
    return moved.isoformat()


def _dateutil_edtf(text: str, today: date) -> str:
    """Parse with dateutil twice, with two different defaults: what differs was not given."""
    from dateutil import parser

    first = datetime(2000, 1, 1)
    second = datetime(2004, 2, 2)
    try:
        a = parser.parse(text, default=first, dayfirst=True)
        b = parser.parse(text, default=second, dayfirst=True)
    except (ValueError, OverflowError, parser.ParserError) as exc:
        raise InvalidInput(
            f"cannot read the date {text!r}",
            hint='try "2024-01-30", "30 Jan 2024", "May 2024", "2024", "early 2023" or "yesterday"',
        ) from exc
    has_year = a.year == b.year
    has_month = a.month == b.month
    has_day = a.day == b.day
    year = a.year if has_year else today.year
    if has_day and not has_month:
        raise InvalidInput(f"cannot read the date {text!r}: a day without a month")
    if has_month and has_day:
        return date(year, a.month, a.day).isoformat()
    if has_month:
        return f"{year:04d}-{a.month:02d}"
    if has_year:
        return f"{year:04d}"
    raise InvalidInput(f"cannot read the date {text!r}")


def parse_bound(text: str, today: date | None = None) -> tuple[str | None, str | None]:
    """A --since/--until value as its (earliest, latest) ISO days: "2023", "May 2024", ..."""
    parsed = parse_date(text, today)
    return _iso(parsed.earliest), _iso(parsed.latest)
