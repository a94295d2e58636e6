"""The PostgreSQL engine's own behaviour, against the session's throwaway server: the URL (no
password in it), init and the versioned schema, server problems as store problems (exit 3, one
line, nothing half-written), writers on several connections at once, who wrote what.

(Every command on a PostgreSQL store is also covered by the engine-parametrized suite.)
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest

from partnerkb.engines.postgresql import parse_url
from partnerkb.model import VALIDATORS
from partnerkb.store import read_store

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
import generate  # noqa: E402  (bench/ is not a package)

NEWSAZ = "newsaz-2024-01-31-samadov-almalik"
PARTNERKB = str(Path(sys.executable).with_name("partnerkb"))


@pytest.fixture
def store(new_pg_store, shipped_data):
    """A PostgreSQL store holding the shipped knowledge base (its URL)."""
    return new_pg_store(shipped_data)


def sql(url: str, statement: str, params: tuple = ()) -> list[tuple]:
    """Run one statement in the store's schema, as the cluster's superuser."""
    import psycopg

    from partnerkb.engines.postgresql import parse_url

    target = parse_url(url)
    with psycopg.connect(target.conninfo, autocommit=True) as conn:
        conn.execute(f'SET search_path TO "{target.schema}", public')
        cur = conn.execute(statement, params or None)
        return cur.fetchall() if cur.description else []


def one_line_error(result, exit_code: int = 3) -> str:
    assert result.exit_code == exit_code, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    first = result.stderr.splitlines()[0]
    assert first.startswith("error: ")
    return result.stderr


# -- the URL ----------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [
    "postgresql://ada:secret@db.example.org:5432/team",
    "postgresql://ada@db.example.org/team?password=secret",
    "postgres://ada:@db.example.org/team",
])  # fmt: skip
def test_a_password_in_the_url_is_refused_naming_where_it_belongs(cli, url, monkeypatch):
    for given in (("--db", url), ()):
        if not given:
            monkeypatch.setenv("PARTNERKB_DB", url)
        result = cli(*given, "timeline")
        err = one_line_error(result, 2)
        assert "password" in err and "~/.pgpass" in err and "$PGPASSWORD" in err
        assert "secret" not in err


def test_without_the_driver_a_url_says_how_to_install_it(cli, monkeypatch):
    for name in [m for m in sys.modules if m == "psycopg" or m.startswith("psycopg.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "psycopg", None)  # as if not installed
    err = one_line_error(cli("--db", "postgresql://ada@db.example.org/team", "timeline"))
    assert "not installed" in err and "pip install 'partnerkb[postgresql]'" in err


def test_a_url_libpq_cannot_read_is_bad_usage(cli):
    err = one_line_error(cli("--db", "postgresql://ada@db.example.org/team?nosuch=1", "info"), 2)
    assert "not a PostgreSQL URL" in err


def test_a_schema_name_that_is_not_plain_is_bad_usage(cli, postgresql_server):
    err = one_line_error(cli("--db", f"{postgresql_server}?schema=a;drop", "info"), 2)
    assert "schema" in err


# -- init, info, the versioned layout -----------------------------------------------------------


def test_init_creates_the_store_in_its_schema_and_never_overwrites_it(cli, new_pg_store):
    url = new_pg_store()
    created = cli("init", "--db", url, "--name", "Desk")
    assert created.exit_code == 0, created.stderr
    assert created.stdout.strip() == url
    assert "(postgresql)" in created.stderr
    tables = {r[0] for r in sql(url, "SELECT tablename FROM pg_tables WHERE schemaname = %s",
                                 (url.schema,))}  # fmt: skip
    assert {"meta", "events", "entities", "participants", "history", "store_layout"} <= tables
    before = url.read_bytes()
    again = cli("init", "--db", url, "--with-shipped")
    assert "already exists" in one_line_error(again)
    assert url.read_bytes() == before
    info = cli("info", "--db", url, "--format", "json")
    assert info.exit_code == 0, info.stderr
    import json

    report = json.loads(info.stdout)
    assert report["engine"] == "postgresql" and report["path"] == url
    from partnerkb.engines.postgresql import LAYOUT_VERSION

    assert report["schema"] == url.schema and report["layout_version"] == LAYOUT_VERSION
    assert report["records"]["events"] == 0 and report["size_bytes"] > 0


def test_init_takes_no_file_engine_with_a_url(cli, new_pg_store):
    err = one_line_error(cli("init", "--db", new_pg_store(), "--engine", "sqlite"), 2)
    assert "--engine" in err


@pytest.mark.parametrize("change", [
    "UPDATE store_layout SET version = version + 1",
    "UPDATE meta SET schema_version = schema_version + 1",
])  # fmt: skip
def test_a_newer_store_is_refused_and_left_alone(cli, store, change):
    sql(store, change)
    before = raw(store)
    for args in (["timeline"], ["add-entity", "Ada Lovelace", "--kind", "person", "-s", NEWSAZ]):
        err = one_line_error(cli("--db", store, *args))
        assert "newer partnerkb" in err
    assert raw(store) == before


def raw(url: str) -> list[tuple]:
    """Every row of every table of the store, as the server holds them."""
    from partnerkb.engines.relational import DERIVED, TABLE_ORDER

    tables = {r[0] for r in sql(url, "SELECT tablename FROM pg_tables WHERE schemaname = %s",
                                (parse_url(url).schema,))}  # fmt: skip
    names = (*TABLE_ORDER, *(d.name for d in DERIVED), "derived", "store_layout")
    return [(table, sql(url, f"SELECT * FROM {table} ORDER BY 1, 2"))
            for table in names if table in tables]


def test_a_schema_that_is_no_store_and_a_missing_one_are_refused(cli, store, postgresql_server):
    sql(store, "CREATE SCHEMA other; CREATE TABLE other.events (id text)")
    err = one_line_error(cli("--db", f"{postgresql_server}?schema=other", "timeline"))
    assert "not a partnerkb store" in err
    err = one_line_error(cli("--db", f"{postgresql_server}?schema=nothing_here", "timeline"))
    assert "no store at" in err and "partnerkb init --db" in err


# -- server problems are store problems -------------------------------------------------------


def _closed_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_a_server_that_is_down_or_a_database_that_is_missing_is_exit_3(cli, postgresql_server):
    down = f"postgresql://partnerkb@127.0.0.1:{_closed_port()}/kb"
    for args in (["timeline"], ["add-entity", "Ada Lovelace", "--kind", "person", "-s", NEWSAZ],
                 ["init"]):  # fmt: skip
        err = one_line_error(cli("--db", down, *args))
        assert f"the store {down}" in err
    missing = postgresql_server.rsplit("/", 1)[0] + "/no_such_database"
    err = one_line_error(cli("--db", missing, "timeline"))
    assert "no_such_database" in err and "does not exist" in err


def test_a_wrong_password_is_exit_3_and_the_right_one_comes_from_pgpass_or_pgpassword(
    cli, store, postgresql_server, monkeypatch, isolated_home
):
    port = postgresql_server.split(":")[2].split("/")[0]
    sql(store, f'GRANT USAGE ON SCHEMA "{store.schema}" TO analyst;'
               f' GRANT SELECT ON ALL TABLES IN SCHEMA "{store.schema}" TO analyst')  # fmt: skip
    url = store.replace("postgresql://partnerkb@", "postgresql://analyst@")
    monkeypatch.setenv("PGPASSWORD", "wrong")
    err = one_line_error(cli("--db", url, "timeline"))
    assert "password authentication failed" in err
    monkeypatch.setenv("PGPASSWORD", "right horse battery")
    result = cli("--db", url, "timeline", "--format", "json")
    assert result.exit_code == 0, result.stderr
    monkeypatch.delenv("PGPASSWORD")
    pgpass = isolated_home / ".pgpass"
    pgpass.write_text(f"127.0.0.1:{port}:*:analyst:right horse battery\n")
    pgpass.chmod(0o600)
    result = cli("--db", url, "timeline", "--format", "json")
    assert result.exit_code == 0, result.stderr


def test_a_role_that_may_only_read_cannot_write_and_the_store_is_unchanged(cli, store):
    sql(store, f'GRANT USAGE ON SCHEMA "{store.schema}" TO reader;'
               f' GRANT SELECT ON ALL TABLES IN SCHEMA "{store.schema}" TO reader')  # fmt: skip
    url = store.replace("postgresql://partnerkb@", "postgresql://reader@")
    before = store.read_bytes()
    assert cli("--db", url, "show", "icesco").exit_code == 0
    err = one_line_error(cli("--db", url, "add-entity", "Ada Lovelace", "--kind", "person",
                             "-s", NEWSAZ))  # fmt: skip
    assert "permission denied" in err
    assert store.read_bytes() == before


def _lock_key(url: str) -> int:
    from partnerkb.engines.postgresql import _lock_key, parse_url

    return _lock_key(parse_url(url).schema)


def test_a_writer_waiting_longer_than_the_lock_timeout_gives_up_with_exit_3(cli, store,
                                                                            monkeypatch):
    import psycopg

    from partnerkb.engines.postgresql import parse_url

    before = store.read_bytes()
    with psycopg.connect(parse_url(store).conninfo, autocommit=True) as holder:
        holder.execute("SELECT pg_advisory_lock(%s)", (_lock_key(store),))
        monkeypatch.setenv("PARTNERKB_LOCK_TIMEOUT", "0.3")
        err = one_line_error(cli("--db", store, "add-entity", "Ada Lovelace", "--kind",
                                 "person", "-s", NEWSAZ))  # fmt: skip
        assert "being written by another command" in err and "PARTNERKB_LOCK_TIMEOUT" in err
        # reads never wait for writers
        assert cli("--db", store, "show", "icesco").exit_code == 0
    assert store.read_bytes() == before


def _writer(store: str, *args: str, timeout: str = "60") -> subprocess.Popen[str]:
    return subprocess.Popen([PARTNERKB, "--db", store, *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PARTNERKB_LOCK_TIMEOUT": timeout})  # fmt: skip


def _waiting_for_the_lock(store: str, count: int) -> list[int]:
    """The server pids of `count` partnerkb sessions waiting for the store's lock."""
    deadline = time.monotonic() + 600  # only against a hang: any machine gets there first
    while time.monotonic() < deadline:
        rows = sql(store, "SELECT pid FROM pg_stat_activity WHERE application_name = 'partnerkb'"
                          " AND wait_event_type = 'Lock' AND wait_event = 'advisory'")  # fmt: skip
        if len(rows) >= count:
            return [r[0] for r in rows]
        time.sleep(0.05)
    raise AssertionError("the writers never waited for the lock")


