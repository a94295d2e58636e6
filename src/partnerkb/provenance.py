"""Where a field's value comes from: stated by the record's sources, inferred from them, or
outside knowledge (enrichment) with a source of its own.

A record's `provenance` lists the fields — or single values of a list field (an alias, a
participant) — that its sources do not state; every field not listed is stated by the record's
citations (docs/store-format.md, "Provenance"). This module reads those entries: the basis of a
field, the labels `show` prints beside it, and the findings a store check reports (enrichment
that cites no source of its own, every inference).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

Json = dict[str, Any]
TABLES = ("sources", "entities", "events", "partnerships")
# Fields that never come from a news article: an id in another knowledge base is always
# enrichment, and must cite where it was taken from.
ALWAYS_ENRICHMENT = ("external_ids",)


@dataclass(frozen=True)
class Finding:
    """One field of one record: its table, record id, field path, value (or None for the whole
    field), basis, and what is wrong or noted about it."""

    table: str
    record: str
    field: str
    value: str | None
    basis: str
    message: str

    def to_dict(self) -> Json:
        return {
            "table": self.table, "id": self.record, "field": self.field, "value": self.value,
            "basis": self.basis, "message": self.message,
        }  # fmt: skip


def entries(record: Mapping[str, Any]) -> list[Json]:
    """The record's provenance entries (an empty list when every field is stated)."""
    found = record.get("provenance")
    return list(found) if isinstance(found, list) else []


def entry_for(record: Mapping[str, Any], field: str, value: str | None = None) -> Json | None:
    """The provenance entry of `field` (of one `value` of it, when given), or None: stated.

    An entry naming a value covers that value only; an entry without a value covers the field.
    """
    whole = None
    for entry in entries(record):
        if entry.get("field") != field:
            continue
        if value is not None and entry.get("value") == value:
            return entry
        if entry.get("value") is None:
            whole = entry
    return whole


def basis_of(record: Mapping[str, Any], field: str, value: str | None = None) -> str:
    """'stated', 'inferred' or 'outside' for a field (or one value of it)."""
    entry = entry_for(record, field, value)
    return str(entry["basis"]) if entry else "stated"


def mark(entry: Json | None) -> str:
    """The words shown beside a field that its sources do not state: '[inferred: why]',
    '[outside knowledge: why]'; '' for a stated field."""
    if not entry or entry.get("basis") == "stated":
        return ""
    words = "inferred" if entry["basis"] == "inferred" else "outside knowledge"
    note = entry.get("note")
    return f"[{words}: {note}]" if note else f"[{words}]"


def provenance_labels(record: Mapping[str, Any], cite_label: Callable[[Json], str]) -> list[Json]:
    """The record's provenance entries with their citations spelled out by `cite_label`."""
    return [
        {
            "field": entry.get("field"),
            "value": entry.get("value"),
            "basis": entry.get("basis"),
            "note": entry.get("note"),
            "mark": mark(entry),
            "sources": [cite_label(c) for c in entry.get("sources") or []],
        }
        for entry in entries(record)
    ]


def uncited_enrichment(tables: Mapping[str, Mapping[str, Json]]) -> list[Finding]:
    """Outside knowledge that cites no source of its own, in every table of a store.

    `tables` maps a table name to its records (`StoreData.tables`). Reported: an entry whose
    basis is 'outside' with no citation, and an external id (a Wikidata id...) with no
    'outside' provenance entry citing where it was taken from. In table order, then record id.
    """
    findings: list[Finding] = []
    for table in TABLES:
        for record in sorted(tables.get(table, {}).values(), key=lambda r: str(r.get("id"))):
            findings.extend(_uncited_in(table, record))
    return findings


def _uncited_in(table: str, record: Json) -> Iterable[Finding]:
    rid = str(record.get("id"))
    for entry in entries(record):
        if entry.get("basis") == "outside" and not entry.get("sources"):
            yield Finding(table, rid, str(entry.get("field")), entry.get("value"), "outside",
                          "outside knowledge without a source of its own")  # fmt: skip
    for field in ALWAYS_ENRICHMENT:
        for scheme, value in (record.get(field) or {}).items():
            cited = entry_for(record, f"{field}.{scheme}") or entry_for(record, field)
            if not cited or cited.get("basis") != "outside" or not cited.get("sources"):
                yield Finding(
                    table, rid, f"{field}.{scheme}", str(value), "outside",
                    "an external id needs a source of its own (e.g. the item's page)",
                )  # fmt: skip


def inferences(tables: Mapping[str, Mapping[str, Json]]) -> list[Finding]:
    """Every field the store marks as inferred, with the reason given, in table order."""
    findings: list[Finding] = []
    for table in TABLES:
        for record in sorted(tables.get(table, {}).values(), key=lambda r: str(r.get("id"))):
            for entry in entries(record):
                if entry.get("basis") == "inferred":
                    findings.append(Finding(
                        table, str(record.get("id")), str(entry.get("field")), entry.get("value"),
                        "inferred", str(entry.get("note") or "inferred"),
                    ))  # fmt: skip
    return findings
