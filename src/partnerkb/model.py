"""The records partnerkb keeps — entities, events, sources, partnerships — and their validation.

Records are plain dicts, exactly as stored (see docs/store-format.md): reading 100k events must
not pay for building objects. This module says which fields each record has, which values are
allowed, and checks a record before it is written (`validate_*`), naming the bad field.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any

from .dates import FuzzyDate
from .errors import InvalidInput

SCHEMA_VERSION = 1
TABLES = ("sources", "entities", "events", "partnerships")

ENTITY_KINDS = ("organization", "country", "person", "place")
EVENT_KINDS = (
    "meeting", "visit", "award", "designation", "conference", "opening", "agreement",
    "announcement", "exhibition", "request", "launch", "celebration",
)  # fmt: skip
STATUSES = ("happened", "ongoing", "planned", "requested", "postponed", "cancelled")
# Statuses of what is still to come (or to be decided): what `--planned` selects and what a passed
# date makes doubtful.
PENDING_STATUSES = ("planned", "requested", "postponed")

# Where a field's value comes from (see docs/store-format.md, "Provenance"): the cited source
# states it, we inferred it from what the source states, or it comes from outside the record's
# sources (and then cites a source of its own).
BASES = ("stated", "inferred", "outside")
# What a source is: a published report (the default, kind absent) or the analyst's own record
# of what they know first-hand (`--source self`, partnerkb.ownrecord)
SOURCE_KINDS = ("report", "own-record")
# How one event relates to another (`links`); `fulfils` / `fulfilled_by` stay fields of their own.
LINK_TYPES = ("part_of", "follows", "at_close_of", "answers", "related")
# Parts in an event that do not mean being there: an organizer, an exhibition's partner, what an
# event is about or named after. Whom someone "met" leaves them out.
ABSENT_PARTS = frozenset({
    "organizer", "exhibitor", "partner", "subject", "namesake", "designator", "designee",
    "honoree", "patron", "requester", "award", "title",
})  # fmt: skip

# An event kind in the language of political event data: the CAMEO code (Gerner/Schrodt) and the
# PLOVER category. CAMEO has no code for openings, exhibitions or celebrations: they map to the
# generic "engage in diplomatic cooperation". Kinds not listed map to a generic consultation.
EVENT_TYPOLOGY: dict[str, dict[str, str]] = {
    "meeting": {"cameo": "040", "cameo_label": "Consult", "plover": "CONSULT"},
    "visit": {"cameo": "042", "cameo_label": "Make a visit", "plover": "CONSULT"},
    "hosted-visit": {"cameo": "043", "cameo_label": "Host a visit", "plover": "CONSULT"},
    "conference": {"cameo": "044", "cameo_label": "Meet at a third location", "plover": "CONSULT"},
    "agreement": {"cameo": "057", "cameo_label": "Sign formal agreement", "plover": "AGREE"},
    "award": {"cameo": "051", "cameo_label": "Praise or endorse", "plover": "SUPPORT"},
    "designation": {
        "cameo": "050", "cameo_label": "Engage in diplomatic cooperation", "plover": "COOPERATE"
    },
    "announcement": {"cameo": "010", "cameo_label": "Make statement", "plover": "CONSULT"},
    "request": {"cameo": "020", "cameo_label": "Make an appeal or request", "plover": "REQUEST"},
    "opening": {
        "cameo": "050", "cameo_label": "Engage in diplomatic cooperation", "plover": "COOPERATE"
    },
    "exhibition": {
        "cameo": "050", "cameo_label": "Engage in diplomatic cooperation", "plover": "COOPERATE"
    },
    "launch": {
        "cameo": "050", "cameo_label": "Engage in diplomatic cooperation", "plover": "COOPERATE"
    },
    "celebration": {
        "cameo": "050", "cameo_label": "Engage in diplomatic cooperation", "plover": "COOPERATE"
    },
}  # fmt: skip
DEFAULT_TYPOLOGY = {"cameo": "040", "cameo_label": "Consult", "plover": "CONSULT"}

MAX_LENGTHS = {
    "id": 120,
    "name": 300,
    "title": 300,
    "alias": 300,
    "summary": 5000,
    "description": 5000,
    "topic": 200,
    "tag": 60,
    "locator": 500,
    "url": 2000,
    "note": 2000,
    "part": 60,
    "kind": 40,
}

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# Characters that can drive a terminal or reorder text (C0/C1 controls, ESC, bidi overrides):
# refused in what is stored, and shown as visible escapes by the renderer.
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# Halves of UTF-16 pairs: JSON's "\ud800" escape and undecodable bytes in arguments give them
SURROGATES = re.compile(r"[\ud800-\udfff]")
URL_SCHEMES = ("http://", "https://", "ftp://")


def typology(kind: str) -> dict[str, str]:
    """The CAMEO code and PLOVER category of an event kind."""
    return EVENT_TYPOLOGY.get(kind, DEFAULT_TYPOLOGY)


def slugify(text: str, max_length: int = 80) -> str:
    """A readable ASCII id from any text: 'Salim M. AlMalik' -> 'salim-m-almalik'.

    Folded as search folds names ('Həsənova' -> 'hasanova', 'Şuşa' -> 'shusha'), so that an id
    reads like the spelling people search for.
    """
    from .textfold import fold

    slug = fold(unicodedata.normalize("NFC", text)).replace(" ", "-")
    if len(slug) > max_length:
        slug = slug[:max_length].rsplit("-", 1)[0] or slug[:max_length]
    return slug or "record"


def unique_id(base: str, taken: Mapping[str, Any] | set[str]) -> str:
    """`base`, or `base-2`, `base-3`... whichever is not taken yet."""
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


# ---------------------------------------------------------------------------------------------
# Validation: every check names the field it refuses.
# ---------------------------------------------------------------------------------------------


def _text(record: Mapping[str, Any], field: str, *, required: bool = True, limit: str = "") -> None:
    value = record.get(field)
    where = f"{record.get('id', '?')}: {field}"
    if value is None or value == "":
        if required:
            raise InvalidInput(f"{where} is required and must not be empty")
        return
    if not isinstance(value, str):
        raise InvalidInput(f"{where} must be text")
    if not value.strip():
        raise InvalidInput(f"{where} must not be blank")
    _check_length(where, value, limit or field)


def _check_length(where: str, value: str, limit_key: str) -> None:
    limit = MAX_LENGTHS.get(limit_key, 5000)
    if len(value) > limit:
        raise InvalidInput(f"{where} is too long ({len(value)} characters, at most {limit})")
    if CONTROL_CHARS.search(value):
        raise InvalidInput(f"{where} contains control characters")
    if SURROGATES.search(value):
        raise InvalidInput(
            f"{where} contains a lone surrogate (\\ud800-\\udfff): not a character, and not "
            "storable as UTF-8"
        )


def _text_list(record: Mapping[str, Any], field: str, limit_key: str) -> None:
    values = record.get(field, [])
    where = f"{record.get('id', '?')}: {field}"
    if not isinstance(values, list) or not all(isinstance(v, str) and v.strip() for v in values):
        raise InvalidInput(f"{where} must be a list of non-empty texts")
    for value in values:
        _check_length(where, value, limit_key)


def has_letter_or_digit(text: str) -> bool:
    """Whether a text holds a letter or a digit of any script (a name must: punctuation or
    invisible characters alone name nothing, and give no id)."""
    return any(unicodedata.category(c)[0] in "LN" for c in text)


def _names(record: Mapping[str, Any]) -> None:
    """An entity's name and aliases each hold a letter or digit."""
    for value in [record.get("name"), *(record.get("aliases") or [])]:
        if isinstance(value, str) and not has_letter_or_digit(value):
            raise InvalidInput(
                f"name {value!r} has no letter or digit; a name must have one",
                hint="give the entity's name in words",
            )


