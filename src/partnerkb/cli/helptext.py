"""What `--help` shows of each parameter: the words people type, never Python's type names.

Typer prints a parameter's type beside it when nothing else names its value: `<str>` after
every argument (beside its own name, `ID <str>`), `<list[str]>` after a repeatable option
without a metavar. `plain_help(command)` drops the first and names the second after the option
(`--key KEY`), so that help reads as the README does.
"""

from __future__ import annotations

from typing import Any


def _no_type(ctx: Any) -> None:
    return None


def plain_help(command: Any) -> None:
    """Make `command`'s help name values in words: arguments by their name alone, options
    without a metavar by their own name in capitals."""
    for param in getattr(command, "params", ()):
        if param.param_type_name == "argument":
            param.display_type_rich = _no_type  # the argument's name (metavar) says it
        elif (
            param.param_type_name == "option"
            and param.metavar is None
            and not (param.is_flag or param.count)
            and param.name
        ):
            param.metavar = param.name.upper().replace("_", "-")
