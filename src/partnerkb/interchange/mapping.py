"""Column mappings: how the cells of a flat row (CSV, or JSON objects of strings) become fields.

A mapping names, for each field of the record a row makes, a template over the row's columns:
`"{Traveler}"`, `"{role} {person} visits {country}"`, or a constant such as `"visit"`. A field
may also hold entity specs (participants, place, organizations) and source specs:

- a template alone (`"{Traveler}"`) names an entity by id, name or alias, resolved as add-meeting
  resolves it (and created with --create-missing);
- an object with an `id` template *declares* the entity: `{"id": "{country_id}", "name":
  "{country}", "kind": "country", "part": "host"}` creates it when missing and adds the row's
  spellings as aliases, its `role` ({"title", "organization"}) to the person's roles over time, and
  the row's source to its citations. `"split": ";"` makes one entity per part of a cell
  ("A; B"), and a spec whose name (or id) comes out empty is skipped, so a list of specs for a
  single field (place) means "the first that applies";
- a source spec with an `id` declares a source (`outlet`, `title`, `url`, `published`,
  `language`, `note`); a template alone names a stored source by id or title.

`cases` overrides fields by the value of one column (the corpus's `kind`: travel or visit).
`--map "Date=date,Traveler=participants"` is the short form: each column feeds one field; with no
mapping, columns named like fields (the CSV export's header) feed them directly.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from ..dates import check_date_order
from ..errors import InvalidInput

Json = dict[str, Any]

EVENT_FIELDS = ("id", "type", "kind", "title", "date", "start", "end", "status", "summary",
                "place", "participants", "organizations", "topics", "tags", "sources",
                "locator")  # fmt: skip
ENTITY_FIELDS = ("id", "type", "kind", "name", "aliases", "description", "tags", "located_in",
                 "sources", "locator")  # fmt: skip
SOURCE_FIELDS = ("id", "type", "outlet", "title", "published", "url", "language", "note")
FIELDS = tuple(dict.fromkeys(EVENT_FIELDS + ENTITY_FIELDS + SOURCE_FIELDS))
# fields whose cell holds several values, separated by `separator`
LIST_FIELDS = ("participants", "organizations", "topics", "tags", "aliases", "sources")
# fields that may hold entity or source specs, not only templates
SPEC_FIELDS = ("place", "participants", "organizations", "located_in", "sources")
ENTITY_SPEC_KEYS = ("id", "name", "kind", "part", "as", "role", "located_in", "aliases", "split")
SOURCE_SPEC_KEYS = ("id", "outlet", "title", "published", "url", "language", "note")
SHIPPED_MAPPINGS = ("us-official-travels",)

_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")


def render(template: str, row: dict[str, str], *, as_written: bool = False) -> str:
    """A template with each {column} replaced by the row's cell, whitespace collapsed.
    `as_written`: a template that is one column gives its cell as it is but for the spaces
    around it (a summary's line breaks and tabs, a JSON list cell, stay whole)."""
    if as_written:
        whole = _PLACEHOLDER.fullmatch(template.strip())
        if whole:
            return (row.get(whole[1]) or "").strip()
    return " ".join(_PLACEHOLDER.sub(lambda m: row.get(m[1]) or "", template).split())


def placeholders(spec: Any) -> set[str]:
    """Every column a field spec reads."""
    if isinstance(spec, str):
        return set(_PLACEHOLDER.findall(spec))
    if isinstance(spec, list):
        return set().union(*(placeholders(s) for s in spec)) if spec else set()
    if isinstance(spec, dict):
        return set().union(*(placeholders(v) for v in spec.values())) if spec else set()
    return set()


@dataclass
class Mapping:
    """Field -> spec, plus per-value overrides of one column."""

    fields: dict[str, Any]
    key: str | None = None  # a column whose value is the record's id
    separator: str = ";"
    case_column: str | None = None
    cases: dict[str, dict[str, Any]] = field(default_factory=dict)
    name: str = "--map"
    # how the file writes all-numeric dates (dmy or mdy), when it does
    date_order: str | None = None
    # columns of the file that no field reads (reported, not an error)
    ignored: list[str] = field(default_factory=list)

    def fields_for(self, row: dict[str, str]) -> dict[str, Any]:
        if self.case_column is None:
            return self.fields
        value = (row.get(self.case_column) or "").strip()
        return {**self.fields, **self.cases.get(value, {})}

    def columns(self) -> set[str]:
        used = placeholders(self.fields) | placeholders(self.cases)
        for name in (self.key, self.case_column):
            if name:
                used.add(name)
        return used

    def check_columns(self, header: list[str]) -> None:
        """Every column the mapping reads is in the file's header."""
        missing = sorted(self.columns() - set(header))
        if missing:
            raise InvalidInput(
                f"mapping {self.name}: column {missing[0]!r} is not in the file "
                f"(its columns: {', '.join(header) or 'none'})",
                hint="check the spelling and case of the column names in --map or the mapping",
            )


def _check_field(name: str, spec: Any, where: str) -> None:
    if name not in FIELDS:
        raise InvalidInput(
            f"{where}: {name!r} is not a field partnerkb imports",
            hint=f"fields: {', '.join(FIELDS)}",
        )
    specs = spec if isinstance(spec, list) else [spec]
    for item in specs:
        if isinstance(item, str):
            continue
        if isinstance(item, dict) and name in SPEC_FIELDS:
            allowed = SOURCE_SPEC_KEYS if name == "sources" else ENTITY_SPEC_KEYS
            unknown = [k for k in item if k not in allowed]
            if unknown:
                raise InvalidInput(
                    f"{where}: {name}: {unknown[0]!r} is not a key of a "
                    f"{'source' if name == 'sources' else 'entity'} spec",
                    hint=f"keys: {', '.join(allowed)}",
                )
            continue
        raise InvalidInput(f"{where}: {name} must be a template (text) or a list of them")


def parse_map_option(values: list[str]) -> dict[str, str]:
    """`--map "Date=date,Traveler=participants"` (repeatable) -> {column: field}."""
    pairs: dict[str, str] = {}
    for value in values:
        for item in value.split(","):
            if not item.strip():
                continue
            column, sep, target = item.partition("=")
            if not sep or not column.strip() or not target.strip():
                raise InvalidInput(
                    f"--map takes COLUMN=FIELD pairs, not {item.strip()!r}",
                    hint='e.g. --map "Date=date,Traveler=participants"',
                )
            pairs[column.strip()] = target.strip().lower()
    return pairs


def mapping_for(
    header: list[str],
    pairs: dict[str, str] | None = None,
    key: str | None = None,
    base: Mapping | None = None,
) -> Mapping:
    """The mapping of a file: `base` (a mapping file) or the header's own field names, then the
    --map pairs, then --key. Columns no field reads are listed in `ignored`."""
    from .exporters.csv import DERIVED_CSV_COLUMNS

    if base is not None:
        mapping = Mapping(dict(base.fields), base.key, base.separator, base.case_column,
                          dict(base.cases), base.name, base.date_order)  # fmt: skip
    else:
        by_name = {column.strip().lower(): column for column in header}
        mapping = Mapping(
            {name: "{" + by_name[name] + "}" for name in FIELDS if name in by_name},
            name="(the header's field names)",
        )
    for column, target in (pairs or {}).items():
        _check_field(target, column, f"--map {column}={target}")
        if column not in header:
            raise InvalidInput(
                f"--map: column {column!r} is not in the file (its columns: {', '.join(header)})",
                hint="check the spelling and case of the column name",
            )
        mapping.fields[target] = "{" + column + "}"
        mapping.name = "--map"
    if key is not None:
        if key not in header:
            raise InvalidInput(
                f"--key: column {key!r} is not in the file (its columns: {', '.join(header)})"
            )
        mapping.key = key
    mapping.check_columns(header)
    used = mapping.columns()
    mapping.ignored = [c for c in header if c not in used and c not in DERIVED_CSV_COLUMNS]
    return mapping


def load_mapping(name_or_path: str) -> Mapping:
    """A mapping file (JSON), or the name of one shipped with partnerkb."""
    if name_or_path in SHIPPED_MAPPINGS:
        text = (
            resources.files(__package__)
            .joinpath(f"mappings/{name_or_path}.json")
            .read_text(encoding="utf-8")
        )
    else:
        path = Path(name_or_path)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise InvalidInput(
                f"--mapping: no file {name_or_path!r}",
                hint=f"give a JSON mapping file, or one of: {', '.join(SHIPPED_MAPPINGS)}",
            ) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise InvalidInput(f"--mapping: cannot read {name_or_path}: {exc}") from None
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"--mapping {name_or_path}: not valid JSON: {exc}") from None
    return parse_mapping(raw, name_or_path)


