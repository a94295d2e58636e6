"""A small store with known answers for the analysts' commands (upcoming, plans, partners,
roles, stats, check). Read as of 1 July 2023 (`REFERENCE_DAY`) unless a test says otherwise.

Plans, and what they are on 1 July 2023:
- forum-2023 (a conference "in 2023"): its window spans the reference day: upcoming;
- exchange-open-ended (on or after 15 June 2023): open-ended: upcoming, no end date;
- launch-2023-08 (August 2023): upcoming; a later source (13 August 2023) reports it held on
  12 August 2023, so from that day on it is fulfilled within the window;
- festival-2023-10 (October 2023): postponed on 15 June 2023: upcoming within 1y, not 90d;
- visit-2023-09 (September 2023): cancelled on 15 June 2023;
- signing-2023-03 (March 2023): fulfilled late (held 10 May 2023, 40 days after the window) but
  reported only on 20 March 2024: overdue by 92 days on the reference day;
- office-opening-2022-12 (December 2022): never reported again: overdue by 182 days;
- summit-2024-06 (June 2024): first reported on 20 March 2024: unknown on the reference day.

Happened: a meeting on 3 May 2022 (Pat Doe, Rae Poe; Alpha Council, Betaland), a meeting on 14
February 2023 (Pat Doe, Rae Poe; Alpha Council), an exhibition on 1 March 2023 organized by Alpha
Council and Delta League (Rae Poe hosts Quinn Roe).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from partnerkb.dates import FuzzyDate
from partnerkb.model import VALIDATORS
from partnerkb.store import dumps

Json = dict[str, Any]
REFERENCE_DAY = "2023-07-01"


def _date(edtf: str) -> Json:
    return FuzzyDate.from_edtf(edtf).to_dict()


def _cite(source: str, locator: str = "para. 1") -> Json:
    return {"source": source, "locator": locator}


def _source(source_id: str, outlet: str, published: str) -> Json:
    return {
        "id": source_id,
        "outlet": outlet,
        "title": f"{outlet} report of {published}",
        "published": published,
        "url": None,
        "language": "en",
        "note": None,
    }


def _entity(entity_id: str, kind: str, name: str, source: str, **extra: Any) -> Json:
    record = {
        "id": entity_id,
        "kind": kind,
        "name": name,
        "aliases": [],
        "description": f"{name}, for the tests.",
        "tags": [],
        "external_ids": {},
        "roles": [],
        "related": [],
        "sources": [_cite(source)],
    }
    record.update(extra)
    return record


def _role(title: str, organization: str, source: str, **dates: Any) -> Json:
    return {
        "title": title,
        "organization": organization,
        "from": _date(dates["start"]) if dates.get("start") else None,
        "until": _date(dates["end"]) if dates.get("end") else None,
        "first_cited": dates.get("first_cited"),
        "last_cited": dates.get("last_cited"),
        "sources": [_cite(source)],
    }


def _event(
    event_id: str,
    kind: str,
    edtf: str,
    history: list[tuple[str, str]],
    participants: list[tuple[str, str]] = (),  # type: ignore[assignment]
    organizations: list[str] = (),  # type: ignore[assignment]
    place: str | None = None,
    **extra: Any,
) -> Json:
    published = {s["id"]: s["published"] for s in SOURCES}
    record = {
        "id": event_id,
        "kind": kind,
        "title": event_id.replace("-", " ").capitalize(),
        "date": _date(edtf),
        "place": place,
        "participants": [{"entity": e, "part": p} for e, p in participants],
        "organizations": list(organizations),
        "topics": [],
        "tags": [],
        "summary": f"The {kind}, for the tests.",
        "status": history[-1][0],
        "status_history": [
            {"status": status, "as_of": published[source], "sources": [_cite(source)]}
            for status, source in history
        ],
        "fulfils": None,
        "fulfilled_by": None,
        "related_events": [],
        "sources": list({source: _cite(source) for _, source in history}.values()),
    }
    record.update(extra)
    return record


SOURCES = [
    _source("gazette-2022-05-04", "Gazette", "2022-05-04"),
    _source("gazette-2023-01-10", "Gazette", "2023-01-10"),
    _source("gazette-2023-02-15", "Gazette", "2023-02-15"),
    _source("herald-2023-06-15", "Herald", "2023-06-15"),
    _source("herald-2023-08-13", "Herald", "2023-08-13"),
    _source("herald-2024-03-20", "Herald", "2024-03-20"),
]

G22, G23, G23B = "gazette-2022-05-04", "gazette-2023-01-10", "gazette-2023-02-15"
H23, H23B, H24 = "herald-2023-06-15", "herald-2023-08-13", "herald-2024-03-20"

# fmt: off
ENTITIES = [
    _entity("alpha-council", "organization", "Alpha Council", G22, aliases=["AC"]),
    _entity("betaland", "country", "Betaland", G22),
    _entity(
        "betaland-ministry-of-culture", "organization", "Ministry of Culture of Betaland", G22,
        related=[{"entity": "betaland", "relation": "part-of", "note": "a ministry",
                  "sources": [_cite(G22)]}],
    ),
    _entity("delta-league", "organization", "Delta League", H23),
    _entity("gamma-city", "place", "Gamma City", G22, located_in="betaland"),
    _entity(
        "pat-doe", "person", "Pat Doe", G22,
        roles=[
            _role("Minister of Culture", "betaland-ministry-of-culture", G22,
                  start="2020-03", end="2022-12"),
            _role("Special Envoy", "alpha-council", G23B,
                  first_cited="2023-02-14", last_cited="2023-02-14"),
        ],
    ),
    _entity(
        "quinn-roe", "person", "Quinn Roe", H23,
        roles=[_role("Minister of Culture", "betaland-ministry-of-culture", H23,
                     start="2023-01", last_cited="2023-06-15")],
    ),
    _entity(
        "rae-poe", "person", "Rae Poe", G22,
        roles=[_role("Director of the Alpha Council", "alpha-council", G23B,
                     first_cited="2022-05-03", last_cited="2023-02-14")],
    ),
]

EVENTS = [
    _event("meeting-2022-05-03", "meeting", "2022-05-03", [("happened", G22)],
           [("pat-doe", "host"), ("rae-poe", "guest")], ["alpha-council", "betaland"],
           place="gamma-city"),
    _event("meeting-2023-02-14", "meeting", "2023-02-14", [("happened", G23B)],
           [("pat-doe", "guest"), ("rae-poe", "host")], ["alpha-council"]),
    _event("exhibition-2023-03-01", "exhibition", "2023-03-01", [("happened", H23)],
           [("rae-poe", "host"), ("quinn-roe", "guest"), ("alpha-council", "organizer"),
            ("delta-league", "organizer")], ["alpha-council", "delta-league"]),
    _event("forum-2023", "conference", "2023", [("planned", G23)],
           [("alpha-council", "attendee")], ["alpha-council", "betaland"], place="gamma-city"),
    _event("exchange-open-ended", "agreement", "[2023-06-15..]", [("planned", H23)],
           [], ["alpha-council", "betaland"]),
    _event("launch-2023-08", "launch", "2023-08", [("planned", G23)],
           [("quinn-roe", "host")], ["alpha-council"], fulfilled_by="launch-held-2023-08-12"),
    _event("launch-held-2023-08-12", "launch", "2023-08-12", [("happened", H23B)],
           [("quinn-roe", "host")], ["alpha-council"], fulfils="launch-2023-08"),
    _event("festival-2023-10", "celebration", "2023-10", [("planned", G23), ("postponed", H23)],
           [("quinn-roe", "host")], ["betaland"]),
    _event("visit-2023-09", "visit", "2023-09", [("planned", G23), ("cancelled", H23)],
           [("pat-doe", "guest")], ["betaland"]),
    _event("signing-2023-03", "agreement", "2023-03", [("planned", G23)],
           [("pat-doe", "guest"), ("rae-poe", "host")], ["alpha-council", "betaland"],
           fulfilled_by="signing-held-2023-05-10"),
    _event("signing-held-2023-05-10", "agreement", "2023-05-10", [("happened", H24)],
           [("pat-doe", "guest"), ("rae-poe", "host")], ["alpha-council", "betaland"],
           fulfils="signing-2023-03"),
    _event("office-opening-2022-12", "opening", "2022-12", [("planned", G22)],
           [("alpha-council", "host"), ("betaland", "guest")], ["alpha-council"]),
    _event("summit-2024-06", "conference", "2024-06", [("planned", H24)],
           [("pat-doe", "attendee")], ["betaland"]),
]
# fmt: on


def tables(
    events: list[Json] | None = None,
    entities: list[Json] | None = None,
    sources: list[Json] | None = None,
    validate: bool = True,
) -> Json:
    """The store's tables (validated unless told not to: a check's test needs faults), with the
    records given in place of the defaults."""
    chosen = {
        "sources": sources if sources is not None else SOURCES,
        "entities": entities if entities is not None else ENTITIES,
        "events": events if events is not None else EVENTS,
        "partnerships": [],
    }
    for table, records in chosen.items():
        for record in records if validate else ():
            VALIDATORS[table](record)
    out: Json = {
        "meta": {"1": {"schema_version": 1, "created": "2023-01-01T00:00:00Z", "name": "tests"}},
        "history": {},
    }
    for table, records in chosen.items():
        out[table] = {str(n): record for n, record in enumerate(records, 1)}
    return out


def write_store(path: Path, **replacements: Any) -> Path:
    path.write_bytes(dumps(tables(**replacements)))
    return path
