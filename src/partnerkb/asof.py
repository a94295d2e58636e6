"""The record as it stood on a reference day: which reports had been published by then, and
what they said.

A fact counts on a day once a source reporting it had been published: a status counts from the
publication of the sources its `status_history` entry cites (the entry's `as_of` when they carry
no date), an event is known from its first such report. So `upcoming --as-of 2024-02-01` still
lists a launch whose outcome a May 2024 article reported, whenever that article was entered.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from .errors import InvalidInput

Json = dict[str, Any]


def reference_day(
    text: str | None, today: date | None = None, *, order: str | None = None
) -> date:
    """The day an answer is given as of: `text` as one calendar day, else today; an
    all-numeric `text` is read in `order` ("dmy" or "mdy"), refused as ambiguous without one.

    Accepts what `dates.parse_date` reads ("2024-02-01", "1 Feb 2024", "yesterday");
    raises InvalidInput for a date that is not one day ("May 2024": which day of it?).
    """
    current = today or date.today()
    if text is None:
        return current
    from .dates import parse_date

    try:
        parsed = parse_date(text, current, order=order)
    except InvalidInput as exc:
        if exc.message.startswith("--as-of"):
            raise
        raise InvalidInput(f"--as-of: {exc.message}", hint=exc.hint) from None
    if parsed.earliest is None or parsed.earliest != parsed.latest:
        raise InvalidInput(
            f"--as-of needs one day, not {parsed.display!r}",
            hint='e.g. --as-of 2024-02-01 or --as-of "1 Feb 2024"',
        )
    return parsed.earliest


@dataclass
class RecordAsOf:
    """Reads records as they stood on `day` (an ISO day), given the store's sources.

    `published` maps source ids to their ISO publication day (None when unknown). Reading every
    event of a 100k-event store must stay a fraction of a second: the loops below are written
    out rather than composed from helpers.
    """

    day: str
    published: Mapping[str, str | None]

    @classmethod
    def of(cls, day: date, sources: Iterable[Json]) -> RecordAsOf:
        return cls(day.isoformat(), {s["id"]: s.get("published") for s in sources})

    def reported_on(self, cites: Iterable[Json] | None) -> str | None:
        """The first publication day among citations (ISO), or None if none is dated."""
        published = self.published
        first: str | None = None
        for cite in cites or ():
            day = published.get(cite["source"])
            if day and (first is None or day < first):
                first = day
        return first

    def status(self, event: Json) -> str | None:
        """The event's status as last reported on or before the day — the status entry with the
        latest report day, the later entry at equal days; None if nothing had been reported yet
        (the record did not know the event)."""
        day = self.day
        history = event.get("status_history")
        if not history:
            reported = self.reported_on(event.get("sources"))
            return event["status"] if reported is None or reported <= day else None
        published = self.published
        status: str | None = None
        latest = ""  # the report day of `status` ("" for an undated report)
        for entry in history:
            reported = None
            for cite in entry.get("sources") or ():
                when = published.get(cite["source"])
                if when and (reported is None or when < reported):
                    reported = when
            if reported is None:
                reported = entry.get("as_of")
            if reported is None or (reported <= day and reported >= latest):
                status = entry["status"]
                latest = reported or latest
        return status

    def ever(self, event: Json, statuses: frozenset[str]) -> bool:
        """Whether the record had, by the day, given the event one of `statuses`."""
        day = self.day
        for entry in event.get("status_history") or ():
            if entry["status"] in statuses:
                reported = self.reported_on(entry.get("sources")) or entry.get("as_of")
                if reported is None or reported <= day:
                    return True
        return False


def day_label(day: str) -> str:
    """An ISO day as people read it: '2024-02-01' -> '1 February 2024'."""
    from .dates import edtf_display

    return edtf_display(day)
