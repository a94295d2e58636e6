"""The store's JSON Schema (draft 2020-12), shipped beside this module as `store.schema.json`."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

SCHEMA_FILE = "store.schema.json"


def schema_text() -> str:
    """The schema exactly as shipped."""
    return resources.files(__package__).joinpath(SCHEMA_FILE).read_text(encoding="utf-8")


def store_schema() -> dict[str, Any]:
    """The schema of a whole store file."""
    schema: dict[str, Any] = json.loads(schema_text())
    return schema


def record_schema() -> dict[str, Any]:
    """The schema of one exported record (`export --format jsonl` line, `import` input)."""
    full = store_schema()
    return {
        "$schema": full["$schema"],
        "$id": full["$id"].replace("store-", "record-"),
        "title": "one partnerkb record as exported (schema version 1)",
        "$ref": "#/$defs/exported_record",
        "$defs": full["$defs"],
    }
