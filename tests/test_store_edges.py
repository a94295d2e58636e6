"""The store at its edges: links, special files, permissions, leftovers of killed writers, the
lock held only to put a file in place, and the library's own write paths."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from partnerkb import store as store_module
from partnerkb.errors import StoreError
from partnerkb.store import Store, locked_tinydb, open_tinydb, read_store

NEWSAZ = "newsaz-2024-01-31-samadov-almalik"


def add_meeting(cli, db, day, env=None):
    return cli("add-meeting", "--db", str(db), "--date", day, "--participant", "icesco",
               "--participant", "morocco", "--source", NEWSAZ, env=env)  # fmt: skip


def event_ids(path: Path) -> set[str]:
    return {e["id"] for e in read_store(path).records("events")}


# -- symbolic links ---------------------------------------------------------------------------


@pytest.mark.files_only  # links to a store file
def test_a_write_through_a_symlinked_store_goes_to_its_target_and_keeps_the_link(
    tmp_path, cli, shipped_copy
):
    link = tmp_path / "link.json"
    link.symlink_to(shipped_copy)
    result = add_meeting(cli, link, "2020-01-01")
    assert result.exit_code == 0, result.stderr
    assert link.is_symlink() and link.resolve() == shipped_copy.resolve()
    assert "2020-01-01-icesco-morocco" in event_ids(shipped_copy)
    # and later writes through the link too
    assert add_meeting(cli, link, "2020-01-02").exit_code == 0
    assert "2020-01-02-icesco-morocco" in event_ids(shipped_copy)
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


WRITER = textwrap.dedent(
    """
    import sys
    from partnerkb.cli.app import app

    store, writer, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    for n in range(count):
        try:
            app(["add-meeting", "--db", store, "--date", f"{1900 + writer}-01-{n + 1:02d}",
                 "--participant", "icesco", "--participant", "morocco",
                 "--source", "newsaz-2024-01-31-samadov-almalik"])
        except SystemExit as done:
            if done.code not in (0, None):
                sys.exit(f"writer {writer}: meeting {n} failed with {done.code}")
    """
)


@pytest.mark.files_only  # links to a store file
def test_concurrent_writes_through_a_link_and_the_real_path_all_reach_one_file(
    tmp_path, shipped_copy
):
    link = tmp_path / "link.json"
    link.symlink_to(shipped_copy)
    env = {**os.environ, "PARTNERKB_LOCK_TIMEOUT": "120"}
    procs = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(path), str(n), "6"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        for n, path in enumerate([shipped_copy, link])
    ]  # fmt: skip
    ids = []
    for proc in procs:
        out, err = proc.communicate(timeout=240)
        assert proc.returncode == 0, err
        ids.extend(out.split())
    assert len(ids) == 12
    assert link.is_symlink()
    assert set(ids) <= event_ids(shipped_copy)


# -- special files ----------------------------------------------------------------------------


def run_cli(*args: str, env: dict[str, str] | None = None, timeout: float = 60):
    """partnerkb in its own process (a hang would hang an in-process test)."""
    return subprocess.run(
        [sys.executable, "-c", "from partnerkb.cli.app import main; main()", *args],
        capture_output=True, text=True, timeout=timeout, env={**os.environ, **(env or {})},
    )  # fmt: skip


def special_files(tmp_path: Path) -> dict[str, Path]:
    fifo = tmp_path / "fifo.json"
    os.mkfifo(fifo)
    folder = tmp_path / "folder.json"
    folder.mkdir()
    return {"fifo": fifo, "directory": folder, "device": Path(os.devnull)}


@pytest.mark.parametrize("kind", ["fifo", "directory", "device"])
@pytest.mark.parametrize(
    "command", [["timeline"], ["add-entity", "--kind", "person", "X Y", "--source", NEWSAZ]]
)
@pytest.mark.parametrize("given", ["--db", "env"])
def test_a_store_that_is_a_fifo_a_directory_or_a_device_is_refused_at_once_with_exit_3(
    tmp_path, kind, command, given
):
    path = special_files(tmp_path)[kind]
    if given == "--db":
        result = run_cli("--db", str(path), *command)
    else:
        result = run_cli(*command, env={"PARTNERKB_DB": str(path)})
    assert result.returncode == 3, result.stderr
    assert result.stderr.startswith("error: ")
    assert "not a store file" in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
    assert kind != "device" or Path(os.devnull).is_char_device()


# -- permissions and owners -------------------------------------------------------------------


def as_nobody() -> list[str]:
    if os.geteuid() != 0 or shutil.which("setpriv") is None:
        pytest.skip("needs root and setpriv to act as another user")
    return ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"]


@pytest.mark.files_only  # file permissions
def test_a_user_without_write_permission_on_the_store_cannot_replace_it(tmp_path, shipped_copy):
    prefix = as_nobody()
    tmp_path.chmod(0o777)  # the folder would let anyone replace the file
    shipped_copy.chmod(0o644)  # root's file, readable by all, writable by root only
    before = shipped_copy.read_bytes()
    code = "from partnerkb.cli.app import main; main()"
    result = subprocess.run(
        [*prefix, sys.executable, "-c", code, "add-entity", "--db", str(shipped_copy),
         "--kind", "person", "Jane Roe", "--source", NEWSAZ],
        capture_output=True, text=True, timeout=60, env={**os.environ, "HOME": str(tmp_path)},
    )  # fmt: skip
    assert result.returncode == 3, result.stderr
    assert "permission denied" in result.stderr
    assert shipped_copy.read_bytes() == before
    assert shipped_copy.stat().st_uid == 0


@pytest.mark.files_only  # the file's mode and owner
def test_a_write_keeps_the_store_files_mode_and_owner(cli, shipped_copy, engine):
    if os.geteuid() == 0:
        os.chown(shipped_copy, 65534, 65534)
    shipped_copy.chmod(0o640)
    owner = shipped_copy.stat()
    assert add_meeting(cli, shipped_copy, "2020-01-01").exit_code == 0
    after = shipped_copy.stat()
    # JSON: replaced whole (atomic)...; SQLite: changed in place, through its journal
    assert (after.st_ino != owner.st_ino) == (engine == "json")
    assert stat.S_IMODE(after.st_mode) == 0o640  # ...with its mode
    assert (after.st_uid, after.st_gid) == (owner.st_uid, owner.st_gid)  # and owner


# -- leftovers of killed writers --------------------------------------------------------------


@pytest.mark.json_only  # the JSON file's own write path
def test_temporary_files_of_killed_writers_are_removed_by_the_next_write_and_never_one_in_use(
    tmp_path, cli, shipped_copy
):
    dead = tmp_path / f".{shipped_copy.name}.dead1234.tmp"
    dead.write_bytes(b"x" * 1000)
    past = time.time() - 5  # a few seconds old: not being created this instant
    os.utime(dead, (past, past))
    alive = tmp_path / f".{shipped_copy.name}.alive567.tmp"
    alive.write_bytes(b"y")
    os.utime(alive, (past, past))
    holder = subprocess.Popen(  # a live writer holds its temporary file locked
        [sys.executable, "-c", "import fcntl, sys, time\nf = open(sys.argv[1], 'rb')\n"
         "fcntl.flock(f, fcntl.LOCK_EX)\nprint('held', flush=True)\ntime.sleep(60)\n",
         str(alive)],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        assert add_meeting(cli, shipped_copy, "2020-01-01").exit_code == 0
        assert not dead.exists()
        assert alive.exists()
    finally:
        holder.kill()
        holder.wait()


def test_export_output_temporary_files_of_killed_exports_are_removed(tmp_path, cli, shipped_copy):
    out = tmp_path / "events.jsonl"
    dead = tmp_path / f".{out.name}.k1ll3d.tmp"
    dead.write_bytes(b"partial")
    past = time.time() - 5
    os.utime(dead, (past, past))
    result = cli("export", "--db", str(shipped_copy), "--format", "jsonl", "--output", str(out))
    assert result.exit_code == 0, result.stderr
    assert not dead.exists()
    assert out.exists()


# -- the lock: held only to put the new file in place ------------------------------------------


def lock_is_free(store: Path) -> bool:
    with open(f"{store}.lock", "a+b") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        fcntl.flock(handle, fcntl.LOCK_UN)
        return True


def _source(n: int) -> dict:
    return {"id": f"src-{n}", "outlet": "Outlet", "title": f"Title {n}", "published": "2024-05-02"}


@pytest.mark.json_only  # the JSON file's own write path
def test_a_write_prepares_its_changes_without_holding_the_lock(shipped_copy):
    store = Store(shipped_copy)
    seen = []

    def work(tx):
        seen.append(lock_is_free(shipped_copy))
        tx.insert("sources", _source(1))

    store.apply("test", work)
    assert seen == [True]
    assert store.lock_seconds is not None
    assert read_store(shipped_copy).find("sources", "src-1")


@pytest.mark.json_only  # the JSON file's own write path
def test_a_write_that_another_write_overtakes_starts_again_and_loses_neither(shipped_copy):
    store = Store(shipped_copy)
    runs = []

    def work(tx):
        runs.append(1)
        if len(runs) == 1:  # another process writes while this one prepares
            Store(shipped_copy).apply("other", lambda other: other.insert("sources", _source(2)))
        tx.insert("sources", _source(1))

    store.apply("mine", work)
    assert len(runs) == 2
    data = read_store(shipped_copy)
    assert data.find("sources", "src-1") and data.find("sources", "src-2")
    assert [h["command"] for h in data.records("history")] == ["other", "mine"]


@pytest.mark.json_only  # the JSON file's own write path
def test_a_store_overtaken_every_time_is_written_holding_the_lock_throughout(shipped_copy):
    store = Store(shipped_copy)
    runs = []

    tries = store_module._OPTIMISTIC_TRIES

    def work(tx):
        runs.append(lock_is_free(shipped_copy))
        if len(runs) <= tries:
            n = 10 + len(runs)
            Store(shipped_copy).apply("other", lambda other: other.insert("sources", _source(n)))
        tx.insert("sources", _source(1))

    store.apply("mine", work)
    assert runs == [True] * tries + [False]
    assert len(read_store(shipped_copy).records("history")) == tries + 1
    assert not Path(f"{shipped_copy}.lock").read_bytes()  # the turn's record is erased


@pytest.mark.json_only  # the JSON file's own write path
def test_a_writer_holds_the_lock_only_to_rename_never_to_sync_or_clean(shipped_copy, monkeypatch):
    """Syncing the new file and the folder, and removing killed writers' leftovers, happen
    without the lock: under it, a write only checks the store's version and renames."""
    steps = []
    real_fsync, real_clean = os.fsync, store_module.remove_stale_temp_files
    monkeypatch.setattr(store_module.os, "fsync",
                        lambda fd: (steps.append(("fsync", lock_is_free(shipped_copy))),
                                    real_fsync(fd))[1])  # fmt: skip
    monkeypatch.setattr(store_module, "remove_stale_temp_files",
                        lambda target: (steps.append(("clean", lock_is_free(shipped_copy))),
                                        real_clean(target))[1])  # fmt: skip
    Store(shipped_copy).apply("test", lambda tx: tx.insert("sources", _source(1)))
    assert [name for name, _ in steps] == ["clean", "fsync", "fsync"]  # file, then folder
    assert all(free for _, free in steps)
    assert read_store(shipped_copy).find("sources", "src-1")


