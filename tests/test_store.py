"""The store: refusing what it cannot trust, never overwriting it, writing atomically and
deterministically, and finding the right file."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from partnerkb.errors import StoreError
from partnerkb.model import SCHEMA_VERSION
from partnerkb.store import (
    Store,
    StoreData,
    dumps,
    locate_store,
    open_tinydb,
    read_store,
    shipped_store_path,
    user_store_path,
    write_atomic,
)


def _event(event_id: str) -> dict:
    return {
        "id": event_id,
        "kind": "meeting",
        "title": "A meeting",
        "date": {"edtf": "2024-05", "earliest": "2024-05-01", "latest": "2024-05-31"},
        "status": "happened",
        "participants": [],
        "sources": [{"source": "src-1", "locator": "para. 1"}],
    }


def _source() -> dict:
    return {"id": "src-1", "outlet": "Outlet", "title": "Title", "published": "2024-05-02"}


BAD_STORES = {
    "corrupt JSON": b'{"meta": {"1": {"schema_version": 1}}, "events": {',
    "not a store": b'{"hello": "world"}',
    "newer schema": json.dumps({"meta": {"1": {"schema_version": SCHEMA_VERSION + 1}}}).encode(),
    "a list": b"[1, 2, 3]",
    "empty file": b"",
    "bad table": b'{"meta": {"1": {"schema_version": 1}}, "events": []}',
}


@pytest.mark.parametrize("content", BAD_STORES.values(), ids=BAD_STORES.keys())
def test_a_store_that_cannot_be_trusted_is_refused_with_exit_code_3_and_left_untouched(
    tmp_path, cli, content
):
    path = tmp_path / "kb.json"
    path.write_bytes(content)
    result = cli("timeline", "--db", str(path))
    assert result.exit_code == 3
    assert result.stdout == ""
    assert result.stderr.startswith("error: ")
    assert "Traceback" not in result.stderr
    assert path.read_bytes() == content


def test_a_newer_schema_says_so_and_suggests_upgrading(tmp_path, cli):
    path = tmp_path / "kb.json"
    path.write_bytes(BAD_STORES["newer schema"])
    result = cli("search", "Shusha", "--db", str(path))
    assert result.exit_code == 3
    assert "newer partnerkb" in result.stderr
    assert "hint:" in result.stderr


def test_a_missing_store_is_exit_code_3_with_a_hint(tmp_path, cli):
    result = cli("list", "--db", str(tmp_path / "nope.json"))
    assert result.exit_code == 3
    assert "no store at" in result.stderr
    assert "partnerkb init" in result.stderr


def test_writes_to_a_corrupt_store_are_refused_and_it_is_not_overwritten(tmp_path):
    path = tmp_path / "kb.json"
    path.write_bytes(BAD_STORES["corrupt JSON"])
    with pytest.raises(StoreError):
        with Store(path).transaction("test") as tx:
            tx.insert("sources", _source())
    assert path.read_bytes() == BAD_STORES["corrupt JSON"]


def test_a_transaction_writes_once_deterministically_and_logs_history(tmp_path):
    path = tmp_path / "kb.json"
    Store(path).create(StoreData.empty("test"))
    with Store(path).transaction("add things") as tx:
        tx.insert("sources", _source())
        tx.insert("events", _event("e-1"))
    text = path.read_bytes()
    assert text == dumps(json.loads(text))  # sorted, indented, final newline
    data = read_store(path)
    assert data.find("events", "e-1")["title"] == "A meeting"
    [entry] = data.records("history")
    assert entry["command"] == "add things"
    assert [c["id"] for c in entry["changes"]] == ["src-1", "e-1"]
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_a_transaction_that_fails_writes_nothing(tmp_path):
    path = tmp_path / "kb.json"
    Store(path).create(StoreData.empty())
    before = path.read_bytes()
    with pytest.raises(Exception, match="does not exist"):
        with Store(path).transaction("dangling") as tx:
            tx.insert("events", _event("e-1"))  # cites src-1, which is not there
    assert path.read_bytes() == before


def test_create_refuses_to_overwrite_an_existing_store(tmp_path):
    path = tmp_path / "kb.json"
    Store(path).create(StoreData.empty())
    with pytest.raises(StoreError, match="already exists"):
        Store(path).create(StoreData.empty())


def test_a_held_lock_times_out_with_a_store_error(tmp_path, monkeypatch):
    path = tmp_path / "kb.json"
    Store(path).create(StoreData.empty())
    monkeypatch.setenv("PARTNERKB_LOCK_TIMEOUT", "0.2")
    holder = Store(path).lock()
    holder.acquire()
    try:
        with pytest.raises(StoreError, match="locked"):
            with Store(path).transaction("blocked") as tx:
                tx.insert("sources", _source())
    finally:
        holder.release()


def test_write_atomic_on_a_full_disk_leaves_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "kb.json"
    path.write_bytes(b"old")

    def no_space(fd, *args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", no_space)
    with pytest.raises(StoreError, match="disk is full"):
        write_atomic(path, b"new")
    assert path.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["kb.json"]


@pytest.mark.files_only  # TinyDB opens store files
def test_the_store_is_a_genuine_tinydb_database(shipped_copy):
    from tinydb import Query

    db = open_tinydb(shipped_copy)
    assert db.table("entities").search(Query().id == "icesco")[0]["kind"] == "organization"


def test_store_choice_option_then_env_then_user_store_then_shipped(tmp_path, monkeypatch):
    monkeypatch.setenv("PARTNERKB_DB", str(tmp_path / "env.json"))
    assert locate_store(str(tmp_path / "opt.json")).origin == "option"
    assert locate_store(None).path == tmp_path / "env.json"
    monkeypatch.delenv("PARTNERKB_DB")
    assert locate_store(None).origin == "shipped"
    assert locate_store(None).path == shipped_store_path()
    user = user_store_path()
    user.parent.mkdir(parents=True)
    user.write_bytes(shipped_store_path().read_bytes())
    assert locate_store(None).origin == "user"


def test_the_shipped_store_cannot_be_written(monkeypatch):
    store = Store(locate_store(None))
    assert store.location.is_shipped
    with pytest.raises(StoreError, match="read-only"):
        with store.transaction("x"):
            pass


def test_env_var_chooses_the_store_for_the_cli(tmp_path, cli, shipped_copy):
    result = cli("list", "sources", "--format", "json", env={"PARTNERKB_DB": str(shipped_copy)})
    assert result.exit_code == 0
    missing = cli("list", env={"PARTNERKB_DB": str(tmp_path / "missing.json")})
    assert missing.exit_code == 3


def test_a_directory_given_as_store_is_refused(tmp_path, cli):
    result = cli("timeline", "--db", str(tmp_path))
    assert result.exit_code in (2, 3)
    assert result.stderr.startswith("error: ")


def test_shipped_file_is_written_deterministically():
    path: Path = shipped_store_path()
    assert path.read_bytes() == dumps(json.loads(path.read_bytes()))
