"""The proposal ingest makes from an article: the source, the entities, the events and their
links to what is stored, as one JSON-ready dict a person reviews (or edits and gives back).

Shape (documented in docs/ingest.md):

    {"source": {"outlet", "title", "published", "url", "language", "existing"},
     "notes": [text...],
     "entities": [{"id" (stored id or null), "status" (stored|new|ambiguous), "candidates",
                   "kind", "name", "written" (spellings in the article), "role" ({"title",
                   "stated", "organization"} or null), "located_in", "locator"}],
     "events": [{"kind", "title", "date" (as stored, or null), "status", "place" ({"id",
                 "name"} or null), "participants" ([{"id", "name", "part", "title"}]),
                 "organizations" ([{"id", "name"}]), "topics", "summary" (null: the analyst's),
                 "locator", "locators", "links" ([{"relation", "event", "title", "date"}]),
                 "notes"}]}

Links: `fulfils` (a stored plan the reported event carries out), `repeats` (the stored event
itself, reported again: the source is attached), `narrows` (the stored event, whose fuzzy date
the report narrows: the date becomes the overlap and both citations stay).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from ..dates import FuzzyDate, edtf_display
from ..errors import InvalidInput
from ..textfold import fold
from .article import Article
from .events import FoundEvent, Participant, find_events
from .mentions import (
    ORG_HEADS,
    TITLE_WORDS,
    PersonMention,
    StoredNames,
    ThingMention,
    country_of,
)

Json = dict[str, Any]
_STOP = {"the", "of", "a", "an", "in", "on", "for", "to", "and", "at", "by", "s", "its", "with"}


@dataclass
class Options:
    published: date | None
    outlet: str | None  # None: not given (a dry run), to be filled in before it is written
    title: str | None = None
    url: str | None = None
    language: str | None = None
    as_of: date | None = None  # what "today" is for statuses: the publication day by default


def propose(article: Article, data_tables: Json, options: Options) -> Json:
    """The proposal for an article against the stored records (`data_tables`: the store's
    tables as read). Raises InvalidInput when the article gives nothing to propose from."""
    entities = list(data_tables["entities"].values())
    names = StoredNames(entities)
    found, people, things = find_events(article.paragraphs, names, options.published)
    notes: list[str] = []
    if options.published is None:
        notes.append(
            "no --published date: relative dates ('on Tuesday', 'later this year') are not "
            "resolved, and undated events get no date; give --published to resolve them"
        )
        if article.page_date:
            notes.append(f"the page itself shows the date {article.page_date}")
    if options.outlet is None:
        notes.append(
            "no --outlet: the source has no outlet yet; give --outlet, or fill in "
            "source.outlet before writing the proposal with --from-json"
        )
    source = {
        "outlet": options.outlet,
        "title": options.title or article.title or _title_from(article),
        "published": options.published.isoformat() if options.published else None,
        "url": options.url or article.url,
        "language": options.language,
    }
    proposal_entities = _entities(people, things, found, names, options)
    events = [_event(e, names, data_tables, options) for e in found]
    return {"source": source, "notes": notes, "entities": proposal_entities, "events": events}


def _title_from(article: Article) -> str:
    first = article.paragraphs[0] if article.paragraphs else "article"
    words = first.split()
    return " ".join(words[:12]) + ("…" if len(words) > 12 else "")


def _para(numbers: list[int] | int | None) -> str:
    if numbers is None:
        return ""
    if isinstance(numbers, int):
        return f"para. {numbers}"
    unique = sorted(set(numbers))
    if len(unique) == 1:
        return f"para. {unique[0]}"
    return "paras. " + ", ".join(str(n) for n in unique)


# ---------------------------------------------------------------------------------------------
# Entities
# ---------------------------------------------------------------------------------------------


def normal_post(title: str) -> str:
    """A post as a role title, in one form: 'Azerbaijani Ambassador to the Kingdom of Morocco'
    -> 'Ambassador of Azerbaijan to Morocco'; 'the Islamic World ... Organization (ICESCO)' ->
    'ICESCO'; 'Culture Minister' -> 'Minister of Culture'."""
    text = " ".join(title.replace("’", "'").split())
    text = re.sub(r"^(?:H\.\s?E\.|His Excellency|Her Excellency|Dr\.|Mr\.|Mrs\.|Ms\.)\s+", "", text)
    text = _acronyms(text)
    text = re.sub(r"\bDirector General\b", "Director-General", text)
    text = re.sub(r"\bSecretary General\b", "Secretary-General", text)
    # official country names -> their usual names
    for match in sorted(
        set(re.findall(r"(?:the\s+)?(?:[A-Z][\w'-]*\s+(?:of\s+)?)*[A-Z][\w'-]*", text)),
        key=len,
        reverse=True,
    ):
        country = country_of(match)
        if country is not None and " " in match.strip():
            text = text.replace(match, country.name)
    words = text.split()
    # "Azerbaijani Ambassador ...", "Azerbaijan's Ambassador ...", "ICESCO Director-General"
    if len(words) >= 2 and words[0].lower() not in TITLE_WORDS:
        head = words[0].removesuffix("'s")
        country = country_of(head)
        owner = country.name if country is not None else (head if head.isupper() else None)
        if owner and words[1].lower().split("-")[0] in TITLE_WORDS:
            rest = words[1:]
            cut = next(
                (i for i, w in enumerate(rest) if w.lower() in ("to", "in", "at")), len(rest)
            )
            text = " ".join([*rest[:cut], "of", owner, *rest[cut:]])
    text = re.sub(
        r"^(\w+) Minister\b",
        lambda m: (
            f"Minister of {m.group(1)}"
            if m.group(1).lower() not in TITLE_WORDS | {"prime", "foreign"}
            else m.group(0)
        ),
        text,
    )
    return text.strip(" ,")


def _acronyms(text: str) -> str:
    """'the Islamic World ... Organization (ICESCO)' and 'ICESCO (Islamic World ...)' -> 'ICESCO';
    a post's own abbreviation ('Director-General (DG)') goes."""
    text = re.sub(r"\b([A-Z]{2,})\s+\((?![A-Z]{1,4}\))[^)]*\)", r"\1", text)
    while True:
        match = re.search(r"\s*\(([A-Z]{2,})\)", text)
        if match is None:
            return text
        words = text[: match.start()].split(" ")
        cut = len(words)
        while (
            cut > 0
            and (
                words[cut - 1][:1].isupper() or words[cut - 1] in ("and", "of", "for", "the", "on")
            )
            and not any(
                part in TITLE_WORDS for part in words[cut - 1].lower().strip(",").split("-")
            )
        ):
            cut -= 1
        while cut < len(words) and words[cut] in ("and", "of", "for", "on"):
            cut += 1
        long_name = words[cut:]
        if len(long_name) >= 2:
            head = " ".join(words[:cut])
            text = f"{head} {match.group(1)}".strip() + text[match.end() :]
        else:
            text = text[: match.start()] + text[match.end() :]


