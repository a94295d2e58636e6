"""Shell completion: which values each option and argument offers on TAB, read from the store
the command would use, and how each shell receives them.

`attach(command)` gives a command's parameters their completers, by parameter name (the same
name means the same thing in every command: `--entity`, `--participant`, `--source`...), with a
few per command (`--kind` of `add-entity` is an entity kind, of `add-event` an event kind). The
values themselves come from `partnerkb.completion`. Completion never fails aloud: a store that
cannot be read, or anything unforeseen, offers nothing (the shell then falls back to file names)
and prints nothing.

How each shell receives the values is `cli.shells`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import Any

from typer._click.shell_completion import CompletionItem

Candidates = list[tuple[str, str]]
Completer = Callable[[Any, str], Candidates]  # (click context, typed) -> (value, help)

ALL_TABLES = ("entities", "events", "sources", "partnerships")


# ---------------------------------------------------------------------------------------------
# Reading the store the command would use
# ---------------------------------------------------------------------------------------------


def _store_data(ctx: Any) -> Any:
    """The data of the store the command being completed would open: its own --db, else the
    global --db (both as typed so far), else $PARTNERKB_DB, the user's store, the shipped one."""
    from ..engines import open_engine
    from ..store import locate_store

    chosen = None
    while ctx is not None and chosen is None:
        chosen = (ctx.params or {}).get("db")
        ctx = ctx.parent
    return open_engine(locate_store(chosen)).read()


def _from_store(pick: Callable[[Any, str, Any], Candidates]) -> Completer:
    def complete(ctx: Any, typed: str) -> Candidates:
        return pick(_store_data(ctx), typed, ctx)

    return complete


def _records(tables: Sequence[str], *, kinds: Sequence[str] = (),
             statuses: Sequence[str] = ()) -> Completer:  # fmt: skip
    from .. import completion

    return _from_store(lambda data, typed, _ctx: completion.records(
        data, typed, tables, kinds=kinds, statuses=statuses))  # fmt: skip


def _kinds(tables: Sequence[str]) -> Completer:
    from .. import completion

    return _from_store(lambda data, typed, _ctx: completion.kinds(data, typed, tables))


def _tags(tables: Sequence[str]) -> Completer:
    from .. import completion

    return _from_store(lambda data, typed, _ctx: completion.tags(data, typed, tables))


def _listed_table(ctx: Any) -> tuple[str, ...]:
    """The table `list` lists (its first argument, entities by default). While an option's
    value is being completed click may leave the argument among the unparsed words."""
    for word in ctx.args:
        if word in ("entities", "events", "sources"):
            return (word,)
    what = ctx.params.get("what")
    return (str(getattr(what, "value", what) or "entities"),)


def _list_kinds(ctx: Any, typed: str) -> Candidates:
    return _kinds(_listed_table(ctx))(ctx, typed)


def _list_tags(ctx: Any, typed: str) -> Candidates:
    return _tags(_listed_table(ctx))(ctx, typed)


def _with_suffix(first: Completer, separator: str, second: Completer) -> Completer:
    """`NAME:PART` or `NAME=KIND`: the first completer before the separator, the second after
    it (the value offered is the whole `NAME:PART`)."""

    def complete(ctx: Any, typed: str) -> Candidates:
        if separator in typed:
            head, _, tail = typed.rpartition(separator)
            return [(f"{head}{separator}{value}", help_text)
                    for value, help_text in second(ctx, tail)]  # fmt: skip
        return first(ctx, typed)

    return complete


def _parts(ctx: Any, typed: str) -> Candidates:
    from .. import completion

    return completion.parts(_store_data(ctx), typed)


def _role_titles(ctx: Any, typed: str) -> Candidates:
    from .. import completion

    return completion.role_titles(_store_data(ctx), typed)


def _history_ids(ctx: Any, typed: str) -> Candidates:
    from .. import completion

    return completion.history_ids(_store_data(ctx), typed)


def _sources(ctx: Any, typed: str) -> Candidates:
    from .. import completion

    own = completion.choices(["self"], typed, "your own record (--source self)")
    return own + completion.records(_store_data(ctx), typed, ("sources",))


def _fixed(values: Callable[[], Sequence[str]], what: str) -> Completer:
    def complete(_ctx: Any, typed: str) -> Candidates:
        from .. import completion

        return completion.choices(values(), typed, what)

    return complete


def _formats() -> Sequence[str]:
    from .common import FORMATS

    return FORMATS


