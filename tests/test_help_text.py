"""`--help` reads well in an 80-column terminal: no line is wider, and values are named in
words (`--key COLUMN`, `ID`), never by Python's type names (`<str>`, `<list[str]>`)."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from partnerkb.cli.app import COMMANDS, app

TYPE_NAME = re.compile(r"<(?:str|int|float|bool|file|path|text|list\[[^>]*\]|\w+ range)>")


@pytest.mark.parametrize("command", ["", *COMMANDS])
def test_help_fits_80_columns_and_names_values_in_words(command):
    shown = CliRunner().invoke(app, [*([command] if command else []), "--help"],
                               env={"COLUMNS": "80"})  # fmt: skip
    assert shown.exit_code == 0, shown.output
    wide = [line for line in shown.output.splitlines() if len(line) > 80]
    assert wide == [], f"partnerkb {command} --help: lines over 80 columns"
    assert TYPE_NAME.findall(shown.output) == [], f"partnerkb {command} --help"
