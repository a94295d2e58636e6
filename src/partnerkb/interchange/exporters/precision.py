"""Dates at their precision: the start and end points of an EDTF date as year, month, day."""

from __future__ import annotations

import functools
from typing import Any

from ...dates import parse_point
from ...errors import InvalidInput

Json = dict[str, Any]


def date_points(edtf: str) -> tuple[Json | None, Json | None]:
    """The start and end of an EDTF date as {year, month?, day?} at the precision given
    (None for an unknown end); a single date has no end."""
    text = edtf.strip()
    if text.startswith("["):
        start, _, end = text[1:-1].partition("..")
    elif "/" in text:
        start, _, end = text.partition("/")
        start, end = ("" if start == ".." else start), ("" if end == ".." else end)
    else:
        start, end = text, ""
    return (_point(start) if start else None), (_point(end) if end else None)


def _point(text: str) -> Json:
    point = parse_point(text)
    month = point.month
    if point.season is not None:  # spring 2024 starts in March
        month = {21: 3, 22: 6, 23: 9, 24: 12}[point.season]
    out: Json = {"year": point.year}
    if month is not None:
        out["month"] = month
        if point.day is not None and point.season is None:
            out["day"] = point.day
    return out


def iso_prefix(point: Json) -> str:
    """'2024', '2024-05' or '2024-05-30': a date as precise as it is (FollowTheMoney's dates)."""
    text = f"{point['year']:04d}"
    if "month" in point:
        text += f"-{point['month']:02d}"
        if "day" in point:
            text += f"-{point['day']:02d}"
    return text


SPAN_KINDS = ("day", "days", "month", "season", "year", "window")


@functools.lru_cache(maxsize=4096)
def span_kind(edtf: str) -> str:
    """What an EDTF date covers, one of SPAN_KINDS: 'day', 'days' (an exact run of days,
    '2024-05-01/2024-05-03': an event over several days), 'month', 'season', 'year', or
    'window' (any other range, an open end, a set: a time within which it fell); a qualifier
    (~ ?) does not change a single date's kind, and makes a run of days a window."""
    text = edtf.strip()
    if text and text[0] not in "[{" and "/" in text and not any(q in text for q in "~?%"):
        start, _, end = text.partition("/")
        if _is_day(start) and _is_day(end):
            return "days"
    if not text or text[0] in "[{" or "/" in text:
        return "window"
    try:
        point = parse_point(text)
    except InvalidInput:
        return "window"
    if point.season is not None:
        return "season"
    if point.day is not None:
        return "day"
    return "month" if point.month is not None else "year"


def _is_day(text: str) -> bool:
    """Whether an EDTF point is one calendar day (not '..', a month, a season...)."""
    try:
        point = parse_point(text)
    except InvalidInput:
        return False
    return point.day is not None and point.season is None
