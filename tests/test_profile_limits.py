"""An entity's profile (`show ENTITY`) is bounded: its latest events, the entities it met most and
the sources cited most, at most 20 of each unless `--limit N` or `--all` says otherwise; what is
left out is said on stderr and counted in `totals` (JSON) or the `totals` rows (CSV, TSV). Every
engine gives the same answer (the SQL engines count and cut with GROUP BY, ORDER BY ... LIMIT)."""

from __future__ import annotations

import csv
import io
import json

import pytest

from partnerkb.store import shipped_store_path


def profile(cli, db, *args: str) -> tuple[dict, str]:
    result = cli("show", *args, "--format", "json", "--db", str(db))
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout), result.stderr


def test_the_shipped_profiles_are_whole_under_the_default_limit(cli, shipped_copy):
    """The shipped entities have at most 20 events, 10 entities met and 6 sources: the default
    cuts nothing, says nothing, and the totals are the lengths of the lists."""
    for name in ("azerbaijan", "icesco", "salim-almalik", "nazim-samadov", "shusha"):
        whole, note = profile(cli, shipped_copy, name)
        assert note == ""
        assert whole["limit"] == 20
        assert whole["totals"] == {"events": len(whole["events"]), "met": len(whole["met"]),
                                   "cited_sources": len(whole["cited_sources"])}  # fmt: skip
        assert whole == profile(cli, shipped_copy, name, "--all")[0] | {"limit": 20}
    timeline = json.loads(cli("timeline", "--entity", "azerbaijan", "--format", "json",
                              "--db", str(shipped_copy)).stdout)  # fmt: skip
    assert [e["id"] for e in profile(cli, shipped_copy, "azerbaijan")[0]["events"]] == [
        e["id"] for e in timeline
    ]


def test_a_limit_keeps_the_latest_events_in_date_order_and_says_what_it_left_out(
    cli, shipped_copy
):
    whole, _ = profile(cli, shipped_copy, "azerbaijan", "--all")
    assert whole["limit"] is None and whole["totals"]["events"] == 20
    cut, note = profile(cli, shipped_copy, "azerbaijan", "--limit", "5")
    assert cut["limit"] == 5
    assert cut["events"] == whole["events"][-5:]
    assert cut["totals"] == whole["totals"]
    assert "15 earlier events not shown (the latest 5 of 20)" in note
    assert "partnerkb timeline --entity azerbaijan" in note
    newest, note = profile(cli, shipped_copy, "azerbaijan", "-n", "5", "--reverse")
    assert newest["events"] == whole["events"][::-1][:5]
    assert "partnerkb timeline --entity azerbaijan --reverse" in note


def test_whom_an_entity_met_is_counted_most_met_first_and_cut_to_the_limit(cli, shipped_copy):
    whole, _ = profile(cli, shipped_copy, "salim-almalik", "--all")
    met = whole["met"]
    assert len(met) == whole["totals"]["met"] == 10
    assert [m["events"] for m in met] == sorted((m["events"] for m in met), reverse=True)
    assert all(m["kind"] != "place" for m in met)
    cut, note = profile(cli, shipped_copy, "salim-almalik", "--limit", "3")
    assert cut["met"] == met[:3]
    assert cut["totals"]["met"] == 10
    assert "7 more entities met not shown (the 3 met most of 10)" in note
    assert "partnerkb show salim-almalik --all" in note


def test_sources_are_counted_most_cited_first_and_cut_to_the_limit(cli, shipped_copy):
    whole, _ = profile(cli, shipped_copy, "icesco", "--all")
    sources = whole["cited_sources"]
    assert [(s["id"], s["citations"]) for s in sources[:3]] == [
        ("icesco-2022-11-21-shusha-medal", 11), ("newsaz-2024-01-31-samadov-almalik", 8),
        ("kazinform-2023-09-26-azerbaijan-shusha-chosen-as", 2),
    ]  # fmt: skip
    # equal counts: the latest published first, a source without a day last, then by id
    assert [s["id"] for s in sources[3:]] == [
        "trend-2024-11-11-icesco-director-general-reviews",
        "icesco-icesco-director-general-receives",
        "icesco-presence-under-patronage-azerbaijani",
    ]
    cut, note = profile(cli, shipped_copy, "icesco", "--limit", "2")
    assert cut["cited_sources"] == sources[:2]
    assert "4 more sources not shown (the 2 cited most of 6)" in note
    assert "partnerkb list sources --entity icesco" in note


def test_a_source_the_entity_itself_cites_is_counted_with_its_events_citations(
    cli, shipped_copy
):
    """The citations of the entity's record and its roles count as much as its events'."""
    person, _ = profile(cli, shipped_copy, "nazim-samadov", "--all")
    data = json.loads(shipped_store_path().read_text(encoding="utf-8"))
    record = next(e for e in data["entities"].values() if e["id"] == "nazim-samadov")
    own = [c["source"] for c in record.get("sources") or []]
    own += [c["source"] for r in record.get("roles") or [] for c in r.get("sources") or []]
    assert own, "the test needs a record that cites sources itself"
    counts = {s["id"]: s["citations"] for s in person["cited_sources"]}
    for source in set(own):
        assert counts[source] >= own.count(source)


