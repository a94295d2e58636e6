"""The history of writes, and `undo`.

Reading the history (`history_entries`, `history_rows`, `describe_changes`, who wrote an
entry), finding what can be undone (`last_undoable`, `history_entry`) and what a later
command built on (`later_dependents`), and reverting one command (`Undoing.undo`).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..errors import InvalidInput, NoMatch, NotFound, StoreError
from ..model import references
from ..queries import TYPE_OF_TABLE as SINGULAR
from ..store import StoreData
from .base import WriterBase
from .drafts import Outcome
from .references import candidate_referrers
from .wording import counted

Json = dict[str, Any]


class Undoing(WriterBase):
    """Reverting one command, leaving the file byte-identical to what it was before it."""

    def undo(self, entry_id: str | None = None, *, expected: Json | None = None) -> Outcome:
        """Revert every change of one command: `entry_id` (h-000012), else the last command
        not yet undone. `expected` is the entry as shown to the user: refused (StoreError) if
        the command found now is another one (a later write, or a new command that was given
        the number of an entry undone meanwhile).

        The undo leaves no trace: the command's history entry is removed and none is added, and
        removed records come back under their own document numbers, so undoing the last command
        makes the file byte-identical to what it was before it. Refused (InvalidInput) while a
        later command changed the same records or refers to a record the undo would remove.
        """
        entry = last_undoable(self.data) if entry_id is None else history_entry(self.data, entry_id)
        if expected is not None and not same_entry(entry, expected):
            raise StoreError(
                f"the store changed since {expected['id']} was shown (the command to undo is now "
                f"{entry['id']}: {entry.get('command')}); nothing undone",
                hint="run partnerkb undo again to see what it would revert",
            )
        blocking = later_dependents(self.data, entry)
        if blocking:
            first = blocking[0]
            raise InvalidInput(
                f"{entry['id']} cannot be undone: {counted(len(blocking), 'later command')} "
                f"changed the same records, first {first['id']} ({first['command']})",
                hint=f"undo {blocking[-1]['id']} first (the latest), then the others",
            )
        for change in reversed(entry["changes"]):
            table, record_id = change["table"], change["id"]
            found = self.data.get(record_id)
            if change.get("inserted"):
                if found is not None:
                    self.tx.delete(table, record_id)
            elif change.get("removed"):
                if found is None:
                    self.tx.insert(table, change["before"], doc=change.get("doc"))
            else:
                self.tx.replace(table, change["before"])
        self._refuse_broken_references(entry)
        self.tx.take_back(entry["id"])
        return Outcome(entry["id"], "history", "undone")

    def _refuse_broken_references(self, entry: Json) -> None:
        """A record added by the command may be cited by a later one: name that command."""
        gone = {c["id"] for c in entry["changes"]
                if c.get("inserted") and self.data.get(c["id"]) is None}  # fmt: skip
        if not gone:
            return
        for table, record in candidate_referrers(self.data, gone):
            for field_name, ref in references(table, record):
                if ref in gone and record["id"] not in gone:
                    later = last_change_of(self.data, record["id"])
                    by = f" (written by {later['id']}: {later['command']})" if later else ""
                    raise InvalidInput(
                        f"{entry['id']} cannot be undone: {record['id']}{by} refers to "
                        f"{ref} through {field_name}",
                        hint=f"undo {later['id']} first" if later else None,
                    )


def history_entries(data: StoreData) -> list[Json]:
    """The history, oldest first."""
    return [data.tables["history"][k] for k in sorted(data.tables["history"], key=int)]


def newest_first(data: StoreData) -> Iterator[Json]:
    """The history, newest first, read as far as the caller goes: from the store's index where
    its engine has one (a few entries at first, then more), else from the whole table."""
    count, seen = 8, 0
    while True:
        pushed = data.last_history(count)
        if pushed is None:
            break
        for _, entry in pushed[seen:]:
            yield entry
        if len(pushed) < count:
            return
        seen, count = count, count * 4
    yield from list(reversed(history_entries(data)))[seen:]


def _undone_so_far(entry: Json, undone: set[str]) -> bool:
    """Whether `entry`, met newest first, is an undo or undone by one met before it (an undo
    entry, with `undoes`, always comes after the command it undoes)."""
    if entry.get("undoes"):
        undone.add(entry["undoes"])
        return True
    return entry["id"] in undone


def last_undoable(data: StoreData, writer: Json | None = None) -> Json:
    """The last command that is neither an undo nor undone already (undo entries, with
    `undoes`, are in stores written before an undo removed the entry instead); with `writer`
    (`user` and database `role`, as a shared store's history names them), the last one they
    wrote."""
    undone: set[str] = set()
    for entry in newest_first(data):
        if _undone_so_far(entry, undone):
            continue
        if writer is None or written_by_writer(entry, writer):
            return entry
    if writer is not None:
        raise NoMatch(
            f"nothing to undo: the history has no command of yours (user {writer.get('user')}, "
            f"database role {writer.get('role')}) left to revert",
            hint="name another's command to revert it: partnerkb undo HISTORY-ID",
        )
    raise NoMatch("nothing to undo: the history has no command left to revert")


def written_by_writer(entry: Json, writer: Json) -> bool:
    """Whether `entry` was written by `writer`: the same user and the same database role."""
    by = entry.get("by")
    return isinstance(by, dict) and by.get("user") == writer.get("user") and (
        by.get("role") == writer.get("role"))  # fmt: skip


def history_entry(data: StoreData, entry_id: str) -> Json:
    """The command `entry_id` (h-000012), if it can be undone: NotFound if there is none,
    InvalidInput if it is an undo itself or already undone."""
    wanted = entry_id.strip().lower()
    if wanted.isdigit():
        wanted = f"h-{int(wanted):06d}"
    newer: list[Json] = []  # an undo of the entry comes after it
    found = None
    for entry in newest_first(data):
        if entry.get("id") == wanted:
            found = entry
            break
        newer.append(entry)
    if found is None:
        raise NotFound(f"no history entry {entry_id!r}", hint="see the ids with: partnerkb history")
    if found.get("undoes"):
        raise InvalidInput(
            f"{found['id']} is itself an undo (of {found['undoes']}); redo that command instead"
        )
    undone_by = next((e["id"] for e in reversed(newer) if e.get("undoes") == found["id"]), None)
    if undone_by:
        raise InvalidInput(f"{found['id']} is already undone (by {undone_by})")
    return found


def same_entry(entry: Json, other: Json) -> bool:
    """Whether two history entries are the same command: an undone entry's number may be given
    to the next command, so the number alone does not tell."""
    return all(entry.get(key) == other.get(key) for key in ("id", "at", "command", "by"))


def later_dependents(data: StoreData, entry: Json) -> list[Json]:
    """Commands after `entry`, not undone, that changed one of the records it changed (undoing
    `entry` first would silently drop their changes), oldest first."""
    undone: set[str] = set()
    ids = {c["id"] for c in entry.get("changes") or []}
    later: list[Json] = []
    for other in newest_first(data):
        if same_entry(other, entry):
            return list(reversed(later))
        if not _undone_so_far(other, undone) and any(
            c["id"] in ids for c in other.get("changes") or []
        ):
            later.append(other)
    return list(reversed(later))


def last_change_of(data: StoreData, record_id: str) -> Json | None:
    """The latest command, not undone, that changed `record_id`."""
    undone: set[str] = set()
    for entry in newest_first(data):
        if _undone_so_far(entry, undone):
            continue
        if any(c["id"] == record_id for c in entry.get("changes") or []):
            return entry
    return None


def is_callers(entry: Json) -> bool:
    """Whether a command was written by this user from this login session."""
    from ..locking import caller

    by = entry.get("by")
    if not isinstance(by, dict):
        return False
    me = caller()
    return bool(by.get("user") == me["user"] and by.get("session") == me["session"])


def written_by(entry: Json) -> str:
    """'you (this session)', 'user ada (pid 4242)', or 'an unknown user' for old entries."""
    by = entry.get("by")
    if not isinstance(by, dict):
        return "an unknown user (written before partnerkb recorded who writes)"
    role = f", database role {by['role']}" if by.get("role") else ""
    if is_callers(entry):
        return f"you (this session, pid {by.get('pid')}{role})"
    return f"user {by.get('user')} (pid {by.get('pid')}, another session{role})"


def describe_changes(entry: Json, *, undo: bool = False, limit: int = 6) -> list[str]:
    """'added event X', or for an undo what reverting it does: 'remove event X'."""
    verbs = {"inserted": ("added", "remove"), "removed": ("removed", "restore"),
             "changed": ("changed", "restore the previous")}  # fmt: skip
    lines: list[str] = []
    changes = entry.get("changes") or []
    if len(changes) > limit:
        counts: dict[tuple[str, str], int] = {}
        for change in changes:
            key = (_change_kind(change), change["table"])
            counts[key] = counts.get(key, 0) + 1
        for (kind, table), count in counts.items():
            verb = verbs[kind][1 if undo else 0]
            noun = table if count > 1 else SINGULAR[table]
            lines.append(f"{verb} {count} {noun}")
        return lines
    for change in changes:
        verb = verbs[_change_kind(change)][1 if undo else 0]
        lines.append(f"{verb} {SINGULAR.get(change['table'], change['table'])} {change['id']}")
    return lines


def _change_kind(change: Json) -> str:
    if change.get("inserted"):
        return "inserted"
    if change.get("removed"):
        return "removed"
    return "changed"


def history_rows(data: StoreData, record_id: str | None = None) -> list[Json]:
    """History entries, newest first, optionally only those touching a record (or one entry)."""
    entries = history_entries(data)
    undone_by = {e["undoes"]: e["id"] for e in entries if e.get("undoes")}
    if record_id:
        entries = [
            e for e in entries
            if e["id"] == record_id or any(c["id"] == record_id for c in e.get("changes") or [])
        ]  # fmt: skip
    rows = []
    for entry in reversed(entries):
        status = ""
        if entry.get("undoes"):
            status = f"undoes {entry['undoes']}"
        elif entry["id"] in undone_by:
            status = f"undone by {undone_by[entry['id']]}"
        rows.append(
            {
                **entry,
                "type": "history",
                "display": {"changes": "; ".join(describe_changes(entry)), "status": status},
            }
        )
    if not rows:
        if record_id:
            raise NoMatch(f"no history for {record_id!r}")
        raise NoMatch("the history is empty: nothing has been written to this store yet")
    return rows