def _id(record: Mapping[str, Any]) -> None:
    value = record.get("id")
    if not isinstance(value, str) or not SLUG_RE.match(value):
        raise InvalidInput(
            f"id {value!r} is not a slug",
            hint="ids use lowercase letters, digits and single dashes, e.g. 'nazim-samadov'",
        )
    _check_length("id", value, "id")


def _kind(record: Mapping[str, Any]) -> None:
    value = record.get("kind")
    if not isinstance(value, str) or not re.fullmatch(r"[a-z][a-z0-9-]*", value):
        raise InvalidInput(
            f"{record.get('id', '?')}: kind {value!r} is not a lowercase word",
            hint="e.g. person, organization, meeting, visit",
        )


def _date(record: Mapping[str, Any], field: str, *, required: bool) -> None:
    value = record.get(field)
    if value is None:
        if required:
            raise InvalidInput(f"{record.get('id', '?')}: {field} is required")
        return
    try:
        FuzzyDate.from_dict(value)
    except (InvalidInput, ValueError, TypeError) as exc:
        raise InvalidInput(f"{record.get('id', '?')}: {field}: {exc}") from None


def _citations(record: Mapping[str, Any], where: str, *, required: bool = True) -> None:
    cites = record.get("sources")
    if not cites:
        if required:
            raise InvalidInput(f"{where}: sources must cite at least one source")
        return
    if not isinstance(cites, list):
        raise InvalidInput(f"{where}: sources must be a list")
    for cite in cites:
        if not isinstance(cite, dict) or not isinstance(cite.get("source"), str):
            raise InvalidInput(f"{where}: each source is {{'source': id, 'locator': text}}")
        if cite.get("locator") is not None:
            _check_length(f"{where}: locator", str(cite["locator"]), "locator")


