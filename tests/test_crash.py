"""Writes that cannot finish: a writer killed with SIGKILL at any moment, a read-only store, a
store locked by a stuck process, a full disk. Each leaves the old (or the new) store, valid, and
the commands that fail say so with exit code 3."""

from __future__ import annotations

import errno
import os
import random
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import pytest

from partnerkb.engines import open_engine
from partnerkb.model import VALIDATORS
from partnerkb.store import read_store

NEWSAZ = "newsaz-2024-01-31-samadov-almalik"
MEETING = ["--participant", "icesco", "--participant", "morocco", "--source", NEWSAZ]

# Adds meetings until killed, printing nothing: the test kills it at a random moment.
ENDLESS_WRITER = textwrap.dedent(
    """
    import sys
    from partnerkb.cli.app import app

    store, first = sys.argv[1], int(sys.argv[2])
    for n in range(first, first + 10_000):
        day = f"{1000 + n // 300}-{n % 300 // 28 % 12 + 1:02d}-{n % 28 + 1:02d}"
        try:
            app(["add-meeting", "--db", store, "--date", day, "--participant", "icesco",
                 "--participant", "morocco", "--source", "newsaz-2024-01-31-samadov-almalik",
                 "--allow-duplicate"])
        except SystemExit:
            pass
    """
)


def assert_valid(path: Path) -> dict[str, dict]:
    data = read_store(path)  # raises on a half-written or corrupt file
    for table in VALIDATORS:
        for record in data.records(table):
            VALIDATORS[table](record)
    return {e["id"]: e for e in data.records("events")}


@pytest.fixture
def bigger_store(shipped_copy: Path) -> Path:
    """The shipped store plus 2,000 events, so that a write takes long enough to be cut."""
    with open_engine(shipped_copy).transaction("grow") as tx:
        template = read_store(shipped_copy).find("events", "2024-01-30-samadov-almalik-rabat")
        for n in range(2000):
            tx.insert("events", {**template, "id": f"filler-{n}", "title": f"Filler {n}"})
    return shipped_copy


def _file_state(path: Path) -> tuple[int, int]:
    stat = path.stat()
    return stat.st_ino, stat.st_mtime_ns


def _wait_for_a_write(writer: subprocess.Popen, store: Path, before: tuple[int, int]) -> None:
    """Wait (as long as it takes on a loaded machine) until the writer has replaced the store."""
    while _file_state(store) == before:
        assert writer.poll() is None, "the writer stopped before writing anything"
        time.sleep(0.005)


def _kill_when_writing(writer: subprocess.Popen, folder: Path) -> None:
    """SIGKILL the writer as soon as its temporary file appears: in the middle of a write. The
    writer writes again and again, so however slow the machine, one of its writes is caught."""
    while not any(name.endswith(".tmp") for name in os.listdir(folder)):
        assert writer.poll() is None, "the writer stopped without being killed"
        time.sleep(0.0005)
    writer.send_signal(signal.SIGKILL)