def test_a_connection_lost_mid_command_or_a_killed_client_leaves_nothing_written(store):
    import psycopg

    from partnerkb.engines.postgresql import parse_url

    before = store.read_bytes()
    with psycopg.connect(parse_url(store).conninfo, autocommit=True) as holder:
        holder.execute("SELECT pg_advisory_lock(%s)", (_lock_key(store),))
        cut = _writer(store, "add-entity", "Ada Lovelace", "--kind", "person", "-s", NEWSAZ,
                      timeout="600")  # fmt: skip
        (first,) = _waiting_for_the_lock(store, 1)
        killed = _writer(store, "add-entity", "Grace Hopper", "--kind", "person", "-s", NEWSAZ,
                         timeout="600")  # fmt: skip
        _waiting_for_the_lock(store, 2)
        # the server ends one writer's connection inside its transaction; the other's client dies
        holder.execute("SELECT pg_terminate_backend(%s)", (first,))
        out, err = cut.communicate(timeout=600)
        killed.send_signal(signal.SIGKILL)
        killed.communicate(timeout=600)
        holder.execute("SELECT pg_advisory_unlock(%s)", (_lock_key(store),))
    assert cut.returncode == 3, err
    assert len(err.strip().splitlines()) <= 2 and err.startswith("error: ")
    assert f"the store {store}" in err and "nothing written" in err
    assert "terminating connection" in err  # the lost connection, not a timeout
    assert "Traceback" not in err
    assert store.read_bytes() == before


