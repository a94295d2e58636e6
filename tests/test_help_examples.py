"""Every example in `--help` runs, as a newcomer would try them: the examples of `partnerkb
--help` and of every command in the order `--help` lists them, one after the other in one shell,
on their own store — a fresh copy of the shipped knowledge base made by `partnerkb init
--with-shipped` — in a folder holding the files the examples name (meetings.jsonl,
report.txt...). `init`'s examples, made for where no store is yet, run in a fresh home of their
own. What a terminal would be asked is answered with --yes, and the page an example gives at
example.org is served locally; both are listed below."""

from __future__ import annotations

import http.server
import os
import re
import shlex
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from partnerkb.cli.app import COMMANDS, app

ROOT = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent

# Commands that ask on a terminal (a review, a confirmation): the test has none, so their
# examples that would ask are answered as a script would, with --yes.
ASK_ON_A_TERMINAL = ("partnerkb ingest ", "partnerkb undo")


def as_a_script(example: str) -> str:
    asks = example.startswith(ASK_ON_A_TERMINAL) and not re.search(r"--yes|--dry-run", example)
    return f"{example} --yes" if asks else example


# `undo h-000014` names the entry of an example before it (add-source's): an example that
# writes, added before it, moves the number on.
# `check` ends with exit code 1 when it finds something, as on the shipped store (a plan is
# overdue): that is its answer, not a failure. Any other exit code than 0 fails the test.
FINDS_WITH_EXIT_1 = "partnerkb check"
# Tools the examples pipe into, not partnerkb's: an example is left out where one is missing.
TOOLS = ("jq", "sfdp", "sqlite3", "check-jsonschema")

ARTICLE = """ICESCO Director-General receives Azerbaijan's ambassador

Rabat, 11 May 2024

Dr Salim M. AlMalik, Director-General of ICESCO, received Mr Nazim Samadov, Ambassador of
Azerbaijan to Morocco, at the organization's headquarters in Rabat on 10 May 2024.

The two sides reviewed the programme of Shusha's year as Culture Capital of the Islamic World.
"""
FILES = {
    "meetings.jsonl": '{"date": "2025-02-03", "participants": ["icesco", "morocco"], '
    '"source": "self"}\n'
    '{"date": "2025-02-04", "participants": ["icesco", "qatar"], "source": "self"}\n',
    "meetings.csv": "Date,Who\n2025-03-05,icesco;azerbaijan\n",
    "report.txt": ARTICLE,
    "kb.jsonl": '{"type": "source", "id": "embassy-notes-2025", "outlet": "Embassy notes", '
    '"title": "Notes of 2025", "published": "2025-01-15"}\n',
}


def help_examples(args: list[str]) -> list[str]:
    """The example command lines of one `--help`, `\\` continuations joined."""
    shown = CliRunner().invoke(app, [*args, "--help"], env={"COLUMNS": "200"})
    assert shown.exit_code == 0, shown.output
    assert "\b" not in shown.output, "a \\b marker shows in the help: it needs a blank line"
    examples, current, inside = [], "", False
    for line in shown.output.splitlines():
        text = line.strip()
        if re.fullmatch(r"Examples\b.*:", text):
            inside = True
        elif inside and not text:
            inside = False
        elif inside:
            current = f"{current} {text}" if current else text
            if current.endswith("\\"):
                current = current[:-1].rstrip()
            else:
                examples.append(current)
                current = ""
    return examples


def test_every_command_shows_examples():
    for name in COMMANDS:
        assert help_examples([name]), f"partnerkb {name} --help shows no example"


@pytest.fixture
def example_page() -> Iterator[str]:
    """A local web server standing for example.org: the article at /news/1."""
    page = f"<html><body><article>{ARTICLE.replace(chr(10) * 2, '<p>')}</article></body></html>"

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the standard library's name
            self.send_response(200 if self.path == "/news/1" else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            if self.path == "/news/1":
                self.wfile.write(page.encode())

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def run_examples(examples: list[str], folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run the examples in order in `folder`: a plain `partnerkb ...` in this process (as fast
    as the suite must be), one with a pipe, a redirection or a variable in bash; fail naming
    the first that fails."""
    monkeypatch.chdir(folder)
    env = {k: v for k, v in os.environ.items() if k != "PARTNERKB_DB"}
    env["PATH"] = f"{BIN}{os.pathsep}{env['PATH']}"
    env.pop("PARTNERKB_DEBUG", None)  # a bug shows as "internal error", caught below
    runner = CliRunner()
    for example in examples:
        finds = example == FINDS_WITH_EXIT_1 or example.startswith(FINDS_WITH_EXIT_1 + " ")
        allowed = (0, 1) if finds else (0,)
        if re.fullmatch(r"partnerkb [^|&;<>$`*?~]*", example):
            args = shlex.split(example, comments=True)[1:]
            result = runner.invoke(app, args, catch_exceptions=False)
            code, stderr = result.exit_code, result.stderr
        else:
            done = subprocess.run(["bash", "-c", f"set -euo pipefail\n{example}"], cwd=folder,
                                  env=env, capture_output=True, text=True, timeout=300)  # fmt: skip
            code, stderr = done.returncode, done.stderr
        assert code in allowed, f"this example failed (exit {code}): {example}\n{stderr}"
        assert "Traceback" not in stderr and "internal error" not in stderr, example


def usable(example: str) -> bool:
    return all(shutil.which(tool) for tool in TOOLS if re.search(rf"(^|\| *){tool}\b", example))


def test_every_help_example_runs_on_a_fresh_copy_of_the_shipped_store(
    tmp_path, example_page, monkeypatch
):
    for name, content in FILES.items():
        (tmp_path / name).write_text(content, encoding="utf-8")
    shutil.copyfile(ROOT / "fixtures" / "us-official-travels-sample.csv",
                    tmp_path / "us-official-travels.csv")  # fmt: skip
    examples = [e for args in ([], *([c] for c in COMMANDS if c != "init"))
                for e in help_examples(args)]  # fmt: skip
    runnable = [as_a_script(e).replace("https://example.org", example_page)
                for e in examples if usable(e)]  # fmt: skip
    assert len(runnable) >= 0.9 * len(examples)
    run_examples(["partnerkb init --with-shipped", *runnable], tmp_path, monkeypatch)


def test_the_init_examples_run_where_no_store_is_yet(tmp_path, monkeypatch):
    run_examples(help_examples(["init"]), tmp_path, monkeypatch)
    assert (tmp_path / "kb.json").exists()
