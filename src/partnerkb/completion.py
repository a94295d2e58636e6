"""What a shell offers when the user presses TAB: the records, kinds, tags, parts and titles of
a store that fit what has been typed so far. Pure functions over `StoreData`; the command line
decides which of them an option or argument uses and how the shell receives them.

Each function returns `(value, help)` pairs: the value is what the shell inserts (a name as the
user would type it, or an id), the help a short description some shells show beside it (zsh,
fish). What has been typed matches whatever the case, accents or script (`samad`, `Şuşa`), at
the start of the value or of any word in it (`Sam` offers "Nazim Samadov"), or of any part of an
id (`almalik` offers `2024-01-30-samadov-almalik-rabat`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from .model import ENTITY_KINDS, EVENT_KINDS, STATUSES
from .store import StoreData
from .textfold import fold

Json = dict[str, Any]
Candidate = tuple[str, str]


class _Typed:
    """What has been typed, ready to be matched against names, words and ids."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.raw = text.casefold()
        self.folded = fold(text) if text.strip() else ""
        self.empty = not text.strip()

    def starts(self, value: str) -> bool:
        """`value` starts with what was typed (case aside)."""
        return value.casefold().startswith(self.raw)

    def starts_id(self, record_id: str) -> bool:
        """`record_id` starts with what was typed, as typed (ids are lower case: `Shusha`
        means the name, `shusha` the id)."""
        return record_id.startswith(self.text)

    def starts_a_word(self, value: str) -> bool:
        """A word of `value` (folded) starts with what was typed (folded)."""
        if self.empty:
            return True
        if not self.folded:
            return False
        folded = fold(value)
        return folded.startswith(self.folded) or f" {self.folded}" in f" {folded}"

    def starts_a_part(self, record_id: str) -> bool:
        """`record_id` or one of its hyphen-separated parts starts with what was typed."""
        if self.empty or record_id.startswith(self.raw):
            return True
        return bool(self.raw) and f"-{self.raw}" in record_id


def _ordered(found: dict[str, str], typed: _Typed) -> list[Candidate]:
    """Values that start with what was typed first (the shell can extend those), then the rest;
    each group in alphabetical order."""
    return sorted(found.items(), key=lambda item: (not typed.starts(item[0]), item[0].casefold()))


def _describe(record: Json, table: str) -> str:
    if table == "entities":
        roles = record.get("roles") or []
        what = roles[0].get("title") if roles and isinstance(roles[0], dict) else None
        return f"{record.get('kind', 'entity')}: {what or record.get('name') or record['id']}"
    if table == "events":
        return f"{record.get('kind', 'event')}: {record.get('title') or ''}".strip()
    if table == "sources":
        return f"source: {record.get('outlet') or ''}, {record.get('title') or ''}".strip(", ")
    return table.rstrip("s")


def _records(data: StoreData, table: str) -> Iterable[Json]:
    return (r for r in data.tables.get(table, {}).values() if isinstance(r, dict) and "id" in r)


# How well a value fits what was typed: only the best fitting values are offered, so that a
# unique best one completes at once (`Sam` completes to "Nazim Samadov" rather than listing the
# events whose ids hold "samadov").
_STARTS, _WORD, _PART = 0, 1, 2


def records(
    data: StoreData,
    typed: str,
    tables: Sequence[str] = ("entities",),
    *,
    kinds: Sequence[str] = (),
    statuses: Sequence[str] = (),
) -> list[Candidate]:
    """Records of `tables` that fit `typed`, optionally only of `kinds` (entities, events) or
    `statuses` (events); the best fitting only: the values that start with what was typed, else
    the names a word of which does, else the records an id part, title or outlet of which does.

    An entity is offered by its name (or the alias that matched) when no other entity has that
    name, else by its id (the name would not tell namesakes apart); an id that starts with what
    was typed is offered as typed (`nazim-` gives `nazim-samadov`). Events, sources and
    partnerships are offered by id; their titles, outlets and parties match too.
    """
    want = _Typed(typed)
    tiers: list[dict[str, str]] = [{}, {}, {}]
    groups = {
        table: [r for r in _records(data, table)
                if (not kinds or r.get("kind") in kinds)
                and (not statuses or r.get("status") in statuses)]
        for table in tables
    }  # fmt: skip
    others = [(table, group) for table, group in groups.items() if table != "entities"]
    if "entities" in groups:
        _entities(groups["entities"], want, tiers)
    for table, group in others:
        for record in group:
            record_id = str(record["id"])
            if want.empty or want.starts_id(record_id):
                tiers[_STARTS].setdefault(record_id, _describe(record, table))
    if not tiers[_STARTS] and not tiers[_WORD]:  # only then the slower look at titles
        for table, group in others:
            for record in group:
                words = [str(record.get(f) or "") for f in ("title", "outlet")]
                if table == "partnerships":
                    words += [str(p) for p in record.get("parties") or []]
                record_id = str(record["id"])
                if want.starts_a_part(record_id) or any(want.starts_a_word(w)
                                                        for w in words if w):  # fmt: skip
                    tiers[_PART].setdefault(record_id, _describe(record, table))
    best = next((tier for tier in tiers if tier), {})
    return _ordered(best, want)


