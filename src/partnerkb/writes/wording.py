"""English for the messages of the write commands.

Prefixing an error with where it happened (`about`, `prefixed`: 'line 3: date: ...'),
articles and plurals (`a`, `plural`, `counted`), the hints of a name not found
(`search_hint`, `not_found_hint`, `or_create_missing`) and the note on relative dates read
against today (`today_note`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from datetime import date

from ..errors import NotFound, PartnerkbError


@contextlib.contextmanager
def about(prefix: str | None, *, names: Sequence[str] = ()) -> Iterator[None]:
    """Prefix the message of any project error raised inside: 'line 3: date: ...'.

    A message that already starts with the prefix keeps it once ('x: x: ...' says nothing
    more); one that starts with one of `names` (the field the prefix ends with, as the inner
    check calls it) has that name replaced by the prefix: '--set date: date: cannot read' reads
    '--set date: cannot read'."""
    try:
        yield
    except PartnerkbError as exc:
        if prefix:
            exc.message = prefixed(prefix, exc.message, names)
            exc.args = (exc.message,)
        raise


def prefixed(prefix: str, message: str, names: Sequence[str] = ()) -> str:
    """`message` with `prefix` in front, never twice (see `about`)."""
    if message.startswith(f"{prefix}:") or message.startswith(f"{prefix} "):
        return message
    for name in sorted(names, key=len, reverse=True):
        for sep in (":", " "):
            if message.startswith(f"{name}{sep}"):
                return f"{prefix}{message[len(name) :]}"
    return f"{prefix}: {message}"


def a(noun: str) -> str:
    """The noun with its indefinite article: 'a person', 'an organization', 'an event'."""
    return f"{'an' if noun[:1].lower() in 'aeiou' else 'a'} {noun}"


def plural(noun: str) -> str:
    """'entity' -> 'entities', 'source' -> 'sources', 'match' -> 'matches'."""
    if noun.endswith("y") and noun[-2:-1] not in ("a", "e", "i", "o", "u"):
        return noun[:-1] + "ies"
    if noun.endswith(("s", "x", "ch", "sh")):
        return noun + "es"
    return noun + "s"


def counted(n: int, noun: str) -> str:
    """'1 record', '2 records', '3 entities'."""
    return f"{n} {noun if n == 1 else plural(noun)}"


def search_hint(text: str) -> str | None:
    """'try: partnerkb search 'Nowhere Land'', quoted for a shell; None for empty text."""
    import shlex

    text = text.strip()
    return f"try: partnerkb search {shlex.quote(text)}" if text else None


def not_found_hint(exc: NotFound, text: str) -> str | None:
    """The look-up's 'did you mean ...?' when it has one, else a search for the text, quoted for a
    shell (and none for empty text: 'partnerkb search' alone finds nothing)."""
    if exc.hint and not exc.hint.startswith("try:"):
        return exc.hint
    return search_hint(text)


def or_create_missing(exc: NotFound) -> NotFound:
    """The error of a name not in the store, its hint offering --create-missing."""
    if exc.hint and exc.hint.endswith("?"):  # did you mean 'X'?
        hint = f"{exc.hint} If it is new, add --create-missing to record it"
    elif exc.hint:
        hint = f"{exc.hint}, or add --create-missing to record it"
    else:
        hint = "add --create-missing to record it"
    return NotFound(exc.message, hint=hint)


def today_note(phrases: Sequence[str], today: date) -> str | None:
    """The one line that says relative dates were resolved against the day of typing."""
    if not phrases:
        return None
    what = repr(phrases[0]) if len(phrases) == 1 else f"{len(phrases)} relative dates"
    verb = "was" if len(phrases) == 1 else "were"
    return (
        f"note: {what} {verb} resolved against today, {today.isoformat()} (no --as-of and no "
        "dated source); give --as-of DAY to resolve against the day of the report"
    )
