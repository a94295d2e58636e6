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

    return orjson.dumps(list(typed_records(selection.whole)), option=orjson.OPT_INDENT_2) + b"\n"


@exporter("jsonl", "the records as stored (with their table as `type`), one a line",
          whole_records=True)  # fmt: skip
def export_jsonl(selection: Selection) -> bytes:
    import orjson

    return b"".join(orjson.dumps(item) + b"\n" for item in typed_records(selection.whole))
