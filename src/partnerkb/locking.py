"""The store's write lock: an exclusive advisory lock on `<store>.lock` that says who holds it.

The lock is `flock(2)` on the lock file, so it ends with the process that holds it, however that
process ends (SIGKILL, power loss): a leftover lock file never blocks anyone, and there is never a
reason to remove it by hand. While held, the file names its holder — process id, user, command
line, since when — so a writer that times out can say whom it waited for.

We do not use filelock's `FileLock` here (it is kept only for platforms without `fcntl`): it opens
the lock file with O_TRUNC on every attempt, so each waiter would erase the holder's name.
Removing the lock file while it is held cannot let two writers in: after locking, a writer checks
that the file it locked is still the one at the path, and tries again otherwise.
"""

from __future__ import annotations

import contextlib
import getpass
import json
import math
import os
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .errors import InvalidInput, StoreError

ENV_LOCK_TIMEOUT = "PARTNERKB_LOCK_TIMEOUT"
DEFAULT_LOCK_TIMEOUT = 10.0
_POLL_SECONDS = (0.005, 0.01, 0.02, 0.05, 0.1)  # waits between attempts, then 0.1 s each


def lock_timeout(environ: dict[str, str] | None = None) -> float:
    """Seconds to wait for the lock: $PARTNERKB_LOCK_TIMEOUT, else 10.

    Raises InvalidInput (exit 2) for anything but a finite number of seconds, zero or more.
    """
    env = os.environ if environ is None else environ
    text = env.get(ENV_LOCK_TIMEOUT, "").strip()
    if not text:
        return DEFAULT_LOCK_TIMEOUT
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value < 0:
        raise InvalidInput(
            f"{ENV_LOCK_TIMEOUT} must be a number of seconds (0 or more), not {text!r}"
        )
    return value


def caller() -> dict[str, Any]:
    """Who is writing: user name, process id, session id (the terminal's login session)."""
    try:
        user = getpass.getuser()
    except Exception:  # no name for this uid (containers): the number says who it is
        user = str(os.getuid()) if hasattr(os, "getuid") else "?"
    session = None
    if hasattr(os, "getsid"):
        with contextlib.suppress(OSError):
            session = os.getsid(0)
    return {"user": user, "pid": os.getpid(), "session": session}


@dataclass
class Holder:
    """Who holds a lock, as its lock file says; any field may be missing."""

    pid: int | None
    user: str | None
    command: str | None
    since: str | None

    def describe(self) -> str:
        """'pid 4242 (user ada: partnerkb add-meeting ...) since 16:20:05 UTC, 12 s ago'."""
        who = f"pid {self.pid}" if self.pid else "another process"
        user = f"user {self.user}" if self.user else ""
        details = ": ".join(d for d in (user, self.command) if d)
        text = who + (f" ({details})" if details else "")
        if self.since:
            try:
                started = datetime.fromisoformat(self.since.replace("Z", "+00:00"))
            except ValueError:
                return f"{text} since {self.since}"
            now = datetime.now(timezone.utc)
            shown = started.strftime("%H:%M:%S UTC" if started.date() == now.date()
                                     else "%Y-%m-%d %H:%M:%S UTC")  # fmt: skip
            text += f" since {shown}, {max(0, (now - started).total_seconds()):.0f} s ago"
        return text


