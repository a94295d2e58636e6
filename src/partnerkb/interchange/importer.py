"""Import: rows of CSV, JSON Lines or JSON become records, in one transaction, idempotently.

Two kinds of rows:

- records as exported (`export --format json|jsonl`, or the JSON of the read commands): an object
  whose `type` names its table (source, entity, event, partnership) and whose date and sources are
  as stored. It is taken whole (`type` and `display` dropped), validated, and added, or replaces
  the stored record of its id when it differs. A whole store file is read the same way.
- flat rows (CSV, or JSON objects of strings): a mapping (see `mapping`) turns each into an event
  (or, with a `type` column, an entity or a source), the entities it names and its source. Names
  resolve as add-meeting resolves them (`writes.Writer`), and with --create-missing unknown ones
  become entities. A row updates only the fields its mapping gives: what a CSV cannot carry (a
  participant's title, a date's phrase, the status history) is kept.

Ids are stable, so importing a file twice adds nothing the second time: a record's id comes from
a key column (`--key`, the mapping's `key`, or an `id` column), else from its content (the date,
participants and place, as add-meeting makes ids). A row whose record is unchanged is skipped;
a changed one updates its record and the report says which fields changed.

Every row is built and validated on a scratch copy of the store before anything changes; only
then are the records written into the caller's transaction, once each. With `skip_invalid` the
rows in error are left out (and reported); otherwise any error fails the whole import.
"""

from __future__ import annotations

import copy
import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ..dates import FuzzyDate
from ..errors import InvalidInput, NotFound, PartnerkbError
from ..jsonbatch import read_json_batch
from ..model import VALIDATORS, references, slugify
from ..progress import NO_PROGRESS, Progress, stage, tracked
from ..queries import TYPE_OF_TABLE
from ..store import StoreData, Transaction
from ..textfold import fold
from ..writes import (
    NewSource,
    SourceRef,
    WriteOptions,
    Writer,
    about,
    parse_participant,
)
from .cells import list_cell, list_items
from .mapping import Mapping, mapping_for, render

# fields whose text may run over several lines or hold tabs, read from a cell as written
FREE_TEXT_FIELDS = ("title", "summary", "description", "note")

Json = dict[str, Any]
TABLE_OF_TYPE = {singular: table for table, singular in TYPE_OF_TABLE.items()}
ROW_TYPES = {"event": "events", "events": "events", "entity": "entities", "entities": "entities",
             "source": "sources", "sources": "sources"}  # fmt: skip
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class Row:
    label: str  # "row 12" (CSV, the header is row 1) or "line 3" (JSON)
    values: Json
    flat: bool  # a flat row for a mapping, or a record as stored


@dataclass
class RowError:
    label: str
    message: str
    hint: str | None = None

    def __str__(self) -> str:
        return f"{self.label}: {self.message}"


@dataclass
class Source:
    """What was read: rows, the CSV header (or the keys of flat JSON rows), rows in error."""

    rows: list[Row]
    header: list[str]
    errors: list[RowError] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what was assumed in reading it


@dataclass
class ImportOptions:
    """`as_of`: the day relative dates are read against (else each row's source's day, else
    today). The date order is --date-order (`date_order`), else the mapping's `date_order`,
    else $PARTNERKB_DATE_ORDER (`env_date_order`)."""

    today: date
    as_of: date | None = None
    date_order: str | None = None
    env_date_order: str | None = None
    mapping: Mapping | None = None  # a mapping file
    map_pairs: dict[str, str] | None = None  # --map
    key: str | None = None  # --key
    source: str | None = None  # --source: the citation of rows that give none
    create_missing: bool = False
    entity_kinds: dict[str, str] = field(default_factory=dict)  # --kind NAME=KIND
    new_kind: bool = False
    skip_invalid: bool = False


@dataclass
class ImportReport:
    rows: int
    added: list[tuple[str, str]] = field(default_factory=list)  # (table, id)
    updated: list[tuple[str, str, list[str]]] = field(default_factory=list)  # changed fields
    unchanged: list[tuple[str, str]] = field(default_factory=list)
    invalid: list[RowError] = field(default_factory=list)
    duplicates: int = 0  # rows that repeat an earlier row of the file
    ignored_columns: list[str] = field(default_factory=list)
    created: list[str] = field(default_factory=list)  # entities made by --create-missing
    # relative dates read against today (no --as-of, no dated source): said once on stderr
    resolved_against_today: list[str] = field(default_factory=list)


class ImportFailed(InvalidInput):
    """Some rows are invalid and `skip_invalid` is off: nothing is written."""

    def __init__(self, errors: list[RowError], rows: int, *, skipping: bool = False) -> None:
        if skipping:  # --skip-invalid, and not one row is valid: an import of nothing
            super().__init__(
                f"none of the {rows} row{'s' if rows != 1 else ''} is valid "
                "(--skip-invalid); nothing was written",
                hint="fix the rows listed above",
            )
        else:
            super().__init__(
                f"{len(errors)} of {rows} row{'s' if rows != 1 else ''} "
                f"{'are' if len(errors) != 1 else 'is'} invalid; nothing was written",
                hint="fix them, or add --skip-invalid to import the valid rows",
            )
        self.errors = errors


# ---------------------------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------------------------


