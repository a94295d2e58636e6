"""Date phrases in running text, found and resolved against the article's publication day.

`find_dates(sentence)` finds the phrases diplomatic reports date things with — `on Saturday (11
May 2024)`, `held Tuesday 30 January 2024`, `on June 3`, `in May`, `later this year`, `at the
beginning of next year`, `in November 2024`, `on December 11 last year`, `for 2024` — and
`resolve(phrase, published, future=...)` turns one into a stored date (EDTF, earliest, latest,
the phrase as written, the day it was resolved against). Absolute dates go through
`partnerkb.dates`; what depends on the reading day (a weekday, a month without a year, "next
year") is resolved here against the publication day, forward for what the article reports as
to come and backward for what it reports as done. Without a publication day a relative phrase is
not resolved (None), never guessed against today.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from ..dates import MONTHS, FuzzyDate, parse_date
from ..errors import InvalidInput

WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
_MONTH_ABBR = {m[:3].lower(): i + 1 for i, m in enumerate(MONTHS)}
_MONTH = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November|December"
    r"|Jan\.?|Feb\.?|Mar\.?|Apr\.?|Jun\.?|Jul\.?|Aug\.?|Sept?\.?|Oct\.?|Nov\.?|Dec\.?)"
)
_WEEKDAY = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
_YEAR = r"(?:19|20)\d\d"
_DAY = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?"
_REL_YEAR = r"(?:last|next|this|the following|the coming|the previous) year"
_LEAD = r"(?:(?:on|since|from|until|by|in|held|dated)\s+)?"
_WD = rf"(?:{_WEEKDAY},?\s*)?"

# Most specific first: a longer phrase wins over the shorter one inside it.
_PATTERNS: list[tuple[str, str]] = [
    ("dmy", rf"{_LEAD}{_WD}\(?\s*{_DAY}\s+{_MONTH},?\s+{_YEAR}\s*\)?"),
    ("mdy", rf"{_LEAD}{_WD}\(?\s*{_MONTH}\s+{_DAY},?\s+{_YEAR}\s*\)?"),
    ("md_rel", rf"{_LEAD}{_WD}(?:{_MONTH}\s+{_DAY}|{_DAY}\s+(?:of\s+)?{_MONTH})\s+{_REL_YEAR}"),
    ("md", rf"{_LEAD}{_WD}(?:{_MONTH}\s+{_DAY}|{_DAY}\s+(?:of\s+)?{_MONTH})(?![\w-])"),
    (
        "part",
        r"(?:(?:at|in|by|during|towards?)\s+)?(?:the\s+)?(?:early|mid|late|beginning of|start of"
        r"|end of|middle of|first half of|second half of)[\s-]+(?:" + _YEAR + "|" + _REL_YEAR + ")",
    ),
    ("my", rf"(?:(?:in|since|from|until|by|during)\s+)?{_MONTH},?\s+{_YEAR}"),
    ("m_rel", rf"(?:(?:in|since|from|until|by|during)\s+)?{_MONTH}\s+{_REL_YEAR}"),
    ("later", r"(?:later|earlier) (?:this|in the) year"),
    ("rel", r"(?:next|last|this|the coming|the following) (?:year|month|week)"),
    ("day_word", r"\b(?:yesterday|today|tomorrow)\b"),
    ("m", rf"(?:in|since|from|until|by|during|this|next|last)\s+{_MONTH}(?![\w-])"),
    ("wd", rf"(?:(?:on|last|next|this)\s+)?{_WEEKDAY}(?![\w-])"),
    ("y", rf"(?:in|since|for|during|by|until)\s+{_YEAR}(?![\w-])"),
]
_COMPILED = [(name, re.compile(rf"(?<![\w-]){pattern}", re.I)) for name, pattern in _PATTERNS]
_MONTH_ONLY = re.compile(rf"^{_MONTH}$", re.I)


@dataclass(frozen=True)
class DatePhrase:
    """A date phrase in a sentence: where it is, what it says, and how it is read."""

    start: int
    end: int
    text: str
    form: str  # one of the pattern names above

    @property
    def relative(self) -> bool:
        """Whether it needs a reading day (a weekday, a month without a year, "next year")."""
        if self.form in ("md_rel", "md", "m_rel", "later", "rel", "day_word", "m", "wd"):
            return True
        return bool(re.search(_REL_YEAR, self.text, re.I))


def find_dates(sentence: str) -> list[DatePhrase]:
    """The date phrases of a sentence, left to right, none overlapping another."""
    found: list[DatePhrase] = []
    taken: list[tuple[int, int]] = []
    for form, pattern in _COMPILED:
        for match in pattern.finditer(sentence):
            start, end = match.span()
            text = match.group(0).strip()
            if any(start < e and s < end for s, e in taken):
                continue
            if re.search(r"\bmay\b", text):
                continue  # "may" the verb: the month is written with a capital
            found.append(DatePhrase(start, end, text.rstrip(",").strip(), form))
            taken.append((start, end))
    return sorted(found, key=lambda p: p.start)


def resolve(phrase: DatePhrase, published: date | None, *, future: bool) -> dict[str, Any] | None:
    """The stored form of a date phrase; None when it needs a publication day and has none.

    `future` says whether the article reports the thing as to come: "on Tuesday" is then the
    next Tuesday after the publication day, otherwise the last one on or before it.
    """
    text = _clean(phrase.text)
    relative = phrase.relative
    if relative and published is None:
        return None
    reference = published or date.today()
    try:
        edtf = _edtf(phrase.form, text, reference, future)
    except (InvalidInput, ValueError):
        return None
    if edtf is None:
        return None
    fuzzy = FuzzyDate.from_edtf(edtf, phrase.text, published if relative else None)
    return fuzzy.to_dict()


def undated(published: date | None) -> dict[str, Any] | None:
    """An event the article dates by nothing: on or before the publication day."""
    if published is None:
        return None
    return FuzzyDate.from_edtf(f"[..{published.isoformat()}]").to_dict()


def _clean(text: str) -> str:
    text = re.sub(r"^(?:on|held|dated)\s+", "", text, flags=re.I)
    text = (
        re.sub(rf"^{_WEEKDAY},?\s*", "", text, flags=re.I)
        if not re.fullmatch(rf"(?:(?:on|last|next|this)\s+)?{_WEEKDAY}", text, re.I)
        else text
    )
    return text.replace("(", " ").replace(")", " ").strip().strip(",").strip()


def _month_number(word: str) -> int:
    return _MONTH_ABBR[word.lower().rstrip(".")[:3]]


def _edtf(form: str, text: str, today: date, future: bool) -> str | None:
    lower = " ".join(text.lower().split())
    if form in ("dmy", "mdy", "my", "y"):
        lower = re.sub(r"^(?:in|since|from|until|by|during|for)\s+", "", lower)
        return parse_date(lower, today).edtf
    if form == "part":
        lower = re.sub(r"^(?:at|in|by|during|towards?)\s+", "", lower)
        lower = re.sub(r"^the\s+", "", lower)
        lower = re.sub(
            r"(?:last|next|this|the following|the coming|the previous) year$",
            lambda m: str(today.year + _year_step(m.group(0))),
            lower,
        )
        lower = lower.replace("first half of", "early").replace("second half of", "late")
        return parse_date(lower, today).edtf
    if form in ("md_rel", "m_rel"):
        step = _year_step(re.search(_REL_YEAR, lower, re.I).group(0))  # type: ignore[union-attr]
        rest = re.sub(_REL_YEAR, "", lower).strip()
        rest = re.sub(r"^(?:in|since|from|until|by|during|on)\s+", "", rest)
        return _month_day(rest, today.year + step)
    if form == "md":
        day = _month_day_parts(lower)
        if day is None:
            return None
        month, day_n = day
        candidate = date(today.year, month, day_n)
        if future and candidate < today:
            candidate = date(today.year + 1, month, day_n)
        elif not future and candidate > today:
            candidate = date(today.year - 1, month, day_n)
        return candidate.isoformat()
    if form == "m":
        words = lower.split()
        month = _month_number(words[-1])
        year = today.year
        if words[0] == "next":
            year += 1 if month <= today.month else 0
        elif words[0] == "last":
            year -= 1 if month >= today.month else 0
        elif future and month < today.month:
            year += 1
        elif not future and month > today.month:
            year -= 1
        return f"{year:04d}-{month:02d}"
    if form == "later":
        if lower.startswith("later"):
            return f"[{today.isoformat()}..{today.year:04d}-12-31]"
        return f"[{today.year:04d}-01-01..{today.isoformat()}]"
    if form == "rel" or form == "day_word":
        return parse_date(lower.replace("the following", "next"), today).edtf
    if form == "wd":
        words = lower.split()
        weekday = [w.lower() for w in WEEKDAYS].index(words[-1])
        forward = future or words[0] == "next"
        if words[0] == "last":
            forward = False
        if forward:
            delta = (weekday - today.weekday()) % 7 or 7
            return (today + timedelta(days=delta)).isoformat()
        delta = (today.weekday() - weekday) % 7
        return (today - timedelta(days=delta)).isoformat()
    return None


def _year_step(words: str) -> int:
    words = words.lower()
    if words.startswith(("next", "the following", "the coming")):
        return 1
    if words.startswith(("last", "the previous")):
        return -1
    return 0


def _month_day_parts(text: str) -> tuple[int, int] | None:
    text = re.sub(r"^(?:in|since|from|until|by|during|on)\s+", "", text)
    match = re.match(r"^([a-z.]+)\s+(\d{1,2})", text) or None
    if match and match.group(1).rstrip(".")[:3] in _MONTH_ABBR:
        return _month_number(match.group(1)), int(match.group(2))
    match = re.match(r"^(\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?([a-z.]+)", text)
    if match and match.group(2).rstrip(".")[:3] in _MONTH_ABBR:
        return _month_number(match.group(2)), int(match.group(1))
    return None


def _month_day(text: str, year: int) -> str | None:
    parts = _month_day_parts(text)
    if parts is None:
        month_only = text.split()[-1] if text.split() else ""
        if month_only.rstrip(".")[:3] in _MONTH_ABBR:
            return f"{year:04d}-{_month_number(month_only):02d}"
        return None
    return date(year, parts[0], parts[1]).isoformat()
