"""Questions asked of a store: look-ups by id or name, listings, timelines and profiles.

Pure functions over `StoreData`; each returns rows — the records as stored plus a `display`
object of human-readable fields — which the renderer turns into a table, JSON, CSV or TSV.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date as calendar_day
from typing import TYPE_CHECKING, Any

from .dates import edtf_display, overlaps, sort_key
from .errors import Ambiguous, InvalidInput, NoMatch, NotFound
from .model import (
    ENTITY_KINDS,
    EVENT_KINDS,
    PENDING_STATUSES,
    event_entities,
    references,
    typology,
)
from .provenance import provenance_labels
from .store import StoreData
from .textfold import fold

if TYPE_CHECKING:
    from .asof import RecordAsOf

Json = dict[str, Any]
TYPE_OF_TABLE = {"entities": "entity", "events": "event", "sources": "source",
                 "partnerships": "partnership"}  # fmt: skip


class KnowledgeBase:
    """A store's records with the look-ups every query needs, built once per command."""

    def __init__(self, data: StoreData, name_tables: Sequence[str] | None = None) -> None:
        """`name_tables`: the tables whose records are looked up by name when the store's
        engine cannot answer from its indexes (all of them by default): resolving a
        participant on a JSON store of 100k events need not fold 100k event titles."""
        self.data = data
        self.name_tables = tuple(name_tables or ("entities", "events", "sources", "partnerships"))
        self._names: dict[str, list[str]] | None = None
        self._shared_names: dict[str, list[str]] | None = None
        self._pushed_namesakes: dict[str, list[str]] = {}
        self._apart: dict[str, dict[str, str]] = {}  # name key -> namesake id -> what sets apart

    def records(self, table: str) -> list[Json]:
        return self.data.records(table)

    def get(self, record_id: str) -> tuple[str, Json] | None:
        return self.data.get(record_id)

    def name_of(self, record_id: str | None) -> str:
        """The display name of an entity (or title of an event); the id itself if unknown."""
        if not record_id:
            return ""
        found = self.data.get(record_id)
        if found is None:
            return record_id
        record = found[1]
        return str(record.get("name") or record.get("title") or record_id)

    def display_name(self, record_id: str | None, held: str | None = None) -> str:
        """`name_of`, and for an entity whose name another entity shares, what tells them apart:
        'Anar Karimov (Minister of Culture of Azerbaijan)'. That is `held` (the title it held at
        an event) when given, else its first role's title, else the start of its description,
        else its id; the id too when that would not tell it from its namesakes."""
        name = self.name_of(record_id)
        if not record_id or self.data.find("entities", record_id) is None:
            return name
        group = self._namesake_group(_name_key(name))
        if group is None:
            return name
        if held:
            return f"{name} ({held})"
        apart = self._apart.get(_name_key(name))
        if apart is None:
            apart = {other: _what_sets_apart(self.data.find("entities", other) or {"id": other})
                     for other in group}  # fmt: skip
        mine = apart[record_id]
        if list(apart.values()).count(mine) > 1:
            mine = record_id
        return f"{name} ({mine})"

    def prepare(self, record_ids: Iterable[str | None]) -> None:
        """Read at once the records of `record_ids` and what tells their namesakes apart, before
        an answer names them one by one (a store read record by record then answers in a few
        queries instead of one or more per name)."""
        wanted = [i for i in dict.fromkeys(record_ids) if i]
        self.data.prefetch(wanted)
        if self._shared_names is not None:
            return
        keys = {
            key
            for i in wanted
            if self.data.find("entities", i) is not None
            and (key := _name_key(self.name_of(i))) not in self._pushed_namesakes
        }
        groups = self.data.namesake_groups(keys) if keys else None
        if groups is None:
            return
        for key in keys:
            members = groups.get(key, [])
            self._pushed_namesakes[key] = [m["id"] for m in members]
            if members:
                self._apart[key] = {m["id"]: _what_sets_apart(m) for m in members}

    def _namesake_group(self, key: str) -> list[str] | None:
        """The ids of the entities sharing the name `key`, if several do."""
        if self._shared_names is None and key:
            pushed = self._pushed_namesakes.get(key)
            if pushed is None:
                pushed = self.data.namesakes(key)
                if pushed is not None:
                    self._pushed_namesakes[key] = pushed
            if pushed is not None:
                return pushed if len(pushed) > 1 else None
        return self._namesakes().get(key)

    def _namesakes(self) -> dict[str, list[str]]:
        """Name (case and spacing ignored) -> ids of the entities sharing it, for shared names."""
        if self._shared_names is None:
            by_name: dict[str, list[str]] = {}
            for record in self.data.tables["entities"].values():
                by_name.setdefault(_name_key(str(record.get("name") or "")), []).append(
                    record["id"]
                )
            self._shared_names = {k: ids for k, ids in by_name.items() if len(ids) > 1 and k}
        return self._shared_names

    # -- names --------------------------------------------------------------------------------
    def _name_index(self) -> dict[str, list[str]]:
        """Folded id, name and every alias -> ids of the entities (and events by title)."""
        if self._names is None:
            index: dict[str, list[str]] = {}
            for table in self.name_tables:
                for record in self.data.tables[table].values():
                    keys = {fold(record["id"])}
                    for field in ("name", "title"):
                        if record.get(field):
                            keys.add(fold(record[field]))
                    keys.update(fold(alias) for alias in record.get("aliases") or [])
                    for key in keys:
                        index.setdefault(key, []).append(record["id"])
            self._names = index
        return self._names

    def resolve(
        self,
        text: str,
        tables: Sequence[str] | None = None,
        *,
        partial: bool = False,
        suggest: bool = True,
    ) -> tuple[str, Json]:
        """The one record an id, name or alias designates (case- and accent-insensitively).

        With `partial`, a name given in part ("Samadov", "Benarafa") designates the one entity
        whose name or alias holds all its words; reads use it, writes do not (a new "Ali" must
        not silently become an existing "Ali Hasanov").
        Raises NotFound with the closest names as a hint (unless not `suggest`: a batch that
        creates what is missing does not pay for them), or Ambiguous listing the candidates.
        """
        wanted = tables or ("entities", "events", "sources", "partnerships")
        found = self.data.get(text)
        if found and found[0] in wanted:
            return found
        named = self.data.ids_named(fold(text)) if self._names is None else None
        if named is None:
            named = self._name_index().get(fold(text), [])
        ids = [
            i
            for i in dict.fromkeys(named)
            if (hit := self.data.get(i)) and hit[0] in wanted
        ]
        if not ids and partial:
            ids = self._holding_words(fold(text), wanted)
        if len(ids) == 1:
            hit = self.data.get(ids[0])
            assert hit is not None
            return hit
        what = "entity" if tuple(wanted) == ("entities",) else "record"
        if len(ids) > 1:
            raise Ambiguous(
                f"{text!r} names {len(ids)} records: {', '.join(ids)}",
                candidates=ids,
                hint="use an id",
            )
        suggestions = self.suggest(text, wanted) if suggest else []
        hint = f"did you mean {', '.join(repr(s) for s in suggestions)}?" if suggestions else None
        if hint is None and text.strip():
            import shlex

            hint = f"try: partnerkb search {shlex.quote(text)}"
        raise NotFound(f"no {what} {text!r}", hint=hint)

    def _holding_words(self, folded: str, tables: Sequence[str]) -> list[str]:
        """Ids of entities whose folded name or alias has every word of `folded`."""
        words = set(folded.split())
        if not words or "entities" not in tables:
            return []
        if self._names is None:
            pushed = self.data.entities_named_with(max(words, key=len))
            if pushed is not None:
                return list(dict.fromkeys(i for key, i in pushed if words <= set(key.split())))
        return list(
            dict.fromkeys(
                record_id
                for key, record_ids in self._name_index().items()
                if words <= set(key.split())
                for record_id in record_ids
                if (hit := self.data.get(record_id)) and hit[0] == "entities"
            )
        )

    def suggest(self, text: str, tables: Sequence[str], limit: int = 3) -> list[str]:
        """Ids whose id, name or alias is closest to `text`."""
        from rapidfuzz import fuzz, process

        index = self._name_index()
        matches = process.extract(fold(text), list(index), scorer=fuzz.WRatio, limit=limit * 3)
        ids: list[str] = []
        for key, score, _ in matches:
            if score < 70:
                continue
            for record_id in index[key]:
                hit = self.data.get(record_id)
                if hit and hit[0] in tables and record_id not in ids:
                    ids.append(record_id)
        return ids[:limit]

    # -- relations ----------------------------------------------------------------------------
    def places_within(self, entity_id: str) -> set[str]:
        """The entity and every place located in it, transitively (Azerbaijan -> Baku, Shusha)."""
        found, frontier = {entity_id}, [entity_id]
        while frontier:
            pushed = self.data.located_in(frontier)
            if pushed is None:
                break
            frontier = [child for child in dict.fromkeys(pushed) if child not in found]
            found.update(frontier)
        else:
            return found
        inside: dict[str, list[str]] = {}
        for record in self.data.tables["entities"].values():
            if record.get("located_in"):
                inside.setdefault(record["located_in"], []).append(record["id"])
        found, todo = {entity_id}, [entity_id]
        while todo:
            for child in inside.get(todo.pop(), []):
                if child not in found:
                    found.add(child)
                    todo.append(child)
        return found


