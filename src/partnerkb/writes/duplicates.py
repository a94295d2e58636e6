"""Finding the stored event a new one repeats (the same meeting reported by a second article).

`DuplicateCheck.find_duplicate` applies the rule: same kind, overlapping date, same or unknown
place (a venue is within its city), shared participants. The candidates come from the store's
indexes where its engine answers `StoreData.event_candidates` (SQLite, PostgreSQL: one indexed
query, nothing loaded); otherwise from `EventIndex`, which files the events in memory by
entity, kind and year so that a batch of many events checks each against few.
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
        # a copy shares one of these with the new event: two writers recording the same
        # meeting at once check one after the other (the second sees the first's)
        self.tx.claim(mine)
        kind = record["kind"]
        for event in self._candidates(mine, kind, record["date"]):
            if event["id"] == (record.get("fulfils") or ""):
                continue  # the plan it fulfils is not a copy
            if not self.same_place(event.get("place"), record.get("place")):
                continue
            theirs = self._involved(event)
            common = mine & theirs
            if common and len(common) >= min(2, len(mine), len(theirs)):
                return event
        return None

    def _candidates(self, mine: set[str], kind: str, when: Json) -> list[Json]:
        """The stored events of `kind` involving one of `mine` whose dates overlap `when`, by
        id (more may come from the store's indexes: those are tested here)."""
        if self._events_by_entity is None:
            pushed = self.data.event_candidates(
                kinds=(kind,), since=when.get("earliest"), until=when.get("latest"),
                scopes=(mine,),
            )  # fmt: skip
            if pushed is not None:
                earliest, latest = when.get("earliest") or "", when.get("latest") or "~"
                found = {}
                for event in pushed:
                    span = event.get("date") or {}
                    if (event.get("kind") == kind
                            and (span.get("earliest") or "") <= latest
                            and (span.get("latest") or "~") >= earliest
                            and not mine.isdisjoint(self._involved(event))):  # fmt: skip
                        found[event["id"]] = event
                return [found[i] for i in sorted(found)]
        events = []
        for event_id in sorted(self._event_index().overlapping(mine, kind, when)):
            stored = self.data.find("events", event_id)
            if stored is not None and stored["kind"] == kind:  # else changed since indexed
                events.append(stored)
        return events

    def same_place(self, a: str | None, b: str | None) -> bool:
        """Unknown matches anything; a venue matches its city (ICESCO Headquarters, Rabat)."""
        if not a or not b or a == b:
            return True
        return b in self._within(a) or a in self._within(b)

    def _within(self, place: str) -> set[str]:
        if place not in self._places:
            self._places[place] = self.entity_kb().places_within(place)
        return self._places[place]
