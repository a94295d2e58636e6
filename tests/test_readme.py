"""The README is true: its two first commands are what CI runs, and every example in its `sh`
blocks runs successfully (each block in a fresh folder, commands in order)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
BLOCKS = re.findall(r"```sh\n(.*?)```", README, flags=re.S)


def test_the_readme_opens_with_the_commands_ci_runs():
    commands = re.findall(r"^    (python3 -m venv .*)$", README, flags=re.M)
    assert len(commands) >= 2
    install, tests = commands[:2]
    assert "partnerkb" in install and "pytest" in tests
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert install in ci and tests in ci


def test_the_readme_says_how_to_call_partnerkb_from_the_venv_before_its_first_example():
    first_example = README.index("$ partnerkb")
    assert -1 < README.find(". .venv/bin/activate") < first_example
    assert -1 < README.find("`.venv/bin/partnerkb`") < first_example
    activate = ROOT / ".venv" / "bin" / "activate"
    if activate.exists():  # the developer's venv: activated, `partnerkb` is found by name
        result = subprocess.run(["bash", "-c", f". {activate} && command -v partnerkb"],
                                capture_output=True, text=True, timeout=60)  # fmt: skip
        assert result.stdout.strip() == str(ROOT / ".venv" / "bin" / "partnerkb")


def _commands(block: str) -> list[str]:
    """`$ ` lines, with `\\` continuations and here-documents joined; other lines are output."""
    commands: list[str] = []
    current, heredoc_end = "", None
    for line in block.splitlines():
        if heredoc_end is not None:
            current += "\n" + line
            if line == heredoc_end:
                commands.append(current)
                current, heredoc_end = "", None
            continue
        if current:
            current += "\n" + line
        elif line.startswith("$ "):
            current = line[2:]
        else:
            continue
        marker = re.search(r"<<-?'?(\w+)'?", line)
        if marker:
            heredoc_end = marker.group(1)
        elif not current.endswith("\\"):
            commands.append(current)
            current = ""
    return commands


@pytest.mark.parametrize("block", BLOCKS, ids=[f"block{n}" for n in range(len(BLOCKS))])
def test_readme_examples_run(block, tmp_path, isolated_home):
    """Each `sh` block runs as one script (variables carry over) and must succeed."""
    env = {k: v for k, v in os.environ.items() if k != "PARTNERKB_DB"}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"
    script = "set -euo pipefail\n" + "\n".join(_commands(block)) + "\n"
    result = subprocess.run(
        ["bash", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, f"{script}\n{result.stderr}"
    assert "Traceback" not in result.stderr