def _name_key(name: str) -> str:
    return " ".join(name.casefold().split())


def _what_sets_apart(record: Json) -> str:
    """What the record says that a namesake's does not: its first role's title, else the start
    of its description (to the first comma or semicolon, at most 60 characters), else its id."""
    roles = record.get("roles") or []
    if roles and isinstance(roles[0], dict) and roles[0].get("title"):
        return str(roles[0]["title"])
    description = " ".join(str(record.get("description") or "").split())
    if description:
        cut = description.split(";")[0].split(",")[0].split(" (")[0].rstrip(".")
        return cut if len(cut) <= 60 else cut[:59].rstrip() + "…"
    return str(record["id"])


# ---------------------------------------------------------------------------------------------
# Choice values
# ---------------------------------------------------------------------------------------------

_PLURALS = {"people": "person", "persons": "person", "countries": "country",
            "entities": "entity", "partnerships": "partnership"}  # fmt: skip


def known_kinds(kb: KnowledgeBase, tables: Sequence[str]) -> list[str]:
    """The kinds of the records of `tables`: those the store uses and the usual ones."""
    found: dict[str, None] = {}
    if "entities" in tables:
        found.update(dict.fromkeys(ENTITY_KINDS))
    if "events" in tables:
        found.update(dict.fromkeys(EVENT_KINDS))
    for table in tables:
        pushed = kb.data.kinds(table)
        if pushed is not None:
            found.update(dict.fromkeys(pushed))
            continue
        for record in kb.data.tables[table].values():
            kind = record.get("kind")
            if isinstance(kind, str):
                found[kind] = None
    return sorted(found)


