"""Posts held over time: who held which post, and how we know.

A role is a tenure when a source gives it a start or an end (`from`/`until`); otherwise it is
known only from the days sources cited it (`first_cited`/`last_cited`), and it says so ("cited on
20 November 2022"), never passing for a tenure or for a post still held. The span a role's
evidence covers — from its start (or first citation) to its end (or last citation) — is what
`roles --at DATE` matches.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .dates import edtf_display, overlaps
from .errors import NoMatch
from .queries import KnowledgeBase, citation_label, date_label
from .textfold import fold

Json = dict[str, Any]


def attested_labels(role: Json) -> list[str]:
    """The days a role is attested for (`attested`), as they read: 'January 2021 (inferred)',
    '20 November 2022'."""
    return [
        date_label(entry.get("date"))
        + (f" ({entry['basis']})" if entry.get("basis", "stated") != "stated" else "")
        for entry in role.get("attested") or ()
    ]


def role_span(role: Json) -> str:
    """How a role's dates read: 'March 2020 – December 2022', 'from January 2023; last cited
    15 June 2023', 'attested January 2021; 20 November 2022' (the days sources show it held),
    'cited on 20 November 2022', 'first cited 3 May 2022, last cited 14 February 2023',
    'dates unknown'."""
    start, end = role.get("from"), role.get("until")
    first, last = role.get("first_cited"), role.get("last_cited")
    attested = attested_labels(role)
    if attested and not (start or end):
        return f"attested {'; '.join(attested)}"
    if start and end:
        return f"{date_label(start)} – {date_label(end)}"
    if start:
        span = f"from {date_label(start)}"
        return span + (f"; last cited {edtf_display(last)}" if last else "")
    if end:
        return f"until {date_label(end)}"
    if first and last and first != last:
        return f"first cited {edtf_display(first)}, last cited {edtf_display(last)}"
    cited = first or last
    if cited:
        return f"cited on {edtf_display(cited)}"
    return "dates unknown"


def role_evidence(role: Json) -> str:
    """'tenure' (a source gives a start or an end), 'attested' (days a source shows it held),
    'citation' (only the days it was cited), or 'none'."""
    if role.get("from") or role.get("until"):
        return "tenure"
    if role.get("attested"):
        return "attested"
    if role.get("first_cited") or role.get("last_cited"):
        return "citation"
    return "none"


def evidence_span(role: Json) -> tuple[str | None, str | None] | None:
    """The ISO days (earliest, latest) the sources vouch for the role; None when undated.

    A start with no end is vouched for up to its last citation (else to the end of the start
    date); an end with no start, from its first citation (else from the start of the end date).
    Attested days count as citations (January 2021 vouches from 1 January 2021).
    """
    start, end = role.get("from") or {}, role.get("until") or {}
    first = role.get("first_cited") or role.get("last_cited")
    last = role.get("last_cited") or role.get("first_cited")
    for entry in role.get("attested") or ():  # days attested widen what the citations vouch for
        day = entry.get("date") or {}
        if day.get("earliest") and (first is None or day["earliest"] < first):
            first = day["earliest"]
        if day.get("latest") and (last is None or day["latest"] > last):
            last = day["latest"]
    if not (start or end or first):
        return None
    earliest = start.get("earliest") if start else first or end.get("earliest")
    latest = end.get("latest") if end else last or start.get("latest")
    if start and not start.get("earliest"):
        earliest = first
    return earliest, latest


@dataclass(frozen=True)
class RoleQuery:
    """What `roles` narrows posts by; each criterion optional."""

    at: tuple[str | None, str | None] | None = None  # ISO days: the span of the --at date
    title: str | None = None  # words the title holds, any case or accents
    organizations: frozenset[str] = frozenset()  # ids (the organization and its parts)
    person: str | None = None  # an entity id


def parts_of(kb: KnowledgeBase, organization: str) -> frozenset[str]:
    """The organization and every entity linked to it as `part-of`, transitively
    (Betaland -> its Ministry of Culture -> ...)."""
    children: dict[str, list[str]] = {}
    for record in kb.data.tables["entities"].values():
        for link in record.get("related") or ():
            if link.get("relation") == "part-of":
                children.setdefault(link["entity"], []).append(record["id"])
    found, todo = {organization}, [organization]
    while todo:
        for child in children.get(todo.pop(), ()):
            if child not in found:
                found.add(child)
                todo.append(child)
    return frozenset(found)


def role_rows(kb: KnowledgeBase, query: RoleQuery) -> list[Json]:
    """Every role that matches, with its holder, wording and evidence; ordered by title, then
    when its evidence starts, then holder. Raises NoMatch when none matches."""
    words = fold(query.title).split() if query.title else []
    rows = []
    names: dict[str | None, str] = {}
    for person in kb.data.tables["entities"].values():
        roles = person.get("roles")
        if not roles or (query.person and person["id"] != query.person):
            continue
        for role in roles:
            if query.organizations and role.get("organization") not in query.organizations:
                continue
            if words:
                title = fold(role.get("title") or "")
                if not all(w in title for w in words):
                    continue
            span = evidence_span(role)
            if query.at is not None:
                if span is None or not overlaps(span[0], span[1], *query.at):
                    continue
            organization = role.get("organization")
            if organization not in names:
                names[organization] = kb.name_of(organization)
            rows.append(
                {
                    "person": person["id"],
                    "name": person["name"],
                    **role,
                    "evidence": role_evidence(role),
                    "evidence_span": {"earliest": span[0], "latest": span[1]} if span else None,
                    "display": {
                        "organization": names[organization],
                        "span": role_span(role),
                        "sources": [citation_label(kb, c) for c in role.get("sources") or ()],
                    },
                }
            )
    rows.sort(key=lambda r: (fold(r.get("title") or ""), _start(r), fold(r["name"]), r["person"]))
    if not rows:
        raise NoMatch("no role matches these filters")
    return rows


def _start(row: Json) -> str:
    span = row["evidence_span"]
    return (span and (span["earliest"] or "")) or "9999"