def test_a_client_killed_mid_write_leaves_nothing_half_written(store):
    """The writer has written its event's rows in its transaction and waits (at its history
    entry, whose number the test's own open transaction has taken) when its client dies."""
    import psycopg

    before = store.read_bytes()
    with psycopg.connect(parse_url(store).conninfo, autocommit=True) as blocker:
        blocker.execute(f'SET search_path TO "{store.schema}"')
        blocker.execute("BEGIN")
        blocker.execute("INSERT INTO history (doc, id, at, command, record) VALUES"
                        " (1, 'h-000001', '', '', '{}')")  # fmt: skip
        writer = _writer(store, "add-meeting", "--date", "2025-03-04", "--participant",
                         "icesco", "--participant", "morocco", "--source", NEWSAZ,
                         timeout="600")  # fmt: skip
        deadline = time.monotonic() + 600  # only against a hang
        while time.monotonic() < deadline:
            mid_write = sql(store, "SELECT 1 FROM pg_stat_activity WHERE application_name ="
                                   " 'partnerkb' AND backend_xid IS NOT NULL AND"
                                   " wait_event = 'transactionid'")  # fmt: skip
            if mid_write:
                break
            time.sleep(0.05)
        # its rows are written, not committed: the event and its derived rows are in its
        # transaction (a transaction id is given at the first row written)
        writer.send_signal(signal.SIGKILL)
        writer.communicate(timeout=600)
        blocker.execute("ROLLBACK")
    assert mid_write, "the writer never got to write"
    deadline = time.monotonic() + 600  # the server ends the dead client's session
    while sql(store, "SELECT 1 FROM pg_stat_activity WHERE application_name = 'partnerkb'"):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert store.read_bytes() == before
    assert not sql(store, "SELECT 1 FROM events WHERE earliest = '2025-03-04'")
    assert not sql(store, "SELECT 1 FROM participants p LEFT JOIN events e ON e.id ="
                          " p.event_id WHERE e.id IS NULL")  # fmt: skip