def check_kinds(
    kb: KnowledgeBase,
    values: Iterable[str],
    tables: Sequence[str],
    option: str,
    noun: str,
    plural: str,
    also: Sequence[str] = (),
) -> tuple[str, ...]:
    """`values` lowercased, each a kind of the records of `tables` or one of `also` (record
    types, say); else InvalidInput as `check_choices`. The usual kinds are checked without
    reading the store: only an unusual one asks which kinds the store uses (on a big store that
    read can cost more than the query it checks)."""
    values = list(values)
    usual = [*also]
    if "entities" in tables:
        usual += ENTITY_KINDS
    if "events" in tables:
        usual += EVENT_KINDS
    if all(value.strip().lower() in usual for value in values):
        return check_choices(values, usual, option, noun, plural)
    return check_choices(values, [*also, *known_kinds(kb, tables)], option, noun, plural)


def check_choices(
    values: Iterable[str], allowed: Sequence[str], option: str, noun: str, plural: str
) -> tuple[str, ...]:
    """`values` lowercased, each one of `allowed`; else InvalidInput naming the value and, as
    the hint, the closest allowed values ("meetings" -> 'meeting', "people" -> 'person')."""
    checked = []
    for value in values:
        lowered = value.strip().lower()
        if lowered not in allowed:
            close = close_choices(lowered, allowed)
            hint = (f"did you mean {' or '.join(repr(c) for c in close)}?" if close
                    else f"{plural}: {', '.join(allowed)}")  # fmt: skip
            article = "an" if noun[0] in "aeiou" else "a"
            raise InvalidInput(f"{option}: {value!r} is not {article} {noun}", hint=hint)
        checked.append(lowered)
    return tuple(checked)


