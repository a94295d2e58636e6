"""Recording new knowledge: turning what a user (or a script) says into records, and changing them.

This module owns the write commands' logic, below the CLI: building events, entities, roles and
sources from user input (names resolved to entities, fuzzy dates parsed, sources cited), refusing
duplicates (the same meeting reported by a second article is attached, not added twice), editing,
removing and merging records with their references kept whole, the history of writes and undo,
and creating the user's store from the shipped one on the first write.

Everything happens inside one `store.Transaction`: nothing is written until every change of the
command has been built and validated, and a failure anywhere writes nothing. Like the rest of the
core, it never prints, prompts or exits: it returns `Outcome`s or raises a `partnerkb.errors`
exception whose message names the field at fault.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, cast

from ..dates import edtf_display, overlaps, parse_date, status_on
from ..errors import Ambiguous, InvalidInput, NoMatch, NotFound, PartnerkbError, StoreError
from ..model import (
    ENTITY_KINDS,
    EVENT_KINDS,
    MAX_LENGTHS,
    STATUSES,
    TABLES,
    references,
    slugify,
)
from ..queries import TYPE_OF_TABLE as SINGULAR
from ..queries import KnowledgeBase
from ..store import (
    Store,
    StoreData,
    StoreLocation,
    Transaction,
    read_store,
    shipped_store_path,
    user_store_path,
)
from ..textfold import fold, fold_compact

Json = dict[str, Any]
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_WORD = re.compile(r"[a-z][a-z0-9-]*")
_STOPWORDS = {"a", "an", "the", "of", "to", "and", "in", "on", "for", "with", "at", "by", "s"}


# ---------------------------------------------------------------------------------------------
# What a command asks for
# ---------------------------------------------------------------------------------------------


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
    line: int | None = None  # where a batch item starts, for error messages


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
    allow_duplicate: bool = False
    new_kind: bool = False
    # --create-missing refuses a name that looks like a stored one (the write commands; a bulk
    # import records its names as its mapping gives them), unless --new names it (folded)
    refuse_near_names: bool = False
    new_names: frozenset[str] = frozenset()


@dataclass
class Outcome:
    """What one write did: the record's id and what happened, plus records made along the way."""

    id: str
    table: str
    action: str  # added, attached, changed, unchanged, removed, merged, undone
    created: list[tuple[str, str, str]] = field(default_factory=list)  # (table, id, label)
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Reference:
    """The day a record's relative dates are resolved against, and where it comes from:
    '--as-of', 'source' (the cited source's publication day), 'sources' (several cited sources
    published on different days: the latest, and a relative date is refused), 'today'."""

    day: date
    origin: str


def today_note(phrases: Sequence[str], today: date) -> str | None:
    """The one line that says relative dates were resolved against the day of typing."""
    if not phrases:
        return None
    what = repr(phrases[0]) if len(phrases) == 1 else f"{len(phrases)} relative dates"
    verb = "was" if len(phrases) == 1 else "were"
    return (
        f"note: {what} {verb} resolved against today, {today.isoformat()} (no --as-of and no "
        "dated source); give --as-of DAY to resolve against the day of the report"
    )


class Duplicate(InvalidInput):
    """A new record that looks like one already stored; `existing` is that record's id."""

    def __init__(self, message: str, existing: str, hint: str | None = None) -> None:
        super().__init__(message, hint)
        self.existing = existing


# ---------------------------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------------------------


@contextlib.contextmanager
def about(prefix: str | None, *, names: Sequence[str] = ()) -> Iterator[None]:
    """Prefix the message of any project error raised inside: 'line 3: date: ...'.

    A message that already starts with the prefix keeps it once ('x: x: ...' says nothing
    more); one that starts with one of `names` (the field the prefix ends with, as the inner
    check calls it) has that name replaced by the prefix: '--set date: date: cannot read' reads
    '--set date: cannot read'."""
    try:
        yield
    except PartnerkbError as exc:
        if prefix:
            exc.message = prefixed(prefix, exc.message, names)
            exc.args = (exc.message,)
        raise


def prefixed(prefix: str, message: str, names: Sequence[str] = ()) -> str:
    """`message` with `prefix` in front, never twice (see `about`)."""
    if message.startswith(f"{prefix}:") or message.startswith(f"{prefix} "):
        return message
    for name in sorted(names, key=len, reverse=True):
        for sep in (":", " "):
            if message.startswith(f"{name}{sep}"):
                return f"{prefix}{message[len(name) :]}"
    return f"{prefix}: {message}"


def a(noun: str) -> str:
    """The noun with its indefinite article: 'a person', 'an organization', 'an event'."""
    return f"{'an' if noun[:1].lower() in 'aeiou' else 'a'} {noun}"


def plural(noun: str) -> str:
    """'entity' -> 'entities', 'source' -> 'sources', 'match' -> 'matches'."""
    if noun.endswith("y") and noun[-2:-1] not in ("a", "e", "i", "o", "u"):
        return noun[:-1] + "ies"
    if noun.endswith(("s", "x", "ch", "sh")):
        return noun + "es"
    return noun + "s"


def counted(n: int, noun: str) -> str:
    """'1 record', '2 records', '3 entities'."""
    return f"{n} {noun if n == 1 else plural(noun)}"


def search_hint(text: str) -> str | None:
    """'try: partnerkb search 'Nowhere Land'', quoted for a shell; None for empty text."""
    import shlex

    text = text.strip()
    return f"try: partnerkb search {shlex.quote(text)}" if text else None


def checked_text(
    field_name: str, value: Any, limit_key: str, *, required: bool = False
) -> str | None:
    """User text stripped, or None when empty; refused when too long or with control characters."""
    if value is None:
        if required:
            raise InvalidInput(f"{field_name} is required")
        return None
    if not isinstance(value, str):
        raise InvalidInput(f"{field_name} must be text, not {type(value).__name__}")
    text = value.strip()
    if not text:
        if required:
            raise InvalidInput(f"{field_name} must not be empty")
        return None
    limit = MAX_LENGTHS.get(limit_key, 5000)
    if len(text) > limit:
        raise InvalidInput(
            f"{field_name} is too long ({len(text)} characters, at most {limit})",
            hint="keep records short and in our own words; cite the source for the rest",
        )
    if _CONTROL.search(text.replace("\n", "").replace("\t", "")):
        raise InvalidInput(f"{field_name} contains control characters")
    return text


def _texts(field_name: str, values: Sequence[Any], limit_key: str) -> list[str]:
    """Checked texts without repeats; aliases are kept when they differ by a letter (Səmədov
    and Samadov are both spellings worth keeping), other lists when they differ once folded."""
    out: list[str] = []
    seen: set[str] = set()
    for value in values:
        text = checked_text(field_name, value, limit_key)
        key = text.casefold() if text and limit_key == "alias" else fold(text or "")
        if text and key not in seen:
            seen.add(key)
            out.append(text)
    return out


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


def free_id(tx: Transaction, base: str) -> str:
    """`base`, or `base-2`, `base-3`... whichever no record has (ids are unique store-wide)."""
    base = base[: MAX_LENGTHS["id"] - 6].strip("-") or "record"
    if not tx.exists(base):
        return base
    n = 2
    while tx.exists(f"{base}-{n}"):
        n += 1
    return f"{base}-{n}"


def _dedupe(values: Sequence[Any]) -> list[Any]:
    out: list[Any] = []
    for value in values:
        if value not in out:
            out.append(value)
    return out


# ---------------------------------------------------------------------------------------------
# Where writes go
# ---------------------------------------------------------------------------------------------


