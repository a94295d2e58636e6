"""What each shell receives on TAB: bash each value quoted as it must be typed
(`Nazim\\ Samadov`, or inside the quote the user opened), zsh and fish as they are (they quote
what they insert); a path left to the shell's own file completion. In place of Typer's bash and
zsh classes, which write values as they are (a name with a space became two words in bash).
Imported only when a shell asks for completion."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from typer._click.shell_completion import add_completion_class, split_arg_string
from typer._completion_classes import BashComplete, ZshComplete, completion_init

_BREAKS = (":", "=")

# what bash would read as something else than a letter of a word
_BASH_SPECIAL = re.compile(r"""([\s'"\\$`&|;<>()\[\]{}*?!^]|^[#~])""")


def bash_word(value: str, quote: str | None) -> str:
    """`value` as it must be typed in bash: inside the quote the user opened (`"` or `'`), or
    with a backslash before each character bash would read otherwise."""
    if quote == '"':
        return re.sub(r'(["\\$`])', r"\\\1", value)
    if quote == "'":
        return value.replace("'", "'\\''")
    return _BASH_SPECIAL.sub(r"\\\1", value)


def open_quote(line: str) -> str | None:
    """The quote left open at the end of `line` as bash reads it, if any."""
    quote: str | None = None
    escaped = False
    for char in line:
        if escaped:
            escaped = False
        elif quote == "'":
            quote = None if char == "'" else quote
        elif char == "\\":
            escaped = True
        elif quote == '"':
            quote = None if char == '"' else quote
        elif char in "'\"":
            quote = char
    return quote


class PartnerkbBash(BashComplete):
    """Typer's bash completion, with each value quoted as bash must read it; a path is left to
    bash's own file completion (`complete -o default`).

    Bash breaks words at `:` and `=` (`COMP_WORDBREAKS`): `--participant Nazim:h` reaches here
    as the words `Nazim`, `:`, `h`. They are joined again to find the values, and bash receives
    only what follows the break (`host`), which is the word it completes."""

    def get_completion_args(self) -> tuple[list[str], str]:
        args, incomplete, _ = self._words()
        return args, incomplete

    def _words(self) -> tuple[list[str], str, str]:
        """(the complete arguments, the word being completed, the part of it before bash's
        last break) with the words bash broke at `:` and `=` joined again."""
        words = split_arg_string(os.environ.get("COMP_WORDS", ""))
        cword = int(os.environ.get("COMP_CWORD", "0"))
        tokens = [*words[1:cword], words[cword] if cword < len(words) else ""]
        merged: list[str] = []
        glue = False
        broken_at = ""
        for n, token in enumerate(tokens):
            last = n == len(tokens) - 1
            if token in _BREAKS and merged:
                if last:
                    broken_at = merged[-1] + token
                merged[-1] += token
                glue = True
            elif glue:
                if last:
                    broken_at = merged[-1]
                merged[-1] += token
                glue = False
            else:
                merged.append(token)
        return merged[:-1], merged[-1] if merged else "", broken_at

    def complete(self) -> str:
        args, incomplete, broken_at = self._words()
        words = os.environ.get("COMP_WORDS", "")
        cword = int(os.environ.get("COMP_CWORD", "0"))
        at_end = cword >= len(split_arg_string(words)) - 1
        quote = open_quote(words) if at_end else None
        out = []
        for item in self.get_completions(args, incomplete):
            if item.type != "plain":
                continue
            value = str(item.value)
            if broken_at and value.startswith(broken_at):
                value = value[len(broken_at):]
            out.append(bash_word(value, quote))
        return "\n".join(out)


class PartnerkbZsh(ZshComplete):
    """Typer's zsh completion; a path is left to zsh's own file completion."""

    def complete(self) -> str:
        args, incomplete = self.get_completion_args()
        items = [i for i in self.get_completions(args, incomplete) if i.type == "plain"]
        if not items:
            return "_files"
        return "_arguments '*: :((" + "\n".join(map(self.format_completion, items)) + "))'"


def register_shells() -> None:
    """Typer's shells, then partnerkb's bash and zsh in place of Typer's."""
    completion_init()
    add_completion_class(PartnerkbBash, "bash")
    add_completion_class(PartnerkbZsh, "zsh")


@contextmanager
def values_as_typed(groups: Callable[[], Iterable[Any]]) -> Iterator[None]:
    """For the time of the block, the values already on the line are kept as typed, not
    converted: click's resilient parsing throws away those that fail anyway, and Typer 0.29
    converts through pydantic, whose import alone takes ~150 ms, more than the rest of a TAB.
    The completers read what they need as text (--db, list's table). Afterwards the commands of
    `groups()` convert again (a process that runs other commands after completing: the tests).
    Leaves Typer as it is if its internals moved."""
    try:
        import typer.core
        from typer._coercion import RuntimeParam
    except ImportError:
        yield
        return
    build = getattr(typer.core, "build_runtime_param", None)
    if build is None:
        yield
        return

    @dataclass(frozen=True)
    class AsTyped(RuntimeParam):  # type: ignore[misc]
        def _coerce_value(self, value: object, param: object, ctx: object) -> object:
            return value

    def as_typed(descriptor: Any) -> AsTyped:
        return AsTyped(annotation=descriptor.annotation,
                       parameter_info=descriptor.parameter_info)  # fmt: skip

    typer.core.build_runtime_param = as_typed
    try:
        yield
    finally:
        typer.core.build_runtime_param = build
        for group in groups():
            for command in [group, *getattr(group, "commands", {}).values()]:
                for param in command.params:
                    if isinstance(getattr(param, "_runtime_param", None), AsTyped):
                        param._runtime_param = None
