"""Writing an accepted proposal: the source, the entities, the events and their links, with the
checks of the write commands, inside the caller's one transaction (one `undo` reverts it all).

A proposal (see `proposal.py`) comes from ingest itself or back from a file the analyst edited
(`--from-json`); `check_proposal` refuses a malformed one naming the entry and field at fault,
before anything is written. Entries with `"skip": true` are left out. A person proposed as
ambiguous (namesakes) is written only once the analyst gave an `id` (or made it `new`): it is
never guessed, and an event that names it leaves it out and says so.
"""

from __future__ import annotations

from typing import Any

from ..dates import FuzzyDate
from ..errors import InvalidInput, NotFound, PartnerkbError
from ..textfold import fold
from ..writes import (
    Duplicate,
    EntityDraft,
    EventDraft,
    NewSource,
    Outcome,
    Participant,
    RoleDraft,
    SourceRef,
    Writer,
)

Json = dict[str, Any]
ENTITY_ORDER = {"country": 0, "organization": 1, "place": 2, "person": 3}
RELATIONS = ("fulfils", "repeats", "narrows")


def check_proposal(proposal: Any) -> Json:
    """The proposal, checked for shape: InvalidInput names the entry and field at fault."""
    if not isinstance(proposal, dict):
        raise InvalidInput("a proposal is a JSON object with source, entities and events")
    unknown = [k for k in proposal if k not in ("source", "notes", "entities", "events")]
    if unknown:
        raise InvalidInput(
            f"proposal: unknown field {unknown[0]!r}",
            hint="fields: source, notes, entities, events",
        )
    source = proposal.get("source")
    if not isinstance(source, dict):
        raise InvalidInput("proposal: source must be an object (outlet, title, published...)")
    for key in ("outlet", "title", "published", "url", "language", "id"):
        if source.get(key) is not None and not isinstance(source[key], str):
            raise InvalidInput(f"source: {key} must be text")
    if not source.get("id") and not (source.get("outlet") or "").strip():
        raise InvalidInput(
            "source: outlet is required: who published the article",
            hint='fill in "outlet" (e.g. "News.az"), or give the "id" of a stored source',
        )
    for table in ("entities", "events"):
        if not isinstance(proposal.get(table, []), list):
            raise InvalidInput(f"proposal: {table} must be a list")
    for n, entity in enumerate(proposal.get("entities", []), 1):
        where = f"entities[{n}]"
        if not isinstance(entity, dict):
            raise InvalidInput(f"{where} must be an object")
        for key in ("name", "kind"):
            if not isinstance(entity.get(key), str) or not entity[key].strip():
                raise InvalidInput(f"{where}: {key} is required text")
        if entity.get("id") is not None and not isinstance(entity["id"], str):
            raise InvalidInput(f"{where}: id must be a stored id or null")
        if entity.get("status") not in ("stored", "new", "ambiguous"):
            raise InvalidInput(f"{where}: status must be stored, new or ambiguous")
        role = entity.get("role")
        if role is not None and (
            not isinstance(role, dict) or not isinstance(role.get("title"), str)
        ):
            raise InvalidInput(f"{where}: role must be null or an object with a title")
    for n, event in enumerate(proposal.get("events", []), 1):
        where = f"events[{n}]"
        if not isinstance(event, dict):
            raise InvalidInput(f"{where} must be an object")
        if not isinstance(event.get("kind"), str):
            raise InvalidInput(f"{where}: kind is required text")
        if event.get("date") is not None:
            try:
                FuzzyDate.from_dict(event["date"])
            except (InvalidInput, TypeError, ValueError) as exc:
                message = exc.message if isinstance(exc, InvalidInput) else str(exc)
                raise InvalidInput(f"{where}: date: {message}") from None
        for key in ("participants", "organizations", "links", "topics"):
            if not isinstance(event.get(key, []), list):
                raise InvalidInput(f"{where}: {key} must be a list")
        for m, p in enumerate(event.get("participants", []), 1):
            if not isinstance(p, dict) or not (
                isinstance(p.get("id"), str) or isinstance(p.get("name"), str)
            ):
                raise InvalidInput(f"{where}: participants[{m}] needs an id or a name")
        for m, link in enumerate(event.get("links", []), 1):
            if (
                not isinstance(link, dict)
                or link.get("relation") not in RELATIONS
                or not isinstance(link.get("event"), str)
            ):
                raise InvalidInput(
                    f"{where}: links[{m}] must be {{'relation': fulfils|repeats|narrows, "
                    "'event': stored id}"
                )
    return proposal