def prepare_store(location: StoreLocation, *, dry_run: bool = False) -> Store:
    """The store a write goes to.

    With no --db and no $PARTNERKB_DB, writes go to the user's store in the platform's data
    directory; the first one that succeeds creates it from the shipped knowledge base (see
    `Store.created`). The shipped file is never written.
    """
    if not location.is_shipped:
        if not dry_run and _same_file(location.path, shipped_store_path()):
            raise StoreError(
                f"{location.path} is the knowledge base shipped with partnerkb; it is never "
                "modified",
                hint="write to your own copy: partnerkb init --with-shipped --db PATH",
            )
        return Store(location)
    if dry_run:
        return Store(location)
    return Store(StoreLocation(user_store_path(), "user"), seed=location.path)


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.exists() and b.exists() and a.samefile(b)
    except OSError:
        return False


def init_store(path: Path, *, with_shipped: bool, name: str = "") -> Store:
    """A new store at `path`, empty or a copy of the shipped knowledge base; never overwrites."""
    if path.exists() or path.is_symlink():
        raise StoreError(
            f"a store already exists at {path}; refusing to overwrite it",
            hint="choose another path with --db, or remove the file yourself",
        )
    data = StoreData.empty(name)
    if with_shipped:
        shipped = read_store(shipped_store_path())
        # the copy is a new store: made now, under the name given (else the shipped one's)
        shipped.meta["created"] = data.meta["created"]
        if name.strip():
            shipped.meta["name"] = name.strip()
        data = shipped
    store = Store(StoreLocation(path, "option"))
    store.create(data)
    return store


# ---------------------------------------------------------------------------------------------
# Batches of JSON
# ---------------------------------------------------------------------------------------------


EVENT_JSON_FIELDS = ("kind", "date", "place", "participants", "organizations", "topics", "tags",
                     "title", "summary", "status", "source", "sources", "locator",
                     "attach_to", "fulfils")  # fmt: skip
_NEW_SOURCE_FIELDS = ("outlet", "title", "published", "date", "url", "language", "note", "locator")


def event_draft_from_json(item: Any, line: int, default_kind: str | None) -> EventDraft:
    """An EventDraft from one JSON object of a batch; type errors name the line and field."""
    with about(f"line {line}"):
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
        draft = EventDraft(kind=kind, line=line)
        for name in ("date", "place", "title", "summary", "status", "attach_to", "fulfils"):
            setattr(draft, name, _json_text(item, name))
        for name in ("organizations", "topics", "tags"):
            setattr(draft, name, _json_texts(item, name))
        participants = item.get("participants") or []
        if not isinstance(participants, list):
            participants = [participants]
        with about("participants"):
            draft.participants = [_json_participant(p) for p in participants]
        locator = _json_text(item, "locator")
        refs: list[Any] = []
        if item.get("source") is not None:
            refs.append(item["source"])
        sources = item.get("sources")
        if sources is not None:
            refs.extend(sources if isinstance(sources, list) else [sources])
        with about("sources"):
            draft.sources = [_json_source(ref, locator) for ref in refs]
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


def _json_participant(value: Any) -> Participant:
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


def _json_source(value: Any, locator: str | None) -> SourceRef:
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


# ---------------------------------------------------------------------------------------------
# The writer: one command's changes, in one transaction
# ---------------------------------------------------------------------------------------------


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