def _entities(
    people: list[PersonMention],
    things: list[ThingMention],
    events: list[FoundEvent],
    names: StoredNames,
    options: Options,
) -> list[Json]:
    out: list[Json] = []
    by_key: dict[str, Json] = {}
    paragraphs = {p.name: pa for e in events for p in e.participants for pa in [p.paragraph]}

    def add(key: str, entry: Json) -> Json:
        if key in by_key:
            existing = by_key[key]
            for spelling in entry.get("written", []):
                if spelling not in existing["written"]:
                    existing["written"].append(spelling)
            if not existing.get("role") and entry.get("role"):
                existing["role"] = entry["role"]
            return existing
        by_key[key] = entry
        out.append(entry)
        return entry

    for person in people:
        role = _role(person, names)
        stored = person.stored
        status = "stored" if len(stored) == 1 else "ambiguous" if stored else "new"
        key = stored[0] if len(stored) == 1 else fold(person.name)
        entry = {
            "id": stored[0] if len(stored) == 1 else None,
            "status": status,
            "candidates": _candidates(stored, names, person.title) if len(stored) > 1 else [],
            "kind": "person",
            "name": names.records[stored[0]]["name"] if len(stored) == 1 else person.name,
            "written": [person.name],
            "role": role,
            "located_in": None,
            "locator": _para(paragraphs.get(person.name)) or None,
        }
        add(key, entry)
    involved = (
        {o.name for e in events for o in e.organizations}
        | {e.place.name for e in events if e.place is not None}
        | {p.name for e in events for p in e.participants if p.kind != "person"}
    )
    for thing in things:
        # every stored entity the article names; a new one only if an event involves it
        if thing.kind == "event-name" or (not thing.stored and thing.name not in involved):
            continue
        key = thing.stored[0] if thing.stored else fold(thing.name)
        located = None
        if thing.kind == "place" and not thing.stored and thing.acronym:
            located = {"id": _stored_id(names, thing.acronym, "country"), "name": thing.acronym}
        add(
            key,
            {
                "id": thing.stored[0] if thing.stored else None,
                "status": "stored" if thing.stored else "new",
                "candidates": [],
                "kind": thing.kind,
                "name": thing.name,
                "written": [],
                "role": None,
                "located_in": located,
                "locator": None,
            },
        )
    for event in events:
        if event.place is not None and not event.place.stored:
            place = event.place
            key = fold(place.name)
            located = None
            if place.acronym:
                located = {"id": _stored_id(names, place.acronym, "country"), "name": place.acronym}
            add(
                key,
                {
                    "id": None,
                    "status": "new",
                    "candidates": [],
                    "kind": "place",
                    "name": place.name,
                    "written": [],
                    "role": None,
                    "located_in": located,
                    "locator": _para(event.place_paragraph),
                },
            )
    # countries and organizations that new roles need
    for entry in list(out):
        role = entry.get("role")
        if role and role.get("organization") and not role["organization"].get("id"):
            org = role["organization"]
            kind = "country" if country_of(org["name"]) is not None else "organization"
            add(
                fold(org["name"]),
                {
                    "id": None,
                    "status": "new",
                    "candidates": [],
                    "kind": kind,
                    "name": org["name"],
                    "written": [],
                    "role": None,
                    "located_in": None,
                    "locator": entry["locator"],
                },
            )
        if entry.get("located_in") and not entry["located_in"].get("id"):
            name = entry["located_in"]["name"]
            add(
                fold(name),
                {
                    "id": None,
                    "status": "new",
                    "candidates": [],
                    "kind": "country",
                    "name": name,
                    "written": [],
                    "role": None,
                    "located_in": None,
                    "locator": entry["locator"],
                },
            )
    for entry in out:
        if entry["status"] == "stored" and entry["kind"] == "person":
            record = names.records[entry["id"]]
            known = {fold(n) for n in [record["name"], *(record.get("aliases") or [])]}
            entry["new_aliases"] = [w for w in entry["written"] if fold(w) not in known]
    return out