def test_a_read_is_bounded_by_the_timeout_too_exit_3_one_line(cli, store, monkeypatch):
    import psycopg

    monkeypatch.setenv("PARTNERKB_LOCK_TIMEOUT", "0.5")
    # a statement slower than the timeout: the events table read through a view that sleeps
    sql(store, "ALTER TABLE events RENAME TO events_kept;"
               " CREATE FUNCTION slowly() RETURNS boolean LANGUAGE sql AS"
               " 'SELECT pg_sleep(5); SELECT true';"
               " CREATE VIEW events AS SELECT * FROM events_kept WHERE slowly()")  # fmt: skip
    try:
        err = one_line_error(cli("--db", store, "timeline", "--format", "json"))
        assert "did not answer within 0.5 s (statement timeout)" in err
        assert "PARTNERKB_LOCK_TIMEOUT" in err and len(err.strip().splitlines()) == 2
    finally:
        sql(store, "DROP VIEW events; DROP FUNCTION slowly();"
                   " ALTER TABLE events_kept RENAME TO events")  # fmt: skip
    # a lock on the tables (maintenance) bounds a read as well
    with psycopg.connect(parse_url(store).conninfo, autocommit=True) as holder:
        holder.execute("BEGIN")
        holder.execute(f'LOCK TABLE "{store.schema}".events IN ACCESS EXCLUSIVE MODE')
        err = one_line_error(cli("--db", store, "timeline", "--format", "json"))
        # (the lock's wait and the statement are bounded alike: either may say so first)
        assert "waited 0.5 s" in err or "within 0.5 s (statement timeout)" in err
        holder.execute("ROLLBACK")
    assert cli("--db", store, "timeline", "--format", "json").exit_code == 0


