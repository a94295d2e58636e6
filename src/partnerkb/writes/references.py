"""References between records: which records refer to one (`referrers`), and a copy of a
record with its references changed or dropped (`map_references`), as remove and merge need.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from ..model import TABLES, references
from ..store import StoreData
from .inputs import dedupe

Json = dict[str, Any]


def referrers(data: StoreData, record_id: str) -> list[tuple[str, Json]]:
    """Every record (table, record) that refers to `record_id`, in table then document order
    (asked of the store's reference index where its engine has one: nothing loaded whole)."""
    return [(table, record) for table, record in candidate_referrers(data, {record_id})
            if record["id"] != record_id
            and any(ref == record_id for _, ref in references(table, record))]  # fmt: skip


def candidate_referrers(data: StoreData, record_ids: set[str]) -> Iterable[tuple[str, Json]]:
    """(table, record) of records that may refer to one of `record_ids`: those the store's
    engine finds by its indexes (`StoreData.referrers`), else every record."""
    pushed = data.referrers(record_ids)
    if pushed is not None:
        return pushed
    return ((table, record) for table in TABLES for record in data.tables[table].values())


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
        return dedupe([t for v in values or [] if (t := change(v)) is not None])

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
