"""`partnerkb migrate` on the file engines: a SQLite store of an older layout brought up to date
in one transaction (what its next write would otherwise do), a JSON file with nothing to do,
a newer store refused. (PostgreSQL, where an older store is refused until migrated, is in
test_postgresql_engine.py.)"""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from partnerkb.engines.sqlite import LAYOUT_VERSION
from partnerkb.store import shipped_store_path

QUESTIONS = (["show", "nazim-samadov", "--format", "json"],
             ["timeline", "--entity", "azerbaijan", "--format", "json"],
             ["search", "Shusha", "--format", "json"])  # fmt: skip


@pytest.fixture
def layout_1(tmp_path: Path, shipped_sqlite: Path) -> Path:
    """A copy of the shipped store as a SQLite store of layout 1 (before event_entities)."""
    path = tmp_path / "kb.sqlite"
    shutil.copyfile(shipped_sqlite, path)
    conn = sqlite3.connect(path)
    conn.execute("DROP TABLE event_entities")
    conn.execute("DELETE FROM derived WHERE name = 'event_entities'")
    conn.execute("PRAGMA user_version = 1")
    conn.commit()
    conn.close()
    return path


def test_migrate_brings_a_sqlite_store_up_to_date_and_it_answers_the_same(cli, layout_1):
    answers = [cli(*q, "--db", str(layout_1)).stdout for q in QUESTIONS]
    before = layout_1.read_bytes()
    dry = cli("migrate", "--db", str(layout_1), "--dry-run")
    assert dry.exit_code == 0, dry.stderr
    assert "would migrate" in dry.stderr and "event_entities" in dry.stderr
    assert f"from layout 1 to {LAYOUT_VERSION}" in dry.stderr
    assert layout_1.read_bytes() == before
    done = cli("migrate", "--db", str(layout_1))
    assert done.exit_code == 0, done.stderr
    assert "migrated" in done.stderr and "created event_entities" in done.stderr
    conn = sqlite3.connect(layout_1)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == LAYOUT_VERSION
    assert conn.execute("SELECT count(*) FROM event_entities").fetchone()[0] > 0
    conn.close()
    assert [cli(*q, "--db", str(layout_1)).stdout for q in QUESTIONS] == answers
    again = cli("migrate", "--db", str(layout_1))
    assert again.exit_code == 0 and "up to date" in again.stderr


def test_a_failed_sqlite_migration_leaves_the_file_as_it_was(cli, layout_1, monkeypatch):
    from partnerkb.engines import sqlite

    def fails(conn):
        conn.execute("INSERT INTO no_such_table VALUES (1)")

    before = layout_1.read_bytes()
    monkeypatch.setattr(sqlite, "rebuild_derived", fails)
    done = cli("migrate", "--db", str(layout_1))
    assert done.exit_code == 3 and done.stderr.startswith("error: cannot migrate")
    assert "Traceback" not in done.stderr
    assert layout_1.read_bytes() == before


def test_migrate_on_a_json_store_has_nothing_to_do_and_changes_nothing(cli, tmp_path):
    path = tmp_path / "kb.json"
    shutil.copyfile(shipped_store_path(), path)
    before = path.read_bytes()
    done = cli("migrate", "--db", str(path))
    assert done.exit_code == 0, done.stderr
    assert "(json) is up to date: nothing to migrate" in done.stderr
    assert path.read_bytes() == before


@pytest.mark.parametrize("engine", ["json", "sqlite"])
def test_migrate_refuses_a_newer_store_and_the_shipped_one(cli, tmp_path, shipped_sqlite,
                                                          engine):  # fmt: skip
    if engine == "json":
        path = tmp_path / "kb.json"
        data = json.loads(shipped_store_path().read_text())
        data["meta"]["1"]["schema_version"] += 1
        path.write_text(json.dumps(data))
    else:
        path = tmp_path / "kb.sqlite"
        shutil.copyfile(shipped_sqlite, path)
        conn = sqlite3.connect(path)
        conn.execute(f"PRAGMA user_version = {LAYOUT_VERSION + 1}")
        conn.commit()
        conn.close()
    before = path.read_bytes()
    done = cli("migrate", "--db", str(path))
    assert done.exit_code == 3 and "newer partnerkb" in done.stderr
    assert path.read_bytes() == before
    shipped = cli("migrate")
    assert shipped.exit_code == 3 and "shipped" in shipped.stderr


def test_a_write_to_an_older_sqlite_store_says_it_brings_the_store_up_to_date_first(cli, layout_1):
    """The first write to a store an older partnerkb made does `migrate`'s work first (minutes
    on a big store): it says so on stderr, before, and writes; the next write says nothing."""
    meeting = ["add-meeting", "--date", "2024-06-01", "--title", "Talks on heritage",
               "--participant", "nazim-samadov", "--source", "newsaz-2024-01-31-samadov-almalik",
               "--db", str(layout_1)]  # fmt: skip
    preview = cli(*meeting, "--dry-run")
    assert preview.exit_code == 0, preview.stderr
    assert "older partnerkb" not in preview.stderr  # a dry run writes nothing
    first = cli(*meeting)
    assert first.exit_code == 0, first.stderr
    note = [line for line in first.stderr.splitlines() if "made by an older partnerkb" in line]
    assert len(note) == 1 and "partnerkb migrate" in note[0] and "layout 1" in note[0], note
    assert first.stdout.strip()  # the id written, on stdout as always
    conn = sqlite3.connect(layout_1)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == LAYOUT_VERSION
    conn.close()
    second = cli("add-meeting", "--date", "2024-06-02", "--title", "More talks on heritage",
                 "--participant", "nazim-samadov", "--source", "newsaz-2024-01-31-samadov-almalik",
                 "--db", str(layout_1))  # fmt: skip
    assert second.exit_code == 0, second.stderr
    assert "older partnerkb" not in second.stderr


def test_an_import_into_an_older_sqlite_store_says_so_once_even_when_it_is_not_streamed(
        cli, layout_1, tmp_path):  # fmt: skip
    """A JSON Lines file is tried as records as stored (streamed) first; one whose lines are
    flat rows is then read the ordinary way. The note about the older store comes once."""
    flat = tmp_path / "rows.jsonl"
    row = {"date": "2024-03-01", "title": "Talks on heritage", "participants": "nazim-samadov",
           "sources": "newsaz-2024-01-31-samadov-almalik"}  # fmt: skip
    flat.write_text(json.dumps(row) + "\n")
    done = cli("--db", str(layout_1), "import", str(flat))
    assert done.exit_code == 0, done.stderr
    notes = [line for line in done.stderr.splitlines() if "made by an older partnerkb" in line]
    assert len(notes) == 1, done.stderr
