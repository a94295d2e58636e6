"""Resolving what a user names to the records it designates.

An id, name or alias to an entity, source or event (`resolve`, and `_any` for any table),
with a 'did you mean' hint when nothing matches; with --create-missing a new entity for an
unknown name (`entity_id`), refused when it looks like a stored one (`near_names`) unless
--new names it; kinds checked against the known ones (`check_kind`).
"""

from __future__ import annotations

import re
from typing import Any

from ..errors import Ambiguous, InvalidInput, NotFound
from ..model import ENTITY_KINDS, EVENT_KINDS, slugify
from ..queries import TYPE_OF_TABLE as SINGULAR
from ..queries import KnowledgeBase
from ..store import StoreData, Transaction
from ..textfold import fold, fold_compact
from .base import WriterBase
from .drafts import EventDraft, WriteOptions
from .inputs import checked_text, dedupe, free_id
from .wording import about, not_found_hint, or_create_missing

Json = dict[str, Any]


KIND_WORD = re.compile(r"[a-z][a-z0-9-]*")  # a kind: a lowercase word


class Resolution(WriterBase):
    """Names to records, and new entities for names not stored (--create-missing)."""

    def __init__(self, tx: Transaction, options: WriteOptions) -> None:
        super().__init__(tx, options)
        self._entity_kb: KnowledgeBase | None = None
        self._stored_names: list[tuple[str, str]] | None = None  # (id, folded name or alias)
        self._full_kb: KnowledgeBase | None = None
        self._created_names: dict[str, str] = {}  # folded name -> id, made by this command
        self._compact: dict[str, list[str]] | None = None
        self._kinds: dict[str, set[str]] = {}

    def entity_kb(self) -> KnowledgeBase:
        """Names of entities and sources only: resolving a participant on a store of 100k
        events must not fold 100k event titles (and on an engine with indexes, reads no
        table whole)."""
        if self._entity_kb is None:
            self._entity_kb = KnowledgeBase(self.data, ("entities", "sources"))
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
                    f"no {SINGULAR[table]} {text.strip()!r}", hint=not_found_hint(exc, text)
                ) from None

    def _compact_matches(self, text: str, table: str) -> list[Json]:
        """Records whose name or alias differs only by spaces and dashes: 'Al-Malik' is
        'AlMalik'."""
        if table != "entities":
            return []
        if self._compact is None:
            self._compact = {}
            for record_id, name, aliases in self.stored_entity_names():
                for one in {name, *aliases}:
                    self._compact.setdefault(fold_compact(one), []).append(record_id)
        ids = dedupe(self._compact.get(fold_compact(text), []))
        return [found[1] for i in ids if (found := self.data.get(i))]

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
                raise NotFound(exc.message, hint=not_found_hint(exc, text)) from None

    def entity_id(self, text: str, slot: str, slot_kind: str | None, cites: list[Json]) -> str:
        """An existing entity's id, or (with --create-missing) a new entity's."""
        name = checked_text(slot, text, "name", required=True)
        assert name is not None
        try:
            return str(self.resolve(name, "entities", slot)["id"])
        except NotFound as exc:
            # the write commands' names, not a bulk import's ("Washington, D.C.", as mapped)
            listed = self.listed_names(name) if self.options.refuse_near_names else []
            if listed and fold(name) not in self.options.new_names:
                raise InvalidInput(
                    f"{slot}: {name!r} looks like a list of names ({', '.join(listed)}), "
                    "not one name; nothing was written",
                    hint="give each name on its own (repeat the option, or a JSON list); a new "
                    "name that holds a comma: --new NAME",
                ) from None
            if not (self.options.create_missing or fold(name) in self.options.create_names):
                raise or_create_missing(exc) from None
            self._refuse_near_duplicate(name, slot)
        kind = (
            self.options.entity_kinds.get(fold(name))
            or slot_kind
            or self.options.default_entity_kind
        )
        if not kind:
            raise InvalidInput(
                f"{slot}: {name!r} is not in the store and its kind is not known",
                hint=f'say what it is: {self.options.kind_option} person, or '
                f'{self.options.kind_option} "{name}=organization"'
                if self.options.kind_option != "--kind"
                else f'say what it is: --kind "{name}=person" (or another kind)',
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

    def listed_names(self, name: str) -> list[str]:
        """The stored names `name` lists, when it is several names run together by ';' or ','
        ('ICESCO, Morocco') rather than one (a stored name with a comma resolves before this
        is asked); [] when it is not a list."""
        parts = [p.strip() for p in re.split(r"[;,]", name) if p.strip()]
        if len(parts) < 2:
            return []
        stored = []
        for part in parts:
            try:
                stored.append(str(self.entity_kb().resolve(part, ("entities",),
                                                            suggest=False)[1]["id"]))  # fmt: skip
            except Ambiguous as exc:
                stored.append(exc.candidates[0])
            except NotFound:
                continue
        return parts if ";" in name or stored else []

    def looks_like(self, name: str) -> list[str]:
        """Ids of stored entities a new `name` looks like (`near_names`: a typo, a part of it,
        another spelling): what --create-missing refuses without --new."""
        if self._stored_names is None:
            self._stored_names = [
                (record_id, fold(other))
                for record_id, name, aliases in self.stored_entity_names()
                for other in (name, *aliases)
            ]
        return near_names(self._stored_names, name)

    def stored_entity_names(self) -> list[tuple[str, str, list[str]]]:
        """(id, name, aliases) of every entity, in document order (from the store's indexes
        where its engine has them, without reading the entities whole)."""
        pushed = self.data.entity_names()
        if pushed is not None:
            return pushed
        return [(record["id"], str(record.get("name") or ""),
                 [str(a) for a in record.get("aliases") or []])
                for record in self.data.tables["entities"].values()]  # fmt: skip

    def _refuse_near_duplicate(self, name: str, slot: str) -> None:
        """A new name that looks like a stored name or alias (the one a look-up would offer as
        "did you mean": a typo, a part of it, another spelling) is not created unless --new
        names it: 'Rabbat' next to Rabat, 'Samadov' next to Nazim Samadov."""
        if not self.options.refuse_near_names or fold(name) in self.options.new_names:
            return
        close = self.looks_like(name)
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
        if not KIND_WORD.fullmatch(value):
            raise InvalidInput(
                f"kind {kind!r} is not a lowercase word", hint="e.g. meeting, visit, person"
            )
        builtin = EVENT_KINDS if table == "events" else ENTITY_KINDS
        if value in builtin or self.options.new_kind or value in self.options.new_kinds:
            return value
        if table not in self._kinds:
            pushed = self.data.kinds(table)
            self._kinds[table] = pushed if pushed is not None else {
                r.get("kind", "") for r in self.data.tables[table].values()}  # fmt: skip
        if value in self._kinds[table]:
            return value
        known = sorted(set(builtin) | self._kinds[table])
        raise InvalidInput(
            f"kind {value!r} is not a known {SINGULAR[table]} kind",
            hint=f"known kinds: {', '.join(known)}; add --new-kind to introduce {value!r}",
        )


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
    return dedupe(names)
