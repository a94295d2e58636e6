"""Asking the person at the terminal: one line at a time, with line editing and a history.

Answers are read by `input()` through the standard library's `readline` (GNU readline, or
libedit on macOS) when it is there: arrow keys move in the line, Home/End, Ctrl-A/E/K/U/W edit
it, Up/Down and Ctrl-R recall earlier answers to the same question (a history file per question
in partnerkb's state folder, `$XDG_STATE_HOME/partnerkb/prompt-history/`), Tab completes the
names of stored entities where a name is asked. Where `readline` is missing (Windows without
it) the same questions are asked without editing. A question shows its default in brackets;
an empty answer takes it. End of input (Ctrl-D) aborts the command (typer.Abort, exit code
130); every answer is checked by the caller.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType
from typing import TypeVar

import typer

from ..errors import PartnerkbError
from .common import say

T = TypeVar("T")
HISTORY_LENGTH = 500
_READLINE: dict[str, ModuleType | None | bool] = {"loaded": False, "module": None}


def _readline() -> ModuleType | None:
    """The readline module, set up once (None where there is none)."""
    if not _READLINE["loaded"]:
        _READLINE["loaded"] = True
        try:
            import readline
        except ImportError:  # pragma: no cover - platforms without it
            return None
        readline.set_auto_history(False)  # answers go to their own question's history
        readline.set_completer_delims(",;")  # names hold spaces: complete the whole name
        if "libedit" in (readline.__doc__ or ""):  # pragma: no cover - macOS
            readline.parse_and_bind("bind ^I rl_complete")
        else:
            readline.parse_and_bind("tab: complete")
        _READLINE["module"] = readline
    module = _READLINE["module"]
    return module if isinstance(module, ModuleType) else None


def history_dir() -> Path:
    """Where each question's history is kept: partnerkb's state folder, prompt-history/."""
    from platformdirs import user_state_path

    return user_state_path("partnerkb") / "prompt-history"


def _history_file(topic: str) -> Path:
    return history_dir() / re.sub(r"[^a-z0-9-]+", "-", topic.lower()).strip("-")


def ask_line(
    question: str,
    *,
    default: str | None = None,
    topic: str | None = None,
    names: Sequence[str] = (),
) -> str:
    """One answer, stripped ('' or `default` when left empty). `topic` keeps its own history
    (Up recalls the answers given to it before); `names` are completed with Tab."""
    from ..render import safe_text

    readline = _readline()
    shown = safe_text(question) + (f" [{safe_text(default)}]" if default else "") + ": "
    if readline is not None:
        readline.clear_history()
        if topic:
            try:
                readline.read_history_file(_history_file(topic))
            except OSError:  # none yet, or unreadable: no history to recall
                pass
        readline.set_completer(_completer(names) if names else None)
    try:
        if _on_terminal():  # readline draws the prompt: it must know it to edit the line
            answer = input(shown)
        else:  # stdout is data (a test's capture): the question goes to stderr
            sys.stderr.write(shown)
            sys.stderr.flush()
            answer = input()
    except EOFError:
        raise typer.Abort() from None
    finally:
        if readline is not None:
            readline.set_completer(None)
    answer = answer.strip()
    if readline is not None and topic and answer:
        _remember(readline, topic, answer)
    return answer or (default or "")


def _on_terminal() -> bool:
    try:
        return sys.stdin.isatty() and sys.stdout.isatty()
    except (AttributeError, ValueError):
        return False


def _remember(readline: ModuleType, topic: str, answer: str) -> None:
    """Keep an answer in its question's history (a convenience: a folder that cannot be
    written keeps none, silently)."""
    last = readline.get_current_history_length()
    if last and readline.get_history_item(last) == answer:
        return
    readline.add_history(answer)
    readline.set_history_length(HISTORY_LENGTH)
    path = _history_file(topic)
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        readline.write_history_file(path)
        os.chmod(path, 0o600)  # answers may be confidential: the user's alone
    except OSError:
        pass


def _completer(names: Sequence[str]) -> Callable[[str, int], str | None]:
    """Tab: the stored names that begin with what is typed since the last ',' or ';'."""
    from ..textfold import fold

    folded = [(fold(name), name) for name in names]
    found: list[str] = []

    def complete(text: str, state: int) -> str | None:
        if state == 0:
            lead = " " if text[:1] == " " else ""
            wanted = fold(text)
            found[:] = [lead + name for key, name in folded if key.startswith(wanted)]
        return found[state] if state < len(found) else None

    return complete


def ask(
    question: str,
    check: Callable[[str], T],
    *,
    default: str | None = None,
    topic: str | None = None,
    names: Sequence[str] = (),
) -> T:
    """Ask until the answer passes `check` (the write's own check): a bad answer is refused at
    once, in one line, and asked again. With a `default` ("" for an optional answer) an empty
    answer is taken as it."""
    while True:
        answer = ask_line(question, default=default, topic=topic, names=names)
        if not answer and default is None:
            continue
        try:
            return check(answer)
        except PartnerkbError as exc:
            hint = f" ({exc.hint})" if exc.hint else ""
            say(f"error: {exc.message}{hint}")


def confirm(question: str, *, default: bool = False) -> bool:
    """Yes or no: 'y', 'yes', 'n', 'no' (any case); an empty answer is `default`."""
    choices = "Y/n" if default else "y/N"
    while True:
        answer = ask_line(f"{question} [{choices}]").lower()
        if not answer:
            return default
        if answer in ("y", "yes"):
            return True
        if answer in ("n", "no"):
            return False
        say("error: answer y or n")


def choose(question: str, options: Sequence[str]) -> int:
    """One of `options`, listed with numbers; returns its index."""
    for n, option in enumerate(options, 1):
        say(f"  {n}. {option}")

    def number(text: str) -> int:
        from ..errors import InvalidInput

        if text.isdigit() and 1 <= int(text) <= len(options):
            return int(text) - 1
        raise InvalidInput(f"answer a number from 1 to {len(options)}")

    return ask(f"{question} (1-{len(options)})", number)