@pytest.mark.json_only  # the JSON file's own write path
def test_a_write_started_again_parses_only_the_records_that_changed(shipped_copy):
    store = Store(shipped_copy)
    seen = []

    def work(tx):
        seen.append(tx.data.tables["events"])
        if len(seen) == 1:  # another process writes while this one prepares
            Store(shipped_copy).apply("other", lambda other: other.insert("sources", _source(2)))
        tx.insert("sources", _source(1))

    store.apply("mine", work)
    first, second = seen
    # the second try works on the new version, whose unchanged records were not parsed again
    assert all(second[doc] is first[doc] for doc in first)
    data = read_store(shipped_copy)
    assert data.find("sources", "src-1") and data.find("sources", "src-2")
    assert shipped_copy.read_bytes() == store_module.dumps(data.tables)


@pytest.mark.json_only  # the JSON file's own write path
def test_a_record_an_overtaken_try_changed_is_parsed_again_not_reused(shipped_copy):
    doc = next(iter(read_store(shipped_copy).tables["events"]))
    stored = read_store(shipped_copy).tables["events"][doc]["title"]
    seen = []

    def work(tx):
        event = tx.data.tables["events"][doc]
        seen.append(event["title"])
        if len(seen) == 1:
            event["title"] = "changed in place by mistake"  # then overtaken: never written
            tx.replace("events", dict(event))
            Store(shipped_copy).apply("other", lambda other: other.insert("sources", _source(2)))
        tx.insert("sources", _source(1))

    Store(shipped_copy).apply("mine", work)
    assert seen == [stored, stored]
    assert read_store(shipped_copy).tables["events"][doc]["title"] == stored


