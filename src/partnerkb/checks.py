"""Named checks of a store's consistency, in the manner of `hledger check`: each finds records
that are wrong or doubtful and says what, one finding per problem.

The default checks look for what is wrong or likely wrong; `STRICT_CHECKS` add matters of style.
Each check is a pure function of a `Survey` — the knowledge base, the record as of the reference
day, and what several checks share, worked out once — that yields `Finding`s; `run_checks` runs
those asked for, in the order of `CHECKS`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Any

from .asof import RecordAsOf
from .dates import FuzzyDate, overlaps
from .errors import InvalidInput
from .model import ABSENT_PARTS, references
from .queries import TYPE_OF_TABLE, KnowledgeBase
from .textfold import fold

Json = dict[str, Any]
# parts a place may play: what an event is about, honours or is named after (the parts that do
# not mean being there, `model.ABSENT_PARTS`), or where it is
PLACE_PARTS = ABSENT_PARTS | {"venue", "location"}


@dataclass(frozen=True)
class Finding:
    """One problem: the check that found it, the record, and what is wrong."""

    check: str
    id: str
    type: str  # entity, event, source, partnership
    message: str

    def line(self) -> str:
        return f"{self.check}: {self.id}: {self.message}"

    def to_dict(self) -> Json:
        return {"check": self.check, "id": self.id, "type": self.type, "message": self.message}


class Survey:
    """What the checks read: the knowledge base, the record as of the reference day, and what
    several checks need, worked out once (every reference of every record)."""

    def __init__(self, kb: KnowledgeBase, as_of: RecordAsOf) -> None:
        self.kb = kb
        self.as_of = as_of
        self._references: list[tuple[str, Json, list[tuple[str, str]]]] | None = None

    def references(self) -> list[tuple[str, Json, list[tuple[str, str]]]]:
        """(table, record, its (field, id) references) for every entity, event, partnership."""
        if self._references is None:
            self._references = list(_all_references(self.kb))
        return self._references


Check = Callable[[Survey], Iterator[Finding]]


def _records(kb: KnowledgeBase, *tables: str) -> Iterator[tuple[str, Json]]:
    for table in tables or ("sources", "entities", "events", "partnerships"):
        for record in kb.data.tables[table].values():
            yield table, record


# ---------------------------------------------------------------------------------------------
# The checks
# ---------------------------------------------------------------------------------------------


def _all_references(kb: KnowledgeBase) -> Iterator[tuple[str, Json, list[tuple[str, str]]]]:
    """(table, record, its references) for every record that refers to others (`model.references`:
    one definition of what refers to what)."""
    for table in ("entities", "events", "partnerships"):
        for record in kb.data.tables[table].values():
            yield table, record, list(references(table, record))


def check_references(survey: Survey) -> Iterator[Finding]:
    """Every id a record refers to names a record of the store."""
    kb = survey.kb
    known = {record["id"] for _, record in _records(kb)}
    for table, record, refs in survey.references():
        missing = [(field, ref) for field, ref in refs if ref not in known]
        for message in dict.fromkeys(
            f"{field} refers to {ref!r}, which is not in the store" for field, ref in missing
        ):
            yield Finding("references", record["id"], TYPE_OF_TABLE[table], message)


def check_sources(survey: Survey) -> Iterator[Finding]:
    """Every fact cites a source: records, roles, status changes and links between entities."""
    kb = survey.kb
    for table, record in _records(kb, "entities", "events", "partnerships"):
        kind = TYPE_OF_TABLE[table]
        if not record.get("sources"):
            yield Finding("sources", record["id"], kind, f"the {kind} cites no source")
        for n, role in enumerate(record.get("roles") or (), 1):
            if not role.get("sources"):
                title = role.get("title") or "untitled"
                yield Finding("sources", record["id"], kind, f"role {n} ({title}) cites no source")
        for link in record.get("related") or ():
            if not link.get("sources"):
                yield Finding(
                    "sources",
                    record["id"],
                    kind,
                    f"the link to {link.get('entity')} cites no source",
                )
        for entry in record.get("status_history") or ():
            if not entry.get("sources"):
                yield Finding(
                    "sources",
                    record["id"],
                    kind,
                    f"status {entry.get('status')} as of {entry.get('as_of')} cites no source",
                )


def check_dates(survey: Survey) -> Iterator[Finding]:
    """Dates are valid and in order: stored bounds agree with the EDTF form, no range ends
    before it starts, no role ends before it starts or before a source last cited it."""
    kb = survey.kb
    verdicts: dict[tuple[Any, ...], str | None] = {}

    def problem(value: Any) -> str | None:
        if not isinstance(value, dict):
            return "is not a date object"
        key = (value.get("edtf"), value.get("earliest"), value.get("latest"))
        if key not in verdicts:
            try:
                FuzzyDate.from_dict(value)
                verdicts[key] = None
            except (InvalidInput, ValueError, TypeError) as exc:
                verdicts[key] = str(getattr(exc, "message", exc))
        return verdicts[key]

    for event in kb.data.tables["events"].values():
        trouble = problem(event.get("date"))
        if trouble:
            yield Finding("dates", event["id"], "event", f"date: {trouble}")
    for person in kb.data.tables["entities"].values():
        for n, role in enumerate(person.get("roles") or (), 1):
            where = f"role {n} ({role.get('title') or 'untitled'})"
            for field in ("from", "until"):
                if role.get(field) is not None and (trouble := problem(role[field])):
                    yield Finding("dates", person["id"], "entity", f"{where}: {field}: {trouble}")
            start = (role.get("from") or {}).get("earliest")
            end = (role.get("until") or {}).get("latest")
            first, last = role.get("first_cited"), role.get("last_cited")
            if start and end and end < start:
                yield Finding(
                    "dates",
                    person["id"],
                    "entity",
                    f"{where} ends ({end}) before it starts ({start})",
                )
            if end and last and end < last:
                yield Finding(
                    "dates",
                    person["id"],
                    "entity",
                    f"{where} ends ({end}) before a source last cited it ({last})",
                )
            if first and last and last < first:
                yield Finding(
                    "dates",
                    person["id"],
                    "entity",
                    f"{where} is last cited ({last}) before it is first cited ({first})",
                )


def _held_for_certain(role: Json) -> tuple[str, str] | None:
    """The days a role was certainly held (ISO), given fuzzy bounds and citations; or None."""
    start, end = role.get("from") or {}, role.get("until") or {}
    first = role.get("first_cited") or role.get("last_cited")
    last = role.get("last_cited") or role.get("first_cited")
    for entry in role.get("attested") or ():  # a day attested is a day it was held
        day = entry.get("date") or {}
        if day.get("latest") and (first is None or day["latest"] < first):
            first = day["latest"]
        if day.get("earliest") and (last is None or day["earliest"] > last):
            last = day["earliest"]
    begin = start.get("latest") or first or end.get("earliest")
    finish = end.get("earliest") or last or start.get("latest")
    if begin and finish and begin <= finish:
        return begin, finish
    return None


def check_tenures(survey: Survey) -> Iterator[Finding]:
    """One post (the same title at the same organization) is not held by two people on the
    same day — counting only the days each certainly held it."""
    kb = survey.kb
    posts: dict[tuple[str, str], list[tuple[str, str, tuple[str, str]]]] = {}
    for person in kb.data.tables["entities"].values():
        for role in person.get("roles") or ():
            held = _held_for_certain(role)
            if held is not None:
                title = role.get("title") or ""
                post = (fold(title), role.get("organization") or "")
                posts.setdefault(post, []).append((person["id"], title, held))
    for (_, organization), holders in posts.items():
        if len(holders) < 2:
            continue
        for (a, title, span_a), (b, _, span_b) in combinations(sorted(holders), 2):
            if a != b and overlaps(span_a[0], span_a[1], span_b[0], span_b[1]):
                at = kb.name_of(organization) if organization else "no organization"
                yield Finding(
                    "tenures",
                    a,
                    "entity",
                    f"holds {title!r} at {at} on the same days as {b} "
                    f"({span_a[0]}..{span_a[1]} and {span_b[0]}..{span_b[1]})",
                )


def check_overdue_plans(survey: Survey) -> Iterator[Finding]:
    """Plans whose dates have all passed with no report that they happened (as of the day)."""
    kb = survey.kb
    from .plans import PlanBook

    day = f"as of {survey.as_of.day}"
    for row in PlanBook(kb, survey.as_of).plans(states=("overdue",)):
        yield Finding("overdue-plans", row["id"], "event", f"{row['plan']['text']} ({day})")


def check_statuses(survey: Survey) -> Iterator[Finding]:
    """An event's statuses agree with its date and links: no report says it happened (or was
    under way) before it started, and a plan that came true (`fulfilled_by`), or the event
    that fulfils one, is not cancelled."""
    as_of = survey.as_of
    for event in survey.kb.data.tables["events"].values():
        earliest = (event.get("date") or {}).get("earliest")
        for entry in event.get("status_history") or ():
            if entry.get("status") not in ("happened", "ongoing") or not earliest:
                continue
            reported = as_of.reported_on(entry.get("sources")) or entry.get("as_of")
            if reported and reported < earliest:
                yield Finding(
                    "statuses", event["id"], "event",
                    f"reported {entry['status']} on {reported}, before it starts ({earliest})",
                )  # fmt: skip
        if event.get("status") == "cancelled":
            for name, says in (("fulfilled_by", "is fulfilled by"), ("fulfils", "fulfils")):
                if event.get(name):
                    yield Finding(
                        "statuses", event["id"], "event",
                        f"cancelled, but {says} {event[name]}",
                    )  # fmt: skip


def check_duplicates(survey: Survey) -> Iterator[Finding]:
    """Likely duplicate events: the same participants at the same place on overlapping dates,
    not linked to each other (a plan and the event that fulfilled it are not duplicates)."""
    kb = survey.kb
    groups: dict[tuple[frozenset[str], str], list[Json]] = {}
    for event in kb.data.tables["events"].values():
        people = frozenset(p["entity"] for p in event.get("participants") or ())
        if people:
            groups.setdefault((people, event.get("place") or ""), []).append(event)
    for events in groups.values():
        if len(events) < 2:
            continue
        events.sort(key=lambda e: e["id"])
        for a, b in combinations(events, 2):
            linked, linked_b = _linked_events(a), _linked_events(b)
            if b["id"] in linked or a["id"] in linked_b:
                continue
            da, db = a.get("date") or {}, b.get("date") or {}
            if overlaps(da.get("earliest"), da.get("latest"), db.get("earliest"), db.get("latest")):
                yield Finding(
                    "duplicates",
                    b["id"],
                    "event",
                    f"looks like {a['id']}: same participants and place, overlapping dates",
                )


def _linked_events(event: Json) -> set[str | None]:
    """Ids of the events an event points at: fulfils, fulfilled_by, related or typed links."""
    return {
        event.get("fulfils"),
        event.get("fulfilled_by"),
        *(event.get("related_events") or ()),
        *(link.get("event") for link in event.get("links") or ()),
    }


def check_namesakes(survey: Survey) -> Iterator[Finding]:
    """Entities whose names or aliases collide, unless a `related` link already tells them
    apart (the two Anar Karimovs): listed for a person to decide, never merged."""
    kb = survey.kb
    holders: dict[str, dict[str, str]] = {}  # folded name -> {id: the name as written}
    linked: dict[str, set[str]] = {}
    for entity in kb.data.tables["entities"].values():
        for name in (entity.get("name"), *(entity.get("aliases") or ())):
            if name:
                holders.setdefault(fold(name), {}).setdefault(entity["id"], name)
        for link in entity.get("related") or ():
            linked.setdefault(entity["id"], set()).add(link.get("entity"))
            linked.setdefault(link.get("entity"), set()).add(entity["id"])
    for same in holders.values():
        if len(same) < 2:
            continue
        for entity_id, name in same.items():
            others = [o for o in same if o != entity_id and o not in linked.get(entity_id, ())]
            if others:
                listed = ", ".join(others[:3]) + (
                    f" and {len(others) - 3} more" if len(others) > 3 else ""
                )
                yield Finding(
                    "namesakes", entity_id, "entity", f"shares the name {name!r} with {listed}"
                )


def check_place_participants(survey: Survey) -> Iterator[Finding]:
    """A place does not take part in an event (host, guest, attendee...); it may only be what
    the event is about or honours (its part: subject, honoree, namesake, designee)."""
    kb = survey.kb
    kinds = {e["id"]: e.get("kind") for e in kb.data.tables["entities"].values()}
    for event in kb.data.tables["events"].values():
        for participant in event.get("participants") or ():
            part = (participant.get("part") or "").lower()
            if kinds.get(participant["entity"]) == "place" and part not in PLACE_PARTS:
                yield Finding(
                    "place-participants",
                    event["id"],
                    "event",
                    f"the place {participant['entity']} is a participant"
                    + (f" ({part})" if part else "")
                    + "; a place belongs in the place field",
                )


def check_uncited_sources(survey: Survey) -> Iterator[Finding]:
    """Every stored source is cited by some record."""
    kb = survey.kb
    cited = {
        ref
        for _, _, refs in survey.references()
        for field, ref in refs
        if field.endswith("sources")
    }
    for source in kb.data.tables["sources"].values():
        if source["id"] not in cited:
            yield Finding("uncited-sources", source["id"], "source", "no record cites it")


def check_summaries(survey: Survey) -> Iterator[Finding]:
    """(strict) Every event has a summary."""
    kb = survey.kb
    for event in kb.data.tables["events"].values():
        if not (event.get("summary") or "").strip():
            yield Finding("summaries", event["id"], "event", "no summary")


def check_locators(survey: Survey) -> Iterator[Finding]:
    """(strict) Every citation of a published source says where in it the fact is."""
    kb = survey.kb
    own = {s["id"] for s in kb.data.tables["sources"].values() if s.get("kind") == "own-record"}
    for table, record in _records(kb, "entities", "events", "partnerships"):
        cites: list[Json] = list(record.get("sources") or ())
        for nested in ("roles", "related", "status_history", "provenance", "links", "holders"):
            for item in record.get(nested) or ():
                cites.extend(item.get("sources") or ())
                for attested in item.get("attested") or ():  # a role's attested days
                    cites.extend(attested.get("sources") or ())
        # the analyst's own record has no paragraphs to point at
        bare = sorted({c["source"] for c in cites if not (c.get("locator") or "").strip()
                       and c["source"] not in own})  # fmt: skip
        if bare:
            yield Finding(
                "locators",
                record["id"],
                TYPE_OF_TABLE[table],
                f"cites {', '.join(bare)} without a locator",
            )


def check_uncited_enrichment(survey: Survey) -> Iterator[Finding]:
    """Outside knowledge (enrichment) cites a source of its own: every external id (a Wikidata
    id...) and every field whose provenance is 'outside' (docs/store-format.md, Provenance)."""
    from .provenance import uncited_enrichment

    for found in uncited_enrichment(survey.kb.data.tables):
        where = found.field + (f" {found.value!r}" if found.value is not None else "")
        yield Finding(
            "uncited-enrichment", found.record, TYPE_OF_TABLE[found.table],
            f"{where}: {found.message}",
        )  # fmt: skip


def check_inferences(survey: Survey) -> Iterator[Finding]:
    """(run by name) Every field the store marks as inferred, with the reason given: what a
    reader should know the sources do not state."""
    from .provenance import inferences

    for found in inferences(survey.kb.data.tables):
        where = found.field + (f" {found.value!r}" if found.value is not None else "")
        yield Finding(
            "inferences", found.record, TYPE_OF_TABLE[found.table],
            f"{where} is inferred: {found.message}",
        )  # fmt: skip


CHECKS: dict[str, Check] = {
    "references": check_references,
    "sources": check_sources,
    "dates": check_dates,
    "tenures": check_tenures,
    "overdue-plans": check_overdue_plans,
    "statuses": check_statuses,
    "duplicates": check_duplicates,
    "namesakes": check_namesakes,
    "place-participants": check_place_participants,
    "uncited-sources": check_uncited_sources,
    "uncited-enrichment": check_uncited_enrichment,
}
STRICT_CHECKS: dict[str, Check] = {
    "summaries": check_summaries,
    "locators": check_locators,
}
# Listings rather than faults: run only when named (`partnerkb check inferences`).
NAMED_CHECKS: dict[str, Check] = {
    "inferences": check_inferences,
}


def check_names(strict: bool = False) -> list[str]:
    return [*CHECKS, *(STRICT_CHECKS if strict else ())]


def run_checks(
    kb: KnowledgeBase, as_of: RecordAsOf, names: Sequence[str] = (), strict: bool = False
) -> list[Finding]:
    """The findings of the named checks (all default ones, plus the strict ones with `strict`),
    check by check. Raises InvalidInput for an unknown check name."""
    every = {**CHECKS, **STRICT_CHECKS, **NAMED_CHECKS}
    unknown = [n for n in names if n not in every]
    if unknown:
        raise InvalidInput(f"no check named {unknown[0]!r}", hint=f"checks: {', '.join(every)}")
    chosen: Iterable[str] = list(dict.fromkeys(names)) if names else check_names(strict)
    if names and strict:
        chosen = [*chosen, *(n for n in STRICT_CHECKS if n not in names)]
    survey = Survey(kb, as_of)
    return [finding for name in chosen for finding in every[name](survey)]
