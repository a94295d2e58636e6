"""What every part of a `Writer` shares: the transaction, the options, the records made along
the way, and the day relative dates are read against (`Reference`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from ..dates import edtf_display, parse_date
from ..errors import InvalidInput
from ..store import StoreData, Transaction
from .drafts import WriteOptions
from .inputs import checked_text
from .wording import about

Json = dict[str, Any]


@dataclass(frozen=True)
class Reference:
    """The day a record's relative dates are resolved against, and where it comes from:
    '--as-of', 'source' (the cited source's publication day), 'sources' (several cited sources
    published on different days: the latest, and a relative date is refused), 'today'."""

    day: date
    origin: str


class WriterBase:
    """The state of one command's writes, inside one transaction, and reading its dates."""

    def __init__(self, tx: Transaction, options: WriteOptions) -> None:
        self.tx = tx
        self.options = options
        self.created: list[tuple[str, str, str]] = []
        # relative dates resolved against the day of typing (said once, on stderr, by the CLI)
        self.resolved_against_today: list[str] = []

    @property
    def data(self) -> StoreData:
        return self.tx.data

    def reference_for(
        self, cites: Sequence[Json], published: Callable[[str], str | None] | None = None
    ) -> Reference:
        """The reference day of a record citing `cites`: --as-of, else the cited sources'
        publication day (`published` tells it for sources not stored yet), else today."""
        if self.options.as_of is not None:
            return Reference(self.options.as_of, "--as-of")
        days: set[str] = set()
        for cite in cites:
            source = self.data.find("sources", cite["source"])
            day = source.get("published") if source else None
            if published is not None and source is None:
                day = published(cite["source"])
            if day:
                days.add(day)
        if len(days) == 1:
            return Reference(date.fromisoformat(days.pop()), "source")
        if days:
            return Reference(date.fromisoformat(max(days)), "sources")
        return Reference(self.options.today, "today")

    def typed_reference(self) -> Reference:
        """The reference day of what no source dates (a publication day): --as-of, else today."""
        if self.options.as_of is not None:
            return Reference(self.options.as_of, "--as-of")
        return Reference(self.options.today, "today")

    def read_date(self, field_name: str, text: str | None, reference: Reference) -> Json | None:
        """A stored date from what was typed (None when empty), relative phrases resolved
        against `reference`; refused when not one of the grammar's forms."""
        value = checked_text(field_name, text, "tag")
        if value is None:
            return None
        with about(field_name):
            parsed = parse_date(value, reference.day, order=self.options.date_order)
        if parsed.is_relative:
            if reference.origin == "sources":
                raise InvalidInput(
                    f"{field_name}: {value!r} is relative, and the sources cited were published "
                    "on different days",
                    hint="give --as-of DAY, the day of the report it comes from",
                )
            if reference.origin == "today":
                self.resolved_against_today.append(value)
        return parsed.to_dict()

    def read_day(self, field_name: str, text: str | None) -> str | None:
        """One ISO day (a publication day) from what was typed; None when empty."""
        reference = self.typed_reference()
        when = self.read_date(field_name, text, reference)
        if when is None:
            return None
        if when["earliest"] is None or when["earliest"] != when["latest"]:
            raise InvalidInput(
                f"{field_name} {text.strip()!r} is not one day ({edtf_display(when['edtf'])})"
                if text
                else f"{field_name} is not one day",
                hint="a publication date is a day: 2024-01-31 or 31 January 2024",
            )
        return str(when["earliest"])