def sniff_format(content: bytes) -> str:
    """json, jsonl or csv, from the first characters (for stdin without --format)."""
    text = content.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if text == b"[":
        return "json"
    if text == b"{":
        return "jsonl"
    return "csv"


DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
DELIMITER_NAMES = {name: char for char, name in DELIMITERS.items()} | {"\\t": "\t"}


def delimiter_of(text: str) -> str:
    """The delimiter a user names: one of , ; | or a tab, or comma, semicolon, tab, pipe."""
    found = text if text in DELIMITERS else DELIMITER_NAMES.get(text.strip().lower())
    if found is None:
        raise InvalidInput(f"delimiter {text!r} is not one of , ; | tab",
                           hint="e.g. --delimiter ';' or --delimiter tab")  # fmt: skip
    return found


def read_source(
    content: bytes, fmt: str, *, flat: bool = False, delimiter: str | None = None
) -> Source:
    """The rows of a file in `fmt` (csv, tsv, jsonl, json). `flat`: JSON objects are flat rows.
    A CSV's `delimiter` (one character) is detected from its header when not given; the
    source's `notes` then say which was assumed."""
    if fmt in ("csv", "tsv"):
        return _read_csv(content, delimiter or ("\t" if fmt == "tsv" else None))
    if fmt not in ("json", "jsonl"):
        raise InvalidInput(f"import format {fmt!r} is not one of csv, tsv, jsonl, json")
    items = read_json_batch(content)
    source = Source([], [])
    header: dict[str, None] = {}
    for label, item in items:
        if _is_store(item):
            source.rows.extend(_store_rows(item))
            continue
        if not isinstance(item, dict):
            source.errors.append(RowError(label, f"expected a JSON object, got "
                                                 f"{type(item).__name__}"))  # fmt: skip
            continue
        if not flat and _is_record(item):
            source.rows.append(Row(label, item, flat=False))
            continue
        try:
            values = _flat_values(item)
        except InvalidInput as exc:
            source.errors.append(RowError(label, exc.message))
            continue
        header.update(dict.fromkeys(values))
        source.rows.append(Row(label, values, flat=True))
    source.header = list(header)
    return source


def _is_store(item: Any) -> bool:
    return (
        isinstance(item, dict)
        and isinstance(item.get("meta"), dict)
        and any(isinstance(item.get(t), dict) for t in ("events", "entities", "sources"))
    )


def _store_rows(store: Json) -> list[Row]:
    rows = []
    for table in ("sources", "entities", "events", "partnerships"):
        for doc_id, record in (store.get(table) or {}).items():
            if isinstance(record, dict):
                typed = {"type": TYPE_OF_TABLE[table], **record}
                rows.append(Row(f"{table} #{doc_id}", typed, flat=False))
    return rows


def _is_record(item: Json) -> bool:
    """A record as stored: a table `type`, and a date and citations as stored (not as typed)."""
    if item.get("type") not in TABLE_OF_TYPE:
        return False
    if "date" in item and not isinstance(item["date"], dict):
        return False
    sources = item.get("sources")
    return sources is None or (
        isinstance(sources, list) and all(isinstance(c, dict) for c in sources)
    )


def _flat_values(item: Json) -> dict[str, str]:
    values: dict[str, str] = {}
    for key, value in item.items():
        if value is None:
            values[key] = ""
        elif isinstance(value, bool):
            values[key] = "true" if value else "false"
        elif isinstance(value, (str, int, float)):
            values[key] = str(value)
        elif isinstance(value, list) and all(isinstance(v, str) for v in value):
            values[key] = list_cell(value)
        else:
            raise InvalidInput(f"{key}: a flat row holds texts, not {type(value).__name__}")
    return values


def undefused(cell: str) -> str:
    """A cell as it was before render.spreadsheet_safe prefixed it: "'=1+1" -> "=1+1"."""
    # export writes "'" before any text of apostrophes then a formula character ('=1, ''=1):
    # one is taken off, so that what starts with apostrophes itself comes back whole
    if len(cell) > 1 and cell[0] == "'" and cell.lstrip("'").startswith(_FORMULA_START):
        return cell[1:]
    return cell


def detect_delimiter(text: str) -> tuple[str, str | None]:
    """The delimiter of a CSV from its header line (the one of , ; tab | that it holds most
    often outside quotes; a comma when it holds none), and a note saying what was assumed
    when it is not a plain comma-separated header (None then)."""
    header, quoted = [], False
    for char in text:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in "\r\n":
            break
        elif not quoted:
            header.append(char)
    counts = {char: header.count(char) for char in DELIMITERS}
    best = max(DELIMITERS, key=lambda char: counts[char])  # ties: the earlier, comma first
    if counts[best] == 0:
        return ",", None
    others = [DELIMITERS[c] for c in DELIMITERS if c != best and counts[c]]
    if best == "," and not others:
        return ",", None
    note = (f"read as {DELIMITERS[best]}-separated: the header has {counts[best]} "
            f"{DELIMITERS[best]}{'s' if counts[best] != 1 else ''}")  # fmt: skip
    if others:
        note += f" (and {', '.join(others)} too)"
    return best, note + "; give --delimiter to choose another"


