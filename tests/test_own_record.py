"""`--source self`: what the analyst knows first-hand cites their own record, one source per
user and day ("own record of ada, entered on 2026-11-30"), made by the first write that cites
it, removed by undoing that write, shown as such in views, exports and checks; a stored source
that 'self' also names is never passed over in silence."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest

from partnerkb.cli import write as write_cli
from partnerkb.errors import InvalidInput
from partnerkb.model import validate_source
from partnerkb.store import read_store

TODAY = date.today()
OWN = f"own-record-ada-{TODAY.isoformat()}"


@pytest.fixture(autouse=True)
def ada(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PARTNERKB_USER", "ada")


def sources(path: Path) -> dict[str, dict]:
    return {s["id"]: s for s in read_store(path).records("sources")}


def events(path: Path) -> dict[str, dict]:
    return {e["id"]: e for e in read_store(path).records("events")}


def meeting(cli, path: Path, *args: str, day: str = "yesterday"):
    return cli("add-meeting", "--db", str(path), "--date", day, "--participant", "icesco",
               "--participant", "morocco", *args)  # fmt: skip


def test_source_self_cites_the_callers_own_record_made_on_first_use(cli, shipped_copy):
    before = set(sources(shipped_copy))
    result = meeting(cli, shipped_copy, "--place", "Rabat", "--source", "self")
    assert result.exit_code == 0, result.stderr
    assert f"created source own record of ada, entered on {TODAY.isoformat()} ({OWN})" in (
        result.stderr
    )
    made = set(sources(shipped_copy)) - before
    assert made == {OWN}
    own = sources(shipped_copy)[OWN]
    assert own["kind"] == "own-record"
    assert own["outlet"] == "own record of ada"
    assert own["published"] == TODAY.isoformat()
    assert own["title"] is None and own["url"] is None
    event = events(shipped_copy)[result.stdout.strip()]
    assert event["sources"] == [{"source": OWN, "locator": None}]
    # "yesterday" is read against the day of the own record, and so it happened
    assert event["date"]["earliest"] == (TODAY - timedelta(days=1)).isoformat()
    assert event["status"] == "happened"
    assert "day of typing" not in result.stderr and "resolved against" not in result.stderr


def test_the_same_day_reuses_it_another_day_and_another_user_get_their_own(
    cli, shipped_copy, monkeypatch
):
    assert meeting(cli, shipped_copy, "--source", "SELF").exit_code == 0
    again = cli("add-entity", "Leyla Mammadova", "--kind", "person", "--db", str(shipped_copy),
                "--source", " self ")  # fmt: skip
    assert again.exit_code == 0, again.stderr
    assert "created source" not in again.stderr
    entity = {e["id"]: e for e in read_store(shipped_copy).records("entities")}["leyla-mammadova"]
    assert entity["sources"] == [{"source": OWN, "locator": None}]
    tomorrow = TODAY + timedelta(days=1)
    monkeypatch.setattr(write_cli, "_today", lambda: tomorrow)
    later = meeting(cli, shipped_copy, "--source", "self", day="today")
    assert later.exit_code == 0, later.stderr
    assert f"entered on {tomorrow.isoformat()}" in later.stderr
    monkeypatch.setenv("PARTNERKB_USER", "Bob Smith")
    other = cli("add-role", "Leyla Mammadova", "--title", "Adviser", "--db", str(shipped_copy),
                "--source", "self")  # fmt: skip
    assert other.exit_code == 0, other.stderr
    own = {i for i, s in sources(shipped_copy).items() if s.get("kind") == "own-record"}
    assert own == {OWN, f"own-record-ada-{tomorrow.isoformat()}",
                   f"own-record-bob-smith-{tomorrow.isoformat()}"}  # fmt: skip
    assert sources(shipped_copy)[f"own-record-bob-smith-{tomorrow.isoformat()}"]["outlet"] == (
        "own record of Bob Smith"
    )


def test_undo_removes_the_own_record_the_write_made(cli, shipped_copy):
    before = read_store(shipped_copy).tables
    assert meeting(cli, shipped_copy, "--source", "self").exit_code == 0
    undo = cli("undo", "--yes", "--db", str(shipped_copy))
    assert undo.exit_code == 0, undo.stderr
    assert f"will remove source {OWN}" in undo.stderr
    after = read_store(shipped_copy).tables
    for table in ("sources", "entities", "events"):
        assert after[table] == before[table]


def test_a_dry_run_shows_the_own_record_and_writes_nothing(cli, shipped_copy):
    before = shipped_copy.read_bytes()
    result = meeting(cli, shipped_copy, "--source", "self", "--dry-run")
    assert result.exit_code == 0, result.stderr
    written = {row["id"]: row for row in json.loads(result.stdout)}
    assert written[OWN]["record"]["kind"] == "own-record"
    assert shipped_copy.read_bytes() == before


def test_every_write_that_cites_a_source_takes_self(cli, shipped_copy, tmp_path):
    db = ("--db", str(shipped_copy))
    runs = [
        ("add-event", "--kind", "visit", "--date", "2026-01", "--participant", "icesco",
         "--place", "Baku", "--source", "self"),
        ("add-entity", "Baku Book Centre", "--kind", "organization", "--source", "self"),
        ("add-role", "nazim-samadov", "--title", "Honorary Chair", "--source", "self"),
        ("edit", "world-forum-intercultural-dialogue-baku", "--set", "status=postponed",
         "--source", "self"),
        ("edit", "morocco", "--add", "sources=self"),
    ]  # fmt: skip
    for args in runs:
        result = cli(*args, *db)
        assert result.exit_code == 0, (args, result.stderr)
    plan = events(shipped_copy)["world-forum-intercultural-dialogue-baku"]
    assert plan["status_history"][-1]["sources"] == [{"source": OWN, "locator": None}]
    morocco = {e["id"]: e for e in read_store(shipped_copy).records("entities")}["morocco"]
    assert {"source": OWN, "locator": None} in morocco["sources"]
    batch = json.dumps({"date": "2026-02-02", "participants": ["icesco", "azerbaijan"],
                        "source": "self"})  # fmt: skip
    from_json = cli("add-meeting", "--from-json", "-", *db, input=batch)
    assert from_json.exit_code == 0, from_json.stderr
    assert events(shipped_copy)[from_json.stdout.strip()]["sources"][0]["source"] == OWN
    notes = tmp_path / "notes.csv"
    notes.write_text("Date,Who\n2026-03-03,icesco;azerbaijan\n", encoding="utf-8")
    imported = cli("--db", str(shipped_copy), "import", str(notes), "--map",
                   "Date=date,Who=participants", "--source", "self")  # fmt: skip
    assert imported.exit_code == 0, imported.stderr
    assert len([s for s in sources(shipped_copy).values() if s.get("kind")]) == 1


def test_views_and_exports_name_it_as_an_own_record(cli, shipped_copy, tmp_path):
    event_id = meeting(cli, shipped_copy, "--source", "self").stdout.strip()
    label = f"own record of ada, entered on {TODAY.isoformat()}"
    shown = cli("show", event_id, "--format", "json", "--db", str(shipped_copy))
    assert json.loads(shown.stdout)["display"]["sources"] == [label]
    source = cli("show", OWN, "--db", str(shipped_copy), "--format", "tsv")
    assert "headline" not in source.stdout and "entered on\t" + TODAY.isoformat() in source.stdout
    listed = cli("timeline", "--source", "self", "--db", str(shipped_copy), "--format", "tsv")
    assert listed.exit_code == 0
    assert [line.split("\t")[2] for line in listed.stdout.splitlines()[1:]] == [event_id]
    mine = cli("list", "sources", "--source", "self", "--db", str(shipped_copy), "-f", "tsv")
    assert [line.split("\t")[0] for line in mine.stdout.splitlines()[1:]] == [OWN]
    dossier = tmp_path / "d.md"
    out = cli("--db", str(shipped_copy), "export", "--format", "md", "-o", str(dossier))
    assert out.exit_code == 0, out.stderr
    text = dossier.read_text(encoding="utf-8")
    assert "own record of ada, entered on" in text
    assert "no headline" not in text.split("own record of ada")[1][:40]
    strict = cli("check", "locators", "--strict", "--format", "tsv", "--db", str(shipped_copy))
    assert OWN not in strict.stdout


def test_a_store_without_own_records_has_nothing_for_source_self(cli, shipped_copy):
    result = cli("timeline", "--source", "self", "--db", str(shipped_copy))
    assert result.exit_code == 1
    assert "no own record of yours" in result.stderr


def test_a_stored_source_that_self_also_names_is_never_passed_over(cli, shipped_copy):
    made = cli("add-source", "--outlet", "Blog", "--title", "Self", "--date", "2024-01-01",
               "--db", str(shipped_copy))  # fmt: skip
    assert made.exit_code == 0, made.stderr
    stored = made.stdout.strip()
    before = shipped_copy.read_bytes()
    result = meeting(cli, shipped_copy, "--source", "self")
    assert result.exit_code == 2
    assert result.stderr.startswith("error: source 'self' is your own record, and also names ")
    assert stored in result.stderr and f"--source {stored}" in result.stderr
    assert shipped_copy.read_bytes() == before
    read = cli("timeline", "--source", "self", "--db", str(shipped_copy))
    assert read.exit_code == 2 and stored in read.stderr
    # cited by its id it is the stored one, and renamed it frees 'self'
    assert meeting(cli, shipped_copy, "--source", stored).exit_code == 0
    assert cli("edit", stored, "--set", "title=Self-portrait of a city",
               "--db", str(shipped_copy)).exit_code == 0  # fmt: skip
    assert meeting(cli, shipped_copy, "--source", "self", day="today").exit_code == 0


def test_no_new_source_may_take_the_id_self(cli, shipped_copy):
    before = shipped_copy.read_bytes()
    result = cli("add-source", "--outlet", "Blog", "--title", "Notes", "--id", "self",
                 "--db", str(shipped_copy))  # fmt: skip
    assert result.exit_code == 2
    assert "id 'self' is how --source names your own record" in result.stderr
    assert shipped_copy.read_bytes() == before


def test_a_source_kind_is_report_or_own_record():
    base = {"id": "x", "outlet": "X", "title": "T"}
    validate_source({**base, "kind": "own-record"})
    validate_source({**base, "kind": "report"})
    with pytest.raises(InvalidInput, match="kind 'blog' is not one of report, own-record"):
        validate_source({**base, "kind": "blog"})