class StoreLock:
    """An exclusive lock on `<store>.lock`, waiting at most `timeout` seconds for it."""

    def __init__(
        self, lock_path: Path, timeout: float, command: str = "", turn: bool = False
    ) -> None:
        self.path = lock_path
        self.timeout = timeout
        self.command = command
        self.turn = turn  # held for a whole write (see wait_while_turn), as the file says
        self._fd: int | None = None
        self.acquired_at: float | None = None  # time.monotonic() when it was taken

    def acquire(self) -> None:
        """Take the lock. StoreError (exit 3) naming the holder if it is not free in time."""
        import fcntl

        deadline = time.monotonic() + self.timeout
        attempt = 0
        while True:
            fd = self._open()
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = _read_holder(fd)
                os.close(fd)
                if time.monotonic() >= deadline:
                    raise self._timed_out(holder) from None
                time.sleep(_POLL_SECONDS[min(attempt, len(_POLL_SECONDS) - 1)])
                attempt += 1
                continue
            except OSError as exc:
                os.close(fd)
                raise StoreError(
                    f"cannot lock the store: {self.path}: {exc.strerror or exc}; it is unchanged"
                ) from None
            if self._still_at_path(fd):
                break
            os.close(fd)  # the file was removed or replaced while we waited: lock the new one
        self._fd = fd
        self.acquired_at = time.monotonic()
        self._write_holder(fd)

    def release(self) -> None:
        """Give the lock up (the holder's name is erased first: a leftover file names no one)."""
        fd, self._fd = self._fd, None
        if fd is None:
            return
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)
        os.close(fd)  # closing the descriptor releases the flock

    def __enter__(self) -> StoreLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()

    def _open(self) -> int:
        try:
            return os.open(self.path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o666)
        except OSError as exc:
            if isinstance(exc, PermissionError):
                # read-only folder or lock file: a reader's business, not a writer's
                raise StoreError(
                    f"cannot lock the store: {self.path}: permission denied; it is unchanged"
                ) from None
            raise StoreError(
                f"cannot lock the store: {self.path}: {exc.strerror or exc}; it is unchanged"
            ) from None

    def _still_at_path(self, fd: int) -> bool:
        try:
            here, there = os.fstat(fd), os.stat(self.path)
        except OSError:
            return False
        return (here.st_dev, here.st_ino) == (there.st_dev, there.st_ino)

    def _write_holder(self, fd: int) -> None:
        me = caller()
        record = {
            "pid": me["pid"],
            "user": me["user"],
            "command": self.command or " ".join(sys.argv[:1]),
            "since": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            **({"turn": True} if self.turn else {}),
        }
        with contextlib.suppress(OSError):  # the name is a courtesy; the lock is the flock
            os.ftruncate(fd, 0)
            os.pwrite(fd, json.dumps(record, ensure_ascii=True).encode() + b"\n", 0)

    def _timed_out(self, holder: Holder | None) -> StoreError:
        store = str(self.path)[: -len(".lock")] if str(self.path).endswith(".lock") else self.path
        who = holder.describe() if holder else "another process"
        return StoreError(
            f"the store {store} is locked by {who}; waited {self.timeout:g} s, nothing written",
            hint=f"try again when it is done, or wait longer with {ENV_LOCK_TIMEOUT}=60; "
            "the lock ends with that process, however it ends",
        )


def wait_while_turn(lock_path: Path, limit: float) -> None:
    """Wait, at most `limit` seconds, while another writer holds the store's lock for a whole
    write: its turn, after others overtook it too often (see `store.Store.apply`). A write
    prepared meanwhile would only take processor time from that writer and then find the store
    changed. Returns at once when no turn is under way; never raises."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: no holder record to read
        return
    deadline = time.monotonic() + limit
    try:
        fd = os.open(lock_path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        return
    try:
        while time.monotonic() < deadline:
            record = _read_record(fd)
            if not (record and record.get("turn") is True):
                return
            try:  # a record left by a writer that was killed: the lock itself is free
                fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
            except OSError:
                time.sleep(0.02)
                continue
            fcntl.flock(fd, fcntl.LOCK_UN)
            return
    finally:
        os.close(fd)


def _read_record(fd: int) -> dict[str, Any] | None:
    try:
        text = os.pread(fd, 4096, 0)
        record = json.loads(text)
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) else None


def _read_holder(fd: int) -> Holder | None:
    record = _read_record(fd)
    if record is None:
        return None

    def field(name: str, kind: type) -> Any:
        value = record.get(name)
        return value if isinstance(value, kind) and not isinstance(value, bool) else None

    return Holder(field("pid", int), field("user", str), field("command", str), field("since", str))


class _PortableLock:
    """filelock's lock, where `fcntl` does not exist (it cannot say who holds it)."""

    def __init__(
        self, lock_path: Path, timeout: float, command: str = "", turn: bool = False
    ) -> None:
        from filelock import FileLock

        self.path = lock_path
        self.timeout = timeout
        self._lock = FileLock(str(lock_path), timeout=timeout)
        self.acquired_at: float | None = None

    def acquire(self) -> None:
        from filelock import Timeout

        try:
            self._lock.acquire()
        except Timeout:
            raise StoreError(
                f"the store is locked by another process; waited {self.timeout:g} s, nothing "
                "written",
                hint=f"try again when it is done, or wait longer with {ENV_LOCK_TIMEOUT}=60",
            ) from None
        self.acquired_at = time.monotonic()

    def release(self) -> None:
        self._lock.release()

    def __enter__(self) -> _PortableLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def store_lock(
    lock_path: Path, timeout: float, command: str = "", turn: bool = False
) -> StoreLock | _PortableLock:
    """The lock for a store's `<store>.lock` file, on this platform; `turn`: taken for a whole
    write, which the lock file says (see `wait_while_turn`)."""
    try:
        import fcntl  # noqa: F401
    except ImportError:  # pragma: no cover - Windows
        return _PortableLock(lock_path, timeout, command)
    return StoreLock(lock_path, timeout, command, turn)