def close_choices(value: str, allowed: Sequence[str], limit: int = 3) -> list[str]:
    """The allowed values closest to `value`: its singular first, then by spelling."""
    import difflib

    singular = _PLURALS.get(value) or (
        value[:-3] + "y" if value.endswith("ies") else value[:-1] if value.endswith("s") else ""
    )
    close = [singular] if singular in allowed else []
    close += [c for c in difflib.get_close_matches(value, allowed, n=limit, cutoff=0.6)
              if c not in close]  # fmt: skip
    return close[:limit]


# ---------------------------------------------------------------------------------------------
# Display fields
# ---------------------------------------------------------------------------------------------


def date_label(date_dict: Json | None) -> str:
    if not date_dict:
        return "date unknown"
    return edtf_display(date_dict["edtf"])


def event_row(kb: KnowledgeBase, event: Json) -> Json:
    """An event as stored plus its display fields."""
    return Labels(kb).event_row(event)


class Labels:
    """Display fields for the rows of one answer, each name, date and citation worked out once.

    A timeline of 100k events names the same few thousand entities and sources over and over;
    looking each up once per answer builds its rows 1.5 times as fast. Make a new one per answer:
    it does not see records changed after it named them.
    """

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self._names: dict[str | None, str] = {}
        self._dates: dict[tuple[str, str | None, str | None], tuple[str, str]] = {}
        self._cites: dict[tuple[str, str | None], str] = {}
        self._held: dict[tuple[str, str | None], str] = {}  # (entity, title held) -> name
        self.today = calendar_day.today().isoformat()

    def name(self, record_id: str | None) -> str:
        """The display name, namesakes told apart (`KnowledgeBase.display_name`)."""
        try:
            return self._names[record_id]
        except KeyError:
            name = self._names[record_id] = self.kb.display_name(record_id)
            return name

    def participant(self, participant: Json) -> Json:
        """A participant's display: entity id, name (a namesake told apart by the title held
        at the event), part, and that title ('as')."""
        entity, held = participant["entity"], participant.get("as")
        try:
            name = self._held[(entity, held)]
        except KeyError:
            if held:  # a namesake by what it was then: `display_name` with the title held
                name = self.kb.display_name(entity, held)
            else:
                name = self.name(entity)
            self._held[(entity, held)] = name
        return {"entity": entity, "name": name, "part": participant.get("part"), "as": held}

    def date(self, date_dict: Json | None) -> tuple[str, str]:
        """(how the date reads, the year it is grouped under)."""
        if not date_dict:
            return "date unknown", "date unknown"
        key = (date_dict["edtf"], date_dict.get("earliest"), date_dict.get("latest"))
        try:
            return self._dates[key]
        except KeyError:
            labels = self._dates[key] = (date_label(date_dict), _year_label(date_dict))
            return labels

    def cite(self, cite: Json) -> str:
        key = (cite["source"], cite.get("locator"))
        try:
            return self._cites[key]
        except KeyError:
            label = self._cites[key] = _source_label(self.kb, cite)
            return label

    def prepare(self, events: Iterable[Json]) -> None:
        """Read at once what the rows of `events` will name (`KnowledgeBase.prepare`)."""
        ids: list[str | None] = []
        for event in events:
            ids.append(event.get("place"))
            ids.extend(p.get("entity") for p in event.get("participants") or ())
            ids.extend(event.get("organizations") or ())
            ids.extend(c.get("source") for c in event.get("sources") or ())
        self.kb.prepare(ids)

    def event_row(self, event: Json) -> Json:
        """An event as stored plus its display fields."""
        name = self.name
        date, year = self.date(event.get("date"))
        return {
            **event,
            "type": "event",
            "display": {
                "date": date,
                "year": year,
                "place": name(event.get("place")),
                "participants": [self.participant(p) for p in event.get("participants") or ()],
                "organizations": [name(o) for o in event.get("organizations") or ()],
                "typology": typology(event["kind"]),
                "sources": [self.cite(c) for c in event.get("sources") or ()],
                "status": status_label(event, self.today),
            },
        }


