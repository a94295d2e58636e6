"""ftm: FollowTheMoney entities as JSON Lines (Person, Organization, Event, Position, Occupancy).

Every property is one the entity's schema has, and every reference points at an entity of the
file whose schema is in the property's range (the tests check it with the followthemoney
library): a place taking part in an event is its `addressEntity`, not one `involved`; only
places something points at are written; countries carry their ISO code (`country`).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from itertools import chain
from typing import Any

from ...model import typology
from ...queries import (
    KnowledgeBase,
    Labels,
)
from ...render import safe_text
from .base import (
    Json,
    Selection,
    cited_sources,
    exporter,
    label_of,
)
from .precision import date_points, iso_prefix

FTM_SCHEMA = {"person": "Person", "organization": "Organization", "country": "PublicBody",
              "place": "Address"}  # fmt: skip
# the schemata that may be `involved` in or `organizer` of an Event (LegalEntity and below)
LEGAL_ENTITY_SCHEMATA = ("Person", "Organization", "PublicBody", "LegalEntity")
ORGANIZATION_SCHEMATA = ("Organization", "PublicBody")


class _Countries:
    """An entity's country code as FollowTheMoney writes it (ISO 3166-1 alpha-2 in lower case,
    or its codes for former countries such as 'suhh'): a country's own, from its name or an
    alias; anything else, that of the country it is located in, through `located_in`. None when
    no country is known."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self.known: dict[str, str | None] = {}

    def code(self, entity_id: str | None) -> str | None:
        if not entity_id:
            return None
        if entity_id not in self.known:
            self.known[entity_id] = None  # a located_in cycle ends here
            self.known[entity_id] = self._code(entity_id)
        return self.known[entity_id]

    def _code(self, entity_id: str) -> str | None:
        entity = self.kb.data.find("entities", entity_id)
        if entity is None:
            return None
        if entity.get("kind") == "country":
            return _iso_country(tuple([entity.get("name") or "", *(entity.get("aliases") or [])]))
        return self.code(entity.get("located_in"))


@functools.lru_cache(maxsize=4096)
def _iso_country(names: tuple[str, ...]) -> str | None:
    """The FollowTheMoney country code of a country known by these names: rigour's territory
    data (the library FollowTheMoney reads country names with), so that 'Russia', 'Korea,
    North', 'U.S.S.R.' or 'Yugoslavia' get the codes FollowTheMoney itself gives them."""
    from rigour.territories import lookup_territory

    candidates = [*names, *(re.sub(r"\s*\([^)]*\)", "", n) for n in names if "(" in n)]
    for candidate in candidates:
        territory = lookup_territory(candidate) if candidate.strip() else None
        if territory is not None:
            return str(territory.code)
    return None


def _ftm(entity_id: str, schema: str, properties: dict[str, list[Any]]) -> Json:
    """An entity with its non-empty properties, each value text with control characters shown
    as escapes. (Property lists may be shared between entities: they are read, never changed.)"""
    props: dict[str, list[Any]] = {}
    for key, values in properties.items():
        if None in values or "" in values:
            values = [v for v in values if v is not None and v != ""]
        if values:
            props[key] = values
    try:  # nearly always printable text, checked at once
        printable = "".join(chain.from_iterable(props.values())).isprintable()
    except TypeError:  # a value that is not text
        printable = False
    if not printable:
        props = {key: [safe_text(v) for v in values] for key, values in props.items()}
    return {"id": entity_id, "schema": schema, "properties": props}


@functools.lru_cache(maxsize=65536)
def _ftm_edtf(edtf: str) -> dict[str, list[Any]]:
    start, end = date_points(edtf)
    if end is None and start is not None and not re.search(r"[\[/]", edtf):
        return {"date": [iso_prefix(start)]}
    return {"startDate": [iso_prefix(start)] if start else [],
            "endDate": [iso_prefix(end)] if end else []}  # fmt: skip


def _ftm_dates(date_dict: Json | None) -> dict[str, list[Any]]:
    """The FollowTheMoney date properties of a date (shared: read them, do not change them)."""
    if not date_dict:
        return {}
    return _ftm_edtf(date_dict["edtf"])