def _entities(group: list[Json], want: _Typed, tiers: list[dict[str, str]]) -> None:
    named: list[tuple[Json, list[tuple[str, str]]]] = []  # record, [(name or alias, folded)]
    owners: dict[str, set[str]] = {}  # folded name or alias -> the entities it names
    for record in group:
        names = [(n, fold(n)) for n in [record.get("name"), *(record.get("aliases") or [])]
                 if isinstance(n, str) and n]  # fmt: skip
        named.append((record, names))
        for _, folded in names:
            owners.setdefault(folded, set()).add(str(record["id"]))
    word = f" {want.folded}"
    for record, names in named:
        record_id = str(record["id"])
        if not want.empty and want.starts_id(record_id):
            tiers[_STARTS].setdefault(record_id, _describe(record, "entities"))
            continue
        tier, matched = _STARTS, None
        for name, folded in names:
            if folded.startswith(want.folded):
                matched = (name, folded)
                break
        if matched is None and want.folded:
            tier = _WORD
            matched = next(((n, f) for n, f in names if word in f" {f}"), None)
        if matched is None:
            if want.starts_a_part(record_id):
                tiers[_PART].setdefault(record_id, _describe(record, "entities"))
            continue
        help_text = _describe(record, "entities")
        if len(owners.get(matched[1], ())) == 1:
            tiers[tier].setdefault(matched[0], f"{help_text} ({record_id})")
        else:  # a name several entities have: their ids tell them apart
            tiers[tier].setdefault(record_id, help_text)


def kinds(data: StoreData, typed: str, tables: Sequence[str]) -> list[Candidate]:
    """The kinds of `tables` (the usual ones and those the store uses) that start with `typed`."""
    usual = {"entities": ENTITY_KINDS, "events": EVENT_KINDS}
    found: dict[str, str] = {}
    for table in tables:
        noun = table[:-1].replace("entitie", "entity")
        for kind in usual.get(table, ()):
            found.setdefault(kind, f"{noun} kind")
        for record in _records(data, table):
            stored = record.get("kind")
            if isinstance(stored, str):
                found.setdefault(stored, f"{noun} kind")
    want = _Typed(typed)
    return _ordered({k: v for k, v in found.items() if want.starts(k)}, want)


def tags(data: StoreData, typed: str, tables: Sequence[str] = ("events",)) -> list[Candidate]:
    """The tags the records of `tables` carry that start with `typed` (or a word of which does),
    with how many records carry each."""
    counts: dict[str, int] = {}
    for table in tables:
        for record in _records(data, table):
            for tag in record.get("tags") or []:
                if isinstance(tag, str):
                    counts[tag] = counts.get(tag, 0) + 1
    want = _Typed(typed)
    found = {t: f"tag of {n} record{'s' if n != 1 else ''}" for t, n in counts.items()
             if want.starts(t) or want.starts_a_word(t)}  # fmt: skip
    return _ordered(found, want)


def parts(data: StoreData, typed: str) -> list[Candidate]:
    """The parts participants play in the stored events (host, guest...) that start with
    `typed`."""
    found: dict[str, str] = {}
    want = _Typed(typed)
    for record in _records(data, "events"):
        for participant in record.get("participants") or []:
            part = participant.get("part") if isinstance(participant, dict) else None
            if isinstance(part, str) and want.starts(part):
                found.setdefault(part, "part in an event")
    return _ordered(found, want)


def role_titles(data: StoreData, typed: str) -> list[Candidate]:
    """The titles of the posts people hold or held (roles) that fit `typed`."""
    found: dict[str, str] = {}
    want = _Typed(typed)
    for record in _records(data, "entities"):
        for role in record.get("roles") or []:
            title = role.get("title") if isinstance(role, dict) else None
            if isinstance(title, str) and want.starts_a_word(title):
                found.setdefault(title, "title of a post")
    return _ordered(found, want)


def history_ids(data: StoreData, typed: str) -> list[Candidate]:
    """The ids of the history's entries that start with `typed`, newest first, each with its
    command."""
    entries = [r for r in _records(data, "history") if str(r["id"]).startswith(typed)]
    entries.sort(key=lambda r: str(r.get("at") or ""), reverse=True)
    return [(str(r["id"]), str(r.get("command") or "")) for r in entries]


def choices(values: Iterable[str], typed: str, what: str = "") -> list[Candidate]:
    """Fixed values (formats, groupings, statuses...) that start with `typed`, in their order."""
    want = _Typed(typed)
    return [(v, what) for v in values if want.starts(v)]


def statuses(typed: str) -> list[Candidate]:
    return choices(STATUSES, typed, "status")