def _read_csv(content: bytes, delimiter: str | None = None) -> Source:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = content[: exc.start].count(b"\n") + 1
        raise InvalidInput(
            f"line {line}: the file is not UTF-8 (byte {exc.start})", hint="save it as UTF-8"
        ) from None
    note = None
    if delimiter is None:
        delimiter, note = detect_delimiter(text)
    # strict: a quote that is never closed, or text right after a closing quote, is an error
    # instead of a cell that silently swallows the rows after it
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise InvalidInput("the CSV file is empty: it needs a header row") from None
    except csv.Error as exc:
        raise InvalidInput(f"row 1: not valid CSV ({exc})") from None
    if not any(header):
        raise InvalidInput("row 1: the header has no column names")
    seen: set[str] = set()
    for name in header:
        if not name:
            raise InvalidInput("row 1: a column of the header has no name")
        if name in seen:
            raise InvalidInput(f"row 1: column {name!r} appears twice in the header")
        seen.add(name)
    source = Source([], header, notes=[note] if note else [])
    number = 1
    while True:
        number += 1
        first_line = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            if "unexpected end of data" in str(exc):  # everything after was read into one cell
                raise InvalidInput(
                    f"row {number} (line {first_line}): a quote opened there is never closed; "
                    "refusing the file rather than read the lines after it as one cell",
                    hint='double a quote inside a quoted cell (""), or remove the stray one',
                ) from None
            source.errors.append(
                RowError(f"row {number}", f"line {first_line}: not valid CSV ({exc})")
            )
            continue
        if not any(c.strip() for c in cells):
            continue
        swallowed = _swallowed_rows(cells, len(header), delimiter)
        if swallowed:
            source.errors.append(RowError(
                f"row {number}",
                f"line {first_line}: a quoted cell runs over {swallowed} lines that look like "
                "rows of their own (an unmatched quote?)",
                'double a quote inside a quoted cell (""), or remove the stray one',
            ))  # fmt: skip
            continue
        if len(cells) != len(header):
            # a short row is refused too, never padded: a cell lost in the middle of a row would
            # shift every later one into the wrong column without a trace
            source.errors.append(
                RowError(
                    f"row {number}",
                    # the line too, once a cell over several lines has set them apart
                    (f"line {first_line}: " if first_line != number else "")
                    + f"{len(cells)} cells, but the header has {len(header)} "
                    f"columns ({DELIMITERS.get(delimiter, repr(delimiter))}-separated)",
                    "give --delimiter if the file is separated by another character"
                    if len(cells) > len(header)
                    else "give every column a cell, an empty one (,,) where there is nothing",
                )  # fmt: skip
            )
            continue
        values = {name: undefused(cells[i]) for i, name in enumerate(header)}
        source.rows.append(Row(f"row {number}", values, flat=True))
    return source


def _swallowed_rows(cells: list[str], columns: int, delimiter: str = ",") -> int:
    """How many lines inside this row's cells have as many delimiters as a row (0 if none):
    a multi-line note is fine, a cell holding what looks like further rows is not."""
    if columns < 2:
        return 0
    count = 0
    for cell in cells:
        if "\n" in cell:
            count += sum(1 for line in cell.split("\n")[1:]
                         if line.count(delimiter) >= columns - 1)  # fmt: skip
    return count


# ---------------------------------------------------------------------------------------------
# Importing
# ---------------------------------------------------------------------------------------------


def import_rows(
    tx: Transaction, source: Source, options: ImportOptions, progress: Progress = NO_PROGRESS
) -> ImportReport:
    """Plan every row on a scratch copy of the store, then write the records into `tx`.

    `progress` hears the stages: "checking rows" (one item a row; again for the valid rows
    with --skip-invalid), "preparing records", "writing records" (one item a record).
    Raises ImportFailed listing every invalid row (unless `options.skip_invalid`)."""
    mapping = None
    if any(row.flat for row in source.rows):
        mapping = mapping_for(source.header, options.map_pairs, options.key, options.mapping)
    invalid = list(source.errors)
    rows = source.rows
    while True:
        scratch = Transaction(tx.data.scratch())
        planner = _Planner(scratch, options, mapping)
        errors = planner.plan(rows, progress)
        if not errors:
            break
        invalid.extend(errors)
        if not options.skip_invalid:
            break
        bad = {e.label for e in errors}
        rows = [r for r in rows if r.label not in bad]
    if invalid and (not options.skip_invalid or not rows):
        invalid.sort(key=_label_order)
        raise ImportFailed(invalid, len(source.rows) + len(source.errors),
                           skipping=options.skip_invalid)  # fmt: skip
    report = ImportReport(rows=len(source.rows) + len(source.errors), invalid=invalid,
                          duplicates=planner.duplicates, unchanged=planner.unchanged,
                          ignored_columns=mapping.ignored if mapping else [])  # fmt: skip
    report.created = [label for _, _, label in planner.writer.created]
    report.resolved_against_today = planner.writer.resolved_against_today
    _replay(scratch, tx, report, progress)
    return report


def _label_order(error: RowError) -> tuple[int, str]:
    """Errors in file order: by the first number of 'row 3', 'line 3', 'item 3 (line 1)'."""
    number = re.search(r"\d+", error.label)
    return (int(number.group()) if number else 0, error.label)