class ProposalWriter:
    """Writes the accepted parts of a proposal through a `Writer`."""

    def __init__(self, writer: Writer) -> None:
        self.writer = writer
        self.ids: dict[str, str] = {}  # folded name -> id, for entities of this proposal
        self.notes: list[str] = []
        self.outcomes: list[Outcome] = []
        self.source_id = ""

    def write(self, proposal: Json) -> list[Outcome]:
        check_proposal(proposal)
        self.source_id = self._source(proposal["source"])
        entities = [e for e in proposal.get("entities", []) if not e.get("skip")]
        for entity in sorted(entities, key=lambda e: ENTITY_ORDER.get(e["kind"], 1)):
            self._entity(entity)
        for n, event in enumerate(proposal.get("events", []), 1):
            if event.get("skip"):
                continue
            try:
                self._event(event)
            except PartnerkbError as exc:
                raise type(exc)(
                    f"events[{n}] ({event['kind']}): {exc.message}", hint=exc.hint
                ) from None
        return self.outcomes

    # -- source -------------------------------------------------------------------------------
    def _source(self, source: Json) -> str:
        if source.get("id"):
            return str(self.writer.resolve(source["id"], "sources", "source")["id"])
        new = NewSource(
            outlet=source.get("outlet"),
            title=source.get("title"),
            published=source.get("published"),
            url=source.get("url"),
            language=source.get("language"),
            note=source.get("note"),
        )
        source_id, created = self.writer.source_for(new)
        self.outcomes.append(
            Outcome(
                source_id,
                "sources",
                "added" if created else "unchanged",
                created=list(self.writer.created),
            )
        )
        self.writer.created = []
        return source_id

    def _cite(self, locator: str | None) -> list[SourceRef]:
        text = (locator or "")[:500] or None
        return [SourceRef(existing=self.source_id, locator=text)]

    # -- entities -----------------------------------------------------------------------------
    def _entity(self, entity: Json) -> None:
        name = entity["name"]
        locator = entity.get("locator")
        if entity.get("id"):
            found = self.writer.resolve(entity["id"], "entities", "entity")
            entity_id = str(found["id"])
            self._remember(entity, entity_id)
            self._aliases(found, entity.get("new_aliases") or [])
            if entity.get("role") and found.get("kind") == "person":
                outcome = self.writer.add_role(
                    entity_id, self._role(entity["role"]), self._cite(locator or "post as stated")
                )
                self.outcomes.append(outcome)
            return
        if entity["status"] == "ambiguous":
            candidates = ", ".join(c.get("id", "?") for c in entity.get("candidates") or [])
            self.notes.append(
                f"left out {name}: several stored people have this name "
                f"({candidates}); give the id in the proposal"
            )
            return
        located = entity.get("located_in") or None
        draft = EntityDraft(
            name=name,
            kind=entity["kind"],
            role=self._role(entity["role"]) if entity.get("role") else None,
            located_in=(located.get("id") or located.get("name")) if located else None,
            sources=self._cite(locator or f"named in the article as {entity['kind']}"),
            description=entity.get("description"),
            aliases=[a for a in entity.get("aliases") or [] if isinstance(a, str)],
        )
        try:
            outcome = self.writer.add_entity(draft)
        except Duplicate as exc:
            self.notes.append(f"{name} is already stored as {exc.existing}: used it")
            self._remember(entity, exc.existing)
            return
        self.outcomes.append(outcome)
        self._remember(entity, outcome.id)

    def _remember(self, entity: Json, entity_id: str) -> None:
        for name in [entity["name"], *(entity.get("written") or [])]:
            self.ids[fold(name)] = entity_id

    def _aliases(self, record: Json, aliases: list[str]) -> None:
        known = {fold(a) for a in [record["name"], *(record.get("aliases") or [])]}
        new = [a for a in aliases if isinstance(a, str) and a.strip() and fold(a) not in known]
        if new:
            current = self.writer.data.find("entities", record["id"]) or record
            self.writer.tx.replace(
                "entities", {**current, "aliases": [*current.get("aliases", []), *new]}
            )

    def _role(self, role: Json) -> RoleDraft:
        org = role.get("organization") or None
        organization = None
        if isinstance(org, dict):
            organization = (
                org.get("id") or self.ids.get(fold(org.get("name") or "")) or org.get("name")
            )
        elif isinstance(org, str):
            organization = org
        return RoleDraft(title=role["title"], organization=organization)

    # -- events -------------------------------------------------------------------------------
    def _ref(self, item: Json | str | None, slot: str) -> str | None:
        """The id of a participant, place or organization of the proposal, or None (noted)."""
        if item is None:
            return None
        if isinstance(item, str):
            item = {"name": item}
        if item.get("id"):
            return str(self.writer.resolve(item["id"], "entities", slot)["id"])
        name = item.get("name") or ""
        if fold(name) in self.ids:
            return self.ids[fold(name)]
        if item.get("candidates"):
            self.notes.append(
                f"left out {name} ({slot}): ambiguous between {', '.join(item['candidates'])}"
            )
            return None
        try:
            return str(self.writer.resolve(name, "entities", slot)["id"])
        except (NotFound, PartnerkbError) as exc:
            self.notes.append(f"left out {name} ({slot}): {exc.message}")
            return None

    def _event(self, event: Json) -> None:
        links = [link for link in event.get("links") or [] if not link.get("skip")]
        participants = []
        for p in event.get("participants") or []:
            entity_id = self._ref(p, "participants")
            if entity_id is not None:
                participants.append(Participant(entity_id, p.get("part"), p.get("title")))
        organizations = [
            i
            for o in event.get("organizations") or []
            if (i := self._ref(o, "organizations")) is not None
        ]
        place = self._ref(event.get("place"), "place")
        cites = self._cite(event.get("locator"))
        attach = next((link for link in links if link["relation"] in ("repeats", "narrows")), None)
        if attach is not None:
            stored = self.writer.resolve(attach["event"], "events", "links")
            narrowed = attach.get("narrowed") if attach["relation"] == "narrows" else None
            draft = EventDraft(
                kind=event["kind"],
                attach_to=stored["id"],
                participants=participants,
                organizations=organizations,
                topics=list(event.get("topics") or []),
                sources=cites,
                summary=event.get("summary"),
                place=place if place and not stored.get("place") else None,
                date=narrowed["edtf"] if narrowed else None,
            )
            outcome = self.writer.add_event(draft)
            self.outcomes.append(outcome)
            return
        when = event.get("date")
        if not when:
            self.notes.append(
                f"left out the {event['kind']} of {event.get('locator', '?')}: "
                "it has no date (give --published, or edit its date)"
            )
            return
        if not participants and not organizations:
            self.notes.append(
                f"left out the {event['kind']} of {event.get('locator', '?')}: "
                "no participant or organization is left"
            )
            return
        fulfils = next((link["event"] for link in links if link["relation"] == "fulfils"), None)
        draft = EventDraft(
            kind=event["kind"],
            date=when["edtf"],
            place=place,
            participants=participants,
            organizations=organizations,
            topics=list(event.get("topics") or []),
            title=event.get("title"),
            summary=event.get("summary"),
            status=event.get("status"),
            sources=cites,
            fulfils=fulfils,
        )
        # the proposal found no stored event it repeats (or was told so): a new event, even if
        # it shares a participant and a span of dates with a stored one
        allow = self.writer.options.allow_duplicate
        self.writer.options.allow_duplicate = True
        try:
            outcome = self.writer.add_event(draft)
        finally:
            self.writer.options.allow_duplicate = allow
        record = self.writer.data.find("events", outcome.id)
        assert record is not None
        # the date as the article gave it: its phrase and the day it was read against
        updated = {**record, "date": FuzzyDate.from_dict(when).to_dict()}
        if updated != record:
            self.writer.tx.replace("events", updated)
        self.outcomes.append(outcome)