def _export_formats() -> Sequence[str]:
    from .interchange import EXPORT_FORMATS

    return EXPORT_FORMATS


def _import_formats() -> Sequence[str]:
    from .interchange import IMPORT_FORMATS

    return IMPORT_FORMATS


def _groupings() -> Sequence[str]:
    from ..stats import GROUPINGS

    return GROUPINGS


def _check_names() -> Sequence[str]:
    from ..checks import CHECKS

    return list(CHECKS)


def _mappings() -> Sequence[str]:
    from importlib.resources import files

    folder = files("partnerkb.interchange") / "mappings"
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".json"))


def _statuses() -> Sequence[str]:
    from ..model import STATUSES

    return STATUSES


ENTITIES = _records(("entities",))
EVENTS = _records(("events",))
ANYTHING = _records(ALL_TABLES)
ENTITY_KINDS = _kinds(("entities",))
EVENT_KINDS = _kinds(("events",))

# What each parameter offers, by its name in every command...
BY_NAME: dict[str, Completer] = {
    "entity": ENTITIES,
    "id_or_name": ANYTHING,
    "record": ANYTHING,
    "into": ENTITIES,
    "participant": _with_suffix(ENTITIES, ":", _parts),
    "organization": ENTITIES,
    "place": _records(("entities",), kinds=("place", "country")),
    "located_in": _records(("entities",), kinds=("place", "country")),
    "role_organization": ENTITIES,
    "of": ENTITIES,
    "person": _records(("entities",), kinds=("person",)),
    "title": _role_titles,
    "source": _sources,
    "attach_to": EVENTS,
    "fulfils": _records(("events",), statuses=("planned", "requested", "postponed", "cancelled")),
    "entry_id": _history_ids,
    "kind": EVENT_KINDS,
    "entity_kind": _with_suffix(ENTITY_KINDS, "=", ENTITY_KINDS),
    "tag": _tags(("events",)),
    "status": _fixed(_statuses, "status"),
    "fmt": _fixed(_formats, "format"),
    "order": _fixed(lambda: ("dmy", "mdy"), "date order"),
    "by": _fixed(_groupings, "grouping"),
    "names": _fixed(_check_names, "check"),
    "mapping": _fixed(_mappings, "shipped mapping"),
}
# ... and where one command means something else by it.
BY_COMMAND: dict[tuple[str, str], Completer | None] = {
    ("search", "kind"): _kinds(("entities", "events", "sources")),
    ("search", "query"): _records(("entities",)),
    ("list", "kind"): _list_kinds,
    ("list", "tag"): _list_tags,
    ("add-entity", "kind"): ENTITY_KINDS,
    ("add-entity", "tag"): _tags(("entities",)),
    ("add-entity", "name"): None,  # a new name
    ("add-meeting", "kind"): _with_suffix(ENTITY_KINDS, "=", ENTITY_KINDS),
    ("add-source", "title"): None,  # a new title
    ("add-meeting", "title"): None,
    ("add-event", "title"): None,
    ("ingest", "title"): None,
    ("import", "kind"): _with_suffix(ENTITY_KINDS, "=", ENTITY_KINDS),
    ("import", "fmt"): _fixed(_import_formats, "format"),
    ("export", "fmt"): _fixed(_export_formats, "format"),
    ("ingest", "fmt"): _fixed(lambda: ("text", "json"), "format"),
    ("add-role", "person"): _records(("entities",), kinds=("person",)),
}


def attach(command: Any) -> None:
    """Give `command`'s parameters their completers (those without one offer nothing, or file
    names where they take a path)."""
    for param in command.params:
        key = (command.name, param.name)
        completer = BY_COMMAND[key] if key in BY_COMMAND else BY_NAME.get(param.name)
        if completer is not None:
            # click's own hook for a parameter's completion (what shell_complete= sets); Typer's
            # autocompletion= would keep only values starting with what was typed, and
            # "Sam" must offer "Nazim Samadov"
            param._custom_shell_complete = _quietly(completer)


def _quietly(completer: Completer) -> Callable[[Any, Any, str], list[CompletionItem]]:
    def complete(ctx: Any, _param: Any, typed: str) -> list[CompletionItem]:
        try:
            return [CompletionItem(value, help=help_text or None)
                    for value, help_text in completer(ctx, typed)]  # fmt: skip
        except Exception:  # a broken store, anything unforeseen: offer nothing, say nothing
            if os.environ.get("PARTNERKB_DEBUG"):
                raise
            return []

    return complete


__all__ = ["attach"]
