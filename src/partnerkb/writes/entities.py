"""Entities: `add-entity` (people, organizations, places, countries), refused when an entity
of the same kind already has the name or an alias (unless --allow-duplicate).
"""

from __future__ import annotations

from typing import Any

from ..errors import InvalidInput
from ..model import slugify
from ..textfold import fold
from .drafts import Duplicate, EntityDraft, Outcome
from .inputs import checked_text, checked_texts, free_id
from .roles import RoleWrites
from .wording import a

Json = dict[str, Any]


class EntityWrites(RoleWrites):
    """New entities, with their role and the place they are in."""

    def add_entity(self, draft: EntityDraft) -> Outcome:
        self.created = []
        name = checked_text("name", draft.name, "name", required=True)
        assert name is not None
        kind = self.check_kind(draft.kind, "entities")
        aliases = [a for a in checked_texts("alias", draft.aliases, "alias") if a != name]
        cites = self.citations(draft.sources)
        if not self.options.allow_duplicate:
            wanted = {fold(name), *(fold(a) for a in aliases)}
            for entity in self._entities_named(wanted):
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
            "tags": [t.lower() for t in checked_texts("tags", draft.tags, "tag")],
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

    def _entities_named(self, keys: set[str]) -> list[Json]:
        """The entities that may bear one of the folded names `keys`, in document order: those
        the store's name index gives for them, else every entity."""
        found: dict[str, None] = {}
        for key in sorted(keys):
            named = self.data.ids_named(key)
            if named is None:
                return list(self.data.tables["entities"].values())
            found.update(dict.fromkeys(named))
        located = []
        for record_id in found:
            where = self.data.locate(record_id)
            record = self.data.find("entities", record_id)
            if where is not None and record is not None:
                located.append((where[1], record))
        return [record for _, record in sorted(located, key=lambda item: item[0])]
