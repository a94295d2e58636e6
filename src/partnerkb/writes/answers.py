"""Checking answers typed at a prompt as the write will check them (`AnswerCheck`), so that a
terminal session asks again at once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import cast

from ..dates import parse_date
from ..errors import Ambiguous, InvalidInput, NotFound
from ..ownrecord import is_self
from ..store import StoreData, Transaction
from .drafts import MISSING_HINTS, Participant, WriteOptions, parse_participant
from .inputs import checked_text
from .resolution import KIND_WORD
from .wording import about, or_create_missing
from .writer import Writer


class _Reading:
    """Stands for a transaction where names are only looked up: nothing is written."""

    def __init__(self, data: StoreData) -> None:
        self.data = data


def split_listed(text: str, is_name: Callable[[str], bool]) -> list[str]:
    """The entries of one answer listing participants ('A:host, B' or 'A:host; B', each a
    name with an optional ':part' and ':title'). With a ';' anywhere only ';' separates (a name
    or a title may then hold commas); else ',' does, except inside a name `is_name` knows
    ('Ministry of Culture, Azerbaijan', however many pieces it spans: the longest first)."""
    if ";" in text:
        return [c.strip() for c in text.split(";") if c.strip()]
    pieces = text.split(",")
    chunks, start = [], 0
    while start < len(pieces):
        end = start + 1
        for stop in range(len(pieces), start + 1, -1):
            # the pieces joined must all be of the name: no ':part' before the last comma
            if ":" not in ",".join(pieces[start:stop - 1]) and is_name(
                ",".join(pieces[start:stop]).partition(":")[0].strip()
            ):
                end = stop
                break
        chunks.append(",".join(pieces[start:end]).strip())
        start = end
    return [c for c in chunks if c]


@dataclass
class NameLookup:
    """A name typed at a prompt: the stored entity it designates (`id`), or the namesakes it
    could be (`candidates`), or, when none, the stored entities it looks like (`suggestions`,
    ids; maybe none)."""

    name: str
    id: str | None = None
    candidates: list[str] = field(default_factory=list)
    suggestions: list[str] = field(default_factory=list)


class AnswerCheck:
    """Checks one answer typed at a prompt as the write will, so that a terminal session asks
    again at once instead of refusing everything after the last question. Each method returns
    the answer as the draft takes it, or raises the error the write would raise. Without a
    readable store (`data` None) names are left for the write to check."""

    def __init__(self, data: StoreData | None, options: WriteOptions) -> None:
        self.options = options
        self.has_store = data is not None
        view = data if data is not None else StoreData.empty()
        self._writer = Writer(cast(Transaction, _Reading(view)), options)

    def date(self, text: str) -> str:
        """A date as the write reads it (relative phrases against --as-of, else today: the
        write resolves them again against the source's day)."""
        value = checked_text("date", text, "tag", required=True)
        assert value is not None
        with about("date"):
            parse_date(value, self.options.as_of or self.options.today,
                       order=self.options.date_order)  # fmt: skip
        return value

    def day(self, text: str) -> str | None:
        """A publication day, or None when left empty."""
        return text.strip() if self._writer.read_day("source date", text) else None

    def participants(self, text: str) -> list[Participant]:
        """'Name:part; Name:part' with every name in the store (or --create-missing)."""
        given = self.split_participants(text)
        for participant in given:
            self.entity(participant.name, "participants")
        return given

    def split_participants(self, text: str) -> list[Participant]:
        """The participants of one answer (`split_listed`, a stored name with a comma kept
        whole). Names are not looked up here beyond that: see `look_up`."""
        chunks = split_listed(text, self._stored)
        if not chunks:
            raise InvalidInput("participant is required", hint=MISSING_HINTS["participant"])
        return [parse_participant(c) for c in chunks]

    def _stored(self, name: str) -> bool:
        if not self.has_store or not name.strip():
            return False
        try:
            self._writer.resolve(name, "entities", "participants")
        except Ambiguous:
            return True
        except NotFound:
            return False
        return True

    def look_up(self, text: str, slot: str) -> NameLookup:
        """What a name typed at a prompt designates: one stored entity, several (namesakes,
        to choose from), or none (with the stored entities it looks like, if any)."""
        name = checked_text(slot, text, "name", required=True)
        assert name is not None
        if not self.has_store:
            return NameLookup(name)
        try:
            return NameLookup(name, id=str(self._writer.resolve(name, "entities", slot)["id"]))
        except Ambiguous as exc:
            return NameLookup(name, candidates=list(exc.candidates))
        except NotFound:
            kb = self._writer.entity_kb()
            close = [*self._writer.looks_like(name), *kb.suggest(name, ("entities",))]
            return NameLookup(name, suggestions=list(dict.fromkeys(close))[:5])

    def is_stored(self, entity_id: str) -> bool:
        return self._writer.data.find("entities", entity_id) is not None

    def label(self, entity_id: str) -> str:
        """'Anar Karimov (Minister of Culture), person, anar-karimov-minister': a stored
        entity as a choice shows it, namesakes told apart."""
        kb = self._writer.entity_kb()
        record = kb.data.find("entities", entity_id) or {}
        return f"{kb.display_name(entity_id)}, {record.get('kind', '?')}, {entity_id}"

    def names(self, kinds: tuple[str, ...] = ()) -> list[str]:
        """Every stored entity's name and alias (of `kinds`, if given), to complete at a
        prompt."""
        found: dict[str, None] = {}
        for record in self._writer.data.tables["entities"].values():
            if kinds and record.get("kind") not in kinds:
                continue
            for name in (record.get("name"), *(record.get("aliases") or ())):
                if name:
                    found[str(name)] = None
        return sorted(found, key=str.casefold)

    def entity(self, text: str, slot: str) -> str | None:
        """A name or id of a stored entity (any name with --create-missing); None when empty."""
        name = checked_text(slot, text, "name")
        if name is None or not self.has_store:
            return name
        try:
            self._writer.resolve(name, "entities", slot)
        except NotFound as exc:
            if not self.options.create_missing:
                raise or_create_missing(exc) from None
        return name

    def source(self, text: str) -> str | None:
        """A stored source's id or title, or 'self' (the caller's own record); None when
        empty (a new source is described)."""
        value = checked_text("source", text, "id")
        if value is not None and self.has_store:
            if is_self(value):
                self._writer.refuse_self_shadows()
            else:
                self._writer.resolve(value, "sources", "source")
        return value

    def kind(self, text: str, table: str) -> str:
        return self._writer.check_kind(text, table)

    def new_kind(self, text: str, table: str) -> str | None:
        """The kind `text` gives when it is a well-formed word the store has never used (to
        ask before it is introduced); None when it is a known kind. Other answers raise."""
        try:
            self._writer.check_kind(text, table)
        except InvalidInput:
            word = text.strip().lower()
            if KIND_WORD.fullmatch(word):
                return word
            raise
        return None