@pytest.mark.json_only  # the JSON file's own write path (SQLite: test_sqlite_engine.py)
def test_a_writer_killed_at_any_moment_leaves_the_old_or_the_new_store(bigger_store):
    """Half the kills land at a random moment (starting, reading, writing, between commands),
    half while the new file is being written, after the writer has finished one write: so the
    test asserts what was written, never how fast it was written."""
    rng = random.Random(20240130)
    known = assert_valid(bigger_store)
    grown = 0
    for attempt in range(8):
        for leftover in bigger_store.parent.glob(".*.tmp"):
            leftover.unlink()
        before = _file_state(bigger_store)
        writer = subprocess.Popen(
            [sys.executable, "-c", ENDLESS_WRITER, str(bigger_store), str(attempt * 1000)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            if attempt % 2:
                time.sleep(rng.uniform(0.3, 1.0))
            else:
                _wait_for_a_write(writer, bigger_store, before)
                _kill_when_writing(writer, bigger_store.parent)
        finally:
            writer.send_signal(signal.SIGKILL)
            writer.wait()
        now = assert_valid(bigger_store)
        assert set(known) <= set(now)  # nothing that was written is ever lost
        if attempt % 2 == 0:
            assert len(now) > len(known)  # the write it finished before the kill is kept
        grown += len(now) - len(known)
        known = now
    assert grown >= 4


@pytest.mark.json_only  # the JSON file's own write path (SQLite: test_sqlite_engine.py)
def test_temporary_files_of_killed_writers_are_cleaned_by_the_next_write(shipped_copy, cli):
    stale = shipped_copy.parent / f".{shipped_copy.name}.abc123.tmp"
    stale.write_bytes(b'{"half": ')
    old = time.time() - 3600
    os.utime(stale, (old, old))
    result = cli("add-meeting", "--db", str(shipped_copy), "--date", "2020", *MEETING)
    assert result.exit_code == 0, result.stderr
    assert not stale.exists()


@pytest.mark.files_only  # a read-only file (PostgreSQL: test_postgresql_engine.py)
def test_a_read_only_store_is_refused_with_exit_3_and_left_intact(shipped_copy, cli):
    before = shipped_copy.read_bytes()
    shipped_copy.chmod(0o444)
    try:
        result = cli("add-meeting", "--db", str(shipped_copy), "--date", "2020", *MEETING)
    finally:
        shipped_copy.chmod(0o644)
    assert result.exit_code == 3
    assert result.stderr.startswith(f"error: the store {shipped_copy} is read-only")
    assert "chmod" in result.stderr
    assert shipped_copy.read_bytes() == before


@pytest.mark.json_only  # the JSON file's own write path (SQLite: test_sqlite_engine.py)
def test_a_read_only_file_system_is_exit_3_and_the_store_is_intact(shipped_copy, cli, monkeypatch):
    before = shipped_copy.read_bytes()

    def read_only(*args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(tempfile, "mkstemp", read_only)
    result = cli("add-meeting", "--db", str(shipped_copy), "--date", "2020", *MEETING)
    assert result.exit_code == 3
    assert "the file system is read-only; the store is unchanged" in result.stderr
    assert shipped_copy.read_bytes() == before


@pytest.mark.json_only  # the JSON file's own write path (SQLite: test_sqlite_engine.py)
def test_a_full_disk_is_exit_3_and_the_store_is_intact(shipped_copy, cli, monkeypatch):
    before = shipped_copy.read_bytes()

    def no_space(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", no_space)
    result = cli("add-meeting", "--db", str(shipped_copy), "--date", "2020", *MEETING)
    assert result.exit_code == 3
    assert "the disk is full; the store is unchanged" in result.stderr
    assert result.stdout == ""
    assert shipped_copy.read_bytes() == before
    assert not [p for p in shipped_copy.parent.iterdir() if p.name.endswith(".tmp")]


HOLDERS = {
    # partnerkb's own lock names its holder in the lock file
    "partnerkb": "import sys, time\nfrom pathlib import Path\nfrom partnerkb.store import Store\n"
    "lock = Store(Path(sys.argv[1])).lock('add-meeting --date 2020')\nlock.acquire()\n"
    "print('held', flush=True)\ntime.sleep(60)\n",
    # any other flock holder (here filelock's) is only "another process"
    "foreign": "import sys, time\nfrom filelock import FileLock\n"
    "lock = FileLock(sys.argv[1] + '.lock')\nlock.acquire()\n"
    "print('held', flush=True)\ntime.sleep(60)\n",
}


@pytest.mark.json_only  # the JSON file's own write path (SQLite: test_sqlite_engine.py)
@pytest.mark.parametrize("kind", HOLDERS)
def test_a_store_locked_by_a_stuck_process_times_out_with_exit_3_naming_the_holder(
    shipped_copy, cli, kind
):
    before = shipped_copy.read_bytes()
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDERS[kind], str(shipped_copy)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        result = cli(
            "add-meeting",
            "--db",
            str(shipped_copy),
            "--date",
            "2020",
            *MEETING,
            env={"PARTNERKB_LOCK_TIMEOUT": "0.3"},
        )
    finally:
        holder.kill()
        holder.wait()
    assert result.exit_code == 3
    assert "waited 0.3 s, nothing written" in result.stderr
    if kind == "partnerkb":
        assert f"is locked by pid {holder.pid} (user " in result.stderr
        assert ": add-meeting --date 2020) since " in result.stderr
    else:
        assert "is locked by another process" in result.stderr
    # a leftover lock file never blocks anyone: removing it is never the advice
    assert "remove" not in result.stderr
    assert "PARTNERKB_LOCK_TIMEOUT" in result.stderr
    assert shipped_copy.read_bytes() == before
    # once the stuck process is gone, writing works again, though its lock file is still there
    assert Path(f"{shipped_copy}.lock").exists()
    again = cli("add-meeting", "--db", str(shipped_copy), "--date", "2020", *MEETING)
    assert again.exit_code == 0, again.stderr


def test_a_lock_timeout_that_is_not_a_number_is_a_usage_error(shipped_copy, cli):
    result = cli(
        "add-meeting",
        "--db",
        str(shipped_copy),
        "--date",
        "2020",
        *MEETING,
        env={"PARTNERKB_LOCK_TIMEOUT": "soon"},
    )
    assert result.exit_code == 2
    assert "PARTNERKB_LOCK_TIMEOUT must be a number of seconds" in result.stderr


@pytest.mark.files_only  # a file's bytes damaged
def test_a_corrupt_store_is_never_overwritten_by_a_write(shipped_copy, cli):
    shipped_copy.write_bytes(b'{"meta": {"1": {"schema_version": 1}}, "events": ')
    before = shipped_copy.read_bytes()
    result = cli("add-meeting", "--db", str(shipped_copy), "--date", "2020", *MEETING)
    assert result.exit_code == 3
    assert shipped_copy.read_bytes() == before
