"""Turning query results into output: a Rich table for people, JSON/JSONL/CSV/TSV for scripts.

Every format comes from the same rows. Machine formats never touch Rich. Text from the store is
made safe on the way out: control characters (terminal escapes) are shown as visible escapes,
Rich markup is never interpreted (every cell is a `rich.text.Text`), and a CSV/TSV cell that a
spreadsheet would read as a formula is prefixed with an apostrophe.
"""

from __future__ import annotations

import io
import os
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from operator import itemgetter
from typing import Any, TextIO

from .model import CONTROL_CHARS

Json = dict[str, Any]
# what a spreadsheet runs as a formula when a cell starts with it
FORMULA_START = _FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_text(value: Any) -> str:
    """Text with control characters (ESC, bidi overrides...) shown as visible escapes."""
    text = "" if value is None else str(value)
    if text.isprintable():  # no control or format character: the common case, checked in C
        return text
    return CONTROL_CHARS.sub(_escape, text)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def spreadsheet_safe(text: str) -> str:
    """A cell no spreadsheet will run: formulas ('=1+1', '@SUM', '-2+3') become plain text."""
    if text.startswith(_FORMULA_START) or (
        text[:1] == "'" and text.lstrip("'").startswith(_FORMULA_START)
    ):  # '=1 itself gets one more: import takes one apostrophe off
        return "'" + text
    return text


@dataclass(frozen=True)
class Column:
    """One column of the table/CSV/TSV views: its header and how to read it from a row."""

    header: str
    value: Callable[[Json], Any]
    style: str | None = None
    max_width: int | None = None
    highlight: bool = False
    in_table: bool = True  # False: only in CSV/TSV (too wide for a terminal table)
    detail: Callable[[Json], Any] | None = None  # a second, dim line in the table view
    table_value: Callable[[Json], Any] | None = None  # what people read, where scripts get value
    bar: Callable[[Json], float] | None = None  # table only: a bar of this share (0..1) instead
    # in the table also when the terminal is at least this wide (with in_table=False)
    table_from_width: int | None = None
    unbroken: bool | None = None  # never wrapped in the table (ids); None: the "id" column
    keep: int = 0  # on a narrow terminal, columns of lower `keep` give way first (then rightmost)

    @property
    def keeps_whole(self) -> bool:
        return self.header == "id" if self.unbroken is None else self.unbroken


@dataclass(frozen=True)
class Section:
    """One part of a report: its key in JSON (and in the `section` field of other formats),
    the title of its table, its rows and the columns of its table."""

    key: str
    title: str
    rows: Sequence[Json]
    columns: Sequence[Column]


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return "; ".join(cell_text(v) for v in value)
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def choose_format(requested: str | None, stream: TextIO | None = None) -> str:
    """The format asked for, else a table on a terminal and TSV when piped."""
    if requested:
        return requested
    out = stream or sys.stdout
    return "table" if out.isatty() else "tsv"


def emit(
    rows: Sequence[Json],
    columns: Sequence[Column],
    fmt: str,
    *,
    out: TextIO | None = None,
    title: str | None = None,
    group: Callable[[Json], str] | None = None,
    highlight_terms: Iterable[str] = (),
    caption: str | None = None,
) -> None:
    """Write rows in a format. JSON carries whole rows; the others carry the columns."""
    stream = out or sys.stdout
    if fmt == "json":
        write_json(list(rows), stream)
    elif fmt == "jsonl":
        write_json_lines(rows, stream)
    elif fmt in ("csv", "tsv"):
        write_delimited(rows, columns, fmt, stream)
    else:
        with paged(stream) as screen:
            table_view(rows, columns, screen, title=title, group=group,
                       terms=list(highlight_terms), caption=caption)  # fmt: skip


# ---------------------------------------------------------------------------------------------
# The pager: long tables on a terminal
# ---------------------------------------------------------------------------------------------

DEFAULT_PAGER = "less -FRX"  # -F: no pager for what fits one screen; -R: colours; -X: no clearing
_PAGING = {"enabled": True}


def set_paging(enabled: bool) -> None:
    """Off: tables are written straight to the terminal (`--no-pager`)."""
    _PAGING["enabled"] = enabled


class _Screen(io.StringIO):
    """Where a table is drawn before it is paged: it answers as the terminal it stands for
    (is a TTY, has its file descriptor) so that Rich draws for that terminal's width."""

    def __init__(self, terminal: TextIO) -> None:
        super().__init__()
        self._terminal = terminal

    def isatty(self) -> bool:
        return True

    def fileno(self) -> int:
        return self._terminal.fileno()


