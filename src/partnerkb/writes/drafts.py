"""What a write command asks for and what it gets back.

The drafts hold a user's (or a script's) words as typed, names and dates not yet resolved:
`EventDraft`, `EntityDraft`, `RoleDraft`, `Participant`, `SourceRef` and `NewSource`;
`WriteOptions` what holds for a whole command; `Outcome` what one write did; `Duplicate` the
refusal of a record that is already stored. Also the readers that make drafts from text
(`parse_participant`, `parse_assignment`) and from the JSON objects of a batch
(`event_draft_from_json`), and what a draft still lacks (`missing_fields`, `MISSING_HINTS`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ..errors import InvalidInput
from .inputs import checked_text
from .wording import about

Json = dict[str, Any]


@dataclass
class NewSource:
    """A source described by the user, created unless an equal one (same url, or same outlet,
    title and day) is already stored."""

    outlet: str | None = None
    title: str | None = None
    published: str | None = None  # as typed: "2024-01-31", "31 Jan 2024"
    url: str | None = None
    language: str | None = None
    note: str | None = None


@dataclass
class SourceRef:
    """One citation asked for: an existing source (id or title) or a new one, and a locator."""

    existing: str | None = None
    new: NewSource | None = None
    locator: str | None = None


@dataclass
class Participant:
    name: str
    part: str | None = None
    as_title: str | None = None


@dataclass
class EventDraft:
    """An event as the user gave it: names and dates as typed, not yet resolved."""

    kind: str = "meeting"
    date: str | None = None
    place: str | None = None
    participants: list[Participant] = field(default_factory=list)
    organizations: list[str] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    title: str | None = None
    summary: str | None = None
    status: str | None = None
    sources: list[SourceRef] = field(default_factory=list)
    attach_to: str | None = None
    fulfils: str | None = None  # the planned event this one fulfils (id or title)
    where: str | None = None  # which item of a batch ("line 3", "item 2 (line 1)"), for errors


@dataclass
class RoleDraft:
    title: str
    organization: str | None = None
    start: str | None = None
    end: str | None = None


@dataclass
class EntityDraft:
    name: str
    kind: str
    aliases: list[str] = field(default_factory=list)
    description: str | None = None
    tags: list[str] = field(default_factory=list)
    record_id: str | None = None
    located_in: str | None = None
    external_ids: dict[str, str] = field(default_factory=dict)
    role: RoleDraft | None = None
    sources: list[SourceRef] = field(default_factory=list)


@dataclass
class WriteOptions:
    """What holds for a whole command. `today` is the day of typing; `as_of` (--as-of) the day
    of the report being recorded, which relative dates and default statuses follow; `date_order`
    ('dmy' or 'mdy') reads all-numeric dates, refused without it."""

    today: date
    as_of: date | None = None
    date_order: str | None = None
    create_missing: bool = False
    # the kind of an entity that --create-missing makes: by folded name, else by default
    entity_kinds: dict[str, str] = field(default_factory=dict)
    default_entity_kind: str | None = None
    # how the command takes those kinds, for the hint when one is missing: add-meeting and
    # add-event `--entity-kind KIND|NAME=KIND`, import `--kind NAME=KIND` (no default kind)
    kind_option: str = "--entity-kind"
    allow_duplicate: bool = False
    new_kind: bool = False
    # --create-missing refuses a name that looks like a stored one (the write commands; a bulk
    # import records its names as its mapping gives them), unless --new names it (folded)
    refuse_near_names: bool = False
    new_names: frozenset[str] = frozenset()
    # names (folded) the person at a prompt agreed to record as new, without --create-missing
    create_names: frozenset[str] = frozenset()
    # kinds the person at a prompt agreed to introduce, without --new-kind
    new_kinds: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Note:
    """A line about a write, worded as done ("dropped the references of 3 records") and, for a
    dry run, as what would be done ("would drop ..."); `would` is None when the words hold
    either way ("x already has all of this")."""

    done: str
    would: str | None = None

    def text(self, dry_run: bool) -> str:
        return self.would if dry_run and self.would is not None else self.done


@dataclass
class Outcome:
    """What one write did: the record's id and what happened, plus records made along the way."""

    id: str
    table: str
    action: str  # added, attached, changed, unchanged, removed, merged, undone
    created: list[tuple[str, str, str]] = field(default_factory=list)  # (table, id, label)
    notes: list[Note] = field(default_factory=list)


class Duplicate(InvalidInput):
    """A new record that looks like one already stored; `existing` is that record's id."""

    def __init__(self, message: str, existing: str, hint: str | None = None) -> None:
        super().__init__(message, hint)
        self.existing = existing


def parse_participant(text: str) -> Participant:
    """'Nazim Samadov', 'Nazim Samadov:guest' or 'Nazim Samadov:guest:Ambassador to Morocco'."""
    name, _, rest = text.partition(":")
    part, _, as_title = rest.partition(":")
    checked = checked_text("participant", name, "name", required=True)
    assert checked is not None
    return Participant(
        checked,
        (checked_text("participant part", part, "part") or "").lower() or None,
        checked_text("participant title", as_title, "title"),
    )


def parse_assignment(option: str, text: str) -> tuple[str, str]:
    """'field=value' of --set/--add/--remove (the value may itself hold '=')."""
    name, sep, value = text.partition("=")
    if not sep or not name.strip():
        raise InvalidInput(
            f"{option} takes FIELD=VALUE, not {text!r}", hint=f"e.g. {option} title=..."
        )
    return name.strip(), value