def test_a_service_file_gives_the_password(cli, store, postgresql_server, monkeypatch,
                                           tmp_path):  # fmt: skip
    port = postgresql_server.split(":")[2].split("/")[0]
    sql(store, f'GRANT USAGE ON SCHEMA "{store.schema}" TO analyst;'
               f' GRANT SELECT ON ALL TABLES IN SCHEMA "{store.schema}" TO analyst')  # fmt: skip
    services = tmp_path / "pg_service.conf"
    services.write_text(f"[desk]\nhost=127.0.0.1\nport={port}\ndbname=partnerkb_tests\n"
                        "user=analyst\npassword=right horse battery\n")  # fmt: skip
    monkeypatch.setenv("PGSERVICEFILE", str(services))
    monkeypatch.delenv("PGPASSWORD", raising=False)
    url = store.replace("postgresql://partnerkb@", "postgresql://analyst@")
    assert "no password supplied" in one_line_error(cli("--db", url, "timeline"))
    expected = cli("--db", store, "timeline", "--format", "json").stdout
    # the service named in the URL, or by $PGSERVICE for a URL naming the server itself
    named = f"postgresql:///?service=desk&schema={store.schema}"
    result = cli("--db", named, "timeline", "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == expected
    monkeypatch.setenv("PGSERVICE", "desk")
    result = cli("--db", url, "timeline", "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == expected


# -- writers at once --------------------------------------------------------------------------


def test_two_analysts_recording_the_same_meeting_at_once_one_wins_the_other_is_told_its_id(
    store,
):
    import psycopg

    from partnerkb.engines.postgresql import parse_url

    meeting = ["add-meeting", "--date", "2025-03-04", "--participant", "icesco",
               "--participant", "morocco", "--place", "rabat", "--source", NEWSAZ]  # fmt: skip
    with psycopg.connect(parse_url(store).conninfo, autocommit=True) as holder:
        holder.execute("SELECT pg_advisory_lock(%s)", (_lock_key(store),))
        writers = [_writer(store, *meeting) for _ in range(2)]
        _waiting_for_the_lock(store, 2)
        holder.execute("SELECT pg_advisory_unlock(%s)", (_lock_key(store),))
        results = [(w.wait(timeout=600), *w.communicate(timeout=600)) for w in writers]
    won = [r for r in results if r[0] == 0]
    lost = [r for r in results if r[0] != 0]
    assert len(won) == 1 and len(lost) == 1, results
    winner = won[0][1].strip()
    assert lost[0][0] == 2 and winner in lost[0][2]
    events = [e for e in read_store(store).records("events") if e["date"]["edtf"] == "2025-03-04"]
    assert [e["id"] for e in events] == [winner]


def _record_key(url: str, what: str) -> int:
    from partnerkb.engines.postgresql import _lock_key, parse_url

    return _lock_key(parse_url(url).schema, what)


def test_a_new_meeting_waits_only_for_writers_deciding_about_its_participants(cli, store):
    """A writer checking a meeting of ICESCO for duplicates (here: the test, holding what such
    a writer claims) holds back the meetings of ICESCO, not a meeting of two others."""
    import psycopg

    other = ["add-meeting", "--date", "2025-03-05", "--participant", "azerbaijan",
             "--participant", "qatar", "--source", NEWSAZ]  # fmt: skip
    same = ["add-meeting", "--date", "2025-03-06", "--participant", "icesco",
            "--participant", "morocco", "--source", NEWSAZ]  # fmt: skip
    with psycopg.connect(parse_url(store).conninfo, autocommit=True) as holder:
        holder.execute("SELECT pg_advisory_lock(%s)", (_record_key(store, "record:icesco"),))
        waiting = _writer(store, *same, timeout="600")
        _waiting_for_the_lock(store, 1)
        # while that one waits, a meeting of others is written (it would time out if it waited)
        unrelated = _writer(store, *other, timeout="60")
        out, err = unrelated.communicate(timeout=600)
        assert unrelated.returncode == 0, err
        assert waiting.poll() is None  # still waiting for ICESCO
        holder.execute("SELECT pg_advisory_unlock(%s)", (_record_key(store, "record:icesco"),))
        out2, err2 = waiting.communicate(timeout=600)
    assert waiting.returncode == 0, err2
    events = {e["id"]: e for e in read_store(store).records("events")}
    assert out.strip() in events and out2.strip() in events
    history = read_store(store).tables["history"]
    assert sorted(int(d) for d in history) == list(range(1, len(history) + 1))


def test_two_writers_making_the_same_id_for_different_meetings_both_are_recorded(cli, store):
    """Two meetings of different people with the same surnames, on the same day, get the same
    id; written at once (neither a duplicate of the other), the second to write finds its id
    taken and is recorded again under the next free one: nothing lost, no id twice, no
    document number twice."""
    import psycopg

    for name in ("Ali Karimov", "Vali Karimov", "Anna Smith", "Ben Smith"):
        added = cli("--db", store, "add-entity", name, "--kind", "person", "-s", NEWSAZ)
        assert added.exit_code == 0, added.stderr
    assert sql(store, "SELECT 1 FROM search_words WHERE word = 'karimov'")
    pairs = [("ali-karimov", "anna-smith"), ("vali-karimov", "ben-smith")]
    with psycopg.connect(parse_url(store).conninfo, autocommit=True) as holder:
        holder.execute(f'SET search_path TO "{store.schema}"')
        holder.execute("BEGIN")  # both writers count the word karimov: they wait for it
        holder.execute("SELECT 1 FROM search_words WHERE word = 'karimov' FOR UPDATE")
        writers = [_writer(store, "add-meeting", "--date", "2025-03-07", "--participant", a,
                           "--participant", b, "--source", NEWSAZ) for a, b in pairs]  # fmt: skip
        deadline = time.monotonic() + 600  # only against a hang
        while len(sql(store, "SELECT 1 FROM pg_stat_activity WHERE application_name ="
                             " 'partnerkb' AND wait_event_type = 'Lock'")) < 2:  # fmt: skip
            assert time.monotonic() < deadline, "the writers never met"
            time.sleep(0.05)
        holder.execute("COMMIT")
        results = [(w.wait(timeout=600), *w.communicate(timeout=600)) for w in writers]
    assert [r[0] for r in results] == [0, 0], results
    ids = sorted(r[1].strip() for r in results)
    assert ids == ["2025-03-07-karimov-smith", "2025-03-07-karimov-smith-2"]
    after = read_store(store)
    met = {e["id"]: {p["entity"] for p in e["participants"]} for e in after.records("events")}
    assert {frozenset(met[i]) for i in ids} == {frozenset(p) for p in pairs}
    history = after.tables["history"]
    assert sorted(int(d) for d in history) == list(range(1, len(history) + 1))
    assert len({h["id"] for h in history.values()}) == len(history)


MIXED = textwrap.dedent(
    """
    import sys
    from partnerkb.cli.app import app

    store, writer, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    for n in range(count):
        kind = n % 3
        if kind == 0:
            args = ["add-meeting", "--date", f"{1900 + writer}-{n // 28 + 1:02d}-{n % 28 + 1:02d}",
                    "--participant", "icesco", "--participant", "morocco", "--source",
                    "newsaz-2024-01-31-samadov-almalik"]
        elif kind == 1:
            args = ["add-entity", f"Writer {writer} Person {n}", "--kind", "person",
                    "--source", "newsaz-2024-01-31-samadov-almalik"]
        else:
            args = ["add-source", "--outlet", f"Outlet {writer}", "--title", f"Report {n}",
                    "--date", "2024-05-12", "--url", f"https://example.org/{writer}/{n}"]
        try:
            app([args[0], "--db", store, *args[1:]])
        except SystemExit as done:
            if done.code not in (0, None):
                sys.exit(f"writer {writer}: write {n} failed with {done.code}")
    """
)


def test_eight_clients_times_fifty_mixed_writes_are_all_there_and_the_store_is_valid(store):
    writers, each = 8, 50
    before = read_store(store)
    procs = [subprocess.Popen([sys.executable, "-c", MIXED, store, str(w), str(each)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              env={**os.environ, "PARTNERKB_LOCK_TIMEOUT": "300"})
             for w in range(writers)]  # fmt: skip
    acknowledged: list[str] = []
    for proc in procs:
        out, err = proc.communicate(timeout=900)
        assert proc.returncode == 0, err
        acknowledged.extend(out.split())
    assert len(acknowledged) == len(set(acknowledged)) == writers * each
    after = read_store(store)
    for table in VALIDATORS:
        for record in after.records(table):
            VALIDATORS[table](record)
    stored = {r["id"] for t in ("events", "entities", "sources") for r in after.records(t)}
    assert set(acknowledged) <= stored
    grown = sum(len(after.records(t)) - len(before.records(t))
                for t in ("events", "entities", "sources"))  # fmt: skip
    assert grown == writers * each
    history = after.records("history")
    assert len(history) == writers * each == len({h["id"] for h in history})
    assert sorted(int(d) for d in after.tables["history"]) == list(range(1, writers * each + 1))


def test_history_says_which_database_role_and_user_wrote(cli, store):
    added = cli("--db", store, "add-entity", "Ada Lovelace", "--kind", "person", "-s", NEWSAZ)
    assert added.exit_code == 0, added.stderr
    entry = read_store(store).records("history")[-1]
    assert entry["by"]["role"] == "partnerkb"
    assert entry["by"]["user"]


def test_convert_to_postgresql_and_back_gives_the_same_json_file(cli, new_pg_store, tmp_path):
    from partnerkb.store import shipped_store_path

    url = new_pg_store()
    there = cli("convert", str(shipped_store_path()), url)
    assert there.exit_code == 0, there.stderr
    back = cli("convert", url, str(tmp_path / "back.json"))
    assert back.exit_code == 0, back.stderr
    assert (tmp_path / "back.json").read_bytes() == shipped_store_path().read_bytes()
    again = cli("convert", str(shipped_store_path()), url)
    assert "already exists" in one_line_error(again)
    forced = cli("convert", str(shipped_store_path()), url, "--force")
    assert "--force never replaces" in one_line_error(forced)


@pytest.mark.parametrize("engine", ["json", "sqlite"])
def test_a_generated_store_bulk_loaded_into_postgresql_comes_back_the_same_and_indexed(
        engine, cli, new_pg_store, tmp_path, monkeypatch):  # fmt: skip
    """`convert` loads a store with COPY and builds the indexes after the rows: the store comes
    back byte for byte, every index of the layout is there, and the search index holds what
    writing the records one by one gives (`postgresql_search.rebuild`). From a SQLite store,
    the records are read as they are written, in batches (here of 7 records, names remembered
    5 at a time), never the whole store."""
    from partnerkb import convert
    from partnerkb.engines import postgresql_search, relational, sqlite, sqlite_search
    from partnerkb.engines.postgresql import POSTGRESQL, InMemory, connect
    from partnerkb.store import dumps

    source = tmp_path / "generated.json"
    tables = generate.generate_tables(600, seed=5)
    source.write_bytes(dumps(tables))
    records = sum(len(tables[t]) for t in ("sources", "entities", "events", "partnerships"))
    said = f"converted {records:,} records and {len(tables.get('history', {})):,} history"
    origin = source
    batches: list[int] = []
    if engine == "sqlite":
        origin = tmp_path / "generated.sqlite"
        made = cli("convert", str(source), str(origin))
        assert made.exit_code == 0, made.stderr

        def whole(*args: Any) -> Any:
            raise AssertionError("a SQLite store was read whole")

        real_batches = sqlite.StreamedRecords.batches

        def counted(self: Any, table: str) -> Any:
            for batch in real_batches(self, table):
                batches.append(len(batch))
                yield batch

        monkeypatch.setattr(convert, "_read_known", whole)
        monkeypatch.setattr(sqlite.StreamedRecords, "BATCH", 7)
        monkeypatch.setattr(sqlite.StreamedRecords, "batches", counted)
        monkeypatch.setattr(sqlite_search.RecordNames, "KEPT", 5)
    monkeypatch.setattr(InMemory, "BATCH", 7)
    url = new_pg_store()
    there = cli("convert", str(origin), url)
    assert there.exit_code == 0, there.stderr
    assert said in there.stderr
    if engine == "sqlite":
        assert max(batches) == 7 and sum(batches) > 600  # every table, 7 records at a time
    monkeypatch.undo()
    back = cli("convert", url, str(tmp_path / "back.json"))
    assert back.exit_code == 0, back.stderr
    assert (tmp_path / "back.json").read_bytes() == source.read_bytes()

    schema = parse_url(url).schema
    have = {name for (name,) in sql(url, "SELECT indexname FROM pg_indexes WHERE schemaname"
                                         " = %s", (schema,))}  # fmt: skip
    wanted = {relational.created_name(s)
              for s in [*relational.schema_statements(POSTGRESQL), *postgresql_search.SCHEMA]
              if s.startswith("CREATE INDEX")}  # fmt: skip
    assert wanted <= have and "names_key_trigrams" in have
    # vacuumed once loaded: its pages all-visible, for index-only scans from the first read
    pages = sql(url, "SELECT relpages, relallvisible FROM pg_class c JOIN pg_namespace n ON"
                     " n.oid = c.relnamespace WHERE n.nspname = %s AND c.relname = 'events'",
                (schema,))  # fmt: skip
    assert pages[0][0] > 0 and pages[0][1] == pages[0][0]

    rows = ("SELECT key, record_id, recency, rtype, kind, status, odd, typo_words,"
            " words::text FROM search_text ORDER BY key")  # fmt: skip
    vocabulary = "SELECT word, records FROM search_words ORDER BY word"
    loaded = sql(url, rows), sql(url, vocabulary)
    assert len(loaded[0]) > 600 and loaded[1]
    conn = connect(parse_url(url))
    try:
        conn.execute("BEGIN")  # rolled back at the end
        with conn.cursor() as cur:
            postgresql_search.rebuild(cur)
            assert (cur.execute(rows).fetchall(), cur.execute(vocabulary).fetchall()) == loaded
        conn.execute("ROLLBACK")
    finally:
        conn.close()


# -- an older store: refused until `partnerkb migrate` ------------------------------------------


def make_layout_1(url: str) -> None:
    """Make the store what layout 1 was (the first PostgreSQL engine's): no trigram index, no
    table refs, no search index."""
    sql(url, "DROP INDEX names_key_trigrams; DROP TABLE refs; DROP TABLE search_text;"
             " DROP TABLE search_words; DELETE FROM derived WHERE name IN ('refs', 'search_text');"
             " UPDATE store_layout SET version = 1")


def trigram_indexes(url: str) -> list[tuple]:
    return sql(url, "SELECT indexname FROM pg_indexes WHERE schemaname = %s AND indexdef LIKE"
                    " '%%gin_trgm_ops%%'", (parse_url(url).schema,))  # fmt: skip


QUESTIONS = (
    ["show", "nazim-samadov", "--format", "json"],
    ["show", "Samadov", "--format", "json"],  # a name in part: the trigram index
    ["search", "Shusha", "--format", "json"],
    ["timeline", "--since", "2024-01", "--until", "2024-03", "--format", "json"],
)


def test_an_older_layout_is_refused_until_migrated_then_answers_the_same(cli, store, tmp_path):
    answers = [cli("--db", store, *q).stdout for q in QUESTIONS]
    assert trigram_indexes(store) == [("names_key_trigrams",)]
    make_layout_1(store)
    before = raw(store)
    for args in (QUESTIONS[0], ["add-entity", "Ada Lovelace", "--kind", "person", "-s", NEWSAZ],
                 ["convert", store, str(tmp_path / "copy.json")]):  # fmt: skip
        args = args if args[0] == "convert" else ["--db", store, *args]
        err = one_line_error(cli(*args))
        assert "layout 1 of an older partnerkb" in err and "run partnerkb migrate" in err
        assert f"partnerkb migrate --db {store}" in err
    info = cli("--db", store, "info", "--format", "json")
    assert info.exit_code == 0 and '"layout_version": 1' in info.stdout
    assert "partnerkb migrate" in info.stdout
    dry = cli("--db", store, "migrate", "--dry-run")
    assert dry.exit_code == 0, dry.stderr
    assert "would migrate" in dry.stderr and "from layout 1 to 4" in dry.stderr
    assert raw(store) == before
    done = cli("--db", store, "migrate")
    assert done.exit_code == 0, done.stderr
    assert "migrated" in done.stderr and "trigram index" in done.stderr
    assert sql(store, "SELECT version FROM store_layout") == [(4,)]
    assert trigram_indexes(store) == [("names_key_trigrams",)]
    assert [cli("--db", store, *q).stdout for q in QUESTIONS] == answers
    again = cli("--db", store, "migrate")
    assert again.exit_code == 0 and "up to date" in again.stderr
    # an index lost with its extension (another store's schema dropped) is made again
    sql(store, "DROP INDEX names_key_trigrams")
    repaired = cli("--db", store, "migrate")
    assert repaired.exit_code == 0 and "trigram index of the folded names again" in repaired.stderr
    assert trigram_indexes(store) == [("names_key_trigrams",)]


def test_a_failure_mid_migration_leaves_the_older_layout_as_it_was(cli, store, monkeypatch):
    from partnerkb.engines import postgresql

    make_layout_1(store)
    before = raw(store)
    made = postgresql._MIGRATIONS[2]

    def then_lose_the_connection(cur, target):  # the index made, then the server goes away
        assert made(cur, target)
        cur.execute("SELECT pg_terminate_backend(pg_backend_pid())")

    monkeypatch.setitem(postgresql._MIGRATIONS, 2, then_lose_the_connection)
    err = one_line_error(cli("--db", store, "migrate"))
    assert "cannot migrate the store" in err
    assert raw(store) == before
    monkeypatch.setitem(postgresql._MIGRATIONS, 2, made)
    assert cli("--db", store, "migrate").exit_code == 0
    assert cli("--db", store, "show", "icesco").exit_code == 0


def test_derived_rows_of_older_rules_are_refused_until_migrate_makes_them_again(cli, store):
    names = "SELECT count(*) FROM names WHERE record_id = 'nazim-samadov'"
    assert sql(store, names)[0][0] >= 2  # its id and its name, folded
    sql(store, "DELETE FROM names; UPDATE derived SET version = version - 1 WHERE name = 'names'")
    err = one_line_error(cli("--db", store, "add-entity", "Ada Lovelace", "--kind", "person",
                             "-s", NEWSAZ))  # fmt: skip
    assert "names made by an older partnerkb's rules" in err and "partnerkb migrate" in err
    done = cli("--db", store, "migrate")
    assert done.exit_code == 0 and "made the rows of names" in done.stderr
    assert sql(store, names)[0][0] >= 2
    added = cli("--db", store, "add-entity", "Ada Lovelace", "--kind", "person", "-s", NEWSAZ)
    assert added.exit_code == 0, added.stderr
    assert sql(store, "SELECT key FROM names WHERE record_id = 'ada-lovelace'")


def test_derived_rows_of_newer_rules_are_refused_always(cli, store):
    sql(store, "UPDATE derived SET version = version + 1 WHERE name = 'names'")
    before = raw(store)
    for args in (["timeline"], ["migrate"]):
        err = one_line_error(cli("--db", store, *args))
        assert "newer partnerkb" in err
    assert raw(store) == before


def test_a_bare_undo_reverts_the_callers_own_last_command_not_a_colleagues(cli, store):
    sql(store, "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'colleague')"
               " THEN CREATE ROLE colleague LOGIN; END IF; END $$")  # fmt: skip
    sql(store, f'GRANT USAGE ON SCHEMA "{store.schema}" TO colleague;'
               f' GRANT ALL ON ALL TABLES IN SCHEMA "{store.schema}" TO colleague')  # fmt: skip
    colleague = store.replace("postgresql://partnerkb@", "postgresql://colleague@")
    mine = cli("--db", store, "add-entity", "Ada Lovelace", "--kind", "person", "-s", NEWSAZ)
    theirs = cli("--db", colleague, "add-entity", "Grace Hopper", "--kind", "person", "-s",
                 NEWSAZ)  # fmt: skip
    assert mine.exit_code == 0 and theirs.exit_code == 0, (mine.stderr, theirs.stderr)
    listed = cli("--db", store, "history")
    assert listed.exit_code == 0 and "grace-hopper" in listed.stdout
    dry = cli("--db", store, "undo", "--dry-run")
    assert "ada-lovelace" in dry.stderr and "grace-hopper" not in dry.stderr
    undone = cli("--db", store, "undo", "--yes")
    assert undone.exit_code == 0, undone.stderr
    assert "database role partnerkb" in undone.stderr
    after = read_store(store)
    assert after.get("ada-lovelace") is None and after.get("grace-hopper") is not None
    again = cli("--db", store, "undo", "--yes")
    assert again.exit_code == 1 and "no command of yours" in again.stderr
    assert read_store(store).get("grace-hopper") is not None


def test_migrate_adds_the_covering_indexes_a_store_lacks_and_changes_no_answer(cli, store):
    from partnerkb.engines.relational import COVERING

    def indexes() -> set[str]:
        return {name for (name,) in sql(
            store, "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()")}

    made = indexes()
    assert {c.name for c in COVERING} <= made
    assert not {c.replaces for c in COVERING} & made
    answers = [cli("--db", store, *q).stdout for q in QUESTIONS]
    for covering in COVERING:  # as a store made before them
        sql(store, f"DROP INDEX {covering.name}")
        if covering.replaces:
            sql(store, f"CREATE INDEX {covering.replaces} ON {covering.table}"
                       f" ({covering.columns[0]})")  # fmt: skip
    assert [cli("--db", store, *q).stdout for q in QUESTIONS] == answers
    done = cli("--db", store, "migrate")
    assert done.exit_code == 0, done.stderr
    assert "created the indexes" in done.stderr and "events_id_dates" in done.stderr
    assert indexes() == made
    assert [cli("--db", store, *q).stdout for q in QUESTIONS] == answers


def test_a_limited_timeline_reads_as_the_json_engine_does(cli, new_pg_store, tmp_path):
    """`timeline --limit N` (latest first with --reverse) is cut and counted by the server
    (`engines.sqlite.EventWindow`): the rows and the "showing N of M" line are the JSON
    engine's, for windows that keep many events, a few, or none."""
    from partnerkb.store import dumps

    source = tmp_path / "generated.json"
    source.write_bytes(dumps(generate.generate_tables(600, seed=5)))
    url = new_pg_store(read_store(source))
    for window in (["--since", "2024-01", "--until", "2024-03"], ["--since", "2020"],
                   ["--kind", "meeting", "--until", "2001"], ["--since", "2999"], []):
        for cut in (["--limit", "5"], ["--limit", "5", "--reverse"], ["--limit", "100000"]):
            args = ["timeline", *window, *cut, "--format", "json"]
            on_json = cli(*args, "--db", str(source))
            on_pg = cli(*args, "--db", url)
            assert (on_pg.exit_code, on_pg.stdout, on_pg.stderr) == (
                on_json.exit_code, on_json.stdout, on_json.stderr)
