"""The `partnerkb` application: global options, command registration, and the one place where
errors become a line on stderr and an exit code."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import typer
from typer.core import TyperGroup

from ..errors import ExitCode, PartnerkbError
from .common import DB_HELP, root_obj


class PartnerkbGroup(TyperGroup):
    """Runs a command and maps every failure to one line on stderr and a documented exit code."""

    def invoke(self, ctx: Any) -> Any:
        """Run the command; a reader that went away (`| head`) ends it quietly with success.

        Caught here, inside Typer's own handler, which would otherwise exit 1 on EPIPE.
        """
        try:
            return super().invoke(ctx)
        except BrokenPipeError:
            _quiet_broken_pipe()
            raise typer.Exit(int(ExitCode.OK)) from None

    def main(self, *args: Any, **kwargs: Any) -> Any:  # noqa: D102 - click's entry point
        kwargs["standalone_mode"] = False
        try:
            result = super().main(*args, **kwargs)
        except PartnerkbError as exc:
            _report(exc.message, exc.hint)
            sys.exit(int(exc.exit_code))
        except typer.TyperException as exc:  # click's usage errors, bad parameters
            ctx = getattr(exc, "ctx", None)
            if type(exc).__name__ == "NoArgsIsHelpError" and ctx is not None:
                sys.stdout.write(ctx.get_help() + "\n")
                sys.exit(int(ExitCode.OK))
            hint = f"see: {ctx.command_path} --help" if ctx is not None else None
            _report(exc.format_message(), hint)
            sys.exit(int(ExitCode.USAGE))
        except typer.Abort:
            _report("aborted", None)
            sys.exit(130)
        except BrokenPipeError:
            _quiet_broken_pipe()
            sys.exit(int(ExitCode.OK))
        except KeyboardInterrupt:
            sys.stderr.write("\n")
            sys.exit(130)
        sys.exit(result if isinstance(result, int) else int(ExitCode.OK))


def _report(message: str, hint: str | None) -> None:
    """One line of error (and one of hint); text quoted from the store or the user is shown,
    never interpreted by the terminal."""
    from ..render import safe_text

    sys.stderr.write(f"error: {safe_text(' '.join(message.split()))}\n")
    if hint:
        sys.stderr.write(f"hint: {safe_text(' '.join(hint.split()))}\n")


def _quiet_broken_pipe() -> None:
    """`partnerkb timeline | head` ends quietly: stdout goes to devnull for the exit flush."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


app = typer.Typer(
    cls=PartnerkbGroup,
    name="partnerkb",
    help=(
        "A knowledge base of institutional partnerships: who met whom, when, where, about what, "
        "and which source says so.\n\n"
        "\b\nExamples:\n"
        "  partnerkb timeline --entity icesco\n"
        "  partnerkb search Shusha\n"
        '  partnerkb show "Nazim Samadov"\n'
        "  partnerkb add-meeting --help\n"
        "  partnerkb timeline --format jsonl | jq .title\n\n"
        "Exit codes: 0 ok, 1 nothing matched, 2 bad usage or input, 3 store problem."
    ),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        from .. import __version__

        sys.stdout.write(f"partnerkb {__version__}\n")
        raise typer.Exit()


@app.callback()
def _global_options(
    ctx: typer.Context,
    db: Path | None = typer.Option(
        None, "--db", metavar="PATH", help=DB_HELP, show_default=False, dir_okay=False
    ),
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version and exit."
    ),
) -> None:
    root_obj(ctx)["db"] = db


def _register() -> None:
    from . import read

    read.register(app)
    from . import write

    write.register(app)
    from . import interchange

    interchange.register(app)


_register()


def main() -> None:
    """Console-script entry point."""
    app()