def validate_source(record: Mapping[str, Any]) -> None:
    _id(record)
    if record.get("kind") is not None and record["kind"] not in SOURCE_KINDS:
        raise InvalidInput(
            f"{record['id']}: kind {record['kind']!r} is not one of {', '.join(SOURCE_KINDS)}"
        )
    _text(record, "outlet")
    # a copy without a headline has none (`title` null); `label` is then our own description
    _text(record, "title", required="title" not in record or record.get("title") is not None)
    _text(record, "label", required=False, limit="title")
    _text(record, "republished_by", required=False, limit="name")
    for flag in ("machine_translated",):
        if record.get(flag) is not None and not isinstance(record[flag], bool):
            raise InvalidInput(f"{record['id']}: {flag} must be true or false")
    if record.get("published") is not None:
        try:
            from datetime import date

            date.fromisoformat(record["published"])
        except (TypeError, ValueError):
            raise InvalidInput(
                f"{record['id']}: published must be an ISO day (YYYY-MM-DD)"
            ) from None
    _text(record, "url", required=False)
    url = record.get("url")
    if url and not str(url).lower().startswith(URL_SCHEMES):
        raise InvalidInput(
            f"{record['id']}: url {url!r} is not a web address", hint="use http:// or https://"
        )
    _text(record, "language", required=False, limit="tag")
    _text(record, "note", required=False)
    _provenance(record)


def validate_entity(record: Mapping[str, Any]) -> None:
    _id(record)
    _kind(record)
    _text(record, "name")
    _text_list(record, "aliases", "alias")
    _names(record)
    _text_list(record, "tags", "tag")
    _text(record, "description", required=False)
    for n, role in enumerate(record.get("roles") or [], 1):
        where = f"{record['id']}: role {n}"
        if not isinstance(role, dict):
            raise InvalidInput(f"{where} must be an object")
        if record["kind"] != "person":
            raise InvalidInput(f"{where}: only people hold roles, not a {record['kind']}")
        _text({**role, "id": where}, "title")
        _ref({**role, "id": where}, "organization")
        for field in ("from", "until"):
            _date({**role, "id": where}, field, required=False)
        _role_span(role, where)
        _citations(role, where)
        _attested(role, where)
    _ref(record, "located_in")
    for n, link in enumerate(record.get("related") or [], 1):
        if not isinstance(link, dict) or not isinstance(link.get("entity"), str):
            raise InvalidInput(f"{record['id']}: related {n} must name an entity id")
    if record.get("unnamed") is not None and not isinstance(record["unnamed"], bool):
        raise InvalidInput(f"{record['id']}: unnamed must be true or false")
    for n, holder in enumerate(record.get("holders") or [], 1):
        where = f"{record['id']}: holder {n}"
        if not isinstance(holder, dict) or not isinstance(holder.get("entity"), str):
            raise InvalidInput(f"{where} must name an entity id")
        _date({**holder, "id": where}, "period", required=True)
        _citations(holder, where)
    _provenance(record)
    _citations(record, str(record["id"]))