def _replay(
    scratch: Transaction, tx: Transaction, report: ImportReport, progress: Progress
) -> None:
    """Write into `tx` each record the scratch run changed, once, as it ended up."""
    changed = list(dict.fromkeys(c.id for c in scratch.changes))
    for record_id in tracked(changed, progress, "writing records"):
        found = scratch.data.get(record_id)
        if found is None:
            continue
        table, record = found
        before = tx.data.get(record_id)
        if before is None:
            tx.insert(table, record)
            report.added.append((table, record_id))
        elif before[1] != record:
            tx.replace(table, record)
            changed = sorted(k for k in {*before[1], *record} if before[1].get(k) != record.get(k))
            report.updated.append((table, record_id, changed))
        else:
            report.unchanged.append((table, record_id))


@dataclass
class _DeclaredEntity:
    """What the rows say about an entity a mapping declares: merged into one record."""

    label: str  # the first row that declared it
    kind: str
    names: list[tuple[str, str]] = field(default_factory=list)  # (date, name)
    roles: dict[tuple[str, str | None], Json] = field(default_factory=dict)
    located_in: str | None = None
    cites: dict[str, Json] = field(default_factory=dict)


class _Planner:
    """Builds the records of every row; `flush` puts them into the scratch transaction."""

    def __init__(self, tx: Transaction, options: ImportOptions, mapping: Mapping | None) -> None:
        self.tx = tx
        self.options = options
        self.mapping = mapping
        order = (
            options.date_order
            or (mapping.date_order if mapping else None)
            or options.env_date_order
        )
        self.writer = Writer(
            tx,
            WriteOptions(today=options.today, create_missing=options.create_missing,
                         entity_kinds={fold(k): v for k, v in options.entity_kinds.items()},
                         new_kind=options.new_kind, as_of=options.as_of, date_order=order,
                         kind_option="--kind"),
        )  # fmt: skip
        self.reference = self.writer.typed_reference()
        self.whole: dict[str, tuple[str, str, Json]] = {}  # id -> (table, label, record)
        self.entities: dict[str, _DeclaredEntity] = {}
        self.sources: dict[str, tuple[str, Json]] = {}  # declared sources: id -> (label, fields)
        self.duplicates = 0
        self.unchanged: list[tuple[str, str]] = []

    @property
    def data(self) -> StoreData:
        return self.tx.data

    def plan(self, rows: list[Row], progress: Progress = NO_PROGRESS) -> list[RowError]:
        errors: list[RowError] = []
        for row in tracked(rows, progress, "checking rows"):
            try:
                with about(row.label):
                    if row.flat:
                        self.flat_row(row)
                    else:
                        self.stored_row(row)
            except PartnerkbError as exc:
                errors.append(RowError(row.label, exc.message.split(": ", 1)[1], exc.hint))
        if not errors:
            stage(progress, "preparing records")
            errors = self.flush()
        return errors

    # -- records as stored --------------------------------------------------------------------
    def stored_row(self, row: Row) -> None:
        table = TABLE_OF_TYPE[row.values["type"]]
        record = {k: v for k, v in row.values.items() if k not in ("type", "display")}
        VALIDATORS[table](record)
        self._claim(table, row.label, record)

    def _claim(self, table: str, label: str, record: Json) -> None:
        """Take `record` as the import's version of its id, once per file."""
        record_id = record["id"]
        earlier = self.whole.get(record_id)
        if earlier is not None:
            if earlier[0] == table and earlier[2] == record:
                self.duplicates += 1
                return
            raise InvalidInput(
                f"id {record_id!r} is also given by {earlier[1]} with other content",
                hint="give each row its own key (--key COLUMN), or remove the repeated row",
            )
        if record_id in self.entities or record_id in self.sources:
            raise InvalidInput(f"id {record_id!r} is also declared by the mapping")
        self._check_table(table, record_id)
        self.whole[record_id] = (table, label, record)

    def _check_table(self, table: str, record_id: str) -> None:
        found = self.data.get(record_id)
        if found is not None and found[0] != table:
            raise InvalidInput(
                f"id {record_id!r} is already {_a(TYPE_OF_TABLE[found[0]])} in the store, "
                f"not {_a(TYPE_OF_TABLE[table])}"
            )

    # -- flat rows ----------------------------------------------------------------------------
    def flat_row(self, row: Row) -> None:
        assert self.mapping is not None
        fields = self.mapping.fields_for(row.values)
        kind_of_row = self._text(fields, "type", row.values) or "event"
        table = ROW_TYPES.get(kind_of_row.lower())
        if table is None:
            raise InvalidInput(f"type {kind_of_row!r} is not one of event, entity, source")
        if table == "events":
            record = self.event(row, fields)
        elif table == "entities":
            record = self.entity(row, fields)
        else:
            record = self.source(row, fields)
        VALIDATORS[table](record)
        self._claim(table, row.label, record)

    def _text(self, fields: Json, name: str, values: dict[str, str]) -> str | None:
        spec = fields.get(name)
        if spec is None:
            return None
        if not isinstance(spec, str):
            raise InvalidInput(f"{name}: the mapping gives it a list; it takes one template")
        # free text keeps its line breaks and tabs (a CSV cell holds them); other fields, one line
        return render(spec, values, as_written=name in FREE_TEXT_FIELDS) or None

    def _list(self, fields: Json, name: str, values: dict[str, str]) -> list[str]:
        assert self.mapping is not None
        specs = fields.get(name)
        items: list[str] = []
        for spec in specs if isinstance(specs, list) else [specs]:
            if isinstance(spec, str):
                items.extend(list_items(render(spec, values, as_written=True),
                                        self.mapping.separator))
        return list(dict.fromkeys(items))

    def _key(self, fields: Json, values: dict[str, str]) -> str | None:
        assert self.mapping is not None
        if self.mapping.key is not None:
            text = (values.get(self.mapping.key) or "").strip()
            if not text:
                raise InvalidInput(f"{self.mapping.key}: the key column is empty")
            return slugify(text, 120)
        given = self._text(fields, "id", values)
        return slugify(given, 120) if given else None

    # -- events -------------------------------------------------------------------------------
    def event(self, row: Row, fields: Json) -> Json:
        values = row.values
        record_id = self._key(fields, values)
        existing = self.data.find("events", record_id) if record_id else None
        mapped: Json = {}
        cites = self.citations(fields, values, row.label, required=existing is None)
        if cites:
            mapped["sources"] = cites
        if "kind" in fields:
            with about("kind"):
                mapped["kind"] = self.writer.check_kind(self._text(fields, "kind", values) or "",
                                                        "events")  # fmt: skip
        self.reference = self.writer.reference_for(
            cites or (existing or {}).get("sources") or [], self._declared_published
        )
        when = self.event_date(fields, values, existing)
        if when is not None:
            mapped["date"] = when
        elif existing is None:
            raise InvalidInput("date is required: map a column to date (or to start and end)")
        cites_for_entities = cites or (existing or {}).get("sources") or []
        if "place" in fields:
            places = self.entities_of(fields["place"], values, row.label, "place", "place",
                                      cites_for_entities, when)  # fmt: skip
            mapped["place"] = places[0]["entity"] if places else None
        if "participants" in fields:
            mapped["participants"] = self.entities_of(
                fields["participants"], values, row.label, "participants", "person",
                cites_for_entities, when, existing,
            )  # fmt: skip
        if "organizations" in fields:
            orgs = self.entities_of(fields["organizations"], values, row.label, "organizations",
                                    "organization", cites_for_entities, when)  # fmt: skip
            mapped["organizations"] = list(dict.fromkeys(p["entity"] for p in orgs))
        for name in ("topics", "tags"):
            if name in fields:
                items = self._list(fields, name, values)
                mapped[name] = [t.lower() for t in items] if name == "tags" else items
        for name in ("title", "summary"):
            if name in fields:
                mapped[name] = self._text(fields, name, values)
        date_now = mapped.get("date") or (existing or {}).get("date")
        status_text = self._text(fields, "status", values) if "status" in fields else None
        if "status" in fields or existing is None:
            with about("status"):
                mapped["status"] = self.writer.status_for(status_text, date_now or {},
                                                          self.reference.day)  # fmt: skip
        record = self._merged_event(existing, mapped)
        if not record.get("title"):
            record["title"] = self.writer.derived_title(
                record["kind"], record["participants"], record["organizations"], record["place"]
            )
        if record_id is None:
            record_id = self.writer.derived_id(record)
            existing = self.data.find("events", record_id)
            if existing is not None:
                record = {**self._merged_event(existing, mapped), "title": record["title"]}
        record["id"] = record_id
        return record

    def event_date(
        self, fields: Json, values: dict[str, str], existing: Json | None
    ) -> Json | None:
        read = self.writer.read_date
        if "date" in fields:
            text = self._text(fields, "date", values)
            if not text:
                raise InvalidInput("date is empty")
            when = read("date", text, self.reference)
            assert when is not None
        elif "start" in fields:
            start = self._text(fields, "start", values)
            end = self._text(fields, "end", values) if "end" in fields else None
            if not start:
                raise InvalidInput("start is empty")
            first = read("start", start, self.reference)
            assert first is not None
            if end and end != start:
                last = read("end", end, self.reference)
                assert last is not None
                if any(c in edtf for edtf in (first["edtf"], last["edtf"]) for c in "/["):
                    raise InvalidInput(f"start {start!r} and end {end!r} must each be one date")
                with about("end"):
                    when = FuzzyDate.from_edtf(f"{first['edtf']}/{last['edtf']}").to_dict()
            else:
                when = first
        else:
            return None
        # the same date as stored keeps what the source said ("in May") and when
        if existing and existing.get("date", {}).get("edtf") == when["edtf"]:
            return dict(existing["date"])
        return when

    def _merged_event(self, existing: Json | None, mapped: Json) -> Json:
        if existing is None:
            status = mapped["status"]
            return {
                "id": "", "kind": mapped.get("kind", "meeting"), "title": mapped.get("title"),
                "date": mapped["date"], "place": mapped.get("place"),
                "participants": mapped.get("participants", []),
                "organizations": mapped.get("organizations", []),
                "topics": mapped.get("topics", []), "tags": mapped.get("tags", []),
                "summary": mapped.get("summary"), "status": status,
                "status_history": [self.writer.status_entry(status, mapped["date"],
                                                            mapped["sources"], self.reference)],
                "fulfils": None, "fulfilled_by": None, "related_events": [],
                "sources": mapped["sources"],
            }  # fmt: skip
        record = copy.deepcopy(existing)
        for name, value in mapped.items():
            if name == "participants":
                value = self._kept_titles(existing.get("participants") or [], value)
            elif name == "sources":
                value = self._kept_locators(existing.get("sources") or [], value)
            record[name] = value
        if mapped.get("status") and mapped["status"] != existing.get("status"):
            record.setdefault("status_history", []).append(
                self.writer.status_entry(mapped["status"], record.get("date"), record["sources"],
                                         self.reference)
            )  # fmt: skip
        return record

    @staticmethod
    def _kept_titles(before: list[Json], after: list[Json]) -> list[Json]:
        """A participant given again without a title keeps the title stored ('as')."""
        stored = {p["entity"]: p for p in before}
        out = []
        for participant in after:
            old = stored.get(participant["entity"], {})
            merged = {**old, **{k: v for k, v in participant.items() if v is not None}}
            merged.setdefault("part", None)
            out.append(merged)
        return out

    @staticmethod
    def _kept_locators(before: list[Json], after: list[Json]) -> list[Json]:
        """A source cited again without a locator keeps its stored citations (one source may be
        cited for several facts, with several locators)."""
        stored: dict[str, list[Json]] = {}
        for cite in before:
            stored.setdefault(cite["source"], []).append(cite)
        out: list[Json] = []
        for cite in after:
            if cite.get("locator") or cite["source"] not in stored:
                out.append(cite)
            else:
                out.extend(c for c in stored[cite["source"]] if c not in out)
        return out

    # -- entities a row names -----------------------------------------------------------------
    def entities_of(
        self,
        spec: Any,
        values: dict[str, str],
        label: str,
        slot: str,
        slot_kind: str,
        cites: list[Json],
        when: Json | None,
        existing_event: Json | None = None,
    ) -> list[Json]:
        """Participants entries ({entity, part, as}) for the entity specs of a field."""
        assert self.mapping is not None
        out: list[Json] = []
        specs = spec if isinstance(spec, list) else [spec]
        for item in specs:
            if isinstance(item, str):
                for part in list_items(render(item, values, as_written=True),
                                       self.mapping.separator):
                    if slot == "participants":
                        given = parse_participant(part)
                        name, role_part, as_title = given.name, given.part, given.as_title
                    else:
                        name, role_part, as_title = part, None, None
                    entity = self.writer.entity_id(name, slot, slot_kind, cites)
                    out.append({"entity": entity, "part": role_part,
                                **({"as": as_title} if as_title else {})})  # fmt: skip
            else:
                out.extend(self.declared(item, values, label, slot, cites, when))
            if slot == "place" and out:
                break
        merged: dict[str, Json] = {}
        for entry in out:
            if entry["entity"] in merged:
                merged[entry["entity"]]["part"] = merged[entry["entity"]]["part"] or entry["part"]
            else:
                merged[entry["entity"]] = entry
        return list(merged.values())

    def declared(
        self,
        spec: Json,
        values: dict[str, str],
        label: str,
        slot: str,
        cites: list[Json],
        when: Json | None,
    ) -> list[Json]:
        """The entities an entity spec declares for this row (several with `split`)."""

        def one(key: str) -> str:
            value = spec.get(key)
            return render(value, values) if isinstance(value, str) else ""

        separator = spec.get("split")
        ids, names, titles = one("id"), one("name"), one("as")
        role_spec = spec.get("role") if isinstance(spec.get("role"), dict) else None
        role_titles = render(role_spec.get("title", ""), values) if role_spec else ""
        if separator:
            columns = [c.split(separator) for c in (ids, names, titles, role_titles)]
            count = max(len(c) for c in columns)
            parts = [[(c[i] if i < len(c) else "").strip() for c in columns] for i in range(count)]
        else:
            parts = [[ids, names, titles, role_titles]]
        out = []
        for raw_id, name, as_title, role_title in parts:
            if not (name or raw_id) or (spec.get("name") and not name):
                continue
            entity_id = slugify(raw_id or name, 120)
            kind = self.writer.check_kind(one("kind") or "organization", "entities")
            self._declare(entity_id, kind, name or raw_id, label, slot, cites, when, spec,
                          values, role_spec, role_title)  # fmt: skip
            entry: Json = {"entity": entity_id, "part": one("part") or None}
            if as_title:
                entry["as"] = as_title
            out.append(entry)
        return out

    def _declare(
        self,
        entity_id: str,
        kind: str,
        name: str,
        label: str,
        slot: str,
        cites: list[Json],
        when: Json | None,
        spec: Json,
        values: dict[str, str],
        role_spec: Json | None,
        role_title: str,
    ) -> None:
        found = self.data.get(entity_id)
        if found is not None and (found[0] != "entities" or found[1]["kind"] != kind):
            what = _a(found[1].get("kind") if found[0] == "entities" else TYPE_OF_TABLE[found[0]])
            raise InvalidInput(f"{slot}: {name!r} ({entity_id}) is already {what} in the store, "
                               f"not {_a(kind)}")  # fmt: skip
        if entity_id in self.whole:
            raise InvalidInput(
                f"{slot}: id {entity_id!r} is also given by {self.whole[entity_id][1]}"
            )
        declared = self.entities.get(entity_id)
        if declared is None:
            declared = self.entities[entity_id] = _DeclaredEntity(label, kind)
        elif declared.kind != kind:
            raise InvalidInput(f"{slot}: {name!r} ({entity_id}) is {_a(declared.kind)} in "
                               f"{declared.label}, not {_a(kind)}")  # fmt: skip
        day = (when or {}).get("latest") or (when or {}).get("earliest") or ""
        declared.names.append((day, name))
        located = spec.get("located_in")
        if isinstance(located, str) and render(located, values) and declared.located_in is None:
            declared.located_in = slugify(render(located, values), 120)
        for cite in cites:
            declared.cites.setdefault(cite["source"], cite)
        if role_spec and role_title:
            organization_text = render(str(role_spec.get("organization") or ""), values)
            organization = slugify(organization_text, 120) if organization_text else None
            key = (fold(role_title), organization)
            role = declared.roles.setdefault(
                key, {"title": role_title, "organization": organization, "from": None,
                      "until": None, "first_cited": None, "last_cited": None, "sources": []},
            )  # fmt: skip
            _widen_role(role, when, cites)

    # -- citations ----------------------------------------------------------------------------
    def citations(
        self, fields: Json, values: dict[str, str], label: str, *, required: bool
    ) -> list[Json]:
        """The row's citations; declared sources are kept for `flush`."""
        locator = self._text(fields, "locator", values) if "locator" in fields else None
        cites: list[Json] = []
        refs: list[SourceRef] = []
        specs = fields.get("sources")
        for spec in specs if isinstance(specs, list) else [specs] if specs else []:
            if isinstance(spec, dict) and spec.get("id"):
                cites.append({"source": self.declared_source(spec, values, label),
                              "locator": locator})  # fmt: skip
            elif isinstance(spec, dict):
                new = NewSource(**{k: render(v, values) or None for k, v in spec.items()
                                   if k in ("outlet", "title", "published", "url", "language",
                                            "note") and isinstance(v, str)})  # fmt: skip
                refs.append(SourceRef(new=new, locator=locator))
            elif isinstance(spec, str):
                assert self.mapping is not None
                for part in list_items(render(spec, values, as_written=True),
                                       self.mapping.separator):
                    refs.append(SourceRef(existing=part, locator=locator))
        if not cites and not refs and self.options.source:
            refs.append(SourceRef(existing=self.options.source, locator=locator))
        if not cites and not refs:
            if not required:
                return []
            raise InvalidInput(
                "sources: every record cites a source",
                hint="map a column to sources (source ids or titles), or give --source ID",
            )
        if refs:
            with about("sources"):
                try:
                    cites.extend(self.writer.citations(refs))
                except NotFound as exc:
                    hint = exc.hint or "record it first with: partnerkb add-source"
                    raise NotFound(exc.message, hint=hint) from None
        unique: dict[str, Json] = {}
        for cite in cites:
            unique.setdefault(cite["source"], cite)
        return list(unique.values())

    def _declared_published(self, source_id: str) -> str | None:
        """The publication day of a source the file declares (not stored yet)."""
        declared = self.sources.get(source_id)
        return declared[1].get("published") if declared else None

    def _published(self, given: Json) -> None:
        """A source's publication day as the grammar reads it (an ISO day), in place."""
        if given.get("published"):
            given["published"] = self.writer.read_day("published", given["published"])

    def declared_source(self, spec: Json, values: dict[str, str], label: str) -> str:
        source_id = slugify(render(spec["id"], values), 120)
        if source_id in self.sources:
            return source_id
        self._check_table("sources", source_id)
        fields_given = {k: render(v, values) or None for k, v in spec.items()
                        if k != "id" and isinstance(v, str)}  # fmt: skip
        with about("sources"):
            self._published(fields_given)
        record = {"id": source_id, "outlet": None, "title": None, "published": None, "url": None,
                  "language": None, "note": None, **fields_given}  # fmt: skip
        with about("sources"):
            VALIDATORS["sources"](record)
        self.sources[source_id] = (label, fields_given)
        return source_id

    # -- entities and sources as rows ---------------------------------------------------------
    def entity(self, row: Row, fields: Json) -> Json:
        values = row.values
        name = self._text(fields, "name", values)
        record_id = self._key(fields, values) or (slugify(name, 120) if name else None)
        if record_id is None:
            raise InvalidInput("name is required (or an id)")
        existing = self.data.find("entities", record_id)
        cites = self.citations(fields, values, row.label, required=existing is None)
        mapped: Json = {}
        if cites:
            mapped["sources"] = cites
        if "kind" in fields or existing is None:
            with about("kind"):
                mapped["kind"] = self.writer.check_kind(self._text(fields, "kind", values) or "",
                                                        "entities")  # fmt: skip
        if name:
            mapped["name"] = name
        for name_of_field in ("aliases", "tags"):
            if name_of_field in fields:
                mapped[name_of_field] = self._list(fields, name_of_field, values)
        if "description" in fields:
            mapped["description"] = self._text(fields, "description", values)
        if "located_in" in fields:
            place = self._text(fields, "located_in", values)
            place_cites = cites or (existing or {}).get("sources") or []
            mapped["located_in"] = (
                self.writer.entity_id(place, "located_in", "place", place_cites) if place else None
            )
        base = copy.deepcopy(existing) if existing else {
            "id": record_id, "kind": None, "name": None, "aliases": [], "description": None,
            "tags": [], "external_ids": {}, "roles": [], "related": [], "sources": [],
        }  # fmt: skip
        base.update(mapped)
        base["id"] = record_id
        return base

    def source(self, row: Row, fields: Json) -> Json:
        values = row.values
        given: Json = {name: self._text(fields, name, values)
                 for name in ("outlet", "title", "published", "url", "language", "note")
                 if name in fields}  # fmt: skip
        self._published(given)
        record_id = self._key(fields, values)
        if record_id is None:
            parts = [slugify(given.get("outlet") or "", 24), given.get("published") or "",
                     slugify(given.get("title") or "", 40)]  # fmt: skip
            record_id = "-".join(p for p in parts if p and p != "record") or None
        if record_id is None:
            raise InvalidInput("a source row needs an id, or an outlet and a title")
        existing = self.data.find("sources", record_id)
        base = dict(existing) if existing else {"id": record_id, "outlet": None, "title": None,
                                                "published": None, "url": None, "language": None,
                                                "note": None}  # fmt: skip
        base.update(given)
        base["id"] = record_id
        return base

    # -- into the scratch transaction ---------------------------------------------------------
    def flush(self) -> list[RowError]:
        """Every record the rows made, inserted or replaced once; errors name their row."""
        errors: list[RowError] = []

        def put(table: str, label: str, record: Json) -> None:
            try:
                with about(label):
                    found = self.data.get(record["id"])
                    if found is None:
                        self.tx.insert(table, record)
                    elif found[1] != record:
                        self.tx.replace(table, record)
                    else:
                        self.unchanged.append((table, record["id"]))
            except PartnerkbError as exc:
                errors.append(RowError(label, exc.message.split(": ", 1)[1], exc.hint))

        for source_id, (label, given) in self.sources.items():
            existing = self.data.find("sources", source_id)
            empty = {"id": source_id, "published": None, "url": None, "language": None,
                     "note": None}  # fmt: skip
            base = dict(existing) if existing else empty
            put("sources", label, {**base, **given})
        for entity_id, declared in self.entities.items():
            put("entities", declared.label, self._entity_record(entity_id, declared))
        for table in ("sources", "entities", "events", "partnerships"):
            for record_table, label, record in self.whole.values():
                if record_table == table:
                    put(table, label, record)
        # a record as exported may cite what neither the store nor the file holds
        for table, label, record in self.whole.values():
            for field_name, ref in references(table, record):
                if self.data.get(ref) is None:
                    message = f"{field_name} refers to {ref!r}, in neither the store nor the file"
                    errors.append(RowError(label, message))
                    break
        return errors

    def _entity_record(self, entity_id: str, declared: _DeclaredEntity) -> Json:
        existing = self.data.find("entities", entity_id)
        if existing is not None:
            record = copy.deepcopy(existing)
        else:
            latest = max(declared.names, key=lambda dn: dn[0])[1]
            record = {"id": entity_id, "kind": declared.kind, "name": latest, "aliases": [],
                      "description": None, "tags": [], "external_ids": {}, "roles": [],
                      "related": [], "sources": []}  # fmt: skip
        known = {fold(record["name"]), *(fold(a) for a in record.get("aliases") or [])}
        for _, name in declared.names:
            if fold(name) not in known:
                known.add(fold(name))
                record.setdefault("aliases", []).append(name)
        if declared.located_in and not record.get("located_in"):
            record["located_in"] = declared.located_in
        roles = record.setdefault("roles", [])
        for (title_key, organization), role in declared.roles.items():
            same = next((r for r in roles if fold(r["title"]) == title_key
                         and r.get("organization") == organization), None)  # fmt: skip
            if same is None:
                roles.append(role)
            else:
                for key in ("first_cited", "last_cited"):
                    if role.get(key) and not same.get(key):
                        same[key] = role[key]
                if role.get("first_cited") and same.get("first_cited"):
                    same["first_cited"] = min(same["first_cited"], role["first_cited"])
                if role.get("last_cited") and same.get("last_cited"):
                    same["last_cited"] = max(same["last_cited"], role["last_cited"])
                cited = {c["source"] for c in same.get("sources") or []}
                same.setdefault("sources", []).extend(
                    c for c in role["sources"] if c["source"] not in cited
                )
        cited = {c["source"] for c in record.get("sources") or []}
        record.setdefault("sources", []).extend(
            c for source_id, c in declared.cites.items() if source_id not in cited
        )
        return record


def _widen_role(role: Json, when: Json | None, cites: list[Json]) -> None:
    """A role cited by one more event: first and last cited days, its sources."""
    if when:
        first = when.get("earliest") or when.get("latest")
        last = when.get("latest") or when.get("earliest")
        if first and (role["first_cited"] is None or first < role["first_cited"]):
            role["first_cited"] = first
        if last and (role["last_cited"] is None or last > role["last_cited"]):
            role["last_cited"] = last
    cited = {c["source"] for c in role["sources"]}
    role["sources"].extend(c for c in cites if c["source"] not in cited)


def _a(noun: str | None) -> str:
    word = noun or "record"
    return f"{'an' if word[0] in 'aeiou' else 'a'} {word}"
