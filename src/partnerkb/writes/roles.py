"""Roles: the posts people hold (`add-role`, and a role given with `add-entity`).

A role already recorded (same title and organization) gains the new citation and the dates
it lacked instead of being recorded twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..errors import InvalidInput
from ..textfold import fold
from .drafts import Note, Outcome, RoleDraft, SourceRef
from .inputs import checked_text, dedupe
from .sources import Citations
from .wording import a

Json = dict[str, Any]


class RoleWrites(Citations):
    """Roles built from drafts and added to people."""

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
            same["sources"] = dedupe([*same.get("sources", []), *cites])
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
        notes = [] if action == "added" else [Note(
            "the role was already recorded: its sources grew",
            "the role is already recorded: its sources would grow",
        )]  # fmt: skip
        return Outcome(entity["id"], "entities", action, created=self.created, notes=notes)