def _attested(role: Mapping[str, Any], where: str) -> None:
    """`attested`: the days (fuzzy dates) a source shows the role held, each with its sources."""
    entries = role.get("attested")
    if entries is None:
        return
    if not isinstance(entries, list):
        raise InvalidInput(f"{where}: attested must be a list")
    for n, entry in enumerate(entries, 1):
        if not isinstance(entry, dict):
            raise InvalidInput(f"{where}: attested {n} must be an object")
        _date({**entry, "id": f"{where}: attested {n}"}, "date", required=True)
        _citations(entry, f"{where}: attested {n}")
        if entry.get("basis", "stated") not in BASES:
            raise InvalidInput(f"{where}: attested {n}: basis is not one of {', '.join(BASES)}")


def _provenance(record: Mapping[str, Any]) -> None:
    """`provenance`: fields (or one value of a list field) that the record's sources do not
    state — inferred, or from outside knowledge — each with a basis, a note and its sources."""
    entries = record.get("provenance")
    if entries is None:
        return
    rid = record.get("id", "?")
    if not isinstance(entries, list):
        raise InvalidInput(f"{rid}: provenance must be a list")
    for n, entry in enumerate(entries, 1):
        where = f"{rid}: provenance {n}"
        if not isinstance(entry, dict):
            raise InvalidInput(f"{where} must be an object")
        _text({**entry, "id": where}, "field", limit="part")
        if entry.get("basis") not in BASES:
            raise InvalidInput(
                f"{where}: basis {entry.get('basis')!r} is not one of {', '.join(BASES)}"
            )
        if entry.get("value") is not None:
            _text({**entry, "id": where}, "value", limit="name")
        _text({**entry, "id": where}, "note", required=False)
        _citations(entry, where, required=False)


def _role_span(role: Mapping[str, Any], where: str) -> None:
    """A role cannot end before it starts, nor before a source last cited it."""
    start = (role.get("from") or {}).get("earliest")
    end = (role.get("until") or {}).get("latest")
    if start and end and end < start:
        raise InvalidInput(f"{where}: until ({end}) is before from ({start})")
    cited = role.get("last_cited")
    if end and isinstance(cited, str) and end < cited:
        raise InvalidInput(f"{where}: until ({end}) is before the role was last cited ({cited})")


def validate_event(record: Mapping[str, Any]) -> None:
    _id(record)
    _kind(record)
    _text(record, "title")
    _date(record, "date", required=True)
    _text(record, "summary", required=False)
    _text_list(record, "topics", "topic")
    _text_list(record, "tags", "tag")
    status = record.get("status")
    if status not in STATUSES:
        raise InvalidInput(f"{record['id']}: status {status!r} is not one of {', '.join(STATUSES)}")
    for n, participant in enumerate(record.get("participants") or [], 1):
        if not isinstance(participant, dict) or not isinstance(participant.get("entity"), str):
            raise InvalidInput(f"{record['id']}: participant {n} must name an entity id")
        part = participant.get("part")
        if part is not None:
            if not isinstance(part, str):
                raise InvalidInput(f"{record['id']}: participant {n} part must be text")
            _check_length(f"{record['id']}: participant {n} part", part, "part")
    for entry in record.get("status_history") or []:
        if not isinstance(entry, dict) or entry.get("status") not in STATUSES:
            raise InvalidInput(f"{record['id']}: status_history entries need a valid status")
    for field in ("place", "fulfils", "fulfilled_by"):
        _ref(record, field)
    for field in ("organizations", "related_events"):
        _ref_list(record, field)
    for n, link in enumerate(record.get("links") or [], 1):
        where = f"{record['id']}: link {n}"
        if not isinstance(link, dict) or not isinstance(link.get("event"), str):
            raise InvalidInput(f"{where} must name an event id")
        if link.get("type") not in LINK_TYPES:
            raise InvalidInput(
                f"{where}: type {link.get('type')!r} is not one of {', '.join(LINK_TYPES)}"
            )
        _citations(link, where, required=False)
    edition = record.get("edition_of")
    if edition is not None:
        if not isinstance(edition, dict) or not isinstance(edition.get("series"), str):
            raise InvalidInput(f"{record['id']}: edition_of must name a series id")
        number = edition.get("number")
        if number is not None and (isinstance(number, bool) or not isinstance(number, int)
                                   or number < 1):  # fmt: skip
            raise InvalidInput(f"{record['id']}: edition_of number must be a whole number >= 1")
    _provenance(record)
    _citations(record, str(record["id"]))


