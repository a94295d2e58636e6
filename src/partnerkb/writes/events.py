"""Events: adding one, attaching a new report to a stored one, plans and what fulfils them.

An event's status (given, else implied by its date on the day of the report), and the title
and id made up from its participants, date and place when none is given.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from typing import Any

from ..dates import edtf_display, overlaps, status_on
from ..errors import InvalidInput
from ..model import MAX_LENGTHS, STATUSES, slugify
from ..textfold import fold
from .base import Reference
from .drafts import (
    MISSING_HINTS,
    Duplicate,
    EventDraft,
    Note,
    Outcome,
    Participant,
    missing_fields,
)
from .duplicates import DuplicateCheck
from .inputs import checked_text, checked_texts, dedupe, free_id
from .sources import Citations
from .wording import about

Json = dict[str, Any]

# statuses that say the event has begun: no report of a day before its start can give them
BEGUN = frozenset({"happened", "ongoing"})


def check_status_on(status: str, when: Json | None, reference: date) -> None:
    """Refuse (InvalidInput) a status no report of the reference day can give: `happened` or
    `ongoing` for an event whose earliest possible day is after it."""
    earliest = (when or {}).get("earliest")
    day = reference.isoformat()
    if status in BEGUN and earliest is not None and earliest > day:
        raise InvalidInput(
            f"status {status!r}: the event starts {edtf_display(earliest)}, after the day of "
            f"the report ({edtf_display(day)})",
            hint="a report of that day can only announce it: leave --status out (planned), "
            "or give --as-of, the day of the report that says it took place",
        )


def check_not_cancelled_if_fulfilled(event: Json, unlink: str) -> None:
    """Refuse (InvalidInput) `cancelled` for a plan that came true (`fulfilled_by`) or for the
    event that fulfils one: it took place. `unlink` says how the command removes a wrong link."""
    if event.get("status") != "cancelled":
        return
    for name, says in (("fulfilled_by", "is fulfilled by"), ("fulfils", "fulfils")):
        other = event.get(name)
        if other:
            raise InvalidInput(
                f"status: {event['id']} {says} {other}, so it took place; it cannot be "
                "cancelled",
                hint=f"if that link is wrong, remove it first: {unlink}",
            )


def status_known_from(status: str, when: Json | None) -> str | None:
    """The first day a status can have been reported, when no report dates it (ISO or None):
    an event happened once it ended (its latest possible day; its earliest for an open end),
    is under way once it began; a plan, a request, a postponement or a cancellation could
    have been announced on any day (None: counted on every day)."""
    when = when or {}
    if status == "happened":
        return when.get("latest") or when.get("earliest")
    if status == "ongoing":
        return when.get("earliest")
    return None


class EventWrites(Citations, DuplicateCheck):
    """`add-meeting`, `add-event` and their batches; `--attach-to`; `--fulfils`."""

    def add_event(self, draft: EventDraft) -> Outcome:
        """A new event, or new details for a stored one (attach_to)."""
        self.created = []
        with about(draft.where):
            if draft.attach_to:
                if draft.fulfils:
                    raise InvalidInput(
                        "fulfils cannot be combined with attach_to",
                        hint=f"link the stored event with: partnerkb edit {draft.attach_to} "
                        f"--set fulfils={draft.fulfils}",
                    )
                outcome = self._attach(draft)
            else:
                plan = self._plan_to_fulfil(draft.fulfils) if draft.fulfils else None
                outcome = self._add_event(draft, fulfils=plan["id"] if plan else None)
                if plan is not None:
                    self.tx.replace("events", {**plan, "fulfilled_by": outcome.id})
        outcome.created = self.created
        return outcome

    def _plan_to_fulfil(self, text: str) -> Json:
        """The planned event --fulfils names: it must have been a plan, not fulfilled yet."""
        with about("fulfils"):
            plan = self.resolve(text, "events", "fulfils")
            planned = plan["status"] in ("planned", "postponed", "cancelled") or any(
                h.get("status") in ("planned", "postponed")
                for h in plan.get("status_history") or ()
            )
            if not planned:
                raise InvalidInput(
                    f"{plan['id']} was never planned (status {plan['status']}): only a plan "
                    "can be fulfilled",
                    hint="link related events with: partnerkb edit ID --add related_events=ID",
                )
            if plan.get("fulfilled_by"):
                raise InvalidInput(
                    f"{plan['id']} is already fulfilled by {plan['fulfilled_by']}",
                    hint=f"see: partnerkb show {plan['fulfilled_by']}",
                )
        return plan

    def _add_event(self, draft: EventDraft, fulfils: str | None = None) -> Outcome:
        kind = self.check_kind(draft.kind, "events")
        missing = missing_fields(draft)
        if missing:
            raise InvalidInput(f"{missing[0]} is required", hint=MISSING_HINTS[missing[0]])
        cites = self.citations(draft.sources)
        reference = self.reference_for(cites)
        when = self.read_date("date", draft.date, reference)
        assert when is not None
        title = checked_text("title", draft.title, "title")
        if draft.title is not None and title is None:
            raise InvalidInput(
                "title must not be empty", hint="leave --title out to have one made up"
            )
        summary = checked_text("summary", draft.summary, "summary")
        status = self.status_for(draft.status, when, reference.day)
        place = self.entity_id(draft.place, "place", "place", cites) if draft.place else None
        participants = self._participants(draft.participants, cites)
        organizations = dedupe(
            [
                self.entity_id(o, "organizations", "organization", cites)
                for o in checked_texts("organizations", draft.organizations, "name")
            ]
        )
        record: Json = {
            "id": "",
            "kind": kind,
            "title": title or self.derived_title(kind, participants, organizations, place),
            "date": when,
            "place": place,
            "participants": participants,
            "organizations": organizations,
            "topics": checked_texts("topics", draft.topics, "topic"),
            "tags": [t.lower() for t in checked_texts("tags", draft.tags, "tag")],
            "summary": summary,
            "status": status,
            "status_history": [self.status_entry(status, when, cites, reference)],
            "fulfils": fulfils,
            "fulfilled_by": None,
            "related_events": [],
            "sources": cites,
        }
        if not self.options.allow_duplicate:
            existing = self.find_duplicate(record)
            if existing is not None:
                raise Duplicate(
                    f"this {kind} looks like {existing['id']} ({existing['title']}, "
                    f"{edtf_display(existing['date']['edtf'])}): same participants, "
                    "place and date",
                    existing=existing["id"],
                    hint=f"add this source to it with --attach-to {existing['id']} "
                    f'(in JSON: "attach_to"), or record it anyway with --allow-duplicate',
                )
        record["id"] = free_id(self.tx, self.derived_id(record))
        self.tx.insert("events", record)
        self._index_event(record)
        return Outcome(record["id"], "events", "added")

    def _attach(self, draft: EventDraft) -> Outcome:
        """The same event reported again: add the citation and whatever is new."""
        assert draft.attach_to is not None
        event = self.resolve(draft.attach_to, "events", "attach-to")
        new = dict(event)
        cites = self.citations(draft.sources)
        reference = self.reference_for(cites)
        new["sources"] = dedupe([*event.get("sources", []), *cites])
        if draft.date:
            when = self.read_date("date", draft.date, reference)
            assert when is not None
            old = event["date"]
            if not overlaps(
                when["earliest"], when["latest"], old.get("earliest"), old.get("latest")
            ):
                raise InvalidInput(
                    f"date: {draft.date!r} does not overlap the date of {event['id']} "
                    f"({edtf_display(old['edtf'])})",
                    hint="attach only reports of the same event",
                )
            narrower = (
                old.get("earliest") is None or (when["earliest"] or "") >= old["earliest"]
            ) and (old.get("latest") is None or (when["latest"] or "9999") <= old["latest"])
            if narrower and when["edtf"] != old["edtf"]:
                new["date"] = when
        if draft.place:
            place = self.entity_id(draft.place, "place", "place", cites)
            current = event.get("place")
            if not current or place in self.entity_kb().places_within(current):
                new["place"] = place
            elif not self.same_place(current, place):
                raise InvalidInput(
                    f"place: {event['id']} took place at {self._name(current)}, not "
                    f"{self._name(place)}",
                    hint="attach only reports of the same event",
                )
        participants = [dict(p) for p in event.get("participants") or []]
        for entry in self._participants(draft.participants, cites):
            same = next((p for p in participants if p["entity"] == entry["entity"]), None)
            if same is None:
                participants.append(entry)
            else:
                same["part"] = same.get("part") or entry["part"]
                if entry.get("as") and not same.get("as"):
                    same["as"] = entry["as"]
        new["participants"] = participants
        orgs = [self.entity_id(o, "organizations", "organization", cites)
                for o in checked_texts("organizations", draft.organizations, "name")]  # fmt: skip
        new["organizations"] = dedupe([*event.get("organizations", []), *orgs])
        topics = list(event.get("topics") or [])
        folded = {fold(t) for t in topics}
        topics += [
            t for t in checked_texts("topics", draft.topics, "topic") if fold(t) not in folded
        ]
        new["topics"] = topics
        tags = [t.lower() for t in checked_texts("tags", draft.tags, "tag")]
        new["tags"] = dedupe([*event.get("tags", []), *tags])
        summary = checked_text("summary", draft.summary, "summary")
        if summary and not event.get("summary"):
            new["summary"] = summary
        if draft.status and draft.status.strip():
            status = self.status_for(draft.status, new["date"], reference.day)
            if status != event["status"]:
                new["status"] = status
                check_not_cancelled_if_fulfilled(new, f"partnerkb edit {event['id']} --set "
                                                 "fulfilled_by= (or fulfils=)")  # fmt: skip
                new["status_history"] = [
                    *event.get("status_history", []),
                    self.status_entry(status, new["date"], cites, reference),
                ]
        if new == event:
            return Outcome(event["id"], "events", "unchanged",
                           notes=[Note(f"{event['id']} already has all of this")])  # fmt: skip
        self.tx.replace("events", new)
        self._index_event(new)
        return Outcome(event["id"], "events", "attached")

    def _link_fulfilment(self, table: str, before: Json, after: Json) -> None:
        """A planned event and the one that fulfilled it point at each other."""
        if table != "events":
            return
        for name, inverse in (("fulfils", "fulfilled_by"), ("fulfilled_by", "fulfils")):
            target = after.get(name)
            if target and target != before.get(name):
                other = self.data.find("events", target)
                if other is not None and other.get(inverse) != after["id"]:
                    self.tx.replace("events", {**other, inverse: after["id"]})

    def status_for(self, text: str | None, when: Json, reference: date) -> str:
        """The status given, checked; else the one the date implies on the reference day
        (`dates.status_on`: happened when wholly before it, else planned).

        Raises InvalidInput for an unknown status, and for `happened` or `ongoing` given to an
        event that starts after the reference day (no report of that day can say so)."""
        if text is not None and text.strip():
            status = text.strip().lower()
            if status not in STATUSES:
                raise InvalidInput(
                    f"status {text!r} is not one of {', '.join(STATUSES)}",
                    hint="leave it out: planned when the date is after the day of the report "
                    "(--as-of, else the source's day), else happened",
                )
            check_status_on(status, when, reference)
            return status
        if not when:
            return "happened"
        return status_on(when, reference)

    def status_entry(
        self, status: str, when: Json | None, cites: list[Json], reference: Reference
    ) -> Json:
        """One `status_history` entry: the status, the day it was known (`as_of`), its sources.

        `as_of` is the day of the report (`--as-of`, else the cited sources' publication day);
        when nothing dates the report (`reference.origin == "today"`), it is never the day of
        typing but what the record itself shows (`status_known_from`)."""
        day = reference.day.isoformat()
        as_of: str | None = day
        if reference.origin == "today":
            known = status_known_from(status, when)
            as_of = min(known, day) if known else None
        return {"status": status, "as_of": as_of, "sources": cites}

    def _participants(self, given: Sequence[Participant], cites: list[Json]) -> list[Json]:
        out: list[Json] = []
        for participant in given:
            entity = self.entity_id(participant.name, "participants", None, cites)
            same = next((p for p in out if p["entity"] == entity), None)
            if same is not None:  # the same person named twice (by two aliases): one entry
                same["part"] = same["part"] or participant.part
                continue
            entry: Json = {"entity": entity, "part": participant.part}
            if participant.as_title:
                entry["as"] = participant.as_title
            out.append(entry)
        return out

    def _name(self, entity_id: str) -> str:
        found = self.data.get(entity_id)
        return str(found[1].get("name") or entity_id) if found else entity_id

    def derived_title(
        self, kind: str, participants: list[Json], organizations: list[str], place: str | None
    ) -> str:
        """'Nazim Samadov meets Salim M. AlMalik in Rabat'."""
        names = [self._name(p["entity"]) for p in participants] or [
            self._name(o) for o in organizations
        ]
        if len(names) > 3:
            names = [*names[:2], f"{len(names) - 2} others"]
        city = self._city(place)
        where = f" in {self._name(city)}" if city else ""
        if kind == "meeting":
            if len(names) == 1:
                text = f"Meeting with {names[0]}"
            elif len(names) == 2:
                text = f"{names[0]} meets {names[1]}"
            else:
                text = f"{', '.join(names[:-1])} and {names[-1]} meet"
        else:
            joined = ", ".join(names[:-1]) + f" and {names[-1]}" if len(names) > 1 else names[0]
            text = f"{kind.capitalize()}: {joined}"
        return (text + where)[: MAX_LENGTHS["title"]]

    def _city(self, place: str | None) -> str | None:
        """A venue's city: ICESCO Headquarters -> Rabat (ids and titles read better)."""
        if not place:
            return None
        found = self.data.find("entities", place)
        parent = found.get("located_in") if found else None
        if parent:
            city = self.data.find("entities", parent)
            if city and city.get("kind") == "place":
                return str(parent)
        return place

    def derived_id(self, record: Json) -> str:
        """'2024-01-30-samadov-almalik-rabat': the date as precise as it is, surnames, place."""
        parts = [_date_prefix(record["date"])]
        ids = [p["entity"] for p in record["participants"]][:3] or record["organizations"][:2]
        for entity_id in ids:
            found = self.data.find("entities", entity_id)
            slug = slugify(found["name"]) if found else entity_id
            if found and found.get("kind") == "person":
                slug = slug.rsplit("-", 1)[-1]
            parts.append(slug[:24].strip("-"))
        if not ids:
            parts.append(slugify(record["kind"]))
        city = self._city(record.get("place"))
        if city:
            parts.append(city[:24].strip("-"))
        return "-".join(p for p in parts if p)


def _date_prefix(when: Json) -> str:
    """The date part of an id, as precise as the date: 2024-01-30, 2024-05, 2024."""
    edtf = when["edtf"]
    single = re.fullmatch(r"(\d{4}(?:-\d{2}){0,2})[?~%]?", edtf)
    if single:
        return single[1]
    earliest, latest = when.get("earliest"), when.get("latest")
    if earliest and latest:
        if earliest == latest:
            return str(earliest)
        if earliest[:7] == latest[:7]:
            return str(earliest[:7])
        return str(earliest[:4])
    return str((earliest or latest or "undated")[:4])
