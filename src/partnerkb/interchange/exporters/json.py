"""json and jsonl: the records as stored, each with its table as `type` (what import reads)."""

from __future__ import annotations

from .base import (
    Selection,
    exporter,
    typed_records,
)


@exporter("json", "the records as stored (with their table as `type`), one JSON array",
          whole_records=True)  # fmt: skip
def export_json(selection: Selection) -> bytes:
    import orjson

    records = selection.each(typed_records(selection.whole), "writing records",
                             selection.record_count())
    return orjson.dumps(list(records), option=orjson.OPT_INDENT_2) + b"\n"


@exporter("jsonl", "the records as stored (with their table as `type`), one a line",
          whole_records=True)  # fmt: skip
def export_jsonl(selection: Selection) -> bytes:
    import orjson

    records = selection.each(typed_records(selection.whole), "writing records",
                             selection.record_count())
    return b"".join(orjson.dumps(item) + b"\n" for item in records)