def _stored_id(names: StoredNames, name: str, kind: str) -> str | None:
    for _, ids in names.find_all(name):
        for entity_id in ids:
            if names.records[entity_id]["kind"] == kind:
                return entity_id
    return None


def _role(person: PersonMention, names: StoredNames) -> Json | None:
    if not person.title:
        return None
    title = normal_post(person.title)
    if len(person.stored) == 1:  # a post already stored keeps its stored wording
        for role in names.records[person.stored[0]].get("roles") or []:
            if fold(normal_post(role.get("title", ""))) == fold(title):
                title = role["title"]
    organization = None
    # the post's organization: what it is "of" ("Ambassador of Bangladesh to Morocco"), else the
    # first stored organization or country it names
    match = re.search(r"\bof\s+(?:the\s+)?([A-Z][\w'-]*(?:\s+[A-Z][\w'-]*)*)", title)
    if match:
        owner = match.group(1)
        stored = [
            i
            for _, ids in names.find_all(owner)
            for i in ids
            if names.records[i]["kind"] in ("organization", "country")
        ]
        country = country_of(owner)
        if stored:
            organization = {"id": stored[0], "name": names.records[stored[0]]["name"]}
        elif country is not None:
            organization = {"id": _stored_id(names, country.name, "country"), "name": country.name}
        elif any(w.lower() in ORG_HEADS for w in owner.split()) or owner.isupper():
            organization = {"id": None, "name": owner}
    if organization is None:
        for _, ids in names.find_all(title):
            kinds = {names.records[i]["kind"] for i in ids}
            if kinds & {"organization", "country"} and len(ids) == 1:
                organization = {"id": ids[0], "name": names.records[ids[0]]["name"]}
                break
    return {"title": title, "stated": person.title, "organization": organization}


