"""Partners and contacts: whom an entity has met, how often, when last — and whom it neglects.

Contact is an event that happened (as the record stood on the reference day, see
`asof.RecordAsOf`) and that involves both sides: as participants or organizations involved. Those
whose part in it does not mean being there (`model.ABSENT_PARTS`: an organizer, an exhibition's
partner, what the event is about or named after) are not met through it. Partners are actors:
organizations, countries, people and groups of them (delegations), never places, awards,
programmes or series (`NOT_PARTNERS`). Nor is anyone on the entity's own side (`OwnSide`): the
organization it is or works for, what that is part of and its parts, and the people who held a
post there at the time of the event — ICESCO's Director-General is not ICESCO's partner, nor
ICESCO his. Plans still open or overdue with a partner are counted beside.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from .asof import RecordAsOf
from .dates import overlaps, sort_key
from .errors import NoMatch
from .model import ABSENT_PARTS
from .queries import KnowledgeBase, date_label
from .roles import evidence_span

Json = dict[str, Any]
# kinds of entity that are no one to meet: where things happen, what they are about or named
NOT_PARTNERS = frozenset(
    {"place", "award", "exhibition", "series", "programme", "program", "treaty", "title"}
)


def contacts(event: Json) -> set[str]:
    """Ids of the entities an event brings into contact: its participants and organizations,
    less those whose part does not mean being there (the place is not among them)."""
    organizers = set()
    involved = set(event.get("organizations") or ())
    for participant in event.get("participants") or ():
        involved.add(participant["entity"])
        if (participant.get("part") or "").lower() in ABSENT_PARTS:
            organizers.add(participant["entity"])
    return involved - organizers


# links that put an entity on another's side: a ministry part of its country, a sector of its
# organization, a delegation or the staff of it, a group accompanying a person
SIDE_RELATIONS = frozenset({"part-of", "delegation-of", "staff-of", "member-of", "accompanies"})


class OwnSide:
    """Who is on an entity's own side at an event, and so never its partner there.

    The side's organizations: the entity itself, and for a person the organizations of the
    posts held at the time of the event; what those are part of and every part of that
    (`related` links in SIDE_RELATIONS, followed both ways, transitively). Its people: whoever
    held a post at one of those organizations at the time — from the start a source gives
    (else from the first day a source shows it held: `roles.evidence_span`) to the end a source
    gives (else with no end: a post is held until a source says otherwise; a post no source
    dates, on every day) — and the groups linked to such a person (a delegation accompanying a
    minister)."""

    def __init__(self, kb: KnowledgeBase, entity_id: str) -> None:
        self.entity_id = entity_id
        self.parents: dict[str, set[str]] = {}
        self.children: dict[str, set[str]] = {}
        self.posts: dict[str, list[tuple[str, tuple[str | None, str | None]]]] = {}
        for other in kb.data.tables["entities"].values():
            for link in other.get("related") or ():
                if link.get("relation") in SIDE_RELATIONS and link.get("entity"):
                    self.parents.setdefault(other["id"], set()).add(link["entity"])
                    self.children.setdefault(link["entity"], set()).add(other["id"])
            for role in other.get("roles") or ():
                if role.get("organization"):
                    shown = evidence_span(role)
                    start = (role.get("from") or {}).get("earliest") or (shown or (None,))[0]
                    end = (role.get("until") or {}).get("latest")
                    self.posts.setdefault(other["id"], []).append(
                        (role["organization"], (start, end))
                    )
        self._closures: dict[frozenset[str], frozenset[str]] = {}

    def _organizations(self, start: frozenset[str]) -> frozenset[str]:
        """`start`, what it is part of, and every part of those."""
        found = self._closures.get(start)
        if found is None:
            side, todo = set(start), list(start)
            while todo:
                for parent in self.parents.get(todo.pop(), ()):
                    if parent not in side:
                        side.add(parent)
                        todo.append(parent)
            todo = list(side)
            while todo:
                for child in self.children.get(todo.pop(), ()):
                    if child not in side:
                        side.add(child)
                        todo.append(child)
            found = self._closures[start] = frozenset(side)
        return found

    def _held(self, person: str, event: Json) -> set[str]:
        """The organizations of the posts `person` held at the time of `event`."""
        when = event.get("date") or {}
        return {
            organization
            for organization, (start, end) in self.posts.get(person, ())
            if overlaps(start, end, when.get("earliest"), when.get("latest"))
        }

    def at(self, event: Json) -> Callable[[str], bool]:
        """A test of whether an entity is on the side at `event` (the entity itself included)."""
        organizations = self._organizations(
            frozenset({self.entity_id, *self._held(self.entity_id, event)})
        )

        def on_side(other: str, depth: int = 0) -> bool:
            if other in organizations or self._held(other, event) & organizations:
                return True
            # a group linked to someone on the side (a minister's delegation), one step up
            return depth < 3 and any(on_side(p, depth + 1) for p in self.parents.get(other, ()))

        return on_side


def _involves(event: Json, entity_id: str) -> bool:
    """A cheap first test: the entity is among participants or organizations at all."""
    if entity_id in (event.get("organizations") or ()):
        return True
    return any(p["entity"] == entity_id for p in event.get("participants") or ())


@dataclass
class _Tally:
    events: int = 0
    first: Json | None = None
    last: Json | None = None
    years: Counter[str] = field(default_factory=Counter)
    plans: list[str] = field(default_factory=list)


def partners(
    kb: KnowledgeBase,
    entity_id: str,
    as_of: RecordAsOf,
    stale_before: date | None = None,
) -> list[Json]:
    """For each entity (other than places) in contact with `entity_id`, or sharing an open plan
    with it: first and last contact, happened events (in all and per year), open or overdue
    plans, days since the last contact (as of the reference day).

    Ordered most recent contact first; with `stale_before`, only those met but not since that
    day, longest neglected first. Raises NoMatch when none is left.
    """
    from .plans import PlanBook

    day = as_of.day
    own_side = OwnSide(kb, entity_id)
    tallies: dict[str, _Tally] = {}
    for event in kb.data.tables["events"].values():
        if not _involves(event, entity_id) or as_of.status(event) != "happened":
            continue
        met = contacts(event)
        if entity_id not in met:
            continue
        key = sort_key(event.get("date"))
        year = key[0][:4] if key[0][:1].isdigit() else "date unknown"
        on_side = own_side.at(event)
        for other in met:
            if on_side(other):
                continue
            tally = tallies.setdefault(other, _Tally())
            tally.events += 1
            tally.years[year] += 1
            if tally.first is None or (key, event["id"]) < _key(tally.first):
                tally.first = event
            if tally.last is None or _last_day(event) > _last_day(tally.last):
                tally.last = event
    book = PlanBook(kb, as_of)
    for row in book.plans((entity_id,), ("open", "overdue")):
        sides = contacts(row)
        if entity_id not in sides:
            continue
        on_side = own_side.at(row)
        for other in sides:
            if on_side(other):
                continue
            tally = tallies.setdefault(other, _Tally())
            tally.plans.append(row["id"])
    rows = []
    for other, tally in tallies.items():
        found = kb.get(other)
        if found is None or found[0] != "entities" or found[1].get("kind") in NOT_PARTNERS:
            continue
        rows.append(_row(found[1], tally, day))
    if stale_before is not None:
        limit = stale_before.isoformat()
        rows = [r for r in rows if r["last_contact"] and r["last_contact_day"] < limit]
        rows.sort(key=lambda r: (-r["days_since"], r["name"], r["id"]))
    else:
        rows.sort(
            key=lambda r: (
                r["days_since"] is None,
                r["days_since"] or 0,
                -r["events"],
                r["name"],
                r["id"],
            )
        )
    if not rows:
        raise NoMatch(
            f"no one was met but not since {stale_before.isoformat()}"
            if stale_before
            else "no partner shares a happened event or an open plan with this entity"
        )
    return rows


def _key(event: Json) -> tuple[tuple[str, str], str]:
    return sort_key(event.get("date")), event["id"]


def _last_day(event: Json) -> tuple[str, str, str]:
    """The latest day an event can have taken place (its earliest if open-ended); at the same
    latest day, the more precise date (the later earliest day) is the later contact."""
    when = event.get("date") or {}
    earliest = when.get("earliest") or ""
    return (when.get("latest") or earliest), earliest, event["id"]


def _row(entity: Json, tally: _Tally, day: str) -> Json:
    first, last = tally.first, tally.last
    last_day = min(_last_day(last)[0], day) if last else None
    days_since = (date.fromisoformat(day) - date.fromisoformat(last_day)).days if last_day else None
    years = dict(sorted(tally.years.items()))
    return {
        "id": entity["id"],
        "name": entity["name"],
        "kind": entity["kind"],
        "events": tally.events,
        "per_year": years,
        "first_contact": _contact(first),
        "last_contact": _contact(last),
        "last_contact_day": last_day,
        "days_since": days_since,
        "open_plans": tally.plans,
        "display": {
            "first_contact": date_label(first.get("date")) if first else "never met",
            "last_contact": date_label(last.get("date")) if last else "never met",
            "per_year": "; ".join(f"{y}: {n}" for y, n in years.items()),
        },
    }


def _contact(event: Json | None) -> Json | None:
    if event is None:
        return None
    return {"event": event["id"], "title": event["title"], "date": event.get("date")}