def status_label(event: Json, today: str) -> str:
    """The status as it reads today: a plan whose dates have all passed with no later report
    says so, rather than passing for something still to come; a plan that a reported event
    fulfils says it came true, and which event did."""
    status = str(event["status"])
    if event.get("fulfilled_by") and status in PENDING_STATUSES:
        return f"{status}, came true: {event['fulfilled_by']}"
    latest = (event.get("date") or {}).get("latest")
    if status in (*PENDING_STATUSES, "ongoing") and latest and latest < today:
        return f"{status} (date passed; no later report)"
    return status


def under_headings(rows: Sequence[Json], heading: Callable[[Json], str]) -> list[Json]:
    """Rows regrouped so that each heading appears once: headings in the order they first
    appear, rows under each in their given order. A timeline in date order puts "undated: on or
    before 31 January 2024" among the 2024 events; a table by year shows it as its own group
    rather than splitting 2024 in two."""
    groups: dict[str, list[Json]] = {}
    for row in rows:
        groups.setdefault(heading(row), []).append(row)
    return [row for members in groups.values() for row in members]


def _year_label(date_dict: Json | None) -> str:
    """The heading an event is grouped under in the timeline table: its year when the date
    lies within one year; otherwise what is known ("undated: on or before 20 November 2022",
    "undated: on or after 31 January 2024", "between 2022 and 2024"), never a year it may
    not belong to."""
    if not date_dict:
        return "date unknown"
    earliest, latest = date_dict.get("earliest"), date_dict.get("latest")
    if earliest and latest:
        if earliest[:4] == latest[:4]:
            return str(earliest[:4])
        return f"between {earliest[:4]} and {latest[:4]}"
    if latest:
        return f"undated: on or before {edtf_display(latest)}"
    if earliest:
        return f"undated: on or after {edtf_display(earliest)}"
    return "date unknown"


def source_label(source: Json) -> str:
    """How a source is named in a citation: its outlet (and who republished it), its headline
    in quotes — only a headline the source has; a copy without one says so and is never given
    a title of ours — and its publication day. A machine-translated copy says so. The
    analyst's own record reads 'own record of ada, entered on 2026-11-30'."""
    if source.get("kind") == "own-record":
        from .ownrecord import own_record_label

        return own_record_label(source)
    label = f"{source['outlet']}"
    if source.get("republished_by"):
        label += f", republished by {source['republished_by']}"
    if source.get("title"):
        label += f", “{source['title']}”"
    else:
        label += ", no headline"
    if source.get("published"):
        label += f", {source['published']}"
    if source.get("machine_translated"):
        label += ", machine-translated copy"
    return label


def _source_label(kb: KnowledgeBase, cite: Json) -> str:
    source = kb.data.find("sources", cite["source"])
    if source is None:
        return str(cite["source"])
    label = source_label(source)
    if cite.get("locator"):
        label += f" ({cite['locator']})"
    return label


def role_row(kb: KnowledgeBase, role: Json) -> Json:
    """A role with how it reads: a tenure only when a source gives a start or an end, otherwise
    the days it was cited; never "current" (wording: `roles.role_span`)."""
    from .roles import attested_labels, role_evidence, role_span

    return {
        **role,
        "display": {
            "organization": kb.name_of(role.get("organization")),
            "span": role_span(role),
            "evidence": role_evidence(role),
            "sources": [_source_label(kb, c) for c in role.get("sources") or []],
            "attested": [
                {"date": label, "sources": [_source_label(kb, c) for c in entry["sources"]]}
                for label, entry in zip(
                    attested_labels(role), role.get("attested") or (), strict=True
                )
            ],
        },
    }


def citation_label(kb: KnowledgeBase, cite: Json) -> str:
    """A citation as people read it: 'Outlet, “Title”, 2024-01-31 (para. 3)'."""
    return _source_label(kb, cite)


def entity_row(kb: KnowledgeBase, entity: Json) -> Json:
    return {
        **entity,
        "type": "entity",
        "display": {
            "located_in": kb.name_of(entity.get("located_in")),
            "sources": [_source_label(kb, c) for c in entity.get("sources") or []],
        },
    }