@pytest.mark.json_only  # the JSON file's own write path
def test_records_are_reused_only_from_a_file_in_the_layout_partnerkb_writes(shipped_copy):
    import orjson

    content = shipped_copy.read_bytes()
    texts = store_module.RecordTexts()
    texts.remember(content, orjson.loads(content))
    changed = orjson.loads(content)
    first_event = next(iter(changed["events"]))
    changed["events"][first_event] = {**changed["events"][first_event], "title": "Changed"}
    del changed["sources"][next(iter(changed["sources"]))]
    changed["events"]["99999"] = {**changed["events"][first_event], "id": "new-event"}
    changed["history"]["1"] = {"id": "h-000001", "changes": []}
    changed["aaa"], changed["zzz"], changed["partnerships"] = {}, {}, {}
    new = store_module.dumps(changed)
    reused = texts.loads(new)
    assert reused == orjson.loads(new)
    assert [list(t) for t in reused.values()] == [list(t) for t in orjson.loads(new).values()]
    # another layout is parsed whole; a record damaged by hand too (which says what is wrong)
    for other in (json.dumps(changed, indent=4).encode(), json.dumps(changed).encode(),
                  new.replace(b'"title": "Changed"', b'"title": "Changed",'),
                  new.replace(b'\n  "zzz": {}', b'\n  "zzz": {} ')):  # fmt: skip
        assert texts.loads(other) is None
    unsorted = json.dumps(changed, indent=2).encode() + b"\n"  # the layout, keys unsorted
    assert texts.loads(unsorted) == changed