def _ref(record: Mapping[str, Any], field: str) -> None:
    """An optional reference: an id (text) or nothing."""
    value = record.get(field)
    if value is not None and value != "" and not isinstance(value, str):
        raise InvalidInput(f"{record.get('id', '?')}: {field} must be an id (text)")


def _ref_list(record: Mapping[str, Any], field: str) -> None:
    values = record.get(field)
    if values is None:
        return
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise InvalidInput(f"{record.get('id', '?')}: {field} must be a list of ids")


def validate_partnership(record: Mapping[str, Any]) -> None:
    _id(record)
    parties = record.get("parties")
    if not isinstance(parties, list) or len(parties) < 2:
        raise InvalidInput(f"{record.get('id')}: parties must list at least two entity ids")
    _ref_list(record, "parties")
    _ref_list(record, "events")
    _text_list(record, "areas", "topic")
    _citations(record, str(record["id"]))


VALIDATORS = {
    "sources": validate_source,
    "entities": validate_entity,
    "events": validate_event,
    "partnerships": validate_partnership,
}


def references(table: str, record: Mapping[str, Any]) -> Iterable[tuple[str, str]]:
    """Every (field, id) this record refers to: what must exist for it to be whole."""
    for cite in record.get("sources") or []:
        yield "sources", cite["source"]
    for entry in record.get("provenance") or []:
        for cite in entry.get("sources") or []:
            yield "provenance.sources", cite["source"]
    if table == "entities":
        for role in record.get("roles") or []:
            if role.get("organization"):
                yield "roles.organization", role["organization"]
            for cite in role.get("sources") or []:
                yield "roles.sources", cite["source"]
        for link in record.get("related") or []:
            yield "related", link["entity"]
            for cite in link.get("sources") or []:
                yield "related.sources", cite["source"]
        if record.get("located_in"):
            yield "located_in", record["located_in"]
        for role in record.get("roles") or []:
            for entry in role.get("attested") or []:
                for cite in entry.get("sources") or []:
                    yield "roles.attested.sources", cite["source"]
        for holder in record.get("holders") or []:
            yield "holders", holder["entity"]
            for cite in holder.get("sources") or []:
                yield "holders.sources", cite["source"]
    elif table == "events":
        if record.get("place"):
            yield "place", record["place"]
        for participant in record.get("participants") or []:
            yield "participants", participant["entity"]
        for org in record.get("organizations") or []:
            yield "organizations", org
        for field in ("fulfils", "fulfilled_by"):
            if record.get(field):
                yield field, record[field]
        for other in record.get("related_events") or []:
            yield "related_events", other
        for entry in record.get("status_history") or []:
            for cite in entry.get("sources") or []:
                yield "status_history.sources", cite["source"]
        for link in record.get("links") or []:
            yield "links", link["event"]
            for cite in link.get("sources") or []:
                yield "links.sources", cite["source"]
        if record.get("edition_of"):
            yield "edition_of", record["edition_of"]["series"]
    elif table == "partnerships":
        for party in record.get("parties") or []:
            yield "parties", party
        for event in record.get("events") or []:
            yield "events", event


def event_entities(event: Mapping[str, Any]) -> list[str]:
    """Ids of every entity an event involves: participants, organizations, place, the series it
    is an edition of."""
    ids = [p["entity"] for p in event.get("participants") or []]
    ids.extend(event.get("organizations") or [])
    if event.get("place"):
        ids.append(event["place"])
    if event.get("edition_of"):
        ids.append(event["edition_of"]["series"])
    return ids