def source_row(source: Json) -> Json:
    return {**source, "type": "source", "display": {"label": source_label(source)}}


# ---------------------------------------------------------------------------------------------
# Timeline and listings
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EventFilter:
    """What `timeline`, `list events` and `export` narrow events by."""

    entities: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    since: str | None = None  # ISO day
    until: str | None = None  # ISO day
    statuses: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()  # source ids: events citing any of them


def cites(table: str, record: Json, source_ids: Iterable[str]) -> bool:
    """Whether a record cites one of the sources — itself, or in its roles, links or status
    history — i.e. whether something in it was recorded from that source."""
    wanted = set(source_ids)
    return any(
        field.endswith("sources") and ref in wanted for field, ref in references(table, record)
    )


def filter_events(kb: KnowledgeBase, spec: EventFilter) -> list[Json]:
    """Events matching every criterion, in date order (earliest day, then latest, then id).

    One pass over the events, cheapest tests first; nothing is built for an event that fails
    (this loop sees every event of the store: 100k of them must take well under a second).
    """
    scopes = [kb.places_within(e) for e in spec.entities]
    kinds, statuses = set(spec.kinds), set(spec.statuses)
    tags = {fold(t) for t in spec.tags}
    folded_tags: dict[str, str] = {}  # tags repeat across events: fold each spelling once
    since, until = spec.since, spec.until
    sources = set(spec.sources)
    selected = []
    candidates = kb.data.event_candidates(
        kinds=spec.kinds, statuses=spec.statuses, since=since, until=until, scopes=scopes
    )
    for event in kb.data.tables["events"].values() if candidates is None else candidates:
        if kinds and event["kind"] not in kinds:
            continue
        if sources and not cites("events", event, sources):
            continue
        if statuses and event["status"] not in statuses:
            continue
        if since or until:
            date = event.get("date") or {}
            if not overlaps(date.get("earliest"), date.get("latest"), since, until):
                continue
        if tags:
            event_tags = event.get("tags") or ()
            for tag in event_tags:
                if tag not in folded_tags:
                    folded_tags[tag] = fold(tag)
            if tags.isdisjoint([folded_tags[tag] for tag in event_tags]):
                continue
        if scopes:
            involved = event_entities(event)
            if any(scope.isdisjoint(involved) for scope in scopes):
                continue
        selected.append(event)
    selected.sort(key=_event_order)
    return selected


def _event_order(event: Json) -> tuple[str, str, str]:
    earliest, latest = sort_key(event.get("date"))
    return earliest, latest, event["id"]


def timeline_events(kb: KnowledgeBase, spec: EventFilter) -> Sequence[Json]:
    """The events `spec` selects, in date order; NoMatch when there is none. Cut them before
    making their rows (`event_rows`): a row costs far more than a test, and an engine that
    reads records when used (`StoreData.matching_events`) reads only those kept."""
    events: Sequence[Json] | None = None
    if not (spec.tags or spec.sources):  # every test answered by the engine: read when used
        events = kb.data.matching_events(
            kinds=spec.kinds, statuses=spec.statuses, since=spec.since, until=spec.until,
            scopes=[kb.places_within(e) for e in spec.entities],
        )  # fmt: skip
    if events is None:
        events = filter_events(kb, spec)
    if not events:
        raise NoMatch("no event matches these filters")
    return events


def event_rows(kb: KnowledgeBase, events: Iterable[Json]) -> list[Json]:
    """The rows of `events`, with their display fields."""
    labels = Labels(kb)
    events = list(events)
    labels.prepare(events)
    return [labels.event_row(e) for e in events]