@pytest.mark.json_only  # the JSON file's own write path
def test_other_writers_wait_while_one_writes_in_its_turn_holding_the_lock(shipped_copy):
    import threading

    from partnerkb.locking import StoreLock, wait_while_turn

    lock_path = Path(f"{shipped_copy}.lock")
    turn = StoreLock(lock_path, 10, "add-meeting", turn=True)
    turn.acquire()
    assert json.loads(lock_path.read_text())["turn"] is True
    order = []

    def finish():
        time.sleep(0.2)
        order.append("turn ended")
        turn.release()

    threading.Thread(target=finish).start()
    wait_while_turn(lock_path, 600)
    order.append("started")
    assert order == ["turn ended", "started"]
    # a plain write's lock is not waited for, nor the record of a killed writer's turn
    plain = StoreLock(lock_path, 10, "add-meeting")
    plain.acquire()
    wait_while_turn(lock_path, 600)
    plain.release()
    lock_path.write_text(json.dumps({"pid": 1, "turn": True}))
    wait_while_turn(lock_path, 600)


def test_a_lock_timeout_that_is_not_a_finite_number_is_a_usage_error(cli, shipped_copy):
    for text in ("nan", "inf", "-1", "soon"):
        timeout = {"PARTNERKB_LOCK_TIMEOUT": text}
        result = add_meeting(cli, shipped_copy, "2020-01-01", env=timeout)
        assert result.exit_code == 2, (text, result.stderr)
        assert "PARTNERKB_LOCK_TIMEOUT" in result.stderr