def parse_mapping(raw: Any, name: str) -> Mapping:
    """A mapping from its JSON form; errors name the mapping and the key at fault."""
    where = f"mapping {name}"
    if not isinstance(raw, dict):
        raise InvalidInput(f"{where}: must be a JSON object")
    keys = ("about", "key", "separator", "fields", "cases", "date_order")
    unknown = [k for k in raw if k not in keys]
    if unknown:
        raise InvalidInput(f"{where}: unknown key {unknown[0]!r}", hint=f"keys: {', '.join(keys)}")
    date_order = raw.get("date_order")
    if date_order is not None and not isinstance(date_order, str):
        raise InvalidInput(f"{where}: date_order must be dmy or mdy")
    date_order = check_date_order(date_order, f"{where}: date_order")
    fields = raw.get("fields") or {}
    if not isinstance(fields, dict):
        raise InvalidInput(f"{where}: fields must be an object of field -> template")
    for field_name, spec in fields.items():
        _check_field(field_name, spec, where)
    case_column = None
    cases: dict[str, dict[str, Any]] = {}
    if raw.get("cases") is not None:
        spec = raw["cases"]
        if (
            not isinstance(spec, dict)
            or not isinstance(spec.get("column"), str)
            or not isinstance(spec.get("values"), dict)
        ):
            raise InvalidInput(
                f'{where}: cases is {{"column": COLUMN, "values": {{VALUE: fields}}}}'
            )
        case_column = spec["column"]
        for value, overrides in spec["values"].items():
            if not isinstance(overrides, dict):
                raise InvalidInput(f"{where}: cases.values.{value} must be an object of fields")
            for field_name, field_spec in overrides.items():
                _check_field(field_name, field_spec, f"{where}: cases.values.{value}")
            cases[value] = overrides
    key = raw.get("key")
    separator = raw.get("separator", ";")
    if key is not None and not isinstance(key, str):
        raise InvalidInput(f"{where}: key must be a column name")
    if not isinstance(separator, str) or not separator:
        raise InvalidInput(f"{where}: separator must be a non-empty text")
    return Mapping(fields, key, separator, case_column, cases, name, date_order)
