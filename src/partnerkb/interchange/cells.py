"""How a list is written in one spreadsheet cell and read back, unambiguously.

A list whose items are plain is written as they are, separated by "; " (`youth; skills`), as a
person would type it. When that would be ambiguous — an item holds the separator, a line break,
starts with "[" or with a space, or is empty — the cell holds the list as a JSON array of texts
instead (`["youth; skills"]`), which `list_items` reads back exactly. A cell that is not a JSON
array of texts is split on the separator, so what people type keeps working.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

LIST_SEPARATOR = "; "


def list_cell(items: Sequence[str], separator: str = ";") -> str:
    """The cell for `items`: joined by `separator` and a space when that reads back the same,
    else a JSON array ("" for no item)."""
    if not items:
        return ""
    joined = (separator + " ").join(items)
    if any(_needs_json(item, separator) for item in items):
        return json.dumps(list(items), ensure_ascii=False)
    return joined


def _needs_json(item: str, separator: str) -> bool:
    return (
        not item
        or separator in item
        or item != item.strip()
        or item.startswith("[")
        or "\n" in item
        or "\r" in item
    )


def list_items(cell: str, separator: str = ";") -> list[str]:
    """The items of a cell: a JSON array of texts read exactly, anything else split on
    `separator`, each item stripped, empty ones dropped."""
    text = cell.strip()
    if text.startswith("[") and text.endswith("]"):
        try:
            value = json.loads(text)
        except ValueError:
            value = None
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return [v for v in value if v]
    return [part.strip() for part in cell.split(separator) if part.strip()]
