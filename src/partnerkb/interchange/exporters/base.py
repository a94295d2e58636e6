"""What an export carries (a Selection of the store), the registry of named formats, and the
helpers several formats share: date labels, citations, one JSON document."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, TypeVar

from ...dates import edtf_display
from ...errors import InvalidInput
from ...model import TABLES, references
from ...progress import NO_PROGRESS, Progress, stage, tracked
from ...queries import (
    TYPE_OF_TABLE,
    EventFilter,
    KnowledgeBase,
    Labels,
    date_label,
    filter_events,
)

Json = dict[str, Any]
T = TypeVar("T")
TABLE_OF_TYPE = {singular: table for table, singular in TYPE_OF_TABLE.items()}
GENERATOR = "partnerkb"


# ---------------------------------------------------------------------------------------------
# What an export carries
# ---------------------------------------------------------------------------------------------


@dataclass
class Selection:
    """The events an export shows and the records a whole-record export carries."""

    kb: KnowledgeBase
    events: list[Json]  # kept by the filter, in date order
    whole: dict[str, list[Json]]  # table -> records, in store order
    filtered: bool
    entity_scope: tuple[str, ...]
    title: str
    stamp: str  # ISO time of the store's last change: exports of one state are identical
    progress: Progress = field(default=NO_PROGRESS, repr=False, compare=False)

    def each(self, items: Iterable[T], task: str, total: int | None = None) -> Iterator[T]:
        """`items`, reported to this export's progress as stage `task` (progress.tracked)."""
        return tracked(items, self.progress, task, total)

    def stage(self, task: str) -> None:
        """A stage of unknown size (a library writing the file, a compression)."""
        stage(self.progress, task)

    def record_count(self) -> int:
        """How many records the whole-record formats write."""
        return sum(len(records) for records in self.whole.values())


def select(kb: KnowledgeBase, spec: EventFilter | None = None) -> Selection:
    """What an export of `kb` under the timeline filter `spec` carries."""
    filtered = spec is not None and spec != EventFilter()
    events = filter_events(kb, spec or EventFilter())
    if not filtered:
        whole = {table: in_store_order(kb, table) for table in TABLES}
    else:
        whole = _closure(kb, events)
    entity_scope = spec.entities if spec else ()
    return Selection(kb, events, whole, filtered, entity_scope, _title(kb, entity_scope),
                     _stamp(kb))  # fmt: skip


def _closure(kb: KnowledgeBase, events: list[Json]) -> dict[str, list[Json]]:
    """The events and every record they refer to, transitively; partnerships whose references
    are all inside."""
    included: set[str] = {e["id"] for e in events}
    todo: list[tuple[str, Json]] = [("events", e) for e in events]
    while todo:
        table, record = todo.pop()
        for _, ref in references(table, record):
            if ref in included:
                continue
            found = kb.get(ref)
            if found is not None:
                included.add(ref)
                todo.append(found)
    whole = {
        table: [r for r in in_store_order(kb, table) if r["id"] in included]
        for table in ("sources", "entities", "events")
    }
    whole["partnerships"] = [
        p
        for p in in_store_order(kb, "partnerships")
        if all(ref in included for _, ref in references("partnerships", p))
    ]
    return whole


def in_store_order(kb: KnowledgeBase, table: str) -> list[Json]:
    """A table's records by document number (the file's keys sort as text: "10" < "2")."""
    records = kb.data.tables[table]
    return [records[k] for k in sorted(records, key=int)]


def _title(kb: KnowledgeBase, entities: tuple[str, ...]) -> str:
    if entities:
        return "Timeline: " + ", ".join(kb.name_of(e) for e in entities)
    name = kb.data.meta.get("name")
    return str(name) if name else "partnerkb timeline"


def _stamp(kb: KnowledgeBase) -> str:
    history = kb.data.tables["history"]
    if history:
        last = history[max(history, key=int)]
        return str(last.get("at") or "1970-01-01T00:00:00Z")
    return str(kb.data.meta.get("created") or "1970-01-01T00:00:00Z")


# ---------------------------------------------------------------------------------------------
# The registry
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Exporter:
    name: str
    produce: Callable[[Selection], bytes]
    description: str
    binary: bool = False  # not for a terminal
    whole_records: bool = False  # carries every record the events refer to


EXPORTERS: dict[str, Exporter] = {}


def exporter(
    name: str, description: str, *, binary: bool = False, whole_records: bool = False
) -> Callable[[Callable[[Selection], bytes]], Callable[[Selection], bytes]]:
    def register(produce: Callable[[Selection], bytes]) -> Callable[[Selection], bytes]:
        EXPORTERS[name] = Exporter(name, produce, description, binary, whole_records)
        return produce

    return register