def timeline(
    kb: KnowledgeBase, spec: EventFilter, as_of: RecordAsOf | None = None
) -> list[Json]:
    """The events `spec` selects, in date order, each with its display fields. With `as_of`,
    the timeline as the record stood on that day: only the events a report published by then
    gave, each with the status last reported by then (`spec.statuses` reads that status), a
    plan's fulfilment only once reported, and `as_of` (ISO) in each row. Raises NoMatch when
    none is left."""
    labels = Labels(kb)
    if as_of is None:
        rows = [labels.event_row(e) for e in filter_events(kb, spec)]
    else:
        from dataclasses import replace

        labels.today = as_of.day
        wanted = set(spec.statuses)
        rows = []
        for event in filter_events(kb, replace(spec, statuses=())):
            status = as_of.status(event)
            if status is None or (wanted and status not in wanted):
                continue
            then = {**event, "status": status}
            fulfilled_by = event.get("fulfilled_by")
            if fulfilled_by:
                found = kb.data.find("events", fulfilled_by)
                if found is None or as_of.status(found) is None:
                    then["fulfilled_by"] = None  # not reported yet
            rows.append({**labels.event_row(then), "as_of": as_of.day})
    if not rows:
        raise NoMatch(
            "no event matches these filters"
            + (f" as the record stood on {as_of.day}" if as_of is not None else "")
        )
    return rows


def list_entities(
    kb: KnowledgeBase, kinds: Iterable[str] = (), tags: Iterable[str] = (),
    related_to: str | None = None, sources: Sequence[str] = (),
) -> list[Json]:  # fmt: skip
    """Entities by kind and tag, or those that shared an event with `related_to`, or those
    recorded from one of `sources` (source ids)."""
    kind_set, tag_set = set(kinds), {fold(t) for t in tags}
    allowed: set[str] | None = None
    if related_to:
        allowed = set()
        for event in filter_events(kb, EventFilter(entities=(related_to,))):
            allowed.update(event_entities(event))
        allowed.discard(related_to)
    rows = []
    for entity in kb.records("entities"):
        if kind_set and entity["kind"] not in kind_set:
            continue
        if tag_set and not tag_set & {fold(t) for t in entity.get("tags") or []}:
            continue
        if allowed is not None and entity["id"] not in allowed:
            continue
        if sources and not cites("entities", entity, sources):
            continue
        rows.append(entity_row(kb, entity))
    rows.sort(key=lambda r: (r["kind"], fold(r["name"]), r["id"]))
    if not rows:
        raise NoMatch("no entity matches these filters")
    return rows


def list_sources(
    kb: KnowledgeBase, entity: str | None = None, only: Sequence[str] = ()
) -> list[Json]:
    """Sources by publication day: all, those cited about `entity`, or those of `only` (ids)."""
    sources = kb.records("sources")
    if only:
        sources = [s for s in sources if s["id"] in set(only)]
    if entity:
        cited = {c["source"] for c in _citations_about(kb, entity)}
        sources = [s for s in sources if s["id"] in cited]
    rows = [
        source_row(s) for s in sorted(sources, key=lambda s: (s.get("published") or "", s["id"]))
    ]
    if not rows:
        raise NoMatch("no source matches these filters")
    return rows


def _citations_about(
    kb: KnowledgeBase, entity_id: str, events: list[Json] | None = None
) -> list[Json]:
    """Citations of an entity, its roles and its events (`events`: found already, if given)."""
    found = kb.data.find("entities", entity_id)
    cites: list[Json] = list(found.get("sources") or []) if found else []
    for role in (found or {}).get("roles") or []:
        cites.extend(role.get("sources") or [])
    if events is None:
        events = filter_events(kb, EventFilter(entities=(entity_id,)))
    for event in events:
        cites.extend(event.get("sources") or [])
    return cites


# ---------------------------------------------------------------------------------------------
# Profiles
# ---------------------------------------------------------------------------------------------


PROFILE_LIMIT = 20  # rows of each list of a profile unless asked otherwise (`show --limit`)