# -- the library ------------------------------------------------------------------------------


@pytest.mark.files_only  # TinyDB opens store files
def test_open_tinydb_is_read_only_so_it_cannot_write_without_the_lock(shipped_copy):
    before = shipped_copy.read_bytes()
    db = open_tinydb(shipped_copy)
    with pytest.raises(StoreError, match="read-only"):
        db.table("sources").insert(_source(1))
    assert shipped_copy.read_bytes() == before


@pytest.mark.json_only  # the JSON file's own write path
def test_locked_tinydb_writes_holding_the_same_lock_as_the_cli(shipped_copy, cli):
    with locked_tinydb(shipped_copy) as db:
        assert not lock_is_free(shipped_copy)
        db.table("sources").insert(_source(1))
        no_wait = {"PARTNERKB_LOCK_TIMEOUT": "0"}
        blocked = add_meeting(cli, shipped_copy, "2020-01-01", env=no_wait)
        assert blocked.exit_code == 3
        assert "locked by pid" in blocked.stderr
    assert lock_is_free(shipped_copy)
    assert read_store(shipped_copy).find("sources", "src-1")
    assert add_meeting(cli, shipped_copy, "2020-01-01").exit_code == 0
    assert json.loads(shipped_copy.read_bytes())["sources"]


# -- export --output: files are replaced, special files never --------------------------------


def test_export_writes_into_a_device_without_replacing_it_force_or_not(cli, shipped_copy):
    for extra in ([], ["--force"]):
        result = cli("export", "--db", str(shipped_copy), "--format", "jsonl", "--output",
                     os.devnull, *extra)  # fmt: skip
        assert result.exit_code == 0, result.stderr
        assert Path(os.devnull).is_char_device()


def test_export_writes_into_a_fifo_and_it_stays_a_fifo(cli, shipped_copy, tmp_path):
    fifo = tmp_path / "out.fifo"
    os.mkfifo(fifo)
    reader = subprocess.Popen(["cat", str(fifo)], stdout=subprocess.PIPE)
    result = cli("export", "--db", str(shipped_copy), "--format", "jsonl", "--output", str(fifo),
                 "--force")  # fmt: skip
    out, _ = reader.communicate(timeout=60)
    assert result.exit_code == 0, result.stderr
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert out.count(b"\n") > 10 and json.loads(out.splitlines()[0])


def test_export_force_through_a_link_replaces_its_target_and_keeps_the_link(
    cli, shipped_copy, tmp_path
):
    target = tmp_path / "real.jsonl"
    target.write_text("old\n")
    link = tmp_path / "link.jsonl"
    link.symlink_to(target)
    refused = cli("export", "--db", str(shipped_copy), "--format", "jsonl", "--output", str(link))
    assert refused.exit_code == 2
    assert "a link to" in refused.stderr and "--force" in refused.stderr
    result = cli("export", "--db", str(shipped_copy), "--format", "jsonl", "--output", str(link),
                 "--force")  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert link.is_symlink()
    assert target.read_text() != "old\n" and json.loads(target.read_text().splitlines()[0])