def export(selection: Selection, name: str, progress: Progress = NO_PROGRESS) -> bytes:
    """The bytes of `selection` in the format `name`; `progress` hears the stages of the work
    (the records or events written, one item each; a library's own writing as a stage of
    unknown size). Raises InvalidInput for an unknown format, or what the format refuses."""
    found = EXPORTERS.get(name)
    if found is None:
        raise InvalidInput(
            f"export format {name!r} is not one of {', '.join(EXPORTERS)}",
        )
    import gc

    # an export builds a million small containers, none in a cycle: a full collection passing
    # over them again and again made some formats twice as slow
    collecting = gc.isenabled()
    gc.disable()
    if progress is not NO_PROGRESS:
        selection = replace(selection, progress=progress)
    try:
        return found.produce(selection)
    finally:
        if collecting:
            gc.enable()


def typed_records(whole: dict[str, list[Json]]) -> Iterable[Json]:
    """Each record as stored, `type` first: sources, then entities, events, partnerships."""
    for table in ("sources", "entities", "events", "partnerships"):
        singular = TYPE_OF_TABLE[table]
        for record in whole.get(table, []):
            yield {"type": singular, **record}


@functools.lru_cache(maxsize=65536)
def _edtf_label(edtf: str) -> str:
    return edtf_display(edtf)


def label_of(date_dict: Json | None) -> str:
    """How a date reads (queries.date_label), remembered: many events share a date."""
    return _edtf_label(date_dict["edtf"]) if date_dict else date_label(date_dict)


class Citations:
    """How each citation reads (queries.Labels.cite: 'outlet, “title”, date (locator)'), the
    source's part worked out once per source rather than once per source and locator."""

    def __init__(self, labels: Labels) -> None:
        self.labels = labels
        self.sources: dict[str, tuple[str, bool]] = {}

    def __call__(self, cite: Json) -> str:
        source_id = cite["source"]
        found = self.sources.get(source_id)
        if found is None:
            known = self.labels.kb.data.find("sources", source_id) is not None
            found = self.sources[source_id] = (self.labels.cite({"source": source_id}), known)
        locator = cite.get("locator")
        return f"{found[0]} ({locator})" if locator and found[1] else found[0]


def utc(text: str) -> datetime:
    from datetime import timezone

    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        moment = datetime(1970, 1, 1)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def cited_sources(kb: KnowledgeBase, record: Json) -> list[Json]:
    found = (kb.data.find("sources", c["source"]) for c in record.get("sources") or [])
    return [s for s in found if s]


def json_document(value: Any) -> bytes:
    """One JSON document, two-space indent, UTF-8, then a newline: what json.dumps(indent=2,
    ensure_ascii=False) writes, by orjson (the standard library's indenting encoder is pure Python:
    ten times as slow); what orjson refuses (a lone surrogate) goes escaped, by the library."""
    import orjson

    try:
        return orjson.dumps(value, option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE)
    except orjson.JSONEncodeError:
        return (json.dumps(value, indent=2) + "\n").encode("ascii")


def distinct_names(entities: Iterable[Json]) -> dict[str, str]:
    """Each entity's id -> its name, told apart from a namesake among `entities` by what the
    record says of it: 'Anar Karimov (Minister of Culture)', its first role's title, else the
    start of the description, else the id. Names no other entity shares are left as they are."""
    records = list(entities)
    by_name: dict[str, list[Json]] = {}
    for record in records:
        by_name.setdefault(" ".join(str(record.get("name") or "").casefold().split()),
                           []).append(record)  # fmt: skip
    out: dict[str, str] = {}
    for group in by_name.values():
        for record in group:
            name = str(record.get("name") or record["id"])
            if len(group) > 1:
                name += f" ({_what_sets_apart(record)})"
            out[record["id"]] = name
        if len(group) > 1 and len({out[r["id"]] for r in group}) < len(group):
            for record in group:  # the same role or description too: the ids differ
                out[record["id"]] = f"{record.get('name') or record['id']} ({record['id']})"
    return out


def _what_sets_apart(record: Json) -> str:
    roles = record.get("roles") or []
    if roles:
        return str(roles[0].get("title") or record["id"])
    description = " ".join(str(record.get("description") or "").split())
    if description:
        cut = description.split(";")[0].split(",")[0].split(" (")[0]
        return cut if len(cut) <= 60 else cut[:59].rstrip() + "…"
    return str(record["id"])