def entity_profile(kb: KnowledgeBase, entity: Json, limit: int | None = PROFILE_LIMIT) -> Json:
    """Everything about an entity: roles over time, its latest events, who it met most,
    the sources cited most about it, with how many of each there are in all.

    `limit`: at most this many events (the latest, in date order), entities met (by number
    of events, most first, then name) and sources (most cited first, then the latest
    published); None: every one. The engine counts and cuts them (`StoreData.latest_events`,
    `met_counts`, `cited_sources`), so a profile of someone in 10^4 events reads only the
    records it shows. `totals` gives how many there are in all (events, met, cited_sources)
    and `limit` the cut applied (None: none)."""
    scope = kb.places_within(entity["id"])
    kb.data.prepare_profile(entity, scope, limit)
    event_total, events = kb.data.latest_events(scope, limit)
    met_total, met = kb.data.met_counts(entity["id"], limit)
    source_total, cited = kb.data.cited_sources(entity, scope, limit)
    labels = Labels(kb)
    kb.prepare([other for other, _ in met])
    labels.prepare([entity, *events])
    met_rows = [
        {"id": other, "name": kb.display_name(other), "kind": _kind_of(kb, other), "events": count}
        for other, count in met
    ]
    partnerships = [
        p for p in kb.records("partnerships") if entity["id"] in (p.get("parties") or [])
    ]
    related = [
        {**link, "name": kb.display_name(link["entity"])} for link in entity.get("related") or []
    ]
    persons = kb.data.role_holders(entity["id"])
    holders = [
        {"id": person["id"], "name": kb.display_name(person["id"]), **role_row(kb, role)}
        for person in (kb.records("entities") if persons is None else persons)
        for role in person.get("roles") or []
        if role.get("organization") == entity["id"]
    ]
    row = entity_row(kb, entity)
    row["display"]["holders"] = [
        {"entity": h["entity"], "name": kb.display_name(h["entity"]),
         "period": date_label(h["period"])}
        for h in entity.get("holders") or []
    ]
    row["display"]["provenance"] = provenance_labels(entity, lambda c: _source_label(kb, c))
    return {
        **row,
        "roles": [role_row(kb, r) for r in entity.get("roles") or []],
        "related": related,
        "people": holders,
        "events": [labels.event_row(e) for e in events],
        "met": met_rows,
        "partnerships": partnerships,
        "cited_sources": [{**source, "citations": count} for source, count in cited],
        "totals": {"events": event_total, "met": met_total, "cited_sources": source_total},
        "limit": limit,
    }


def _kind_of(kb: KnowledgeBase, record_id: str) -> str:
    found = kb.get(record_id)
    return str(found[1].get("kind", found[0])) if found else ""


def event_profile(kb: KnowledgeBase, event: Json) -> Json:
    """An event's full record, its sources spelled out and the events it is linked to."""
    row = event_row(kb, event)
    links = {
        field: {"id": event[field], "title": kb.name_of(event[field])}
        for field in ("fulfils", "fulfilled_by")
        if event.get(field)
    }
    row["display"]["links"] = links
    row["display"]["related_events"] = [
        {"id": other, "title": kb.name_of(other)} for other in event.get("related_events") or []
    ]
    row["display"]["event_links"] = [
        {"type": link["type"], "id": link["event"], "title": kb.name_of(link["event"]),
         "sources": [_source_label(kb, c) for c in link.get("sources") or []]}
        for link in event.get("links") or []
    ]  # fmt: skip
    if event.get("edition_of"):
        edition = event["edition_of"]
        row["display"]["edition_of"] = {
            "series": edition["series"], "name": kb.name_of(edition["series"]),
            "number": edition.get("number"), "note": edition.get("note"),
        }  # fmt: skip
    row["display"]["provenance"] = provenance_labels(event, lambda c: _source_label(kb, c))
    row["display"]["status_history"] = [
        {
            "status": entry["status"],
            "as_of": entry.get("as_of"),
            "sources": [_source_label(kb, c) for c in entry.get("sources") or []],
        }
        for entry in event.get("status_history") or []
    ]
    row["cited_sources"] = [
        s for s in (kb.data.find("sources", c["source"]) for c in event.get("sources") or []) if s
    ]
    return row


def partnership_profile(kb: KnowledgeBase, partnership: Json) -> Json:
    """A partnership: parties named, events in date order, sources spelled out."""
    events = [e for e in (kb.data.find("events", i) for i in partnership.get("events") or []) if e]
    events.sort(key=_event_order)
    labels = Labels(kb)
    return {
        **partnership,
        "type": "partnership",
        "display": {
            "parties": [kb.display_name(p) for p in partnership.get("parties") or []],
            "sources": [_source_label(kb, c) for c in partnership.get("sources") or []],
        },
        "timeline": [labels.event_row(e) for e in events],
    }