@contextmanager
def paged(out: TextIO) -> Iterator[TextIO]:
    """The stream a table view writes to. On a terminal (and paging on), the view is drawn in
    full, then shown through `$PAGER` (default `less -FRX`) if it is longer than the screen;
    piped, or with paging off, it goes straight to `out`. A pager that cannot start, or
    `PAGER=cat`/empty, means no pager."""
    import shutil

    try:
        terminal = _PAGING["enabled"] and out.isatty()
    except (AttributeError, ValueError):
        terminal = False
    if not terminal:
        yield out
        return
    screen = _Screen(out)
    yield screen
    text = screen.getvalue()
    command = os.environ.get("PAGER", DEFAULT_PAGER).strip()
    if text.count("\n") < shutil.get_terminal_size().lines or command in ("", "cat"):
        out.write(text)
        return
    if not _run_pager(command, text, out):
        out.write(text)


def _run_pager(command: str, text: str, out: TextIO) -> bool:
    """Show `text` through the pager; False when the pager could not be started."""
    import subprocess

    out.flush()
    env = {**os.environ}
    env.setdefault("LESS", "FRX")
    try:
        pager = subprocess.Popen(command, shell=True, stdin=subprocess.PIPE, env=env)
    except OSError:
        return False
    assert pager.stdin is not None
    try:
        pager.stdin.write(text.encode(getattr(out, "encoding", None) or "utf-8",
                                      errors="backslashreplace"))  # fmt: skip
        pager.stdin.close()
    except (BrokenPipeError, OSError):  # the reader quit the pager early: not an error
        pass
    while True:
        try:
            pager.wait()
            break
        except KeyboardInterrupt:  # Ctrl-C belongs to the pager (less) while it runs
            continue
    return pager.returncode != 127  # the shell's "command not found"


def emit_report(
    sections: Sequence[Section],
    fmt: str,
    *,
    meta: Json,
    columns: Sequence[Column],
    caption: str | None = None,
    totals: Json | None = None,
    out: TextIO | None = None,
) -> None:
    """Write a report of several sections that shares `meta` (e.g. the reference day).

    JSON: one object, `meta`, `totals` then each section's rows under its key. JSONL: one line
    per row, with its `section` and `meta`. CSV/TSV: one header (`columns`, which read such
    rows), then every section's rows. Table: a table per section with rows, each with `caption`.
    """
    stream = out or sys.stdout
    if fmt == "json":
        write_json({**meta, **(totals or {}), **{s.key: list(s.rows) for s in sections}}, stream)
        return
    if fmt == "table":
        with paged(stream) as screen:
            for section in sections:
                if section.rows:
                    table_view(section.rows, section.columns, screen, title=section.title,
                               caption=caption)  # fmt: skip
        return
    tagged = [{**row, "section": s.key, **meta} for s in sections for row in s.rows]
    if fmt == "jsonl":
        write_json_lines(tagged, stream)
    else:
        write_delimited(tagged, columns, fmt, stream)


def write_json(value: Any, out: TextIO, *, indent: bool = True) -> None:
    """One JSON document (two-space indent, or one compact line), UTF-8, then a newline.

    orjson encodes a timeline of thousands of rows some twenty times faster than the standard
    library, whose indenting encoder is pure Python; what orjson refuses (an integer beyond 64
    bits, a lone surrogate) falls back to the standard library, escaped to ASCII.
    """
    _write_utf8(_json_bytes(value, indent), out)


def write_json_lines(rows: Iterable[Any], out: TextIO) -> None:
    """One compact JSON document per line."""
    _write_utf8(b"".join(_json_bytes(row, False) for row in rows), out)


def _json_bytes(value: Any, indent: bool) -> bytes:
    import orjson

    option = orjson.OPT_APPEND_NEWLINE | (orjson.OPT_INDENT_2 if indent else 0)
    try:
        return orjson.dumps(value, option=option)
    except orjson.JSONEncodeError:
        import json

        return (json.dumps(value, indent=2 if indent else None) + "\n").encode("ascii")


def _write_utf8(data: bytes, out: TextIO) -> None:
    """Bytes to a text stream: straight to its buffer when it encodes UTF-8 (no decode, no copy)."""
    buffer = getattr(out, "buffer", None)
    encoding = (getattr(out, "encoding", None) or "").lower().replace("-", "").replace("_", "")
    if buffer is not None and encoding == "utf8":
        out.flush()  # what the text layer holds goes first
        buffer.write(data)
    else:  # another encoding (cp1252...): what it may not hold is written as JSON escapes
        text = data.decode("utf-8")
        if not text.isascii():
            text = _NON_ASCII.sub(_json_escape, text)
        out.write(text)


_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def _json_escape(match: re.Match[str]) -> str:
    """A JSON escape of one character: \\uXXXX, or a surrogate pair beyond the BMP."""
    code = ord(match.group())
    if code < 0x10000:
        return f"\\u{code:04x}"
    code -= 0x10000
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