class _Provenance:
    """sourceUrl and publisher of what a record cites, worked out once per set of sources."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self.known: dict[tuple[str, ...], dict[str, list[Any]]] = {}

    def __call__(self, record: Json) -> dict[str, list[Any]]:
        key = tuple([c["source"] for c in record.get("sources") or ()])
        found = self.known.get(key)
        if found is None:
            found = self.known[key] = _provenance(self.kb, record)
        return found


def _provenance(kb: KnowledgeBase, record: Json) -> dict[str, list[Any]]:
    sources = cited_sources(kb, record)
    return {
        "sourceUrl": list(dict.fromkeys(s["url"] for s in sources if s.get("url"))),
        "publisher": list(dict.fromkeys(s["outlet"] for s in sources)),
    }


@exporter("ftm", "FollowTheMoney entities as JSON Lines (Person, Organization, Event, "
          "Position, Occupancy...)", whole_records=True)  # fmt: skip
def export_ftm(selection: Selection) -> bytes:
    import orjson

    kb = selection.kb
    name = Labels(kb).name
    provenance = _Provenance(kb)
    out: list[Json] = []
    schema_of = {e["id"]: FTM_SCHEMA.get(e["kind"], "LegalEntity")
                 for e in selection.whole["entities"]}  # fmt: skip
    countries = _Countries(kb)
    referenced: set[str] = set()  # Address entities something points at

    def addresses(ids: Iterable[str | None]) -> list[str]:
        found = [i for i in ids if i and schema_of.get(i) == "Address"]
        referenced.update(found)
        return found

    for entity in selection.each(selection.whole["entities"], "writing entities"):
        schema = schema_of[entity["id"]]
        located_in = entity.get("located_in")
        code = countries.code(entity["id"])
        props: dict[str, list[Any]] = {
            "name": [entity["name"]] if schema != "Address" else [],
            "alias": list(entity.get("aliases") or []),
            "description": [entity.get("description")],
            "keywords": list(entity.get("tags") or []),
            "wikidataId": [(entity.get("external_ids") or {}).get("wikidata")],
            "country": [code] if code else [],
            "addressEntity": addresses([located_in]),
            **provenance(entity),
        }
        if schema == "Address":
            props["full"] = [entity["name"]]
        if schema == "PublicBody" and code:
            props["jurisdiction"] = [code]
        if schema == "Person":
            props["position"] = [r["title"] for r in entity.get("roles") or []]
        out.append(_ftm(entity["id"], schema, props))
        if schema != "Person":  # an Occupancy's holder is a Person
            continue
        for n, role in enumerate(entity.get("roles") or [], 1):
            position_id = f"{entity['id']}-position-{n}"
            organization = role.get("organization")
            org_name = name(organization) if organization else ""
            org_code = countries.code(organization) if organization else None
            out.append(_ftm(position_id, "Position", {
                "name": [f"{role['title']}, {org_name}" if org_name else role["title"]],
                "organization": [organization]
                if schema_of.get(organization or "") in ORGANIZATION_SCHEMATA else [],
                "country": [org_code] if org_code else [],
                **provenance(role),
            }))  # fmt: skip
            cited = [role.get("first_cited"), role.get("last_cited")]
            out.append(_ftm(f"{entity['id']}-occupancy-{n}", "Occupancy", {
                "holder": [entity["id"]],
                "post": [position_id],
                "startDate": _ftm_dates(role.get("from")).get("startDate")
                or _ftm_dates(role.get("from")).get("date", []),
                "endDate": _ftm_dates(role.get("until")).get("endDate")
                or _ftm_dates(role.get("until")).get("date", []),
                "date": [c for c in dict.fromkeys(cited) if c],
                **provenance(role),
            }))  # fmt: skip
    notes_of_kind: dict[str, str] = {}
    for event in selection.each(selection.whole["events"], "writing events"):
        kind = event["kind"]
        kind_note = notes_of_kind.get(kind)
        if kind_note is None:
            kind_typology = typology(kind)
            kind_note = notes_of_kind[kind] = (
                f"CAMEO {kind_typology['cameo']} {kind_typology['cameo_label']}; "
                f"PLOVER {kind_typology['plover']}"
            )
        participants = event.get("participants") or ()
        place = event.get("place")
        named = list(dict.fromkeys([p["entity"] for p in participants]
                                   + list(event.get("organizations") or [])))  # fmt: skip
        # people and organizations are involved; a place taking part is where it happened
        involved = [i for i in named if schema_of.get(i) in LEGAL_ENTITY_SCHEMATA]
        hosts = [p["entity"] for p in participants
                 if p.get("part") in ("host", "organizer", "awarder")
                 and schema_of.get(p["entity"]) in LEGAL_ENTITY_SCHEMATA]  # fmt: skip
        codes = [countries.code(i) for i in [place, *named]
                 if i and schema_of.get(i) in ("PublicBody", "Address")]  # fmt: skip
        out.append(_ftm(event["id"], "Event", {
            "name": [event["title"]],
            "summary": [event.get("summary")],
            **_ftm_dates(event.get("date")),
            "location": [name(place)] if place else [],
            "addressEntity": addresses(dict.fromkeys([place, *named])),
            "country": list(dict.fromkeys(c for c in codes if c)),
            "involved": involved,
            "organizer": hosts,
            "keywords": [kind, *(event.get("tags") or [])],
            "notes": [f"date as stated: {label_of(event['date'])}",
                      f"status: {event['status']}", kind_note],
            **provenance(event),
        }))  # fmt: skip
    # an Address nothing points at says nothing: left out
    out = [e for e in out if e["schema"] != "Address" or e["id"] in referenced]
    for partnership in selection.whole["partnerships"]:
        parties = partnership["parties"]
        for n, (a, b) in enumerate(
            (parties[i], parties[j])
            for i in range(len(parties))
            for j in range(i + 1, len(parties))
        ):
            out.append(_ftm(f"{partnership['id']}-link-{n + 1}", "UnknownLink", {
                "subject": [a],
                "object": [b],
                "role": ["partnership"],
                "summary": [partnership.get("summary")],
                "description": ["areas: " + ", ".join(partnership.get("areas") or [])]
                if partnership.get("areas") else [],
                **provenance(partnership),
            }))  # fmt: skip
    return b"\n".join(map(orjson.dumps, out)) + b"\n" if out else b""
