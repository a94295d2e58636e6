"""Plans and their outcomes: what was promised, whether and when it came true, what is coming up
and what is overdue — each as of a reference day.

A plan is an event the record has called pending — planned, requested or postponed (the model's
`PENDING_STATUSES`) — or cancelled, or one that another
event fulfils. Its outcome on a day (see `asof.RecordAsOf`):

- `fulfilled`: an event linked through `fulfils`/`fulfilled_by` had been reported as happened;
- `happened`: the plan itself had been reported as happened, with no linked event;
- `cancelled`: its last status reported by then was cancelled;
- `overdue`: still pending, and its latest possible day is before the day;
- `open`: still pending, its window not passed (or open-ended).

An event under way (`ongoing`) or that simply happened is no plan.

Pure functions over a `KnowledgeBase`; rows are events as stored plus `display` fields, with a
`plan` object describing the outcome.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from .asof import RecordAsOf
from .dates import overlaps, sort_key
from .durations import Span
from .errors import NoMatch
from .model import PENDING_STATUSES, event_entities
from .queries import KnowledgeBase, Labels

Json = dict[str, Any]
PLAN_STATES = ("open", "overdue", "fulfilled", "happened", "cancelled")
_PLANNED = frozenset(PENDING_STATUSES)
_PLAN_WORDS = _PLANNED | {"cancelled"}


@dataclass(frozen=True)
class Agenda:
    """What `upcoming` answers: plans in the window, and plans whose window has passed."""

    day: str  # the reference day (ISO)
    window_end: str  # the last day of the window (ISO)
    upcoming: list[Json]
    overdue: list[Json]


def _days(later: str, earlier: str) -> int:
    return (date.fromisoformat(later) - date.fromisoformat(earlier)).days


_RELATIVE = ("on or ", "between ", "from ", "until ")


def _when(date_dict: Json | None, labels: Labels) -> str:
    """'on 11 May 2024', 'in May 2024', 'on or before 20 November 2022'."""
    if not date_dict:
        return "at no known date"
    text = labels.date(date_dict)[0]
    if text.startswith(_RELATIVE):
        return text
    if date_dict.get("earliest") is not None and date_dict["earliest"] == date_dict.get("latest"):
        return f"on {text}"
    return f"in {text}"


def _planned_for(date_dict: Json | None, labels: Labels) -> str:
    """'planned for early 2023 (approx.)', 'planned on or after 31 January 2024'."""
    if not date_dict:
        return "planned for no known date"
    text = labels.date(date_dict)[0]
    return f"planned {text}" if text.startswith(_RELATIVE) else f"planned for {text}"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


class PlanBook:
    """The plans of a store and their outcomes as of one day. Build one per answer."""

    def __init__(self, kb: KnowledgeBase, as_of: RecordAsOf) -> None:
        self.kb = kb
        self.as_of = as_of
        self.labels = Labels(kb)
        self.labels.today = as_of.day  # "date passed" is said of the reference day
        events = kb.data.tables["events"]
        fulfilled_by: dict[str, list[str]] = {}
        candidates: list[Json] = []
        for event in events.values():
            target = event.get("fulfils")
            if target:
                fulfilled_by.setdefault(target, []).append(event["id"])
        for event in events.values():
            if (
                event["status"] != "happened"
                or event.get("fulfilled_by")
                or event["id"] in fulfilled_by
                or any(h["status"] != "happened" for h in event.get("status_history") or ())
            ):
                candidates.append(event)
        self._fulfilments = fulfilled_by
        self._candidates = candidates

    # -- outcomes -----------------------------------------------------------------------------
    def plans(self, entities: Sequence[str] = (), states: Sequence[str] = ()) -> list[Json]:
        """Every plan the record knew on the day, in date order, each with its outcome; only
        those involving each of `entities` (places inside count) and in one of `states`."""
        scopes = [self.kb.places_within(e) for e in entities]
        wanted = set(states)
        rows = []
        for event in self._candidates:
            if scopes:
                involved = event_entities(event)
                if any(scope.isdisjoint(involved) for scope in scopes):
                    continue
            standing = self._standing(event)
            if standing is None:
                continue
            if wanted and _state(*standing, event, self.as_of.day) not in wanted:
                continue
            rows.append(self._row(event, *standing))
        rows.sort(key=_order)
        return rows

    def states(self) -> dict[str, str]:
        """The state of every plan the record knew on the day, by id (no rows built)."""
        found = {}
        for event in self._candidates:
            standing = self._standing(event)
            if standing is not None:
                found[event["id"]] = _state(*standing, event, self.as_of.day)
        return found

    def plan_row(self, event: Json) -> Json | None:
        """The event with its outcome as of the day, or None if it was not a plan by then."""
        standing = self._standing(event)
        return None if standing is None else self._row(event, *standing)

    def _standing(self, event: Json) -> tuple[str, Json | None] | None:
        """(its status on the day, the event that fulfilled it if reported by then), or None
        when the record did not know the event then, or it was no plan."""
        as_of = self.as_of
        status = as_of.status(event)
        if status is None:
            return None
        fulfilment = self._fulfilment(event)
        if fulfilment is None and status not in _PLAN_WORDS and not as_of.ever(event, _PLANNED):
            return None  # an event that simply happened
        return status, fulfilment

    def _row(self, event: Json, status: str, fulfilment: Json | None) -> Json:
        row = self.labels.event_row(event)
        row["display"]["status"] = _status_label(status, event, self.as_of.day)
        row["status_as_of"] = status
        row["plan"] = self._outcome(event, status, fulfilment)
        return row

    def _fulfilment(self, event: Json) -> Json | None:
        """The earliest linked event reported as happened by the day."""
        ids = list(self._fulfilments.get(event["id"], ()))
        if event.get("fulfilled_by") and event["fulfilled_by"] not in ids:
            ids.insert(0, event["fulfilled_by"])
        found = []
        for other_id in ids:
            other = self.kb.data.find("events", other_id)
            if other is not None and self.as_of.status(other) == "happened":
                found.append(other)
        return min(found, key=_event_key) if found else None

    def _outcome(self, event: Json, status: str, fulfilment: Json | None) -> Json:
        day = self.as_of.day
        when = event.get("date") or {}
        earliest, latest = when.get("earliest"), when.get("latest")
        planned_for = _planned_for(when, self.labels)
        if status == "requested":  # asked for, not yet granted: "requested for 2024"
            planned_for = "requested" + planned_for.removeprefix("planned")
        announced = self._announcement(event)
        row_display = {"announced_by": [self.source_label(s) for s in announced]}
        outcome: Json = {
            "state": "",
            "status": status,
            "fulfilled_by": None,
            "outcome_date": None,
            "delay_days": None,
            "days_overdue": None,
            "days_left": None,
            "announced_by": announced,
            "text": "",
            "display": row_display,
        }
        state = _state(status, fulfilment, event, day)
        if state in ("fulfilled", "happened"):
            held = fulfilment or event
            held_date = held.get("date") or {}
            delay = _delay(earliest, latest, held_date.get("earliest"), held_date.get("latest"))
            if fulfilment is not None:
                outcome.update(state="fulfilled", fulfilled_by=fulfilment["id"])
            else:
                outcome.update(state="happened")
                delay = None  # the plan's own date: no second date to compare with
            outcome.update(outcome_date=held_date or None, delay_days=delay)
            expected = f"expected {_when(when, self.labels)}"
            happened = f"held {_when(held_date, self.labels)}"
            if delay is None:
                outcome["text"] = f"{expected}: reported as happened"
            elif delay == 0:
                outcome["text"] = f"{expected}, {happened}: within the window"
            elif delay > 0:
                outcome["text"] = f"{expected}, {happened}: {_plural(delay, 'day')} late"
            else:
                outcome["text"] = f"{expected}, {happened}: {_plural(-delay, 'day')} early"
        elif state == "cancelled":
            outcome.update(state="cancelled", text=f"{planned_for}: cancelled")
        elif state == "overdue":
            assert latest is not None
            passed = _days(day, latest)
            postponed = "postponed, " if status == "postponed" else ""
            outcome.update(
                state="overdue",
                days_overdue=passed,
                text=f"{planned_for}: {postponed}no report since, window passed "
                f"{_plural(passed, 'day')} ago",
            )
        else:
            postponed = "postponed, " if status == "postponed" else ""
            if latest is None:
                left = "no end date given"
            elif earliest is not None and earliest > day:
                left = f"window opens in {_plural(_days(earliest, day), 'day')}"
            else:
                outcome["days_left"] = _days(latest, day)
                left = f"window closes in {_plural(_days(latest, day), 'day')}"
            outcome.update(state="open", text=f"{planned_for}: {postponed}open, {left}")
            if outcome["days_left"] is None and latest is not None:
                outcome["days_left"] = _days(latest, day)
        return outcome

    def _announcement(self, event: Json) -> list[str]:
        """Ids of the sources that first reported the plan (its first planned status)."""
        for entry in event.get("status_history") or ():
            if entry["status"] in _PLAN_WORDS and entry.get("sources"):
                return list(dict.fromkeys(c["source"] for c in entry["sources"]))
        return list(dict.fromkeys(c["source"] for c in event.get("sources") or ()))

    def source_label(self, source_id: str) -> str:
        """'News.az, 2024-01-31': a source in brief, as a column of a table shows it."""
        source = self.kb.data.find("sources", source_id)
        if source is None:
            return source_id
        published = source.get("published")
        return f"{source['outlet']}, {published}" if published else str(source["outlet"])

    # -- the agenda ---------------------------------------------------------------------------
    def agenda(self, within: Span, entities: Sequence[str] = ()) -> Agenda:
        """Open plans whose span overlaps [day, day + within], soonest first, and overdue plans,
        longest overdue first. Raises NoMatch when there are neither."""
        day = self.as_of.day
        end = within.after(date.fromisoformat(day)).isoformat()
        upcoming, overdue = [], []
        for row in self.plans(entities, ("open", "overdue")):
            state = row["plan"]["state"]
            when = row.get("date") or {}
            if state == "open" and overlaps(when.get("earliest"), when.get("latest"), day, end):
                upcoming.append(row)
            elif state == "overdue":
                overdue.append(row)
        overdue.sort(key=lambda r: (-r["plan"]["days_overdue"], r["id"]))
        if not upcoming and not overdue:
            raise NoMatch(f"no plan is coming up between {day} and {end}, and none is overdue")
        return Agenda(day, end, upcoming, overdue)


def _state(status: str, fulfilment: Json | None, event: Json, day: str) -> str:
    """fulfilled, happened, cancelled, overdue or open (see the module's docstring)."""
    if fulfilment is not None:
        return "fulfilled"
    if status == "happened":
        return "happened"
    if status == "cancelled":
        return "cancelled"
    latest = (event.get("date") or {}).get("latest")
    return "overdue" if latest is not None and latest < day else "open"


def _status_label(status: str, event: Json, day: str) -> str:
    latest = (event.get("date") or {}).get("latest")
    if status in _PLANNED and latest and latest < day:
        return f"{status} (date passed; no later report)"
    return status


def _delay(
    plan_start: str | None, plan_end: str | None, held_start: str | None, held_end: str | None
) -> int | None:
    """Days between the promised window and the outcome: > 0 late, < 0 early, 0 within."""
    if held_start is None and held_end is None:
        return None
    if plan_end is not None and held_start is not None and held_start > plan_end:
        return _days(held_start, plan_end)
    if plan_start is not None and held_end is not None and held_end < plan_start:
        return -_days(plan_start, held_end)
    return 0


def _event_key(event: Json) -> tuple[str, str, str]:
    earliest, latest = sort_key(event.get("date"))
    return earliest, latest, event["id"]


def _order(row: Json) -> tuple[str, str, str]:
    return _event_key(row)


def select_plans(rows: Iterable[Json], states: Sequence[str]) -> list[Json]:
    """The plans in one of `states` (all if none given); raises NoMatch if none is left."""
    wanted = set(states)
    kept = [r for r in rows if not wanted or r["plan"]["state"] in wanted]
    if not kept:
        which = " or ".join(states) if states else "known"
        raise NoMatch(f"no plan is {which} on this day" if states else "no plan is recorded")
    return kept


def plan_counts(rows: Iterable[Json]) -> dict[str, int]:
    """How many plans are in each state (every state present, zero if none)."""
    counts = dict.fromkeys(PLAN_STATES, 0)
    for row in rows:
        counts[row["plan"]["state"]] += 1
    return counts