def test_csv_and_tsv_give_the_totals_and_keep_their_section_names(cli, shipped_copy):
    result = cli("show", "salim-almalik", "--limit", "2", "--format", "csv",
                 "--db", str(shipped_copy))  # fmt: skip
    assert result.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    totals = {r["key"]: r["value"] for r in rows if r["section"] == "totals"}
    assert totals["met"] == "10"
    assert totals["events"] == str(sum(r["section"] == "Events" for r in rows) + 8)
    assert sum(r["section"] == "Met" for r in rows) == 2
    assert {r["section"] for r in rows} >= {"record", "totals", "Events", "Met", "Sources"}
    tsv = cli("show", "salim-almalik", "--format", "tsv", "--db", str(shipped_copy))
    assert "totals\tevents\t10\n" in tsv.stdout and "totals\tmet\t10\n" in tsv.stdout


def test_the_table_titles_say_what_was_cut(cli, shipped_copy):
    result = cli("show", "azerbaijan", "--limit", "4", "--format", "table",
                 "--db", str(shipped_copy), env={"COLUMNS": "160"})  # fmt: skip
    assert result.exit_code == 0
    assert "Events (the latest 4 of 20)" in result.stdout
    assert "16 earlier events not shown" in result.stderr


@pytest.mark.parametrize("args", [["--limit", "3", "--all"], ["--limit", "0"],
                                  ["--limit", "x"]])  # fmt: skip
def test_a_limit_that_says_nothing_clear_is_refused(cli, shipped_copy, args):
    result = cli("show", "icesco", *args, "--db", str(shipped_copy))
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "Traceback" not in result.stderr


def test_event_source_and_partnership_pages_are_not_cut(cli, shipped_copy):
    for record in ("2024-01-30-samadov-almalik-rabat", "icesco-2022-11-21-shusha-medal",
                   "icesco-azerbaijan"):  # fmt: skip
        plain = cli("show", record, "--format", "json", "--db", str(shipped_copy))
        limited = cli("show", record, "--limit", "1", "--format", "json",
                      "--db", str(shipped_copy))  # fmt: skip
        assert plain.exit_code == 0 and limited.stdout == plain.stdout
        assert "totals" not in json.loads(plain.stdout)


@pytest.mark.parametrize("args", [[], ["--limit", "3"], ["--limit", "1", "--reverse"],
                                  ["--all"]])  # fmt: skip
def test_every_engine_gives_the_json_engines_profile(cli, shipped_copy, args):
    for name in ("azerbaijan", "icesco", "salim-almalik", "baku"):
        for fmt in ("json", "tsv"):
            expected = cli("show", name, *args, "--format", fmt, "--db", str(shipped_store_path()))
            got = cli("show", name, *args, "--format", fmt, "--db", str(shipped_copy))
            assert (got.exit_code, got.stdout, got.stderr) == (
                expected.exit_code, expected.stdout, expected.stderr
            )


def _profile_of(view, name: str) -> dict:
    from partnerkb.queries import KnowledgeBase, entity_profile

    return entity_profile(KnowledgeBase(view), view.find("entities", name), 3)


def test_a_postgresql_profile_asks_its_three_questions_side_by_side_in_one_snapshot(
        cli, postgresql_server, shipped_pg_template, monkeypatch):  # fmt: skip
    """On PostgreSQL, who an entity met and the sources cited most are asked on connections of
    their own while the view's connection asks for the latest events, in the view's snapshot:
    a meeting committed after the view began is in none of the three lists; a new view sees
    it in all of them."""
    from partnerkb.engines import postgresql, postgresql_ahead
    from partnerkb.engines.postgresql import parse_url, read_postgresql
    from postgres_server import refill, store_url

    url = store_url(postgresql_server, "profile_side_by_side")
    refill(url, shipped_pg_template)
    started: list[str] = []
    answered: list[bool] = []
    real, real_rows = postgresql_ahead.SideQuery.__init__, postgresql_ahead.SideQuery.rows

    def recording(self, target, snapshot, sql, params, owner):
        started.append(sql)
        real(self, target, snapshot, sql, params, owner)

    def answering(self):
        rows = real_rows(self)
        answered.append(rows is not None)
        return rows

    monkeypatch.setattr(postgresql_ahead.SideQuery, "__init__", recording)
    monkeypatch.setattr(postgresql_ahead.SideQuery, "rows", answering)
    view = read_postgresql(parse_url(url))
    before = _profile_of(read_postgresql(parse_url(url)), "salim-almalik")
    added = cli("add-meeting", "--db", url, "--date", "2026-11-20", "--participant",
                "salim-almalik", "--participant", "nazim-samadov", "--source", "self",
                "--title", "A later meeting")  # fmt: skip
    assert added.exit_code == 0, added.stderr
    started.clear()
    answered.clear()
    assert _profile_of(view, "salim-almalik") == before
    assert len(started) == 2 and any("met" in sql for sql in started)
    assert answered == [True, True]  # the other connections answered, in the view's snapshot
    after = _profile_of(read_postgresql(parse_url(url)), "salim-almalik")
    assert after["totals"]["events"] == before["totals"]["events"] + 1
    assert after["events"][-1]["title"] == "A later meeting"
    met = {m["id"]: m["events"] for m in before["met"]}
    assert {m["id"]: m["events"] for m in after["met"]}["nazim-samadov"] == met["nazim-samadov"] + 1
    postgresql.close_since()