_CELL_BREAKS = re.compile(r"[\t\n\r]+")


def _delimited_cell(value: Any, tsv: bool) -> str:
    """A cell's text: escapes visible, on one line for TSV, never a spreadsheet formula."""
    text = cell_text(value)
    if not text.isprintable():  # printable text has no control character, tab or line break
        text = safe_text(text)
        if tsv:
            text = _CELL_BREAKS.sub(" ", text)
    if text.startswith(_FORMULA_START) or (
        text[:1] == "'" and text.lstrip("'").startswith(_FORMULA_START)
    ):  # '=1 itself gets one more: import takes one apostrophe off
        return "'" + text
    return text


def write_delimited(rows: Iterable[Json], columns: Sequence[Column], fmt: str, out: TextIO) -> None:
    readers = [c.value for c in columns]
    if fmt == "csv":
        import csv

        writer = csv.writer(out, lineterminator="\n")
        writer.writerow([c.header for c in columns])
        writer.writerows([_delimited_cell(read(row), False) for read in readers] for row in rows)
        return
    out.write("\t".join(c.header for c in columns) + "\n")
    lines: list[str] = []
    for row in rows:
        lines.append("\t".join([_delimited_cell(read(row), True) for read in readers]))
        if len(lines) == 2048:  # a write per batch of lines, not per line
            lines.append("")
            out.write("\n".join(lines))
            lines.clear()
    if lines:
        lines.append("")
        out.write("\n".join(lines))


# ---------------------------------------------------------------------------------------------
# Rich views (imported only when a table is shown)
# ---------------------------------------------------------------------------------------------


def _console(out: TextIO) -> Any:
    from rich.console import Console

    return Console(file=out, highlight=False, emoji=False, markup=False)


def styled(value: Any, terms: Sequence[str] = (), style: str | None = None) -> Any:
    """A Rich Text of store text: never markup, escapes visible, matched words highlighted."""
    from rich.text import Text

    text = Text(safe_text(cell_text(value)), style=style or "")
    if terms:
        from .textfold import fold_chars

        haystack = fold_chars(text.plain)
        for term in terms:
            start = haystack.find(term)
            while start != -1:
                text.stylize("bold reverse", start, start + len(term))
                start = haystack.find(term, start + len(term))
    return text


def table_view(
    rows: Sequence[Json],
    columns: Sequence[Column],
    out: TextIO,
    *,
    title: str | None = None,
    group: Callable[[Json], str] | None = None,
    terms: Sequence[str] = (),
    caption: str | None = None,
) -> None:
    console = _console(out)
    shown = [c for c in columns
             if c.in_table or (c.table_from_width and console.width >= c.table_from_width)]
    shown, widths = _fit(shown, rows, console.width)
    console.print(_table(rows, shown, widths, title, caption, group, terms))


_MIN_WRAPPED = 10  # the narrowest a column of wrapped text is made (longer words fold)
_COMFORTABLE = 20  # what each column gets first, when the terminal is too narrow for all