EVENT_JSON_FIELDS = ("kind", "date", "place", "participants", "organizations", "topics", "tags",
                     "title", "summary", "status", "source", "sources", "locator",
                     "attach_to", "fulfils")  # fmt: skip


_NEW_SOURCE_FIELDS = ("outlet", "title", "published", "date", "url", "language", "note", "locator")


def event_draft_from_json(item: Any, where: str, default_kind: str | None) -> EventDraft:
    """An EventDraft from one JSON object of a batch (`where` it is, as
    `jsonbatch.read_json_batch` says: "line 3", "item 2 (line 1)"); type errors name it and
    the field."""
    with about(where):
        if not isinstance(item, dict):
            raise InvalidInput(f"expected a JSON object, got {type(item).__name__}")
        unknown = [k for k in item if k not in EVENT_JSON_FIELDS]
        if unknown:
            raise InvalidInput(
                f"unknown field {unknown[0]!r}", hint=f"fields: {', '.join(EVENT_JSON_FIELDS)}"
            )
        kind = _json_text(item, "kind") or default_kind
        if not kind:
            raise InvalidInput("kind is required (meeting, visit, award...)")
        draft = EventDraft(kind=kind, where=where)
        for name in ("date", "place", "title", "summary", "status", "attach_to", "fulfils"):
            setattr(draft, name, _json_text(item, name))
        for name in ("organizations", "topics", "tags"):
            setattr(draft, name, _json_texts(item, name))
        participants = item.get("participants") or []
        if not isinstance(participants, list):
            participants = [participants]
        with about("participants"):
            draft.participants = [participant_from_json(p) for p in participants]
        locator = _json_text(item, "locator")
        refs: list[Any] = []
        if item.get("source") is not None:
            refs.append(item["source"])
        sources = item.get("sources")
        if sources is not None:
            refs.extend(sources if isinstance(sources, list) else [sources])
        with about("sources"):
            draft.sources = [source_from_json(ref, locator) for ref in refs]
        return draft


def _json_text(item: Json, name: str) -> str | None:
    value = item.get(name)
    if value is not None and not isinstance(value, str):
        raise InvalidInput(f"{name} must be text, not {type(value).__name__}")
    return value


def _json_texts(item: Json, name: str) -> list[str]:
    value = item.get(name)
    if value is None:
        return []
    values = value if isinstance(value, list) else [value]
    if not all(isinstance(v, str) for v in values):
        raise InvalidInput(f"{name} must be a list of texts")
    return values


def participant_from_json(value: Any) -> Participant:
    """A participant from JSON: a string as `parse_participant` reads it, or an object with
    "entity" (or "name", "id"), "part" and "as"; InvalidInput names what is wrong."""
    if isinstance(value, str):
        return parse_participant(value)
    if isinstance(value, dict):
        name = value.get("entity") or value.get("name") or value.get("id")
        if not isinstance(name, str):
            raise InvalidInput("each participant needs a name or an entity id")
        for key in ("part", "as"):
            if value.get(key) is not None and not isinstance(value[key], str):
                raise InvalidInput(f"participant {key} must be text")
        checked = checked_text("participant", name, "name", required=True)
        assert checked is not None
        part = checked_text("participant part", value.get("part"), "part")
        return Participant(
            checked,
            part.lower() if part else None,
            checked_text("participant title", value.get("as"), "title"),
        )
    raise InvalidInput("each participant is a name ('Name:part') or an object")


def source_from_json(value: Any, locator: str | None) -> SourceRef:
    """A citation from JSON: a stored source's id or title, {"source": ID, "locator": ...}, or
    an object describing a new source (outlet, title, published or date, url, language, note);
    `locator` applies when the object gives none. InvalidInput names an unknown field."""
    if isinstance(value, str):
        return SourceRef(existing=value, locator=locator)
    if not isinstance(value, dict):
        raise InvalidInput("each source is an id or an object")
    for key, val in value.items():
        if val is not None and not isinstance(val, str):
            raise InvalidInput(f"source {key} must be text")
    if "source" in value or "id" in value:
        return SourceRef(existing=value.get("source") or value.get("id"),
                         locator=value.get("locator") or locator)  # fmt: skip
    unknown = [k for k in value if k not in _NEW_SOURCE_FIELDS]
    if unknown:
        raise InvalidInput(
            f"unknown source field {unknown[0]!r}",
            hint="an existing source is {'source': ID}; a new one has outlet, title, "
            "published, url",
        )
    new = NewSource(
        outlet=value.get("outlet"),
        title=value.get("title"),
        published=value.get("published") or value.get("date"),
        url=value.get("url"),
        language=value.get("language"),
        note=value.get("note"),
    )
    return SourceRef(new=new, locator=value.get("locator") or locator)


def missing_fields(draft: EventDraft) -> list[str]:
    """The required fields a draft lacks (what a terminal session asks for)."""
    if draft.attach_to:
        return [] if draft.sources else ["source"]
    missing = []
    if not (draft.date or "").strip():
        missing.append("date")
    if draft.kind == "meeting" and not draft.participants:
        missing.append("participant")
    elif not draft.participants and not draft.organizations:
        missing.append("participant")
    if not draft.sources:
        missing.append("source")
    return missing


MISSING_HINTS = {
    "date": '--date "30 Jan 2024" (or "May 2024", "2024", "yesterday")',
    "participant": '--participant "Nazim Samadov:guest" (repeat it for each participant)',
    "source": "--source ID, or --source-outlet and --source-title (with --source-url, "
    "--source-date) to describe a new one: every fact cites its source",
}
