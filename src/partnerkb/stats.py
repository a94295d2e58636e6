"""Counts over the events of a store: by kind, year, status, entity or place; the most frequent
participants; plans kept, open, overdue and cancelled — as the record stood on a reference day.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from .asof import RecordAsOf
from .dates import overlaps, sort_key
from .errors import InvalidInput, NoMatch
from .queries import KnowledgeBase

Json = dict[str, Any]
GROUPINGS = ("kind", "year", "status", "entity", "place")
NO_PLACE = "(no place)"


@dataclass(frozen=True)
class Stats:
    """Counts of one answer. Rows are {"key", "name", "count", "share"} (share of `total`)."""

    by: str
    total: int
    counts: list[Json]
    top_participants: list[Json]
    plans: list[Json]  # kept, open, overdue, cancelled


def event_stats(
    kb: KnowledgeBase,
    by: str,
    as_of: RecordAsOf,
    since: str | None = None,
    until: str | None = None,
    top: int = 10,
) -> Stats:
    """Counts of the events known on the reference day whose dates overlap [since, until].

    `by` is one of GROUPINGS; with "entity" an event counts once for each entity it involves
    (participants and organizations). Raises InvalidInput for another `by`, NoMatch when no
    event is left.
    """
    if by not in GROUPINGS:
        raise InvalidInput(f"--by {by!r} is not one of {', '.join(GROUPINGS)}")
    counts: Counter[str] = Counter()
    people: Counter[str] = Counter()
    kept: set[str] = set()
    total = 0
    for event in kb.data.tables["events"].values():
        if since or until:
            when = event.get("date") or {}
            if not overlaps(when.get("earliest"), when.get("latest"), since, until):
                continue
        status = as_of.status(event)
        if status is None:
            continue  # not reported yet on the reference day
        total += 1
        kept.add(event["id"])
        if by == "kind":
            counts[event["kind"]] += 1
        elif by == "year":
            counts[sort_key(event.get("date"))[0][:4]] += 1
        elif by == "status":
            counts[status] += 1
        elif by == "place":
            counts[event.get("place") or NO_PLACE] += 1
        else:
            counts.update(set(p["entity"] for p in event.get("participants") or ())
                          | set(event.get("organizations") or ()))  # fmt: skip
        for participant in {p["entity"] for p in event.get("participants") or ()}:
            people[participant] += 1
    if not total:
        raise NoMatch("no event matches these dates")
    names = _Names(kb)
    if by == "year":
        ordered = sorted(counts.items(), key=lambda kv: kv[0])
    else:
        ordered = sorted(counts.items(), key=lambda kv: (-kv[1], names.label(by, kv[0])))
    rows = [_row(key, names.label(by, key), n, total) for key, n in ordered]
    participants = [
        _row(key, names.label("entity", key), n, total)
        for key, n in sorted(people.items(), key=lambda kv: (-kv[1], names.label("entity", kv[0])))
        if names.kind(key) != "place"
    ][:top]
    return Stats(by, total, rows, participants, _plans(kb, as_of, kept, total))


def _plans(kb: KnowledgeBase, as_of: RecordAsOf, events: set[str], total: int) -> list[Json]:
    from .plans import PLAN_STATES, PlanBook

    counts = dict.fromkeys(PLAN_STATES, 0)
    for plan_id, state in PlanBook(kb, as_of).states().items():
        if plan_id in events:
            counts[state] += 1
    states = {
        "kept": counts["fulfilled"] + counts["happened"],
        "open": counts["open"],
        "overdue": counts["overdue"],
        "cancelled": counts["cancelled"],
    }
    planned = sum(states.values())
    return [_row(state, state, n, planned or 1) for state, n in states.items()]


def _row(key: str, name: str, count: int, total: int) -> Json:
    return {"key": key, "name": name, "count": count, "share": round(count / total, 4)}


class _Names:
    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb

    def label(self, by: str, key: str) -> str:
        if by in ("entity", "place") and key != NO_PLACE:
            return self.kb.name_of(key)
        return key

    def kind(self, key: str) -> str:
        found = self.kb.get(key)
        return str(found[1].get("kind", "")) if found else ""
