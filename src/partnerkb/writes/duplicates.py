"""Finding the stored event a new one repeats (the same meeting reported by a second article).

`EventIndex` files events by entity, kind and year so that a batch of many events checks each
against few; `DuplicateCheck.find_duplicate` applies the rule: same kind, overlapping date,
same or unknown place (a venue is within its city), shared participants.
"""

from __future__ import annotations

from typing import Any

from ..store import Transaction
from .drafts import WriteOptions
from .resolution import Resolution

Json = dict[str, Any]


class EventIndex:
    """Events by (entity, kind, year) for finding those that overlap a date: each event is filed
    under every year it spans; one spanning more than `WIDE_YEARS` years, or with an open end,
    is filed once per entity and kind among the wide ones, which every look-up checks."""

    WIDE_YEARS = 30

    def __init__(self) -> None:
        # (entity, kind, year or None for wide) -> [(earliest, latest, event id)]
        self._slots: dict[tuple[str, str, int | None], list[tuple[str, str, str]]] = {}
        self._years: dict[tuple[str, str], set[int | None]] = {}  # the slots of (entity, kind)

    @staticmethod
    def _span(when: Json) -> tuple[str, str, range | None]:
        """An open end compares as "" (before any day) or "~" (after any day)."""
        earliest, latest = when.get("earliest") or "", when.get("latest") or "~"
        if not earliest or latest == "~":
            return earliest, latest, None
        first, last = int(earliest[:4]), int(latest[:4])
        if last - first > EventIndex.WIDE_YEARS:
            return earliest, latest, None
        return earliest, latest, range(first, last + 1)

    def add(self, event: Json, entities: set[str]) -> None:
        """File `event` under each of `entities`."""
        earliest, latest, years = self._span(event.get("date") or {})
        entry = (earliest, latest, event["id"])
        kind = event["kind"]
        for entity in entities:
            filed = self._years.setdefault((entity, kind), set())
            for year in years if years is not None else (None,):
                self._slots.setdefault((entity, kind, year), []).append(entry)
                filed.add(year)

    def overlapping(self, entities: set[str], kind: str, when: Json) -> set[str]:
        """Ids of the events of `kind` filed under any of `entities` whose dates overlap."""
        earliest, latest, years = self._span(when)
        found: set[str] = set()
        for entity in entities:
            if years is None:  # an open or very long span: every year of this entity and kind
                filed = self._years.get((entity, kind), set())
                slots = [self._slots[(entity, kind, year)] for year in filed]
            else:
                slots = [self._slots.get((entity, kind, year), []) for year in years]
                slots.append(self._slots.get((entity, kind, None), []))
            for slot in slots:
                found.update(i for start, end, i in slot if start <= latest and end >= earliest)
        return found


class DuplicateCheck(Resolution):
    """The stored event a new one repeats, if any."""

    def __init__(self, tx: Transaction, options: WriteOptions) -> None:
        super().__init__(tx, options)
        self._places: dict[str, set[str]] = {}
        self._events_by_entity: EventIndex | None = None

    def _involved(self, event: Json) -> set[str]:
        return {p["entity"] for p in event.get("participants") or []} or set(
            event.get("organizations") or []
        )

    def _event_index(self) -> EventIndex:
        """The events of each entity by kind and year: a batch of 100k meetings, all with ICESCO,
        checks each against ICESCO's meetings of the same years only, so it stays linear."""
        if self._events_by_entity is None:
            index = EventIndex()
            for event in self.data.tables["events"].values():
                index.add(event, self._involved(event))
            self._events_by_entity = index
        return self._events_by_entity

    def _index_event(self, event: Json) -> None:
        if self._events_by_entity is not None:
            self._events_by_entity.add(event, self._involved(event))

    def find_duplicate(self, record: Json) -> Json | None:
        """A stored event of the same kind, overlapping date, same or unknown place, that shares
        its participants (two of them, or all when fewer)."""
        mine = self._involved(record)
        if not mine:
            return None
        kind = record["kind"]
        candidates = self._event_index().overlapping(mine, kind, record["date"])
        candidates.discard(record.get("fulfils") or "")  # the plan it fulfils is not a copy
        for event_id in sorted(candidates):
            event = self.data.find("events", event_id)
            if event is None or event["kind"] != kind:
                continue  # changed since it was indexed
            if not self.same_place(event.get("place"), record.get("place")):
                continue
            theirs = self._involved(event)
            common = mine & theirs
            if common and len(common) >= min(2, len(mine), len(theirs)):
                return event
        return None

    def same_place(self, a: str | None, b: str | None) -> bool:
        """Unknown matches anything; a venue matches its city (ICESCO Headquarters, Rabat)."""
        if not a or not b or a == b:
            return True
        return b in self._within(a) or a in self._within(b)

    def _within(self, place: str) -> set[str]:
        if place not in self._places:
            self._places[place] = self.entity_kb().places_within(place)
        return self._places[place]
