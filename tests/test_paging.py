"""Long output on a terminal: tables go through the pager ($PAGER, default less -FRX) unless
--no-pager; piped output never does; --limit and --reverse cut and turn every listing."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from partnerkb.render import DEFAULT_PAGER

PARTNERKB = str(Path(sys.executable).with_name("partnerkb"))


def on_terminal(args: list[str], env: dict[str, str]) -> tuple[str, int]:
    """Run partnerkb with a pseudo-terminal as stdout: (what the terminal showed, exit code)."""
    master, slave = pty.openpty()
    shown: list[bytes] = []

    def drain() -> None:
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                return
            if not chunk:
                return
            shown.append(chunk)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    process = subprocess.run([PARTNERKB, *args], stdout=slave, stderr=subprocess.PIPE,
                             stdin=subprocess.DEVNULL, env={**os.environ, **env},
                             timeout=120)  # fmt: skip
    os.close(slave)
    reader.join(timeout=30)
    os.close(master)
    return b"".join(shown).decode("utf-8", "replace"), process.returncode


@pytest.fixture
def pager(tmp_path: Path) -> tuple[dict[str, str], Path]:
    """A $PAGER that keeps what it was given in a file, and a terminal of 10 lines."""
    seen = tmp_path / "paged.txt"
    return {"PAGER": f"cat > '{seen}'", "LINES": "10", "COLUMNS": "100"}, seen


def test_a_long_table_on_a_terminal_goes_through_the_pager(pager):
    env, seen = pager
    shown, code = on_terminal(["timeline"], env)
    assert code == 0
    assert "Ambassador Samadov meets" in seen.read_text(encoding="utf-8")
    assert "Ambassador Samadov meets" not in shown


def test_no_pager_writes_the_table_to_the_terminal(pager):
    env, seen = pager
    for args in (["timeline", "--no-pager"], ["--no-pager", "timeline"]):
        shown, code = on_terminal(args, env)
        assert code == 0
        assert "Ambassador Samadov" in shown
        assert not seen.exists()


def test_a_table_that_fits_the_screen_is_not_paged(pager):
    env, seen = pager
    shown, code = on_terminal(["timeline", "--limit", "1"], {**env, "LINES": "60"})
    assert code == 0
    assert not seen.exists()
    assert "2021" in shown


def test_piped_output_is_never_paged(pager):
    env, seen = pager
    result = subprocess.run([PARTNERKB, "timeline"], capture_output=True, text=True,
                            env={**os.environ, **env})  # fmt: skip
    assert result.returncode == 0 and "Ambassador Samadov" in result.stdout
    assert not seen.exists()


def test_the_default_pager_is_less_that_quits_on_one_screen():
    assert DEFAULT_PAGER == "less -FRX"


@pytest.mark.parametrize("listing", [["timeline"], ["list", "events"], ["list", "entities"],
                                     ["list", "sources"]])  # fmt: skip
def test_limit_and_reverse_cut_and_turn_every_listing(cli, listing):
    every = json.loads(cli(*listing, "--format", "json").stdout)
    first = cli(*listing, "--limit", "2", "--format", "json")
    assert [r["id"] for r in json.loads(first.stdout)] == [r["id"] for r in every[:2]]
    assert f"showing 2 of {len(every)}" in first.stderr
    last = json.loads(cli(*listing, "--reverse", "--limit", "2", "--format", "json").stdout)
    assert [r["id"] for r in last] == [r["id"] for r in every[::-1][:2]]


def test_search_takes_reverse_too(cli):
    best_first = [h["id"] for h in json.loads(cli("search", "Shusha", "--format", "json").stdout)]
    reverse = cli("search", "Shusha", "--reverse", "--format", "json").stdout
    assert [h["id"] for h in json.loads(reverse)] == best_first[::-1]
