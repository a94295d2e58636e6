"""The shape of the code: a core that never imports the CLI's libraries, fast start-up, lint and
types clean, and every command documented with examples."""

from __future__ import annotations

import pkgutil
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import partnerkb
from partnerkb.cli.app import COMMANDS, command_group

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


def test_the_command_table_and_the_command_modules_agree():
    registered = {}
    for module in {module for module, _ in COMMANDS.values()}:
        group = command_group(module)
        registered.update(dict.fromkeys(group.commands, module))
    assert registered == {name: module for name, (module, _) in COMMANDS.items()}


def test_help_lists_every_command_without_loading_a_command_module():
    code = (
        "import sys\n"
        "from partnerkb.cli.app import main\n"
        "sys.argv = ['partnerkb', '--help']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "loaded = [m for m in sys.modules if m.startswith('partnerkb.cli.') and m not in\n"
        "          ('partnerkb.cli.app', 'partnerkb.cli.common', 'partnerkb.cli.streams',\n"
        "           'partnerkb.cli.progress_bar')]\n"
        "print('LOADED', loaded)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert "LOADED []" in result.stdout
    for name in COMMANDS:
        assert f"  {name} " in result.stdout


@pytest.mark.parametrize("name", list(COMMANDS))
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


def test_the_write_logic_is_one_module_per_duty():
    """writes/ is split by responsibility: no module grows back into a catch-all, each says what
    it holds, and `Writer` only composes the parts (its own body is its docstring)."""
    import ast

    from partnerkb.writes import Writer

    folder = ROOT / "src" / "partnerkb" / "writes"
    modules = sorted(folder.glob("*.py"))
    assert len(modules) >= 10
    for path in modules:
        text = path.read_text(encoding="utf-8")
        assert len(text.splitlines()) <= 600, f"{path.name} holds more than one duty"
        assert ast.get_docstring(ast.parse(text)), f"{path.name} does not say what it holds"
    assert set(vars(Writer)) <= {"__module__", "__doc__", "__qualname__", "__firstlineno__",
                                 "__static_attributes__"}  # fmt: skip