def test_a_postgresql_profile_without_another_connection_asks_on_its_own(
        postgresql_server, shipped_pg_template, monkeypatch):  # fmt: skip
    """When the server gives no other connection (its limit reached...), the profile's
    questions are asked one after the other on the view's connection: the same answer."""
    from partnerkb.engines import postgresql
    from partnerkb.engines.postgresql import parse_url, read_postgresql
    from partnerkb.errors import StoreError
    from postgres_server import refill, store_url

    url = store_url(postgresql_server, "profile_alone")
    refill(url, shipped_pg_template)
    expected = _profile_of(read_postgresql(parse_url(url)), "icesco")
    real = postgresql.connect
    refused: list[str] = []

    def no_more(target, **how):
        import threading

        if threading.current_thread().name == "partnerkb-side-query":
            refused.append(target.schema)
            raise StoreError("sorry, too many clients already")
        return real(target, **how)

    monkeypatch.setattr(postgresql, "connect", no_more)
    assert _profile_of(read_postgresql(parse_url(url)), "icesco") == expected
    assert refused == ["profile_alone", "profile_alone"]
    postgresql.close_since()


def test_a_postgresql_profile_question_the_server_refuses_is_a_store_error_asked_once(
        postgresql_server, shipped_pg_template, monkeypatch):  # fmt: skip
    """A question asked on another connection that the server refuses once asked (here: a
    division by zero in its place) is the read's store error, one line, not asked again."""
    from partnerkb.engines import postgresql, postgresql_ahead
    from partnerkb.engines.postgresql import parse_url, read_postgresql
    from partnerkb.errors import StoreError
    from postgres_server import refill, store_url

    url = store_url(postgresql_server, "profile_refused")
    refill(url, shipped_pg_template)
    real = postgresql_ahead.SideQuery.__init__

    def refused(self, target, snapshot, sql, params, owner):
        real(self, target, snapshot, "SELECT 1 / (%s - %s)", (1, 1), owner)

    monkeypatch.setattr(postgresql_ahead.SideQuery, "__init__", refused)
    view = read_postgresql(parse_url(url))
    asked: list[str] = []
    ask = view.db.rows

    def asking(sql, params=(), **how):
        asked.append(sql)
        return ask(sql, params, **how)

    view.db.rows = asking
    with pytest.raises(StoreError, match="division by zero"):
        _profile_of(view, "icesco")
    assert sum("g.met" in sql for sql in asked) == 1  # asked of the other connection only
    postgresql.close_since()


def test_the_end_of_a_read_cancels_its_questions_still_running_elsewhere(
        postgresql_server, shipped_pg_template):  # fmt: skip
    """A question still running on another connection when the read ends (`close_since`, the
    CLI's exit point) is cancelled and its connection closed: nothing left on the server."""
    from partnerkb.engines import postgresql
    from partnerkb.engines.postgresql import parse_url, read_postgresql
    from partnerkb.engines.postgresql_ahead import SideQuery
    from postgres_server import refill, store_url

    url = store_url(postgresql_server, "profile_cancelled")
    refill(url, shipped_pg_template)
    target = parse_url(url)
    view = read_postgresql(target)
    conn = view.db.conn
    snapshot = conn.execute("SELECT pg_export_snapshot()").fetchone()[0]
    query = SideQuery(target, snapshot, "SELECT 'long question', pg_sleep(600)", (), conn)
    watch = postgresql.connect(target)
    running = ("SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%long question%'"
               " AND pid <> pg_backend_pid()")  # fmt: skip
    for _ in range(600):  # until the server runs it (however loaded the machine)
        if watch.execute(running).fetchone()[0]:
            break
        watch.execute("SELECT pg_sleep(0.1)")
    assert watch.execute(running).fetchone()[0] == 1
    postgresql.close_since()
    assert query._done.wait(300)  # cancelled: far from the 600 s it would take
    for _ in range(600):  # the backend goes once the thread closed its connection
        if not watch.execute(running).fetchone()[0]:
            break
        watch.execute("SELECT pg_sleep(0.1)")
    assert watch.execute(running).fetchone()[0] == 0
    watch.close()
