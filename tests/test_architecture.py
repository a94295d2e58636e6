"""The shape of the code: a core that never imports the CLI's libraries, fast start-up, lint and
types clean, and every command documented with examples."""

from __future__ import annotations

import pkgutil
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import typer.main

import partnerkb
from partnerkb.cli.app import app

ROOT = Path(__file__).resolve().parents[1]
CORE_MODULES = sorted(
    m.name
    for m in pkgutil.walk_packages(partnerkb.__path__, "partnerkb.")
    if not m.name.startswith("partnerkb.cli") and m.name not in ("partnerkb.render",)
)


def test_the_core_never_imports_typer_or_rich():
    code = (
        "import sys\n"
        + "".join(f"import {name}\n" for name in CORE_MODULES)
        + "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('typer', 'rich', 'click'))\n"
        + "print(','.join(bad))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""


def test_starting_the_cli_loads_no_heavy_module():
    code = (
        "import sys\n"
        "import partnerkb.cli.app\n"
        "heavy = ('rich', 'tinydb', 'rapidfuzz', 'dateutil', 'filelock', 'orjson',\n"
        "         'icalendar', 'sqlite3')\n"
        "print(','.join(sorted(m for m in sys.modules if m.split('.')[0] in heavy)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""


def _commands() -> dict:
    return typer.main.get_command(app).commands  # type: ignore[attr-defined, no-any-return]


@pytest.mark.parametrize("name", sorted(_commands()))
def test_every_command_has_help_with_examples(cli, name):
    result = cli(name, "--help")
    assert result.exit_code == 0
    assert "Examples" in result.stdout, f"{name} --help has no examples"


def test_lint_is_clean():
    ruff = shutil.which("ruff") or str(Path(sys.executable).with_name("ruff"))
    result = subprocess.run(
        [ruff, "check", "src", "tests", "bench"], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_core_type_checks():
    result = subprocess.run(
        [sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
