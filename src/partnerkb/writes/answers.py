"""Checking answers typed at a prompt as the write will check them (`AnswerCheck`), so that a
terminal session asks again at once.
"""

from __future__ import annotations

from typing import cast

from ..dates import parse_date
from ..errors import InvalidInput, NotFound
from ..ownrecord import is_self
from ..store import StoreData, Transaction
from .drafts import MISSING_HINTS, Participant, WriteOptions, parse_participant
from .inputs import checked_text
from .wording import about, or_create_missing
from .writer import Writer


class _Reading:
    """Stands for a transaction where names are only looked up: nothing is written."""

    def __init__(self, data: StoreData) -> None:
        self.data = data


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
        given = [parse_participant(p) for p in text.split(";") if p.strip()]
        if not given:
            raise InvalidInput("participant is required", hint=MISSING_HINTS["participant"])
        for participant in given:
            self.entity(participant.name, "participants")
        return given

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
