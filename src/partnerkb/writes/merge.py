"""`remove` and `merge`: taking a record out with its references kept whole, and joining two
entities that turn out to be one (references follow, names become aliases).
"""

from __future__ import annotations

import json
from typing import Any

from ..errors import InvalidInput
from ..model import references
from ..queries import TYPE_OF_TABLE as SINGULAR
from ..textfold import fold
from .drafts import Note, Outcome
from .inputs import dedupe
from .references import map_references, referrers
from .resolution import Resolution
from .wording import a, counted

Json = dict[str, Any]


class Merging(Resolution):
    """Removing and merging records."""

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
        dropped = f"the references of {counted(len(refs), 'record')}"
        notes = [Note(f"dropped {dropped}", f"would drop {dropped}")] if refs else []
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
        merged["tags"] = dedupe([*(merged.get("tags") or []), *(old.get("tags") or [])])
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
                same["sources"] = dedupe([*same.get("sources", []), *role.get("sources", [])])
        merged["roles"] = roles
        merged["related"] = [*(merged.get("related") or []), *(old.get("related") or [])]
        merged["sources"] = dedupe([*(merged.get("sources") or []), *(old.get("sources") or [])])
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
                       notes=[Note(f"{old['id']} merged into {into['id']}",
                                   f"would merge {old['id']} into {into['id']}")])  # fmt: skip

    def _entity(self, text: str, slot: str) -> tuple[str, Json]:
        table, record = self._any(text, slot)
        if table != "entities":
            raise InvalidInput(
                f"{slot}: {record['id']} is {a(SINGULAR[table])}; merge joins two entities"
            )
        return table, record
