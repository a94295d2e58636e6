"""Long operations say how far they have got: a bar on stderr when it is a terminal, nothing
when it is piped, stdout's bytes the same either way; --quiet leaves only errors on stderr;
--no-input never asks, and what would have been asked is an error naming it (exit code 2)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from partnerkb.interchange.exporters import EXPORTERS, export, select
from partnerkb.interchange.importer import ImportOptions, import_rows, read_source
from partnerkb.progress import NO_PROGRESS, tracked
from partnerkb.queries import KnowledgeBase
from partnerkb.store import Store, StoreData, shipped_store_path
from terminal import Terminal, run


class Heard:
    """A Progress that keeps every report."""

    def __init__(self) -> None:
        self.reports: list[tuple[str, int, int | None]] = []

    def __call__(self, task: str, done: int, total: int | None) -> None:
        self.reports.append((task, done, total))

    def stages(self) -> list[str]:
        return list(dict.fromkeys(task for task, _, _ in self.reports))

    def last(self, task: str) -> tuple[int, int | None]:
        done, total = [(d, t) for name, d, t in self.reports if name == task][-1]
        return done, total


def empty_store(path: Path) -> Path:
    Store(path).create(StoreData.empty())
    return path


@pytest.fixture
def records(tmp_path: Path, cli) -> Path:
    """The shipped knowledge base exported as JSON Lines: a file to import."""
    path = tmp_path / "kb.jsonl"
    result = cli("export", "--format", "jsonl", "--output", str(path))
    assert result.exit_code == 0, result.stderr
    return path


# ---------------------------------------------------------------------------------------------
# The core reports; it never draws
# ---------------------------------------------------------------------------------------------


def test_tracked_reports_the_start_the_steps_and_the_end_of_a_stage():
    heard = Heard()
    assert list(tracked(range(1000), heard, "counting")) == list(range(1000))
    assert heard.reports[0] == ("counting", 0, 1000)
    assert heard.reports[-1] == ("counting", 1000, 1000)
    done = [d for _, d, _ in heard.reports]
    assert done == sorted(done) and len(done) > 2


def test_tracked_without_a_length_reports_an_unknown_total_and_the_count_at_the_end():
    heard = Heard()
    assert sum(tracked((n for n in range(100)), heard, "reading")) == 4950
    assert heard.reports[0] == ("reading", 0, None)
    assert heard.reports[-1] == ("reading", 100, None)


def test_no_progress_lets_the_items_through_untouched():
    items = [1, 2, 3]
    assert list(tracked(items, NO_PROGRESS, "anything")) == items


def test_an_import_reports_every_row_checked_and_every_record_written(records, tmp_path):
    store = Store(empty_store(tmp_path / "target.json"))
    source = read_source(records.read_bytes(), "jsonl")
    heard = Heard()
    from datetime import date

    report = store.apply("import", lambda tx: import_rows(
        tx, source, ImportOptions(today=date(2026, 11, 30)), heard))  # fmt: skip
    assert heard.stages() == ["checking rows", "preparing records", "writing records"]
    assert heard.last("checking rows") == (len(source.rows), len(source.rows))
    assert heard.last("writing records") == (len(report.added), len(report.added))


@pytest.mark.parametrize("fmt", sorted(EXPORTERS))
def test_every_export_format_reports_its_work(fmt):
    kb = KnowledgeBase(Store(shipped_store_path()).read())
    heard = Heard()
    export(select(kb), fmt, heard)
    assert heard.reports, f"{fmt} reported nothing"
    counted = [task for task, _, total in heard.reports if total is not None]
    assert counted, f"{fmt} reported no stage with a count"
    for task in counted:
        done, total = heard.last(task)
        assert done == total, f"{fmt}: {task} ended at {done} of {total}"


def test_an_export_with_progress_is_byte_identical_to_one_without():
    kb = KnowledgeBase(Store(shipped_store_path()).read())
    for fmt in ("csv", "jsonl", "md", "html"):
        assert export(select(kb), fmt, Heard()) == export(select(kb), fmt)


# ---------------------------------------------------------------------------------------------
# Drawn on a terminal, never into a pipe
# ---------------------------------------------------------------------------------------------


def test_an_import_shows_a_bar_on_a_terminal_and_stdout_is_unchanged(records, tmp_path):
    on_pipe = run(["--db", str(empty_store(tmp_path / "a.json")), "import", str(records)],
                  on_terminal=())  # fmt: skip
    on_tty = run(["--db", str(empty_store(tmp_path / "b.json")), "import", str(records)],
                 on_terminal=("stderr",))  # fmt: skip
    assert on_pipe.code == on_tty.code == 0
    assert "checking rows" in on_tty.screen
    assert "━" in on_tty.screen  # the bar
    assert on_tty.stdout == on_pipe.stdout and on_pipe.stdout  # the ids, byte for byte
    # the report comes after the bar, on a line of its own
    assert "rows read" in on_tty.screen.rsplit("━", 1)[-1]


def test_an_import_into_a_pipe_has_no_bar_and_no_escape(records, tmp_path):
    result = run(["--db", str(empty_store(tmp_path / "a.json")), "import", str(records)],
                 on_terminal=())  # fmt: skip
    assert result.code == 0
    stderr = result.stderr.decode()
    assert "checking rows" not in stderr
    assert "\x1b" not in stderr and "━" not in stderr
    assert "rows read" in stderr


def test_an_export_shows_a_bar_on_a_terminal_and_writes_the_same_bytes(tmp_path):
    on_pipe = run(["export", "--format", "csv"], on_terminal=())
    on_tty = run(["export", "--format", "csv"], on_terminal=("stderr",))
    assert on_pipe.code == on_tty.code == 0
    assert "writing events" in on_tty.screen
    assert on_tty.stdout == on_pipe.stdout
    assert b"\x1b" not in on_tty.stdout


def test_an_export_to_a_terminal_clears_its_bar_before_the_data(tmp_path):
    result = run(["export", "--format", "jsonl"], on_terminal=("stdout", "stderr"))
    assert result.code == 0
    after_bar = result.screen.rsplit("writing records", 1)[-1]
    assert '"type":"source"' in after_bar.replace(" ", "")


def test_a_batch_of_meetings_shows_its_progress_on_a_terminal(tmp_path):
    batch = tmp_path / "batch.jsonl"
    batch.write_text(
        "".join(
            json.dumps({"date": f"2024-02-{day:02d}", "title": f"Meeting {day}",
                        "participants": ["Nazim Samadov", "Salim M. AlMalik"], "place": "Rabat",
                        "source": "newsaz-2024-01-31-samadov-almalik"}) + "\n"
            for day in range(1, 6)
        ),
        encoding="utf-8",
    )  # fmt: skip
    store = tmp_path / "kb.json"
    shutil.copyfile(shipped_store_path(), store)
    result = run(["--db", str(store), "add-meeting", "--from-json", str(batch)],
                 on_terminal=("stderr",))  # fmt: skip
    assert result.code == 0, result.screen
    assert "recording events" in result.screen
    assert len(result.stdout.decode().split()) == 5


# ---------------------------------------------------------------------------------------------
# --quiet
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("how", [["--quiet"], ["-q"], "env"])
def test_quiet_leaves_stderr_empty_on_success_and_stdout_as_it_was(records, tmp_path, how):
    loud = run(["--db", str(empty_store(tmp_path / "a.json")), "import", str(records)],
               on_terminal=("stderr",))  # fmt: skip
    flags, env = (how, {}) if how != "env" else ([], {"PARTNERKB_QUIET": "1"})
    quiet = run([*flags, "--db", str(empty_store(tmp_path / "b.json")), "import", str(records)],
                on_terminal=("stderr",), env=env)  # fmt: skip
    assert quiet.code == 0
    assert quiet.screen.strip() == ""  # no bar, no report, no history line
    assert quiet.stdout == loud.stdout


def test_quiet_still_prints_errors(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("date,title,participants\nnot a date,Something,ICESCO\n", encoding="utf-8")
    store = empty_store(tmp_path / "kb.json")
    result = run(["--quiet", "--db", str(store), "import", str(bad)], on_terminal=())
    assert result.code == 2
    assert "error: row 2: sources" in result.stderr.decode()  # listed by import itself
    assert "nothing was written" in result.stderr.decode()


def test_quiet_silences_the_messages_of_a_write(cli, shipped_copy):
    loud = cli("--db", str(shipped_copy), "add-source", "--outlet", "Trend", "--title", "A",
               "--date", "2024-11-11", "--dry-run")  # fmt: skip
    quiet = cli("--quiet", "--db", str(shipped_copy), "add-source", "--outlet", "Trend",
                "--title", "A", "--date", "2024-11-11", "--dry-run")  # fmt: skip
    assert loud.exit_code == quiet.exit_code == 0
    assert "dry run" in loud.stderr
    assert quiet.stderr == ""
    assert quiet.stdout == loud.stdout


def test_the_environment_setting_can_be_turned_off(cli, shipped_copy):
    result = cli("--db", str(shipped_copy), "add-source", "--outlet", "Trend", "--title", "A",
                 "--date", "2024-11-11", "--dry-run", env={"PARTNERKB_QUIET": "0"})  # fmt: skip
    assert "dry run" in result.stderr


# ---------------------------------------------------------------------------------------------
# --no-input
# ---------------------------------------------------------------------------------------------


def test_at_a_terminal_a_missing_kind_is_asked_for(shipped_copy):
    """The premise of the --no-input tests: this terminal is one partnerkb asks at. (Ctrl-D
    once asked: typed ahead, readline's raw mode would not see it as the end of input.)"""
    term = Terminal("--db", str(shipped_copy), "add-event")
    term.expect("Kind of event")
    term.send("\x04")
    assert term.finish() == 130


def test_no_input_at_a_terminal_fails_naming_what_is_missing(shipped_copy):
    before = shipped_copy.read_bytes()
    result = run(["--no-input", "--db", str(shipped_copy), "add-event"])
    assert result.code == 2
    assert "Kind of event" not in result.screen
    assert "error: --kind is required" in result.screen
    assert shipped_copy.read_bytes() == before


def test_no_input_from_the_environment_too(shipped_copy):
    result = run(["--db", str(shipped_copy), "add-meeting"], env={"PARTNERKB_NO_INPUT": "1"})
    assert result.code == 2
    assert "error: date is required" in result.screen
    assert "missing" not in result.screen.lower()  # the prompts' opening line never shows


def test_no_input_never_asks_for_a_confirmation(shipped_copy):
    event = "2024-01-30-samadov-almalik-rabat"
    asked = run(["--db", str(shipped_copy), "remove", event, "--cascade"], typed="n\n")
    assert "Remove it?" in asked.screen and asked.code == 4
    before = shipped_copy.read_bytes()
    result = run(["--no-input", "--db", str(shipped_copy), "remove", event, "--cascade"])
    assert result.code == 2
    assert "Remove it?" not in result.screen
    assert "remove asks for confirmation, and --no-input was given" in result.screen
    assert "--yes" in result.screen
    assert shipped_copy.read_bytes() == before


def test_help_documents_quiet_and_no_input(cli):
    result = cli("--help")
    assert "--quiet" in result.stdout and "--no-input" in result.stdout
    assert "PARTNERKB_QUIET" in result.stdout and "PARTNERKB_NO_INPUT" in result.stdout


def test_ingest_says_what_it_is_doing_on_a_terminal_and_nothing_into_a_pipe(tmp_path):
    article = tmp_path / "report.txt"
    article.write_text(
        "ICESCO chief receives envoy\n\nDr. Salim M. AlMalik, Director-General of ICESCO, "
        "received the Ambassador of Bangladesh to Morocco on Tuesday, 21 May 2024, in Rabat.\n",
        encoding="utf-8",
    )
    args = ["ingest", str(article), "--published", "2024-05-28", "--outlet", "ICESCO",
            "--dry-run", "--format", "json"]  # fmt: skip
    on_tty = run(args, on_terminal=("stderr",))
    on_pipe = run(args, on_terminal=())
    assert on_tty.code == on_pipe.code == 0
    assert "finding the records the article reports" in on_tty.screen
    assert b"finding" not in on_pipe.stderr and b"\x1b" not in on_pipe.stderr
    assert on_tty.stdout == on_pipe.stdout


def test_no_input_never_asks_to_review_an_ingested_article(tmp_path, shipped_copy):
    article = tmp_path / "report.txt"
    article.write_text(
        "ICESCO chief receives envoy\n\nDr. Salim M. AlMalik, Director-General of ICESCO, "
        "received the Ambassador of Bangladesh to Morocco on Tuesday, 21 May 2024, in Rabat.\n",
        encoding="utf-8",
    )
    args = ["--db", str(shipped_copy), "ingest", str(article), "--published", "2024-05-28",
            "--outlet", "ICESCO"]  # fmt: skip
    asked = run(args, typed="q\n")
    assert "[a]ccept" in asked.screen
    before = shipped_copy.read_bytes()
    result = run(["--no-input", *args])
    assert result.code == 2
    assert "[a]ccept" not in result.screen
    assert "and --no-input was given" in result.screen
    assert shipped_copy.read_bytes() == before
