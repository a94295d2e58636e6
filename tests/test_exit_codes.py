"""Every way a command can end has its documented exit code and one line on stderr: output that
cannot be written (74), text the output's encoding cannot hold (escaped, exit 0), a declined
confirmation (4), a mistyped command (2, with a suggestion), a bug (70, "internal error")."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from partnerkb import __version__

PARTNERKB = str(Path(sys.executable).with_name("partnerkb"))
README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def run(*args: str, env: dict[str, str] | None = None, stdout=subprocess.PIPE):
    return subprocess.run([PARTNERKB, *args], stdout=stdout, stderr=subprocess.PIPE,
                          env={**os.environ, **(env or {})})  # fmt: skip


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
@pytest.mark.parametrize("args", [["timeline"], ["show", "icesco", "--format", "json"],
                                  ["list", "entities", "--format", "table"]])  # fmt: skip
def test_output_that_cannot_be_written_is_one_line_and_exit_74(args):
    with open("/dev/full", "w") as full:
        result = run(*args, stdout=full)
    assert result.returncode == 74
    lines = result.stderr.decode().splitlines()
    assert lines[0] == "error: cannot write the output: No space left on device"
    assert "Traceback" not in result.stderr.decode()
    assert len(lines) <= 2


def test_the_readme_documents_every_exit_code():
    from partnerkb.errors import ExitCode

    for code in ExitCode:
        assert f"| {int(code)} |" in README, f"exit code {int(code)} is not in the README"


def test_text_the_output_encoding_cannot_hold_is_escaped_not_a_crash():
    result = run("list", "entities", env={"PYTHONIOENCODING": "cp1252"})
    assert result.returncode == 0, result.stderr
    out = result.stdout.decode("cp1252")
    assert "Az\\u0259rbaycan" in out  # ə is not in cp1252: escaped
    assert "Nazim Samadov" in out
    as_json = run("show", "azerbaijan", "--format", "json", env={"PYTHONIOENCODING": "cp1252"})
    assert as_json.returncode == 0
    assert as_json.stdout.isascii()
    assert "Azərbaycan" in json.loads(as_json.stdout)["aliases"]  # JSON escapes: nothing lost


def test_a_bug_is_an_internal_error_with_the_version_and_exit_70(cli, monkeypatch):
    from partnerkb.cli import read as read_cli

    def broken(*args, **kwargs):
        raise RuntimeError("something nobody foresaw")

    monkeypatch.setattr(read_cli, "timeline_events", broken)
    monkeypatch.delenv("PARTNERKB_DEBUG")
    result = cli("timeline", "--format", "json")
    assert result.exit_code == 70
    error, hint = result.stderr.splitlines()
    assert error.startswith(f"error: internal error (partnerkb {__version__}): RuntimeError: "
                            "something nobody foresaw")  # fmt: skip
    assert "report" in hint and "PARTNERKB_DEBUG=1" in hint
    assert "Traceback" not in result.stderr


def test_a_mistyped_command_is_a_usage_error_that_names_the_closest(cli):
    result = cli("timline")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == ["error: no command 'timline'",
                                          "hint: did you mean 'timeline'?"]  # fmt: skip
    assert "'add-meeting'" in cli("add-meting").stderr
    assert cli("zzzz").stderr.splitlines()[-1] == "hint: see: partnerkb --help"


def test_declining_to_undo_is_one_line_and_exit_4(cli, shipped_copy, monkeypatch):
    from partnerkb.cli import write as write_cli

    monkeypatch.setattr(write_cli, "interactive", lambda: True)
    db = ["--db", str(shipped_copy)]
    added = cli("add-source", *db, "--outlet", "O", "--title", "T").stdout.strip()
    before = shipped_copy.read_bytes()
    result = cli("undo", *db, input="n\n")
    assert result.exit_code == 4
    assert result.stderr.splitlines()[-1].startswith("Undo it? [y/N]: not undone: h-")
    assert shipped_copy.read_bytes() == before
    assert added


def test_remove_checks_references_before_it_asks(cli, shipped_copy, monkeypatch):
    from partnerkb.cli import write as write_cli

    monkeypatch.setattr(write_cli, "interactive", lambda: True)
    before = shipped_copy.read_bytes()
    result = cli("remove", "nazim-samadov", "--db", str(shipped_copy), input="y\n")
    assert result.exit_code == 2
    assert "Remove it?" not in result.stderr
    assert result.stderr.startswith("error: nazim-samadov is still referred to by")
    assert shipped_copy.read_bytes() == before


@pytest.mark.parametrize(
    ("args", "hint"),
    [
        (["timeline", "--kind", "meetings"], "hint: did you mean 'meeting'?"),
        (["list", "entities", "--kind", "people"], "hint: did you mean 'person'?"),
        (["list", "events", "--kind", "Visits"], "hint: did you mean 'visit'?"),
        (["search", "Shusha", "--kind", "evnt"], "hint: did you mean 'event' or 'entity'?"),
        (["export", "--format", "json", "--kind", "awrd"], "hint: did you mean 'award'?"),
    ],
)
def test_a_mistyped_choice_value_is_a_usage_error_with_a_suggestion(cli, args, hint):
    result = cli(*args)
    assert result.exit_code == 2  # not "nothing matched"
    assert result.stderr.splitlines()[-1] == hint


def test_a_kind_in_any_case_is_accepted_and_a_wrong_format_suggests_the_closest(cli):
    assert cli("timeline", "--kind", "Meeting", "--format", "json").exit_code == 0
    result = cli("timeline", "--format", "tabel")
    assert result.exit_code == 2
    assert "did you mean 'table'?" in result.stderr
