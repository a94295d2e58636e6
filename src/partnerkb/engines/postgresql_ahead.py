"""Queries of one PostgreSQL read answered side by side: each on a connection of its own, in a
thread, inside the snapshot the read's transaction exported (`pg_export_snapshot`, then
`SET TRANSACTION SNAPSHOT`, as `pg_dump --jobs` does), so that every answer is of the same
version of the store as the read's own queries.

A read view (`engines.postgresql._PgDb.ahead`) starts such queries when it knows what it will
ask next (an entity's profile: `SqliteData.prepare_profile`), then takes their rows when it
asks. A query that cannot start (no connection left on the server, a thread refused, the
snapshot gone) answers None: the view asks it on its own connection, as without this module.
A query the server refuses once started (a statement timeout...) is that read's store error.
Queries still running when the read ends (`close_since`) are cancelled.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from ..errors import StoreError

if TYPE_CHECKING:
    import psycopg

    from .postgresql import Target

_RUNNING: list[SideQuery] = []  # started and not yet stopped, with the read they serve


class SideQuery:
    """One query (`sql` with psycopg's placeholders, `params`) answered in a thread of its own
    in `snapshot` (an exported snapshot's id) of the store at `target`; `owner` is the read's
    connection (its end stops the query: `stop_for`)."""

    def __init__(self, target: Target, snapshot: str, sql: str, params: tuple[Any, ...],
                 owner: object) -> None:  # fmt: skip
        self.owner = owner
        self._answer: list[Any] | None = None
        self._error: StoreError | None = None
        self._conn: psycopg.Connection[Any] | None = None
        self._done = threading.Event()
        self._lock = threading.Lock()
        self._stopped = False
        thread = threading.Thread(target=self._run, args=(target, snapshot, sql, params),
                                  daemon=True, name="partnerkb-side-query")  # fmt: skip
        try:
            thread.start()
        except RuntimeError:  # no thread to be had: asked by the read itself
            self._done.set()
            return
        _RUNNING.append(self)

    def _run(self, target: Target, snapshot: str, sql: str, params: tuple[Any, ...]) -> None:
        from .postgresql import _failure, connect

        try:
            try:
                import psycopg
                from psycopg import sql as pg_sql

                conn = connect(target)
                with self._lock:
                    self._conn = conn
                    if self._stopped:
                        return
                conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                conn.execute(pg_sql.SQL("SET TRANSACTION SNAPSHOT {}").format(
                    pg_sql.Literal(snapshot)))  # fmt: skip
            except Exception:  # noqa: BLE001 - it could not start: the read asks it itself
                return
            try:
                self._answer = conn.execute(sql, params).fetchall()
            except psycopg.Error as exc:
                self._error = _failure(target, exc)
        finally:
            with self._lock:
                if self._conn is not None:
                    self._conn.close()
                    self._conn = None
            self._done.set()

    def rows(self) -> list[Any] | None:
        """The query's rows once answered; None when it could not start (the caller asks it
        itself). StoreError when the server refused it (as the read's own query would be)."""
        self._done.wait()
        self.forget()
        if self._error is not None:
            raise self._error
        return self._answer

    def stop(self) -> None:
        """Cancel the query if it is still running (its connection is closed by its thread)."""
        with self._lock:
            self._stopped = True
            conn = self._conn
            if conn is not None and not self._done.is_set():
                cancel = getattr(conn, "cancel_safe", None) or conn.cancel
                try:
                    cancel()
                except Exception:  # noqa: BLE001 - already over, or the server is gone
                    pass
        self.forget()

    def forget(self) -> None:
        if self in _RUNNING:
            _RUNNING.remove(self)


def stop_for(owner: object) -> None:
    """Stop every query started for the read whose connection is `owner` (it is ending)."""
    for query in [q for q in _RUNNING if q.owner is owner]:
        query.stop()
