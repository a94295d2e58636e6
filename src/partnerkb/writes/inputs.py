"""Text a user typed, checked before it becomes part of a record.

`checked_text` strips a field and refuses it when too long (`model.MAX_LENGTHS`) or holding
control characters; `checked_texts` does so for a list, dropping repeats; `dedupe` keeps
the first of equal items; `free_id` finds an id no record has.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from ..errors import InvalidInput
from ..model import MAX_LENGTHS
from ..store import Transaction
from ..textfold import fold

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def checked_text(
    field_name: str, value: Any, limit_key: str, *, required: bool = False
) -> str | None:
    """User text stripped, or None when empty; refused when too long or with control characters."""
    if value is None:
        if required:
            raise InvalidInput(f"{field_name} is required")
        return None
    if not isinstance(value, str):
        raise InvalidInput(f"{field_name} must be text, not {type(value).__name__}")
    text = value.strip()
    if not text:
        if required:
            raise InvalidInput(f"{field_name} must not be empty")
        return None
    limit = MAX_LENGTHS.get(limit_key, 5000)
    if len(text) > limit:
        raise InvalidInput(
            f"{field_name} is too long ({len(text)} characters, at most {limit})",
            hint="keep records short and in our own words; cite the source for the rest",
        )
    if _CONTROL.search(text.replace("\n", "").replace("\t", "")):
        raise InvalidInput(f"{field_name} contains control characters")
    return text


def checked_texts(field_name: str, values: Sequence[Any], limit_key: str) -> list[str]:
    """Checked texts without repeats; aliases are kept when they differ by a letter (Səmədov
    and Samadov are both spellings worth keeping), other lists when they differ once folded."""
    out: list[str] = []
    seen: set[str] = set()
    for value in values:
        text = checked_text(field_name, value, limit_key)
        key = text.casefold() if text and limit_key == "alias" else fold(text or "")
        if text and key not in seen:
            seen.add(key)
            out.append(text)
    return out


def free_id(tx: Transaction, base: str) -> str:
    """`base`, or `base-2`, `base-3`... whichever no record has (ids are unique store-wide)."""
    base = base[: MAX_LENGTHS["id"] - 6].strip("-") or "record"
    if not tx.exists(base):
        return base
    n = 2
    while tx.exists(f"{base}-{n}"):
        n += 1
    return f"{base}-{n}"


def dedupe(values: Sequence[Any]) -> list[Any]:
    """`values` in order, each equal value kept once (the first)."""
    out: list[Any] = []
    for value in values:
        if value not in out:
            out.append(value)
    return out