def _fit(
    columns: list[Column], rows: Sequence[Json], width: int
) -> tuple[list[Column], list[int] | None]:
    """The columns that fit a terminal `width` and their widths (None: as wide as they like).

    An id is never broken (it is copied into `show`): its column, or the column whose second
    line it is, is as wide as the longest. When the columns cannot all fit, those on the right
    give way first, the names and titles (highlighted columns) last; the width left is shared
    in proportion to what each column's text would take."""
    def border(n: int) -> int:
        return 3 * n + 1

    whole, wanted = [], []
    for column in columns:
        texts = [cell_text((column.table_value or column.value)(row)) for row in rows]
        longest_line = max((len(line) for t in texts for line in t.splitlines() or [""]),
                           default=0)  # fmt: skip
        keep = longest_line if column.keeps_whole else 0
        if column.detail is not None:
            keep = max([keep, *(len(cell_text(column.detail(row))) for row in rows)])
        longest_word = max((len(w) for t in texts for w in t.split()), default=0)
        least = keep or max(min(longest_word, _MIN_WRAPPED, column.max_width or _MIN_WRAPPED),
                            min(len(column.header), _MIN_WRAPPED))  # fmt: skip
        most = max(longest_line, len(column.header), keep)
        if column.max_width:
            most = max(min(most, column.max_width), keep)
        whole.append(least)
        wanted.append(max(most, least))
    if sum(wanted) + border(len(columns)) <= width:
        return columns, None
    kept = list(range(len(columns)))
    order = sorted(kept[1:], key=lambda i: (columns[i].highlight, columns[i].keep, -i))
    for index in order:
        if sum(whole[i] for i in kept) + border(len(kept)) <= width:
            break
        if columns[index].keeps_whole or columns[index].detail is not None:
            continue
        kept.remove(index)
    widths = [whole[i] for i in kept]
    spare = max(0, width - border(len(kept)) - sum(widths))
    # first every column up to a comfortable width (a short name on one line), then the rest
    # in proportion to what each still wants
    for highlighted in (True, False):  # names and titles first
        for n, i in enumerate(kept):
            if columns[i].highlight == highlighted:
                comfortable = _COMFORTABLE * (2 if highlighted else 1)
                step = min(spare, max(0, min(wanted[i], comfortable) - widths[n]))
                widths[n] += step
                spare -= step
    extra = [wanted[i] - widths[n] for n, i in enumerate(kept)]
    total = sum(extra) or 1
    shares = [min(extra[n], spare * extra[n] // total) for n in range(len(kept))]
    return [columns[i] for i in kept], [w + d for w, d in zip(widths, shares, strict=True)]


def _table(
    rows: Sequence[Json],
    columns: Sequence[Column],
    widths: list[int] | None,
    title: str | None,
    caption: str | None,
    group: Callable[[Json], str] | None,
    terms: Sequence[str],
) -> Any:
    from rich.table import Table

    table = Table(
        title=safe_text(title) if title else None,
        caption=safe_text(caption) if caption else None,
        show_lines=False,
        expand=False,
    )
    for n, column in enumerate(columns):
        if widths is None:
            table.add_column(column.header, style=column.style, max_width=column.max_width,
                             no_wrap=column.keeps_whole, overflow="fold")  # fmt: skip
        else:
            table.add_column(column.header, style=column.style, width=widths[n],
                             no_wrap=column.keeps_whole, overflow="fold")  # fmt: skip
    current = None
    for row in rows:
        if group is not None:
            key = group(row)
            if key != current:
                if current is not None:
                    table.add_section()
                table.add_row(styled(key, style="bold cyan"), *[""] * (len(columns) - 1))
                current = key
        table.add_row(*[_table_cell(c, row, terms) for c in columns])
    return table


def _table_cell(column: Column, row: Json, terms: Sequence[str]) -> Any:
    if column.bar is not None:
        from rich.bar import Bar

        share = min(1.0, max(0.0, float(column.bar(row))))
        return Bar(1.0, 0.0, share, width=column.max_width or 30, color="cyan")
    value = (column.table_value or column.value)(row)
    cell = styled(value, terms if column.highlight else ())
    if column.detail is not None:
        detail = column.detail(row)
        if detail:
            cell.append("\n")
            cell.append_text(styled(detail, style="dim"))
    return cell


def sections_view(
    heading: str,
    fields: Sequence[tuple[str, Any]],
    sections: Sequence[tuple[str, Sequence[Json], Sequence[Column]]],
    out: TextIO,
) -> None:
    """A profile: a heading, key/value fields, then one small table per section."""
    with paged(out) as screen:
        _sections_view(heading, fields, sections, screen)


def _sections_view(
    heading: str,
    fields: Sequence[tuple[str, Any]],
    sections: Sequence[tuple[str, Sequence[Json], Sequence[Column]]],
    out: TextIO,
) -> None:
    from rich.table import Table
    from rich.text import Text

    console = _console(out)
    console.print(Text(safe_text(heading), style="bold"))
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="dim")
    grid.add_column()
    for key, value in fields:
        if value not in (None, "", [], {}):
            grid.add_row(key, styled(value))
    console.print(grid)
    for name, rows, columns in sections:
        if not rows:
            continue
        console.print()
        table_view(rows, columns, out, title=name)


def sections_delimited(
    fields: Sequence[tuple[str, Any]],
    sections: Sequence[tuple[str, Sequence[Json], Sequence[Column]]],
    fmt: str,
    out: TextIO,
    totals: Sequence[tuple[str, int]] = (),
) -> None:
    """A profile as CSV/TSV: one 'section, key, value' row per fact, for scripts. `totals`:
    (list, how many it has in all) of the lists a profile may cut, each a 'totals' row after
    the record's (a section with fewer rows than its total was cut)."""
    rows: list[Json] = [
        {"section": "record", "key": k, "value": cell_text(v)}
        for k, v in fields
        if v not in (None, "", [], {})
    ]
    rows.extend({"section": "totals", "key": k, "value": str(n)} for k, n in totals)
    for name, section_rows, columns in sections:
        for row in section_rows:
            summary = " | ".join(
                f"{c.header}: {cell_text(c.value(row))}" for c in columns if c.value(row)
            )
            rows.append({"section": name, "key": row.get("id", ""), "value": summary})
    keys = [Column(h, itemgetter(h)) for h in ("section", "key", "value")]
    write_delimited(rows, keys, fmt, out)
