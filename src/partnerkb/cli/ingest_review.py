"""Showing an ingest proposal to a person and reviewing it on the terminal.

`describe` is the proposal in words (the text of `--dry-run` on a terminal). `review` shows each
entity and event and asks to accept, edit (field by field, each answer checked as the write
commands check it, asked again after a one-line error) or skip it; `q` stops without writing.
It returns the proposal as accepted, or None when the person quits or accepts nothing.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import date
from typing import Any, TypeVar

from ..errors import InvalidInput
from .common import say

Json = dict[str, Any]
T = TypeVar("T")


def _safe(text: Any) -> str:
    from ..render import safe_text

    return safe_text(str(text))


def _date_words(when: Json | None) -> str:
    if not when:
        return "no date"
    from ..dates import edtf_display

    text = edtf_display(when["edtf"])
    if when.get("phrase"):
        text += f' ("{when["phrase"]}"'
        if when.get("resolved_against"):
            text += f", read against {when['resolved_against']}"
        text += ")"
    return text


def describe_entity(n: int, entity: Json) -> str:
    head = f"{n}. [{entity['status']}] {entity['kind']} {entity['name']}"
    if entity.get("id"):
        head += f" ({entity['id']})"
    lines = [head]
    written = [w for w in entity.get("written") or [] if w != entity["name"]]
    if written:
        lines.append(f"   written: {'; '.join(written)}")
    role = entity.get("role")
    if role:
        org = (role.get("organization") or {}).get("name")
        lines.append(
            f"   post: {role['title']}"
            + (f" ({org})" if org else "")
            + (f" — as stated: {role['stated']}" if role.get("stated") != role["title"] else "")
        )
    for c in entity.get("candidates") or []:
        mark = " — the post the article gives" if c.get("post_matches") else ""
        lines.append(f"   could be {c['id']}: {'; '.join(c.get('posts') or []) or 'no post'}{mark}")
    if entity.get("located_in"):
        lines.append(f"   in: {entity['located_in'].get('name')}")
    if entity.get("locator"):
        lines.append(f"   where: {entity['locator']}")
    return "\n".join(_safe(line) for line in lines)


def describe_event(n: int, event: Json) -> str:
    place = (event.get("place") or {}).get("name")
    lines = [
        f"{n}. {event['kind']}, {event['status']}, {_date_words(event.get('date'))}"
        + (f", at {place}" if place else "")
    ]
    if event.get("title"):
        lines.append(f"   title: {event['title']}")
    people = [
        f"{p['name']} ({p.get('part') or 'participant'}"
        + (f"; {p['title']}" if p.get("title") else "")
        + (f"; ambiguous: {', '.join(p['candidates'])}" if p.get("candidates") else "")
        + ")"
        for p in event.get("participants") or []
    ]
    if people:
        lines.append(f"   participants: {', '.join(people)}")
    orgs = [o["name"] for o in event.get("organizations") or []]
    if orgs:
        lines.append(f"   organizations: {', '.join(orgs)}")
    for link in event.get("links") or []:
        lines.append(
            f"   {link['relation']} {link['event']} ({link.get('title')}, {link.get('date')})"
        )
    lines.append(f"   where: {event.get('locator')}")
    for note in event.get("notes") or []:
        lines.append(f"   note: {note}")
    return "\n".join(_safe(line) for line in lines)


def describe(proposal: Json) -> str:
    source = proposal["source"]
    lines = [
        _safe(
            f"Source: {source.get('outlet')}, “{source.get('title')}”, published "
            f"{source.get('published') or 'on an unknown day'}"
            + (f", {source['url']}" if source.get("url") else "")
        )
    ]
    entities = proposal.get("entities") or []
    lines.append(f"Entities ({len(entities)}):")
    lines.extend(describe_entity(n, e) for n, e in enumerate(entities, 1))
    events = proposal.get("events") or []
    lines.append(f"Events ({len(events)}):")
    lines.extend(describe_event(n, e) for n, e in enumerate(events, 1))
    return "\n".join(lines)


class _Quit(Exception):
    pass


def _ask(question: str, check: Callable[[str], T], default: str = "") -> T:
    """Asked with line editing and a history (`prompts.ask`); empty takes `default`."""
    from .prompts import ask

    return ask(question, check, default=default, topic=f"ingest-{question.split()[0]}")


def _choice(question: str) -> str:
    def check(text: str) -> str:
        value = text.strip().lower()[:1]
        if value not in ("a", "e", "s", "q"):
            raise InvalidInput("answer a (accept), e (edit), s (skip) or q (quit)")
        return value

    value = _ask(f"{question} [a]ccept, [e]dit, [s]kip, [q]uit", check, default="a")
    if value == "q":
        raise _Quit
    return value


def review(proposal: Json, published: date | None) -> Json | None:
    """The proposal as the person accepted it (entries skipped marked so), or None."""
    result = copy.deepcopy(proposal)
    source = result["source"]
    say(
        _safe(
            f"Source: {source.get('outlet')}, “{source.get('title')}”, "
            f"{source.get('published') or 'day unknown'}"
        )
    )
    accepted = 0
    try:
        for n, entity in enumerate(result.get("entities") or [], 1):
            if (
                entity["status"] == "stored"
                and not entity.get("role")
                and not entity.get("new_aliases")
            ):
                continue  # nothing to write about it: it is only referred to
            say(describe_entity(n, entity))
            choice = _choice("entity")
            if choice == "s":
                entity["skip"] = True
                continue
            if choice == "e":
                _edit_entity(entity)
            accepted += 1
        for n, event in enumerate(result.get("events") or [], 1):
            say(describe_event(n, event))
            choice = _choice("event")
            if choice == "s":
                event["skip"] = True
                continue
            if choice == "e":
                _edit_event(event, published, result.get("entities") or [])
            accepted += 1
    except _Quit:
        return None
    return result if accepted else None


def _text(value: str) -> str | None:
    from ..writes import checked_text

    return checked_text("answer", value, "title")


def _edit_entity(entity: Json) -> None:
    if entity["status"] == "ambiguous":
        ids = [c["id"] for c in entity.get("candidates") or []]

        def pick(text: str) -> str:
            value = text.strip()
            if value not in (*ids, "new"):
                raise InvalidInput(f"answer one of {', '.join(ids)}, or new")
            return value

        chosen = _ask(f"which one? ({', '.join(ids)}, or new for someone else)", pick)
        if chosen == "new":
            entity["status"] = "new"
        else:
            entity["id"], entity["status"] = chosen, "stored"
    entity["name"] = _ask("name", lambda t: _text(t) or entity["name"], entity["name"])
    if entity["status"] == "new":
        from ..model import ENTITY_KINDS

        def kind(text: str) -> str:
            value = text.strip().lower()
            if value not in ENTITY_KINDS:
                raise InvalidInput(f"kind is one of {', '.join(ENTITY_KINDS)}")
            return value

        entity["kind"] = _ask("kind", kind, entity["kind"])
    if entity["kind"] == "person":
        role = entity.get("role") or {}
        title = _ask("post (empty for none)", _text, role.get("title") or "")
        if title:
            org = _ask(
                "post's organization (empty for none)",
                _text,
                (role.get("organization") or {}).get("name") or "",
            )
            entity["role"] = {
                **role,
                "title": title,
                "organization": {"id": None, "name": org} if org else None,
            }
        else:
            entity["role"] = None


def _edit_event(event: Json, published: date | None, proposal_entities: list[Json]) -> None:
    from ..dates import parse_date
    from ..model import STATUSES
    from ..writes import checked_text, parse_participant

    def kind(text: str) -> str:
        from ..writes import KIND_WORD

        value = text.strip().lower()
        if not KIND_WORD.fullmatch(value):
            raise InvalidInput("a kind is a lowercase word: meeting, visit, award...")
        return value

    event["kind"] = _ask("kind", kind, event["kind"])

    def when(text: str) -> Json:
        if not text.strip():
            raise InvalidInput("a date is required", hint='e.g. "2024-05-11", "May 2024"')
        if text.strip() == (event.get("date") or {}).get("edtf"):
            return dict(event["date"])
        return parse_date(text, published, keep_phrase=True).to_dict()

    event["date"] = _ask("date", when, (event.get("date") or {}).get("edtf", ""))

    def status(text: str) -> str:
        value = text.strip().lower()
        if value not in STATUSES:
            raise InvalidInput(f"status is one of {', '.join(STATUSES)}")
        return value

    event["status"] = _ask("status", status, event["status"])
    place = _ask("place (empty for none)", _text, (event.get("place") or {}).get("name") or "")
    if place != (event.get("place") or {}).get("name"):
        event["place"] = {"id": None, "name": place} if place else None
    current = "; ".join(
        f"{p['name']}:{p.get('part') or ''}:{p.get('title') or ''}"
        for p in event.get("participants") or []
    )

    from ..textfold import fold
    from ..writes.answers import split_listed

    # names a comma does not split: those of the proposal (and the store's it recognised)
    known_names = {fold(str(p.get("name") or "")) for p in event.get("participants") or []}
    known_names |= {fold(str(e.get("name") or "")) for e in proposal_entities}

    def people(text: str) -> list[Json]:
        out = []
        for piece in split_listed(text, lambda name: fold(name) in known_names):
            parsed = parse_participant(piece)
            known = next(
                (p for p in event.get("participants") or [] if p["name"] == parsed.name), None
            )
            out.append(
                {
                    "id": known.get("id") if known else None,
                    "name": parsed.name,
                    "part": parsed.part,
                    "title": parsed.as_title,
                }
            )
        return out

    event["participants"] = _ask("participants (Name:part:post, separated by ',' or ';')",
                                 people, current)  # fmt: skip
    listed = "; ".join(p["name"] + (f" ({p['part']})" if p.get("part") else "")
                       for p in event["participants"])  # fmt: skip
    say(f"participants: {listed or 'none'}")
    title = _ask("title (empty: made from the participants)", _text, event.get("title") or "")
    event["title"] = title or None
    summary = _ask(
        "summary, in your own words (empty for none)",
        lambda t: checked_text("summary", t, "summary"),
        event.get("summary") or "",
    )
    event["summary"] = summary or None
    links = event.get("links") or []
    if links:
        link = links[0]

        def keep(text: str) -> bool:
            value = text.strip().lower()[:1]
            if value not in ("y", "n"):
                raise InvalidInput("answer y or n")
            return value == "y"

        if not _ask(f"keep the link '{link['relation']} {link['event']}'? (y/n)", keep, "y"):
            event["links"] = []