class Writer:
    """Builds and applies one command's changes inside a transaction."""

    def __init__(self, tx: Transaction, options: WriteOptions) -> None:
        self.tx = tx
        self.options = options
        self._entity_kb: KnowledgeBase | None = None
        self._stored_names: list[tuple[str, str]] | None = None  # (id, folded name or alias)
        self._full_kb: KnowledgeBase | None = None
        self._created_names: dict[str, str] = {}  # folded name -> id, made by this command
        self._source_keys: dict[Any, str] | None = None
        self._compact: dict[str, list[str]] | None = None
        self._places: dict[str, set[str]] = {}
        self._events_by_entity: EventIndex | None = None
        self._kinds: dict[str, set[str]] = {}
        self.created: list[tuple[str, str, str]] = []
        # relative dates resolved against the day of typing (said once, on stderr, by the CLI)
        self.resolved_against_today: list[str] = []
        self._edit_reference = (
            Reference(options.as_of, "--as-of")
            if options.as_of
            else Reference(options.today, "today")
        )

    @property
    def data(self) -> StoreData:
        return self.tx.data

    # -- dates --------------------------------------------------------------------------------
    def reference_for(
        self, cites: Sequence[Json], published: Callable[[str], str | None] | None = None
    ) -> Reference:
        """The reference day of a record citing `cites`: --as-of, else the cited sources'
        publication day (`published` tells it for sources not stored yet), else today."""
        if self.options.as_of is not None:
            return Reference(self.options.as_of, "--as-of")
        days: set[str] = set()
        for cite in cites:
            source = self.data.find("sources", cite["source"])
            day = source.get("published") if source else None
            if published is not None and source is None:
                day = published(cite["source"])
            if day:
                days.add(day)
        if len(days) == 1:
            return Reference(date.fromisoformat(days.pop()), "source")
        if days:
            return Reference(date.fromisoformat(max(days)), "sources")
        return Reference(self.options.today, "today")

    def typed_reference(self) -> Reference:
        """The reference day of what no source dates (a publication day): --as-of, else today."""
        if self.options.as_of is not None:
            return Reference(self.options.as_of, "--as-of")
        return Reference(self.options.today, "today")

    def read_date(self, field_name: str, text: str | None, reference: Reference) -> Json | None:
        """A stored date from what was typed (None when empty), relative phrases resolved
        against `reference`; refused when not one of the grammar's forms."""
        value = checked_text(field_name, text, "tag")
        if value is None:
            return None
        with about(field_name):
            parsed = parse_date(value, reference.day, order=self.options.date_order)
        if parsed.is_relative:
            if reference.origin == "sources":
                raise InvalidInput(
                    f"{field_name}: {value!r} is relative, and the sources cited were published "
                    "on different days",
                    hint="give --as-of DAY, the day of the report it comes from",
                )
            if reference.origin == "today":
                self.resolved_against_today.append(value)
        return parsed.to_dict()

    def read_day(self, field_name: str, text: str | None) -> str | None:
        """One ISO day (a publication day) from what was typed; None when empty."""
        reference = self.typed_reference()
        when = self.read_date(field_name, text, reference)
        if when is None:
            return None
        if when["earliest"] is None or when["earliest"] != when["latest"]:
            raise InvalidInput(
                f"{field_name} {text.strip()!r} is not one day ({edtf_display(when['edtf'])})"
                if text
                else f"{field_name} is not one day",
                hint="a publication date is a day: 2024-01-31 or 31 January 2024",
            )
        return str(when["earliest"])

    # -- look-ups -----------------------------------------------------------------------------
    def entity_kb(self) -> KnowledgeBase:
        """Names of entities and sources only: resolving a participant on a store of 100k
        events must not fold 100k event titles."""
        if self._entity_kb is None:
            tables = self.data.tables
            view = StoreData({"meta": tables["meta"], "entities": tables["entities"],
                              "sources": tables["sources"], "events": {}, "partnerships": {},
                              "history": {}})  # fmt: skip
            self._entity_kb = KnowledgeBase(view)
        return self._entity_kb

    def full_kb(self) -> KnowledgeBase:
        if self._full_kb is None:
            self._full_kb = KnowledgeBase(self.data)
        return self._full_kb

    def resolve(self, text: str, table: str, slot: str) -> Json:
        """The record of `table` an id, name or alias designates; errors name the slot."""
        with about(slot):
            found = self.data.get(text.strip())
            if found and found[0] == table:
                return found[1]
            if table == "entities" and fold(text) in self._created_names:
                hit = self.data.get(self._created_names[fold(text)])
                assert hit is not None
                return hit[1]
            kb = self.entity_kb() if table in ("entities", "sources") else self.full_kb()
            try:
                suggest = not (table == "entities" and self.options.create_missing)
                return kb.resolve(text.strip(), (table,), suggest=suggest)[1]
            except NotFound as exc:
                same = self._compact_matches(text, table)
                if len(same) == 1:
                    return same[0]
                raise NotFound(
                    f"no {SINGULAR[table]} {text.strip()!r}", hint=_not_found_hint(exc, text)
                ) from None

    def _compact_matches(self, text: str, table: str) -> list[Json]:
        """Records whose name or alias differs only by spaces and dashes: 'Al-Malik' is
        'AlMalik'."""
        if table != "entities":
            return []
        if self._compact is None:
            self._compact = {}
            for record in self.data.tables["entities"].values():
                for name in {record["name"], *(record.get("aliases") or [])}:
                    self._compact.setdefault(fold_compact(name), []).append(record["id"])
        ids = _dedupe(self._compact.get(fold_compact(text), []))
        return [found[1] for i in ids if (found := self.data.get(i))]

    def entity_id(self, text: str, slot: str, slot_kind: str | None, cites: list[Json]) -> str:
        """An existing entity's id, or (with --create-missing) a new entity's."""
        name = checked_text(slot, text, "name", required=True)
        assert name is not None
        try:
            return str(self.resolve(name, "entities", slot)["id"])
        except NotFound as exc:
            if not self.options.create_missing:
                raise _or_create_missing(exc) from None
            self._refuse_near_duplicate(name, slot)
        kind = (
            self.options.entity_kinds.get(fold(name))
            or slot_kind
            or self.options.default_entity_kind
        )
        if not kind:
            raise InvalidInput(
                f"{slot}: {name!r} is not in the store and its kind is not known",
                hint=f'say what it is: --kind person, or --kind "{name}=organization"',
            )
        with about(slot):
            kind = self.check_kind(kind, "entities")
        record: Json = {
            "id": free_id(self.tx, slugify(name)),
            "kind": kind,
            "name": name,
            "aliases": [],
            "description": None,
            "tags": [],
            "external_ids": {},
            "roles": [],
            "related": [],
            "sources": cites,
        }
        self._insert_entity(record)
        return str(record["id"])

    def _refuse_near_duplicate(self, name: str, slot: str) -> None:
        """A new name that looks like a stored name or alias (the one a look-up would offer as
        "did you mean": a typo, a part of it, another spelling) is not created unless --new
        names it: 'Rabbat' next to Rabat, 'Samadov' next to Nazim Samadov."""
        if not self.options.refuse_near_names or fold(name) in self.options.new_names:
            return
        if self._stored_names is None:
            self._stored_names = [
                (record["id"], fold(str(other)))
                for record in self.data.tables["entities"].values()
                for other in (record.get("name") or "", *(record.get("aliases") or []))
            ]
        close = near_names(self._stored_names, name)
        if close:
            import shlex

            listed = ", ".join(f"{self.entity_kb().name_of(i)!r} ({i})" for i in close)
            raise InvalidInput(
                f"{slot}: {name!r} looks like {listed}; it was not created",
                hint=f"give the stored one (its id), or add --new {shlex.quote(name)} to record "
                "it as a new entity",
            )

    def _insert_entity(self, record: Json) -> None:
        self.tx.insert("entities", record)
        for name in [record["name"], *record.get("aliases", []), record["id"]]:
            self._created_names.setdefault(fold(name), record["id"])
        self.created.append(("entities", record["id"], f"{record['kind']} {record['name']}"))

    def check_kind(self, kind: str, table: str) -> str:
        """A kind the store knows (or any lowercase word with --new-kind)."""
        value = (checked_text("kind", kind, "kind", required=True) or "").lower()
        if not _WORD.fullmatch(value):
            raise InvalidInput(
                f"kind {kind!r} is not a lowercase word", hint="e.g. meeting, visit, person"
            )
        builtin = EVENT_KINDS if table == "events" else ENTITY_KINDS
        if value in builtin or self.options.new_kind:
            return value
        if table not in self._kinds:
            self._kinds[table] = {r.get("kind", "") for r in self.data.tables[table].values()}
        if value in self._kinds[table]:
            return value
        known = sorted(set(builtin) | self._kinds[table])
        raise InvalidInput(
            f"kind {value!r} is not a known {SINGULAR[table]} kind",
            hint=f"known kinds: {', '.join(known)}; add --new-kind to introduce {value!r}",
        )

    # -- sources ------------------------------------------------------------------------------
    def citations(self, refs: Sequence[SourceRef]) -> list[Json]:
        """The citations of a record: every fact carries its source."""
        if not refs:
            raise InvalidInput(f"source is required: {MISSING_HINTS['source']}")
        cites: list[Json] = []
        for ref in refs:
            locator = checked_text("locator", ref.locator, "locator")
            if ref.new is not None:
                source_id = self.source_for(ref.new)[0]
            else:
                text = checked_text("source", ref.existing, "id", required=True)
                assert text is not None
                source_id = str(self.resolve(text, "sources", "source")["id"])
            cite = {"source": source_id, "locator": locator}
            if cite not in cites:
                cites.append(cite)
        return cites

    def _source_index(self) -> dict[Any, str]:
        if self._source_keys is None:
            self._source_keys = {}
            for source in self.data.tables["sources"].values():
                self._index_source(source)
        return self._source_keys

    def _index_source(self, source: Json) -> None:
        keys = self._source_keys
        assert keys is not None
        if source.get("url"):
            keys.setdefault(("url", source["url"].strip()), source["id"])
        if not source.get("title"):  # a copy without a headline is told apart by its url only
            return
        key = ("text", fold(source["outlet"]), fold(source["title"]), source.get("published"))
        keys.setdefault(key, source["id"])

    def source_for(self, new: NewSource, record_id: str | None = None) -> tuple[str, bool]:
        """The id of the source described (an equal stored one, else a new one); True if new."""
        outlet = checked_text("source outlet", new.outlet, "name")
        title = checked_text("source title", new.title, "title")
        url = checked_text("source url", new.url, "url")
        published = self.read_day("source date", new.published)
        if not outlet or not title:
            if url and ("url", url) in self._source_index():
                return self._source_index()[("url", url)], False
            missing = "outlet" if not outlet else "title"
            raise InvalidInput(
                f"source {missing} is required to describe a new source",
                hint="give --source-outlet and --source-title, or cite a stored source with "
                "--source ID",
            )
        index = self._source_index()
        for key in ((("url", url),) if url else ()) + (
            ("text", fold(outlet), fold(title), published),
        ):
            if key in index:
                return index[key], False
        if record_id:
            wanted = checked_text("id", record_id, "id", required=True)
            assert wanted is not None
            if self.tx.exists(wanted):
                raise InvalidInput(f"id {wanted!r} is taken", hint=f"see: partnerkb show {wanted}")
            source_id = wanted
        else:
            words = [w for w in slugify(title).split("-") if w not in _STOPWORDS][:4]
            outlet_slug = slugify(outlet, 24).replace("-", "")
            base = "-".join(p for p in (outlet_slug, published or "", *words) if p)
            source_id = free_id(self.tx, base)
        record = {
            "id": source_id,
            "outlet": outlet,
            "title": title,
            "published": published,
            "url": url,
            "language": checked_text("source language", new.language, "tag"),
            "note": checked_text("source note", new.note, "note"),
        }
        self.tx.insert("sources", record)
        self._index_source(record)
        self.created.append(("sources", source_id, f"source {outlet}, “{title}”"))
        return source_id, True

    def add_source(self, new: NewSource, record_id: str | None = None) -> Outcome:
        source_id, is_new = self.source_for(new, record_id)
        if not is_new:
            raise Duplicate(
                f"this source is already stored as {source_id} (same url, or same outlet, "
                "title and date)",
                existing=source_id,
                hint=f"cite it with --source {source_id}",
            )
        return Outcome(source_id, "sources", "added")

    # -- events -------------------------------------------------------------------------------
    def add_event(self, draft: EventDraft) -> Outcome:
        """A new event, or new details for a stored one (attach_to)."""
        self.created = []
        with about(f"line {draft.line}" if draft.line else None):
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
        organizations = _dedupe(
            [
                self.entity_id(o, "organizations", "organization", cites)
                for o in _texts("organizations", draft.organizations, "name")
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
            "topics": _texts("topics", draft.topics, "topic"),
            "tags": [t.lower() for t in _texts("tags", draft.tags, "tag")],
            "summary": summary,
            "status": status,
            "status_history": [
                {"status": status, "as_of": reference.day.isoformat(), "sources": cites}
            ],
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

    def status_for(self, text: str | None, when: Json, reference: date) -> str:
        """The status given, checked; else the one the date implies on the reference day
        (`dates.status_on`: happened when wholly before it, else planned)."""
        if text is not None and text.strip():
            status = text.strip().lower()
            if status not in STATUSES:
                raise InvalidInput(
                    f"status {text!r} is not one of {', '.join(STATUSES)}",
                    hint="leave it out: planned when the date is after the day of the report "
                    "(--as-of, else the source's day), else happened",
                )
            return status
        if not when:
            return "happened"
        return status_on(when, reference)

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

    # -- duplicates ---------------------------------------------------------------------------
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

    def _attach(self, draft: EventDraft) -> Outcome:
        """The same event reported again: add the citation and whatever is new."""
        assert draft.attach_to is not None
        event = self.resolve(draft.attach_to, "events", "attach-to")
        new = dict(event)
        cites = self.citations(draft.sources)
        reference = self.reference_for(cites)
        new["sources"] = _dedupe([*event.get("sources", []), *cites])
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
                for o in _texts("organizations", draft.organizations, "name")]  # fmt: skip
        new["organizations"] = _dedupe([*event.get("organizations", []), *orgs])
        topics = list(event.get("topics") or [])
        folded = {fold(t) for t in topics}
        topics += [t for t in _texts("topics", draft.topics, "topic") if fold(t) not in folded]
        new["topics"] = topics
        tags = [t.lower() for t in _texts("tags", draft.tags, "tag")]
        new["tags"] = _dedupe([*event.get("tags", []), *tags])
        summary = checked_text("summary", draft.summary, "summary")
        if summary and not event.get("summary"):
            new["summary"] = summary
        if draft.status and draft.status.strip():
            status = self.status_for(draft.status, new["date"], reference.day)
            if status != event["status"]:
                new["status"] = status
                new["status_history"] = [
                    *event.get("status_history", []),
                    {"status": status, "as_of": reference.day.isoformat(), "sources": cites},
                ]
        if new == event:
            return Outcome(event["id"], "events", "unchanged",
                           notes=[f"{event['id']} already has all of this"])  # fmt: skip
        self.tx.replace("events", new)
        self._index_event(new)
        return Outcome(event["id"], "events", "attached")

    # -- entities and roles -------------------------------------------------------------------
    def add_entity(self, draft: EntityDraft) -> Outcome:
        self.created = []
        name = checked_text("name", draft.name, "name", required=True)
        assert name is not None
        kind = self.check_kind(draft.kind, "entities")
        aliases = [a for a in _texts("alias", draft.aliases, "alias") if a != name]
        cites = self.citations(draft.sources)
        if not self.options.allow_duplicate:
            wanted = {fold(name), *(fold(a) for a in aliases)}
            for entity in self.data.tables["entities"].values():
                if entity["kind"] != kind:
                    continue
                names = {fold(entity["name"]), *(fold(a) for a in entity.get("aliases") or [])}
                if wanted & names:
                    raise Duplicate(
                        f"{a(kind)} named {entity['name']!r} is already stored as {entity['id']}",
                        existing=entity["id"],
                        hint="if it is someone else with the same name, add --allow-duplicate "
                        "(and --id to choose the id)",
                    )
        if draft.record_id:
            record_id = checked_text("id", draft.record_id, "id", required=True) or ""
            if self.tx.exists(record_id):
                raise InvalidInput(
                    f"id {record_id!r} is taken", hint=f"see: partnerkb show {record_id}"
                )
        else:
            record_id = free_id(self.tx, slugify(name))
        external = {}
        for key, value in draft.external_ids.items():
            k = checked_text("external id", key, "tag", required=True)
            v = checked_text("external id", value, "tag", required=True)
            assert k is not None and v is not None
            external[k] = v
        record: Json = {
            "id": record_id,
            "kind": kind,
            "name": name,
            "aliases": aliases,
            "description": checked_text("description", draft.description, "description"),
            "tags": [t.lower() for t in _texts("tags", draft.tags, "tag")],
            "external_ids": external,
            "roles": [],
            "related": [],
            "sources": cites,
        }
        if draft.located_in:
            record["located_in"] = self.entity_id(draft.located_in, "located-in", "place", cites)
        if draft.role is not None:
            record["roles"] = [self.build_role(draft.role, cites)]
        self._insert_entity(record)
        created = [c for c in self.created if c[1] != record_id]
        return Outcome(record_id, "entities", "added", created=created)

    def build_role(self, role: RoleDraft, cites: list[Json]) -> Json:
        title = checked_text("role title", role.title, "title", required=True)
        organization = (
            self.entity_id(role.organization, "role organization", "organization", cites)
            if role.organization
            else None
        )
        reference = self.reference_for(cites)
        start = self.read_date("role from", role.start, reference)
        end = self.read_date("role until", role.end, reference)
        days = sorted(
            s["published"]
            for c in cites
            if (s := self.data.find("sources", c["source"])) and s.get("published")
        )
        return {
            "title": title,
            "organization": organization,
            "from": start,
            "until": end,
            "first_cited": days[0] if days else None,
            "last_cited": days[-1] if days else None,
            "sources": cites,
        }

    def add_role(self, person: str, role: RoleDraft, refs: Sequence[SourceRef]) -> Outcome:
        self.created = []
        entity = self.resolve(checked_text("person", person, "name", required=True) or "",
                              "entities", "person")  # fmt: skip
        if entity["kind"] != "person":
            raise InvalidInput(
                f"person: {entity['id']} is {a(entity['kind'])}; roles are posts held by people"
            )
        cites = self.citations(refs)
        new_role = self.build_role(role, cites)
        roles = [dict(r) for r in entity.get("roles") or []]
        same = next((r for r in roles if fold(r["title"]) == fold(new_role["title"])
                     and r.get("organization") == new_role["organization"]), None)  # fmt: skip
        if same is None:
            roles.append(new_role)
            action = "added"
        else:
            same["sources"] = _dedupe([*same.get("sources", []), *cites])
            for key in ("from", "until"):
                if new_role[key] and not same.get(key):
                    same[key] = new_role[key]
            cited = [d for d in (same.get("first_cited"), same.get("last_cited"),
                                 new_role["first_cited"], new_role["last_cited"]) if d]  # fmt: skip
            if cited:
                same["first_cited"], same["last_cited"] = min(cited), max(cited)
            action = "changed"
        new = {**entity, "roles": roles}
        if new == entity:
            return Outcome(entity["id"], "entities", "unchanged", created=self.created)
        self.tx.replace("entities", new)
        notes = [] if action == "added" else ["the role was already recorded: its sources grew"]
        return Outcome(entity["id"], "entities", action, created=self.created, notes=notes)

    # -- edit ---------------------------------------------------------------------------------
    def edit(
        self,
        text: str,
        sets: Sequence[str] = (),
        adds: Sequence[str] = (),
        removes: Sequence[str] = (),
        refs: Sequence[SourceRef] = (),
    ) -> Outcome:
        """Change fields of a record: --set field=value, --add/--remove field=item for lists.

        A change of an event's status is a new fact: it cites `refs`, the source that reports
        it (never the event's earlier sources, which did not say so)."""
        self.created = []
        table, record = self._any(text)
        if not (sets or adds or removes):
            raise InvalidInput(
                "nothing to change", hint="give --set FIELD=VALUE (or --add/--remove)"
            )
        new = json.loads(json.dumps(record))  # a deep copy, as stored
        # a date set here reads relative phrases against --as-of, else the day of the source
        # given with --source, else the record's own sources' day, else today
        given = self.citations(refs) if refs else []
        self._edit_reference = self.reference_for(given or record.get("sources") or [])
        for option, items in (("--set", sets), ("--add", adds), ("--remove", removes)):
            for item in items:
                name, value = parse_assignment(option, item)
                # the checks inside name the field (or one item of it): said once
                last = name.rsplit(".", 1)[-1]
                names = (name, last, last[:-1] if last.endswith("s") else last)
                with about(f"{option} {name}", names=names):
                    self._apply(table, new, name, value, option)
        status_changed = table == "events" and new.get("status") != record.get("status")
        if status_changed:
            if not refs:
                raise InvalidInput(
                    f"status: changing it to {new['status']!r} needs the source that reports it",
                    hint="add --source ID (and --locator) to cite it",
                )
            cites = self.citations(refs)
            new["status_history"] = [
                *(new.get("status_history") or []),
                {"status": new["status"], "as_of": self._edit_reference.day.isoformat(),
                 "sources": cites},
            ]  # fmt: skip
        elif refs:
            raise InvalidInput(
                "--source: edit cites a source only for a change of status",
                hint="to cite a source for the record, use --add sources=ID",
            )
        if new == record:
            return Outcome(record["id"], table, "unchanged")
        self.tx.replace(table, new)  # its checks name the record already
        self._link_fulfilment(table, record, new)
        return Outcome(record["id"], table, "changed", created=self.created)

    def _any(self, text: str, slot: str = "ID") -> tuple[str, Json]:
        """The record of any table an id or name designates; errors name the argument."""
        found = self.data.get(text.strip())
        if found:
            return found
        with about(slot):
            if not text.strip():
                raise InvalidInput("an id or a name is required")
            try:
                return self.full_kb().resolve(text.strip())
            except NotFound as exc:
                raise NotFound(exc.message, hint=_not_found_hint(exc, text)) from None

    def _apply(self, table: str, record: Json, name: str, value: str, option: str) -> None:
        if name == "id":
            raise InvalidInput(
                "ids never change", hint="record a new one and merge the old into it"
            )
        if table == "entities" and name.startswith("roles."):
            self._apply_role(record, name, value, option)
            return
        if table == "entities" and name.startswith("external_ids."):
            key = checked_text("external id", name.partition(".")[2], "tag", required=True) or ""
            if option == "--add":
                raise InvalidInput("use --set external_ids.KEY=VALUE")
            ids = dict(record.get("external_ids") or {})
            if option == "--remove" or not value.strip():
                ids.pop(key, None)
            else:
                ids[key] = checked_text("external id", value, "tag", required=True)
            record["external_ids"] = ids
            return
        spec = EDIT_FIELDS.get(table, {}).get(name)
        if spec is None:
            fields = sorted(EDIT_FIELDS.get(table, {}))
            extra = ", roles.N.FIELD, external_ids.KEY" if table == "entities" else ""
            raise InvalidInput(
                f"{table} have no field {name!r} that can be edited",
                hint=f"fields: {', '.join(fields)}{extra}",
            )
        if spec in _LIST_SPECS:
            current = list(record.get(name) or [])
            if option == "--set":
                items = self._list_value(value)
                record[name] = self._convert_list(spec, name, items, record)
            elif option == "--add":
                record[name] = self._merge_list(
                    spec, current, self._convert_list(spec, name, [value], record)
                )
            else:
                gone = self._convert_list(spec, name, [value], record)
                record[name] = self._without(spec, name, current, gone)
            return
        if option != "--set":
            raise InvalidInput(f"{name} is not a list: use --set {name}=VALUE")
        record[name] = self._convert(spec, name, value, record)

    @staticmethod
    def _list_value(value: str) -> list[Any]:
        text = value.strip()
        if not text:
            return []
        if text.startswith("["):
            try:
                items = json.loads(text)
            except json.JSONDecodeError as exc:
                raise InvalidInput(f"not a JSON list: {exc.msg}") from None
            if not isinstance(items, list):
                raise InvalidInput("not a JSON list")
            return items
        return [text]

    def _convert(self, spec: str, name: str, value: Any, record: Json) -> Any:
        if not isinstance(value, str):
            raise InvalidInput(f"{name} takes text")
        if spec == "text":
            return checked_text(name, value, name, required=True)
        if spec == "optional-text":
            return checked_text(name, value, name)
        if spec == "date":
            return self.read_date(name, value, self._edit_reference)
        if spec == "day":
            return self.read_day(name, value)
        if spec == "yes-no":  # a flag: true/false, yes/no
            flag = value.strip().lower()
            if flag not in ("true", "false", "yes", "no"):
                raise InvalidInput(f"{name} takes true or false, not {value!r}")
            return flag in ("true", "yes")
        if spec == "status":
            status = value.strip().lower()
            if status not in STATUSES:
                raise InvalidInput(f"{value!r} is not one of {', '.join(STATUSES)}")
            return status
        if spec in ("event-kind", "entity-kind"):
            return self.check_kind(value, "events" if spec == "event-kind" else "entities")
        if spec == "entity":
            return str(self.resolve(value, "entities", name)["id"]) if value.strip() else None
        if spec == "event":
            return str(self.resolve(value, "events", name)["id"]) if value.strip() else None
        raise AssertionError(spec)  # pragma: no cover - EDIT_FIELDS names only the specs above

    def _convert_list(self, spec: str, name: str, items: list[Any], record: Json) -> list[Any]:
        if spec == "texts":
            texts = _texts(
                name, items, "tag" if name == "tags" else "alias" if name == "aliases" else "topic"
            )
            return [t.lower() for t in texts] if name == "tags" else texts
        if spec == "entities":
            return _dedupe([self.resolve(str(i), "entities", name)["id"] for i in items])
        if spec == "events":
            return _dedupe([self.resolve(str(i), "events", name)["id"] for i in items])
        if spec == "participants":
            given = [_json_participant(i) for i in items]
            out: list[Json] = []
            for p in given:
                entity = str(self.resolve(p.name, "entities", name)["id"])
                if all(o["entity"] != entity for o in out):
                    entry: Json = {"entity": entity, "part": p.part}
                    if p.as_title:
                        entry["as"] = p.as_title
                    out.append(entry)
            return out
        if spec == "citations":
            refs = []
            for item in items:
                if isinstance(item, dict):
                    refs.append(_json_source(item, None))
                else:
                    source, _, locator = str(item).partition(":")
                    refs.append(SourceRef(existing=source, locator=locator or None))
            return self.citations(refs) if refs else []
        raise AssertionError(spec)  # pragma: no cover

    @staticmethod
    def _key(spec: str, item: Any) -> Any:
        if spec == "participants":
            return item["entity"]
        if spec == "texts":
            return fold(item)
        if spec == "citations":
            return (item["source"], item.get("locator"))
        return item

    def _merge_list(self, spec: str, current: list[Any], added: list[Any]) -> list[Any]:
        keys = {self._key(spec, i) for i in current}
        return current + [i for i in added if self._key(spec, i) not in keys]

    def _without(self, spec: str, name: str, current: list[Any], gone: list[Any]) -> list[Any]:
        keys = {self._key(spec, i) for i in gone}
        if spec == "citations":  # remove a source's citations whatever their locator
            keys = {k[0] for k in keys}
            kept = [i for i in current if i["source"] not in keys]
        else:
            kept = [i for i in current if self._key(spec, i) not in keys]
        if len(kept) == len(current):
            raise InvalidInput(
                f"{name} holds no such item", hint="see: partnerkb show ID --format json"
            )
        return kept

    def _apply_role(self, record: Json, name: str, value: str, option: str) -> None:
        parts = name.split(".")
        roles = [dict(r) for r in record.get("roles") or []]
        if len(parts) != 3 or not parts[1].isdigit() or not 1 <= int(parts[1]) <= len(roles):
            raise InvalidInput(
                f"{name!r} names no role",
                hint=f"roles are numbered 1 to {len(roles)}: e.g. roles.1.until=2024"
                if roles
                else "this entity has no role; add one with partnerkb add-role",
            )
        role = roles[int(parts[1]) - 1]
        key = parts[2]
        specs = {"title": "text", "organization": "entity", "from": "date", "until": "date",
                 "sources": "citations"}  # fmt: skip
        if key not in specs:
            raise InvalidInput(f"a role has no field {key!r}", hint=f"fields: {', '.join(specs)}")
        if specs[key] == "citations":
            current = list(role.get("sources") or [])
            if option == "--set":
                role[key] = self._convert_list("citations", name, self._list_value(value), role)
            elif option == "--add":
                role[key] = self._merge_list(
                    "citations", current, self._convert_list("citations", name, [value], role)
                )
            else:
                role[key] = self._without(
                    "citations", name, current, self._convert_list("citations", name, [value], role)
                )
        elif option != "--set":
            raise InvalidInput(f"{key} is not a list: use --set {name}=VALUE")
        else:
            role[key] = self._convert(specs[key], key, value, role)
        roles[int(parts[1]) - 1] = role
        record["roles"] = roles

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

    # -- remove and merge ---------------------------------------------------------------------
    def referrers(self, record_id: str) -> list[tuple[str, Json]]:
        return referrers(self.data, record_id)

    def remove(self, text: str, *, cascade: bool = False) -> Outcome:
        self.created = []
        table, record = self._any(text)
        record_id = record["id"]
        refs = self.referrers(record_id)
        if refs and not cascade:
            names = ", ".join(r["id"] for _, r in refs[:5]) + (" …" if len(refs) > 5 else "")
            raise InvalidInput(
                f"{record_id} is still referred to by {counted(len(refs), 'record')}: {names}",
                hint="fix those references first (partnerkb edit), or add --cascade to drop them",
            )
        for ref_table, ref in refs:
            new = map_references(ref_table, ref, lambda x: None if x == record_id else x)
            try:
                self.tx.replace(ref_table, new)
            except InvalidInput as exc:
                # the check's message names the record and the field left empty (parties,
                # a role's sources...); the hint says what to change there
                fields = [f.rsplit(".", 1)[-1] for f, r in references(ref_table, ref)
                          if r == record_id]  # fmt: skip
                leaf = next((f for f in fields if f in exc.message), fields[0])
                fix = "cite another source" if leaf == "sources" else f"change its {leaf}"
                raise InvalidInput(
                    f"cannot remove {record_id} with --cascade: {exc.message}",
                    hint=f"{fix} first (partnerkb edit {ref['id']}), or remove {ref['id']}",
                ) from None
        self.tx.delete(table, record_id)
        notes = [f"dropped the references of {counted(len(refs), 'record')}"] if refs else []
        return Outcome(record_id, table, "removed", notes=notes)

    def merge(self, source_text: str, target_text: str) -> Outcome:
        """Two entities that turn out to be one: references follow, names become aliases."""
        self.created = []
        _, old = self._entity(source_text, "ID")
        _, into = self._entity(target_text, "INTO-ID")
        if old["id"] == into["id"]:
            raise InvalidInput(f"cannot merge {old['id']} into itself")
        if old["kind"] != into["kind"]:
            raise InvalidInput(
                f"cannot merge {old['kind']} {old['id']} into {into['kind']} {into['id']}",
                hint="only entities of the same kind are merged; fix the kind with partnerkb edit",
            )
        merged = json.loads(json.dumps(into))
        known = {merged["name"].casefold(), *(a.casefold() for a in merged.get("aliases") or [])}
        for name in [old["name"], *(old.get("aliases") or [])]:
            if name.casefold() not in known:
                known.add(name.casefold())
                merged.setdefault("aliases", []).append(name)
        if not merged.get("description") and old.get("description"):
            merged["description"] = old["description"]
        merged["tags"] = _dedupe([*(merged.get("tags") or []), *(old.get("tags") or [])])
        merged["external_ids"] = {
            **(old.get("external_ids") or {}),
            **(merged.get("external_ids") or {}),
        }
        roles = list(merged.get("roles") or [])
        for role in old.get("roles") or []:
            same = next((r for r in roles if fold(r["title"]) == fold(role["title"])
                         and r.get("organization") == role.get("organization")), None)  # fmt: skip
            if same is None:
                roles.append(role)
            else:
                same["sources"] = _dedupe([*same.get("sources", []), *role.get("sources", [])])
        merged["roles"] = roles
        merged["related"] = [*(merged.get("related") or []), *(old.get("related") or [])]
        merged["sources"] = _dedupe([*(merged.get("sources") or []), *(old.get("sources") or [])])
        if not merged.get("located_in") and old.get("located_in"):
            merged["located_in"] = old["located_in"]
        renamed = lambda x: into["id"] if x == old["id"] else x  # noqa: E731
        merged = map_references("entities", merged, renamed)
        self.tx.replace("entities", merged)
        for table, record in self.referrers(old["id"]):
            if record["id"] != into["id"]:
                self.tx.replace(table, map_references(table, record, renamed))
        self.tx.delete("entities", old["id"])
        return Outcome(into["id"], "entities", "merged",
                       notes=[f"{old['id']} merged into {into['id']}"])  # fmt: skip

    def _entity(self, text: str, slot: str) -> tuple[str, Json]:
        table, record = self._any(text, slot)
        if table != "entities":
            raise InvalidInput(
                f"{slot}: {record['id']} is {a(SINGULAR[table])}; merge joins two entities"
            )
        return table, record

    # -- undo ---------------------------------------------------------------------------------
    def undo(self, entry_id: str | None = None, *, expected: str | None = None) -> Outcome:
        """Revert every change of one command: `entry_id` (h-000012), else the last command
        not yet undone (which must still be `expected`, the one shown to the user).

        Removed records come back under their own document numbers, so the records are
        byte-identical to what they were before the command. Refused (InvalidInput) while a
        later command changed the same records or refers to a record the undo would remove.
        """
        if entry_id is None:
            entry = last_undoable(self.data)
            if expected and entry["id"] != expected:
                raise StoreError(
                    f"the store changed since {expected} was shown (the last command is now "
                    f"{entry['id']}); nothing undone",
                    hint=f"run partnerkb undo again, or name it: partnerkb undo {expected}",
                )
        else:
            entry = history_entry(self.data, entry_id)
        blocking = later_dependents(self.data, entry)
        if blocking:
            first = blocking[0]
            raise InvalidInput(
                f"{entry['id']} cannot be undone: {counted(len(blocking), 'later command')} "
                f"changed the same records, first {first['id']} ({first['command']})",
                hint=f"undo {blocking[-1]['id']} first (the latest), then the others",
            )
        for change in reversed(entry["changes"]):
            table, record_id = change["table"], change["id"]
            found = self.data.get(record_id)
            if change.get("inserted"):
                if found is not None:
                    self.tx.delete(table, record_id)
            elif change.get("removed"):
                if found is None:
                    self.tx.insert(table, change["before"], doc=change.get("doc"))
            else:
                self.tx.replace(table, change["before"])
        self._refuse_broken_references(entry)
        self.tx.history_fields = {"undoes": entry["id"]}
        return Outcome(entry["id"], "history", "undone")

    def _refuse_broken_references(self, entry: Json) -> None:
        """A record added by the command may be cited by a later one: name that command."""
        gone = {c["id"] for c in entry["changes"] if c.get("inserted")} - set(self.data._ids())
        if not gone:
            return
        for table in TABLES:
            for record in self.data.tables[table].values():
                for field_name, ref in references(table, record):
                    if ref in gone and record["id"] not in gone:
                        later = last_change_of(self.data, record["id"])
                        by = f" (written by {later['id']}: {later['command']})" if later else ""
                        raise InvalidInput(
                            f"{entry['id']} cannot be undone: {record['id']}{by} refers to "
                            f"{ref} through {field_name}",
                            hint=f"undo {later['id']} first" if later else None,
                        )


# ---------------------------------------------------------------------------------------------
# References
# ---------------------------------------------------------------------------------------------


_LIST_SPECS = ("texts", "entities", "events", "participants", "citations")
EDIT_FIELDS: dict[str, dict[str, str]] = {
    "events": {
        "kind": "event-kind", "title": "text", "date": "date", "place": "entity",
        "participants": "participants", "organizations": "entities", "topics": "texts",
        "tags": "texts", "summary": "optional-text", "status": "status", "fulfils": "event",
        "fulfilled_by": "event", "related_events": "events", "sources": "citations",
    },
    "entities": {
        "kind": "entity-kind", "name": "text", "aliases": "texts", "description": "optional-text",
        "tags": "texts", "located_in": "entity", "sources": "citations",
    },
    "sources": {
        "outlet": "text", "title": "optional-text", "published": "day", "url": "optional-text",
        "language": "optional-text", "note": "optional-text", "label": "optional-text",
        "republished_by": "optional-text", "machine_translated": "yes-no",
    },
    "partnerships": {
        "parties": "entities", "areas": "texts", "summary": "optional-text", "events": "events",
        "sources": "citations",
    },
}  # fmt: skip


def referrers(data: StoreData, record_id: str) -> list[tuple[str, Json]]:
    """Every record (table, record) that refers to `record_id`."""
    found = []
    for table in TABLES:
        for record in data.tables[table].values():
            if record["id"] != record_id and any(
                ref == record_id for _, ref in references(table, record)
            ):
                found.append((table, record))
    return found


def map_references(table: str, record: Json, change: Callable[[str], str | None]) -> Json:
    """A copy of `record` with every reference passed through `change` (None drops it)."""

    def cites(values: list[Json] | None) -> list[Json]:
        out: list[Json] = []
        for cite in values or []:
            target = change(cite["source"])
            if target is not None and {**cite, "source": target} not in out:
                out.append({**cite, "source": target})
        return out

    def ids(values: list[str] | None) -> list[str]:
        return _dedupe([t for v in values or [] if (t := change(v)) is not None])

    def one(value: str | None) -> str | None:
        return change(value) if value else value

    def provenance(entries: list[Json]) -> list[Json]:
        """Entries naming an entity (a participant, an organization) follow it; their sources
        too. An entry whose entity is dropped goes with it."""
        out: list[Json] = []
        for entry in entries:
            value = entry.get("value")
            if entry.get("field") in ("participants", "organizations") and value:
                value = change(value)
                if value is None:
                    continue
            moved = {**entry, **({"value": value} if "value" in entry else {})}
            if "sources" in entry:
                moved["sources"] = cites(entry["sources"])
            out.append(moved)
        return out

    new = dict(record)
    if "sources" in new:
        new["sources"] = cites(new["sources"])
    if "provenance" in new:
        new["provenance"] = provenance(new["provenance"] or [])
    if table == "entities":
        new["roles"] = [
            {
                **role,
                "organization": one(role.get("organization")),
                "sources": cites(role.get("sources")),
                **(
                    {"attested": [{**a, "sources": cites(a.get("sources"))}
                                  for a in role["attested"] or []]}
                    if "attested" in role else {}
                ),
            }
            for role in new.get("roles") or []
        ]  # fmt: skip
        if "holders" in new:
            new["holders"] = [
                {**h, "entity": target, "sources": cites(h.get("sources"))}
                for h in new["holders"] or []
                if (target := change(h["entity"])) is not None
            ]
        related = []
        for link in new.get("related") or []:
            target = change(link["entity"])
            if target is not None and target != new["id"]:
                related.append(
                    {
                        **link,
                        "entity": target,
                        **({"sources": cites(link["sources"])} if "sources" in link else {}),
                    }
                )
        new["related"] = related
        if "located_in" in new:
            new["located_in"] = one(new["located_in"])
    elif table == "events":
        new["place"] = one(new.get("place"))
        participants: list[Json] = []
        for p in new.get("participants") or []:
            target = change(p["entity"])
            if target is not None and all(q["entity"] != target for q in participants):
                participants.append({**p, "entity": target})
        new["participants"] = participants
        new["organizations"] = ids(new.get("organizations"))
        for name in ("fulfils", "fulfilled_by"):
            if name in new:
                new[name] = one(new[name])
        new["related_events"] = ids(new.get("related_events"))
        if "links" in new:
            new["links"] = [
                {**link, "event": target,
                 **({"sources": cites(link["sources"])} if "sources" in link else {})}
                for link in new["links"] or []
                if (target := change(link["event"])) is not None and target != new["id"]
            ]  # fmt: skip
        if new.get("edition_of"):
            series = change(new["edition_of"]["series"])
            new["edition_of"] = {**new["edition_of"], "series": series} if series else None
        new["status_history"] = [
            {**entry, "sources": cites(entry.get("sources"))}
            for entry in new.get("status_history") or []
        ]
    elif table == "partnerships":
        new["parties"] = ids(new.get("parties"))
        new["events"] = ids(new.get("events"))
    return new


# ---------------------------------------------------------------------------------------------
# History
# ---------------------------------------------------------------------------------------------


def history_entries(data: StoreData) -> list[Json]:
    """The history, oldest first."""
    return [data.tables["history"][k] for k in sorted(data.tables["history"], key=int)]


def last_undoable(data: StoreData) -> Json:
    """The last command that is neither an undo nor undone already."""
    entries = history_entries(data)
    undone = {e["undoes"] for e in entries if e.get("undoes")}
    for entry in reversed(entries):
        if not entry.get("undoes") and entry["id"] not in undone:
            return entry
    raise NoMatch("nothing to undo: the history has no command left to revert")


def history_entry(data: StoreData, entry_id: str) -> Json:
    """The command `entry_id` (h-000012), if it can be undone: NotFound if there is none,
    InvalidInput if it is an undo itself or already undone."""
    entries = history_entries(data)
    wanted = entry_id.strip().lower()
    if wanted.isdigit():
        wanted = f"h-{int(wanted):06d}"
    found = next((e for e in entries if e.get("id") == wanted), None)
    if found is None:
        raise NotFound(f"no history entry {entry_id!r}", hint="see the ids with: partnerkb history")
    if found.get("undoes"):
        raise InvalidInput(
            f"{found['id']} is itself an undo (of {found['undoes']}); redo that command instead"
        )
    undone_by = next((e["id"] for e in entries if e.get("undoes") == found["id"]), None)
    if undone_by:
        raise InvalidInput(f"{found['id']} is already undone (by {undone_by})")
    return found


def later_dependents(data: StoreData, entry: Json) -> list[Json]:
    """Commands after `entry`, not undone, that changed one of the records it changed (undoing
    `entry` first would silently drop their changes), oldest first."""
    entries = history_entries(data)
    undone = {e["undoes"] for e in entries if e.get("undoes")}
    ids = {c["id"] for c in entry.get("changes") or []}
    position = next(n for n, e in enumerate(entries) if e is entry)
    return [
        later for later in entries[position + 1 :]
        if not later.get("undoes") and later["id"] not in undone
        and any(c["id"] in ids for c in later.get("changes") or [])
    ]  # fmt: skip


def last_change_of(data: StoreData, record_id: str) -> Json | None:
    """The latest command, not undone, that changed `record_id`."""
    entries = history_entries(data)
    undone = {e["undoes"] for e in entries if e.get("undoes")}
    for entry in reversed(entries):
        if entry.get("undoes") or entry["id"] in undone:
            continue
        if any(c["id"] == record_id for c in entry.get("changes") or []):
            return entry
    return None


def is_callers(entry: Json) -> bool:
    """Whether a command was written by this user from this login session."""
    from ..locking import caller

    by = entry.get("by")
    if not isinstance(by, dict):
        return False
    me = caller()
    return bool(by.get("user") == me["user"] and by.get("session") == me["session"])


def written_by(entry: Json) -> str:
    """'you (this session)', 'user ada (pid 4242)', or 'an unknown user' for old entries."""
    by = entry.get("by")
    if not isinstance(by, dict):
        return "an unknown user (written before partnerkb recorded who writes)"
    if is_callers(entry):
        return f"you (this session, pid {by.get('pid')})"
    return f"user {by.get('user')} (pid {by.get('pid')}, another session)"


def describe_changes(entry: Json, *, undo: bool = False, limit: int = 6) -> list[str]:
    """'added event X', or for an undo what reverting it does: 'remove event X'."""
    verbs = {"inserted": ("added", "remove"), "removed": ("removed", "restore"),
             "changed": ("changed", "restore the previous")}  # fmt: skip
    lines: list[str] = []
    changes = entry.get("changes") or []
    if len(changes) > limit:
        counts: dict[tuple[str, str], int] = {}
        for change in changes:
            key = (_change_kind(change), change["table"])
            counts[key] = counts.get(key, 0) + 1
        for (kind, table), count in counts.items():
            verb = verbs[kind][1 if undo else 0]
            noun = table if count > 1 else SINGULAR[table]
            lines.append(f"{verb} {count} {noun}")
        return lines
    for change in changes:
        verb = verbs[_change_kind(change)][1 if undo else 0]
        lines.append(f"{verb} {SINGULAR.get(change['table'], change['table'])} {change['id']}")
    return lines


def _change_kind(change: Json) -> str:
    if change.get("inserted"):
        return "inserted"
    if change.get("removed"):
        return "removed"
    return "changed"


def history_rows(data: StoreData, record_id: str | None = None) -> list[Json]:
    """History entries, newest first, optionally only those touching a record (or one entry)."""
    entries = history_entries(data)
    undone_by = {e["undoes"]: e["id"] for e in entries if e.get("undoes")}
    if record_id:
        entries = [
            e for e in entries
            if e["id"] == record_id or any(c["id"] == record_id for c in e.get("changes") or [])
        ]  # fmt: skip
    rows = []
    for entry in reversed(entries):
        status = ""
        if entry.get("undoes"):
            status = f"undoes {entry['undoes']}"
        elif entry["id"] in undone_by:
            status = f"undone by {undone_by[entry['id']]}"
        rows.append(
            {
                **entry,
                "type": "history",
                "display": {"changes": "; ".join(describe_changes(entry)), "status": status},
            }
        )
    if not rows:
        if record_id:
            raise NoMatch(f"no history for {record_id!r}")
        raise NoMatch("the history is empty: nothing has been written to this store yet")
    return rows


def unresolved_participants(data: StoreData, draft: EventDraft, options: WriteOptions) -> list[str]:
    """Participants that are not in the store and whose kind is not known yet (to ask for)."""
    kb = KnowledgeBase(data)
    names = []
    for participant in draft.participants:
        if fold(participant.name) in options.entity_kinds or options.default_entity_kind:
            continue
        try:
            kb.resolve(participant.name, ("entities",))
        except NotFound:
            names.append(participant.name)
        except Ambiguous:
            pass
    return _dedupe(names)


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


def _not_found_hint(exc: NotFound, text: str) -> str | None:
    """The look-up's 'did you mean ...?' when it has one, else a search for the text, quoted for a
    shell (and none for empty text: 'partnerkb search' alone finds nothing)."""
    if exc.hint and not exc.hint.startswith("try:"):
        return exc.hint
    return search_hint(text)


def near_names(stored: list[tuple[str, str]], name: str) -> list[str]:
    """Ids among `stored` (id, folded name or alias) that `name` is close to: each word within
    the typo distance search forgives, or the whole within it written as one word, or all its
    words among a stored name's ('Samadov' in 'Nazim Samadov'). At most five."""
    from rapidfuzz.distance import OSA

    from ..search import allowed_typos

    wanted = fold(name)
    words, compact = wanted.split(), wanted.replace(" ", "")
    if not words:
        return []
    found: list[str] = []
    for record_id, folded in stored:
        theirs = folded.split()
        if record_id in found or not theirs:
            continue
        if (
            set(words) <= set(theirs)
            or OSA.distance(compact, folded.replace(" ", "")) <= allowed_typos(compact)
            or (len(words) == len(theirs) and all(
                OSA.distance(a, b) <= allowed_typos(a) for a, b in zip(words, theirs, strict=True)
            ))
        ):  # fmt: skip
            found.append(record_id)
    return found[:5]


def _or_create_missing(exc: NotFound) -> NotFound:
    """The error of a name not in the store, its hint offering --create-missing."""
    if exc.hint and exc.hint.endswith("?"):  # did you mean 'X'?
        hint = f"{exc.hint} If it is new, add --create-missing to record it"
    elif exc.hint:
        hint = f"{exc.hint}, or add --create-missing to record it"
    else:
        hint = "add --create-missing to record it"
    return NotFound(exc.message, hint=hint)


# ---------------------------------------------------------------------------------------------
# Answers typed at a prompt
# ---------------------------------------------------------------------------------------------


class _Reading:
    """Stands for a transaction where names are only looked up: nothing is written."""

    def __init__(self, data: StoreData) -> None:
        self.data = data


class AnswerCheck:
    """Checks one answer typed at a prompt as the write will, so that a terminal session asks
    again at once instead of refusing everything after the last question. Each method returns
    the answer as the draft takes it, or raises the error the write would raise. Without a
    readable store (`data` None) names are left for the write to check."""

    def __init__(self, data: StoreData | None, options: WriteOptions) -> None:
        self.options = options
        self.has_store = data is not None
        view = data if data is not None else StoreData.empty()
        self._writer = Writer(cast(Transaction, _Reading(view)), options)

    def date(self, text: str) -> str:
        """A date as the write reads it (relative phrases against --as-of, else today: the
        write resolves them again against the source's day)."""
        value = checked_text("date", text, "tag", required=True)
        assert value is not None
        with about("date"):
            parse_date(value, self.options.as_of or self.options.today,
                       order=self.options.date_order)  # fmt: skip
        return value

    def day(self, text: str) -> str | None:
        """A publication day, or None when left empty."""
        return text.strip() if self._writer.read_day("source date", text) else None

    def participants(self, text: str) -> list[Participant]:
        """'Name:part; Name:part' with every name in the store (or --create-missing)."""
        given = [parse_participant(p) for p in text.split(";") if p.strip()]
        if not given:
            raise InvalidInput("participant is required", hint=MISSING_HINTS["participant"])
        for participant in given:
            self.entity(participant.name, "participants")
        return given

    def entity(self, text: str, slot: str) -> str | None:
        """A name or id of a stored entity (any name with --create-missing); None when empty."""
        name = checked_text(slot, text, "name")
        if name is None or not self.has_store:
            return name
        try:
            self._writer.resolve(name, "entities", slot)
        except NotFound as exc:
            if not self.options.create_missing:
                raise _or_create_missing(exc) from None
        return name

    def source(self, text: str) -> str | None:
        """A stored source's id or title; None when empty (a new source is described)."""
        value = checked_text("source", text, "id")
        if value is not None and self.has_store:
            self._writer.resolve(value, "sources", "source")
        return value

    def kind(self, text: str, table: str) -> str:
        return self._writer.check_kind(text, table)
