"""Spans of time as people type them for a window or a threshold: `90d`, `6w`, `3m`, `1y`
(also `90 days`, `3 months`, `1 year`), and the day a span after (or before) a day falls on."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

from .errors import InvalidInput

_UNITS = {
    "d": "d", "day": "d", "days": "d",
    "w": "w", "wk": "w", "week": "w", "weeks": "w",
    "m": "m", "mo": "m", "month": "m", "months": "m",
    "y": "y", "yr": "y", "year": "y", "years": "y",
}  # fmt: skip
_WORDS = {"d": ("day", "days"), "w": ("week", "weeks"), "m": ("month", "months"),
          "y": ("year", "years")}  # fmt: skip
_SPAN = re.compile(r"^\s*(\d{1,5})\s*([a-z]+)\s*$")


@dataclass(frozen=True)
class Span:
    """A count of days, weeks, calendar months or calendar years."""

    count: int
    unit: str  # "d", "w", "m" or "y"

    @property
    def text(self) -> str:
        """The compact form: '90d', '3m', '1y'."""
        return f"{self.count}{self.unit}"

    @property
    def label(self) -> str:
        """How it reads: '90 days', '1 year'."""
        one, many = _WORDS[self.unit]
        return f"{self.count} {one if self.count == 1 else many}"

    def after(self, day: date) -> date:
        """The day this span after `day` (a month after 31 January is 29 February)."""
        return _shift(day, self.count, self.unit)

    def before(self, day: date) -> date:
        """The day this span before `day`."""
        return _shift(day, -self.count, self.unit)


def parse_span(text: str, option: str = "span") -> Span:
    """'90d' -> Span(90, 'd'). Raises InvalidInput naming `option` for anything else."""
    match = _SPAN.match(text.lower())
    unit = _UNITS.get(match[2]) if match else None
    if match is None or unit is None:
        raise InvalidInput(
            f"{option}: cannot read the span {text!r}", hint="e.g. 90d, 6w, 3m or 1y"
        )
    count = int(match[1])
    if count == 0:
        raise InvalidInput(f"{option}: the span {text!r} is empty", hint="e.g. 90d, 6w, 3m or 1y")
    return Span(count, unit)


def _shift(day: date, count: int, unit: str) -> date:
    try:
        if unit == "d":
            return day + timedelta(days=count)
        if unit == "w":
            return day + timedelta(weeks=count)
        months = count * (12 if unit == "y" else 1)
        index = day.year * 12 + day.month - 1 + months
        year, month = divmod(index, 12)
        month += 1
        return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
    except (OverflowError, ValueError):
        raise InvalidInput(f"a span of {count}{unit} from {day} leaves the calendar") from None
