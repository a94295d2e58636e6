"""Batches of JSON from files or stdin: one value, an array, or JSON Lines, each item with the
line it starts on, so that errors can name it."""

from __future__ import annotations

import json
from typing import Any

from .errors import InvalidInput


def read_json_batch(content: bytes) -> list[tuple[str, Any]]:
    """(where, value) of each item of a JSON array, of JSON Lines, or of one JSON value: where
    an error about the item points — "line 3" (JSON Lines, a lone value), "item 2 (line 1)"
    (an array: its place in the array, 1-based, and the line it starts on, so that items of an
    array written on one line are still told apart). Errors as `read_json_items`."""
    items, in_array = _read_items(content)
    if in_array:
        return [(f"item {n} (line {line})", value) for n, (line, value) in enumerate(items, 1)]
    return [(f"line {line}", value) for line, value in items]


def read_json_items(content: bytes) -> list[tuple[int, Any]]:
    """(line, value) of each item of a JSON array, of JSON Lines, or of one JSON value.

    Read in one pass: JSON Lines line by line, an array with its line numbers counted as the
    parse moves on, so that 100k records stay linear. Nothing is accepted until the whole input
    has parsed: errors name the line.
    """
    return _read_items(content)[0]


def _read_items(content: bytes) -> tuple[list[tuple[int, Any]], bool]:
    """The (line, value) items, and whether they came from an array."""
    try:
        text = content.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        where = content[: exc.start].count(b"\n") + 1
        raise InvalidInput(
            f"line {where}: the input is not UTF-8 (byte {exc.start})", hint="save it as UTF-8"
        ) from None
    stripped = text.lstrip()
    if not stripped:
        raise InvalidInput("no JSON input", hint="give one object, an array, or one object a line")
    lines = text.split("\n")
    if stripped[0] == "{" and all(
        not line.strip() or line.lstrip().startswith("{") and line.rstrip().endswith("}")
        for line in lines
    ):
        items = []
        for number, line in enumerate(lines, 1):
            if line.strip():
                try:
                    items.append((number, json.loads(line)))
                except json.JSONDecodeError:
                    break  # an object over several lines: read as a document below
                except (RecursionError, ValueError) as exc:
                    raise _beyond_limits(number, exc) from None
        else:
            return items, False
    return _json_document(text)


def _json_document(text: str) -> tuple[list[tuple[int, Any]], bool]:
    decoder = json.JSONDecoder()
    line, counted = 1, 0

    def line_at(pos: int) -> int:
        nonlocal line, counted
        line += text.count("\n", counted, pos)
        counted = pos
        return line

    def skip(pos: int) -> int:
        while pos < len(text) and text[pos] in " \t\r\n":
            pos += 1
        return pos

    def decode(pos: int) -> tuple[Any, int]:
        try:
            return decoder.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            raise InvalidInput(
                f"line {exc.lineno}: malformed JSON: {exc.msg} (column {exc.colno})"
            ) from None
        except (RecursionError, ValueError) as exc:
            raise _beyond_limits(line_at(pos), exc) from None

    items: list[tuple[int, Any]] = []
    pos = skip(0)
    if text[pos] != "[":
        while pos < len(text):  # one value, or several one after the other
            value, end = decode(pos)
            items.append((line_at(pos), value))
            pos = skip(end)
        return items, False
    pos = skip(pos + 1)
    while pos < len(text) and text[pos] != "]":
        value, end = decode(pos)
        items.append((line_at(pos), value))
        pos = skip(end)
        if pos < len(text) and text[pos] == ",":
            pos = skip(pos + 1)
        elif pos < len(text) and text[pos] != "]":
            raise InvalidInput(f"line {line_at(pos)}: malformed JSON: expected ',' or ']'")
    if pos >= len(text):
        raise InvalidInput(f"line {line_at(pos)}: malformed JSON: the array is not closed")
    if skip(pos + 1) < len(text):
        raise InvalidInput(f"line {line_at(skip(pos + 1))}: malformed JSON: text after the array")
    return items, True


def _beyond_limits(line: int, exc: Exception) -> InvalidInput:
    """Valid JSON that no record can hold: nested thousands deep, or a number of thousands of
    digits (Python refuses to convert those)."""
    if isinstance(exc, RecursionError):
        return InvalidInput(f"line {line}: the JSON is nested too deeply to be a record")
    return InvalidInput(f"line {line}: a number in the JSON is too long ({exc})".split(";")[0])