def _candidates(ids: list[str], names: StoredNames, stated: str | None) -> list[Json]:
    """Namesakes, each with its posts, and whether its post is the one the article gives."""
    out = []
    for entity_id in ids:
        record = names.records[entity_id]
        posts = [r.get("title", "") for r in record.get("roles") or []]
        matches = bool(stated) and any(_post_matches(stated or "", p) for p in posts)
        out.append(
            {"id": entity_id, "name": record["name"], "posts": posts, "post_matches": matches}
        )
    return out


def _post_matches(stated: str, post: str) -> bool:
    a = set(fold(normal_post(stated)).split()) - _STOP
    b = set(fold(post).split()) - _STOP
    return bool(a) and len(a & b) >= max(2, len(a) // 2)


# ---------------------------------------------------------------------------------------------
# Events and links
# ---------------------------------------------------------------------------------------------


def _ref(thing: ThingMention | None) -> Json | None:
    if thing is None:
        return None
    return {"id": thing.stored[0] if len(thing.stored) == 1 else None, "name": thing.name}


def _participant(p: Participant, names: StoredNames) -> Json:
    entry: Json = {
        "id": p.stored[0] if len(p.stored) == 1 else None,
        "name": names.records[p.stored[0]]["name"] if len(p.stored) == 1 else p.name,
        "part": p.part,
        "title": p.title,
        "locator": _para(p.paragraph),
    }
    if len(p.stored) > 1:
        entry["candidates"] = list(p.stored)
    return entry


def _event(found: FoundEvent, names: StoredNames, tables: Json, options: Options) -> Json:
    _hosts_by_venue(found, names)
    participants = [_participant(p, names) for p in found.participants]
    organizations = []
    for org in found.organizations:
        ref = _ref(org)
        if ref is not None and ref not in organizations:
            organizations.append(ref)
    locators = {
        "date": _para(found.date_paragraph) if found.date_paragraph else None,
        "place": _para(found.place_paragraph) if found.place is not None else None,
        "status": _para(found.status_paragraph or found.paragraphs[0]),
    }
    parts = [f"{_para(found.paragraphs[0])}: {found.kind}"]
    if locators["date"] and found.date:
        parts.append(f"{locators['date']}: date ({edtf_display(found.date['edtf'])})")
    elif found.date:
        parts.append(f"no date given: {edtf_display(found.date['edtf'])}")
    if locators["place"]:
        parts.append(f"{locators['place']}: place")
    other = sorted(set(found.paragraphs[1:]))
    if other:
        parts.append(f"{_para(other)}: participants and details")
    notes = list(found.notes)
    if found.date is not None and not found.anchored:
        notes.append(
            "the article gives no date: "
            + edtf_display(found.date["edtf"]).replace("on or", "dated on or")
        )
    title = None
    if found.names:
        name = found.names[0]
        title = (
            name
            if found.kind in ("conference", "exhibition")
            else (f"{found.kind.capitalize()}: {name}")
        )
    event = {
        "kind": found.kind,
        "title": title,
        "date": found.date,
        "status": found.status,
        "place": _ref(found.place),
        "participants": participants,
        "organizations": organizations,
        "topics": found.names[1:],
        "summary": None,
        "locator": "; ".join(parts),
        "locators": locators,
        "links": [],
        "notes": notes,
    }
    event["links"] = links_for(event, _words_of(found), tables, names)
    return event


def _hosts_by_venue(event: FoundEvent, names: StoredNames) -> None:
    """At an organization's headquarters, the person whose post is in that organization hosts
    and the others who are only 'participant' are its guests."""
    if event.kind != "meeting" or event.place is None:
        return
    venue = fold(event.place.name)
    if "headquarters" not in venue and " hq" not in f" {venue}":
        return
    owner = venue.replace("headquarters", "").replace(" hq", "").strip()
    if not owner:
        return
    hosts = [
        p
        for p in event.participants
        if p.kind == "person"
        and p.title
        and p.part == "participant"
        and owner in fold(p.title).split()
    ]
    if not hosts:
        hosts = [
            p
            for p in event.participants
            if len(p.stored) == 1
            and any(
                (r.get("organization") or "")
                and fold(names.records.get(r["organization"], {}).get("name", "")) == owner
                for r in names.records[p.stored[0]].get("roles") or []
            )
        ]
    if len(hosts) != 1:
        return
    for p in event.participants:
        if p is hosts[0] and p.part == "participant":
            p.part = "host"
        elif p.part == "participant" and p.kind == "person":
            p.part = "guest"


def _words_of(found: FoundEvent) -> set[str]:
    words = set(fold(found.text).split()) | {found.kind}
    if found.place is not None:
        words |= set(fold(found.place.name).split())
    for org in found.organizations:
        words |= set(fold(org.name).split())
    for name in found.names:
        words |= set(fold(name).split())
    for p in found.participants:
        words |= set(fold(p.name).split())
    return words - _STOP


def links_for(event: Json, words: set[str], tables: Json, names: StoredNames) -> list[Json]:
    """Stored events this one fulfils, repeats or narrows (best first; at most one each)."""
    when = event.get("date")
    if not when:
        return []
    mine = {p["id"] for p in event["participants"] if p.get("id")}
    mine |= {o["id"] for o in event["organizations"] if o.get("id")}
    if event.get("place") and event["place"].get("id"):
        mine.add(event["place"]["id"])
    people = {
        p["id"]
        for p in event["participants"]
        if p.get("id") and names.records.get(p["id"], {}).get("kind") == "person"
    }
    scored: list[tuple[float, Json, str]] = []
    for stored in tables["events"].values():
        if stored["kind"] != event["kind"]:
            continue
        theirs_date = stored.get("date") or {}
        if not _overlap(when, theirs_date):
            continue
        theirs = {p["entity"] for p in stored.get("participants") or []}
        theirs |= set(stored.get("organizations") or [])
        if stored.get("place"):
            theirs.add(stored["place"])
        stored_people = {i for i in theirs if names.records.get(i, {}).get("kind") == "person"}
        shared_people = people & stored_people
        text_words = (
            set(fold(" ".join([stored.get("title", ""), *(stored.get("topics") or [])])).split())
            - _STOP
        )
        overlap = len(words & text_words) / max(len(text_words), 1)
        years, their_years = _years(words), _years(set(fold(stored.get("title", "")).split()))
        if years and their_years and not years & their_years:
            continue  # "capital ... for 2023" is not "capital ... for 2024"
        same_people = bool(people) and shared_people == people == stored_people
        if not (
            overlap >= 0.5
            or same_people
            or (len(shared_people) >= 2)
            or (shared_people and len(mine & theirs) >= 3)
        ):
            continue
        score = overlap + len(mine & theirs) + 2 * len(shared_people)
        relation = _relation(event, stored)
        scored.append((score, stored, relation))
    scored.sort(key=lambda s: -s[0])
    out: list[Json] = []
    for _, stored, relation in scored[:1]:
        entry = {
            "relation": relation,
            "event": stored["id"],
            "title": stored.get("title"),
            "date": edtf_display(stored["date"]["edtf"]),
        }
        if relation == "narrows":
            entry["narrowed"] = _intersection(when, stored["date"])
        out.append(entry)
    return out


def _years(words: set[str]) -> set[str]:
    return {w for w in words if re.fullmatch(r"(?:19|20)\d\d", w)}


def _relation(event: Json, stored: Json) -> str:
    if stored.get("status") in ("planned", "postponed") and event["status"] == "happened":
        return "fulfils"
    overlap = _intersection(event["date"], stored["date"])
    if overlap is not None and overlap["edtf"] != stored["date"]["edtf"]:
        return "narrows"
    return "repeats"


def _overlap(a: Json, b: Json) -> bool:
    return (a.get("earliest") or "") <= (b.get("latest") or "9999") and (
        b.get("earliest") or ""
    ) <= (a.get("latest") or "9999")


def _intersection(a: Json, b: Json) -> Json | None:
    """The dates both allow, as a stored date; None when that is just one of them."""
    start = max(a.get("earliest") or "", b.get("earliest") or "") or None
    end = min(a.get("latest") or "9999-12-31", b.get("latest") or "9999-12-31")
    end_value = None if end == "9999-12-31" else end
    if start and end_value and start > end_value:
        return None
    if (start, end_value) == (b.get("earliest"), b.get("latest")):
        return dict(b)
    if (start, end_value) == (a.get("earliest"), a.get("latest")):
        return dict(a)
    if start and end_value and start == end_value:
        return FuzzyDate.from_edtf(start).to_dict()
    edtf = f"[{start or ''}..{end_value or ''}]"
    try:
        return FuzzyDate.from_edtf(edtf).to_dict()
    except InvalidInput:
        return None
