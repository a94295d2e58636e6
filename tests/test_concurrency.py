"""Several writers at once: eight processes adding 25 meetings each to one store end with exactly
200 new meetings, one history entry each, and a valid file."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from partnerkb.model import VALIDATORS
from partnerkb.store import read_store

WRITERS = 8
MEETINGS_EACH = 25

# Each writer is its own process running add-meeting 25 times in a loop (one interpreter start
# per writer keeps the test fast; every command still takes the lock, re-reads and rewrites).
WRITER = textwrap.dedent(
    """
    import sys
    from partnerkb.cli.app import app

    store, writer, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    for n in range(count):
        day = f"{1900 + writer}-{n // 28 + 1:02d}-{n % 28 + 1:02d}"
        try:
            app(["add-meeting", "--db", store, "--date", day, "--participant", "icesco",
                 "--participant", "morocco", "--source", "newsaz-2024-01-31-samadov-almalik"])
        except SystemExit as done:
            if done.code not in (0, None):
                sys.exit(f"writer {writer}: meeting {n} failed with {done.code}")
    """
)


def run_writers(store: Path, writers: int, each: int) -> list[str]:
    env = {**os.environ, "PARTNERKB_LOCK_TIMEOUT": "120"}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(store), str(w), str(each)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for w in range(writers)
    ]
    ids: list[str] = []
    for proc in procs:
        out, err = proc.communicate(timeout=240)
        assert proc.returncode == 0, err
        ids.extend(out.split())
    return ids


def test_eight_writers_at_once_lose_nothing_and_leave_a_valid_store(shipped_copy):
    before = read_store(shipped_copy)
    events_before = len(before.records("events"))
    ids = run_writers(shipped_copy, WRITERS, MEETINGS_EACH)
    assert len(ids) == len(set(ids)) == WRITERS * MEETINGS_EACH
    after = read_store(shipped_copy)
    stored = {e["id"]: e for e in after.records("events")}
    assert len(stored) == events_before + WRITERS * MEETINGS_EACH
    assert set(ids) <= set(stored)
    for table in VALIDATORS:
        for record in after.records(table):
            VALIDATORS[table](record)
    history = after.records("history")
    assert len(history) == WRITERS * MEETINGS_EACH
    assert len({h["id"] for h in history}) == len(history)
    if isinstance(shipped_copy, Path):  # a store file: no temporary file left beside it
        assert not [p for p in shipped_copy.parent.iterdir() if p.name.endswith(".tmp")]
