"""The `partnerkb` application: global options, command registration, and the one place where
errors become a line on stderr and an exit code."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import typer
import typer.main
from typer.core import TyperGroup

from ..errors import Declined, ExitCode, InvalidInput, PartnerkbError
from .common import DB_HELP, STORES_USED, env_flag, root_obj, set_session


class PartnerkbGroup(TyperGroup):
    """Runs a command and maps every failure to one line on stderr and a documented exit code.

    Its commands come from `COMMANDS`, each module imported only when one of its commands runs.
    """

    def list_commands(self, ctx: Any) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name not in COMMANDS:
            return None
        return command_group(COMMANDS[cmd_name][0]).get_command(ctx, cmd_name)

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        """The list in `--help`, from the table: no command module is imported for it."""
        with formatter.section("Commands"):
            formatter.write_dl([(name, short) for name, (_, short) in COMMANDS.items()])

    def invoke(self, ctx: Any) -> Any:
        """Run the command; a reader that went away (`| head`) ends it quietly with success.

        Caught here, inside Typer's own handler, which would otherwise exit 1 on EPIPE.
        """
        try:
            return super().invoke(ctx)
        except BrokenPipeError:
            _quiet_broken_pipe()
            raise typer.Exit(int(ExitCode.OK)) from None

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        """A mistyped command is a usage error that names the closest commands."""
        name = args[0] if args else ""
        if ctx.resilient_parsing and name not in COMMANDS:  # completing: offer nothing
            return None, None, args
        if name and not name.startswith("-") and name not in COMMANDS:
            import difflib

            close = difflib.get_close_matches(name, list(COMMANDS), n=3, cutoff=0.6)
            close += [c for c in COMMANDS if c.startswith(name) and c not in close]
            hint = (f"did you mean {', '.join(repr(c) for c in close[:3])}?" if close
                    else "see: partnerkb --help")  # fmt: skip
            raise InvalidInput(f"no command {name!r}", hint=hint)
        return super().resolve_command(ctx, args)

    def _main_shell_completion(self, ctx_args: Any, prog_name: str,
                               complete_var: str | None = None) -> None:  # fmt: skip
        """TAB in a shell (`_PARTNERKB_COMPLETE=complete_bash`...): partnerkb's values, quoted
        for the shell; whatever goes wrong offers nothing and prints nothing (exit 0)."""
        var = complete_var or f"_{prog_name}_COMPLETE".replace("-", "_").upper()
        if not os.environ.get(var):
            return
        try:
            from .shells import register_shells, values_as_typed

            register_shells()
            with values_as_typed(lambda: [self, *_GROUPS.values()]):
                super()._main_shell_completion(ctx_args, prog_name, complete_var)
        except Exception:
            if os.environ.get("PARTNERKB_DEBUG"):
                raise
            sys.exit(0)

    def main(self, *args: Any, **kwargs: Any) -> Any:  # noqa: D102 - click's entry point
        """The one exit point: every outcome becomes a documented exit code (README), every
        failure one line on stderr; anything unforeseen is an "internal error", exit code 70."""
        from .streams import flush_stdout, guard_stdout, restore_stdout

        kwargs["standalone_mode"] = False
        original_stdout = guard_stdout()
        try:
            code = self._run(*args, **kwargs)
            if code == int(ExitCode.OK) or code == int(ExitCode.NO_MATCH):
                try:
                    flush_stdout()
                except PartnerkbError as exc:
                    _report(exc.message, exc.hint)
                    code = int(exc.exit_code)
                except BrokenPipeError:
                    _quiet_broken_pipe()
        finally:
            restore_stdout(original_stdout)
        sys.exit(code)

    def _run(self, *args: Any, **kwargs: Any) -> int:
        STORES_USED.clear()
        # the global options set these again; until they are read, the environment's settings
        set_session(quiet=env_flag("PARTNERKB_QUIET"), no_input=env_flag("PARTNERKB_NO_INPUT"))
        marks = {name: (sys.modules[name].opened() if name in sys.modules else 0)
                 for name in _READ_VIEWS}  # fmt: skip
        try:
            return self._run_command(*args, **kwargs)
        finally:
            for name, mark in marks.items():  # the read views of the command's stores end here
                engine = sys.modules.get(name)
                if engine is not None:
                    engine.close_since(mark)

    def _run_command(self, *args: Any, **kwargs: Any) -> int:
        try:
            _refuse_undecodable(kwargs.get("args", args[0] if args else None))
            try:
                result = super().main(*args, **kwargs)
            except _RECORD_FAILURES as exc:  # a record not as partnerkb writes it?
                damage = _damaged_store()
                if damage is None:
                    raise
                raise damage from exc
        except Declined as exc:  # not an error: the answer asked for was given
            from ..render import safe_text

            sys.stderr.write(safe_text(exc.message) + "\n")
            return int(exc.exit_code)
        except PartnerkbError as exc:
            _report(exc.message, exc.hint)
            return int(exc.exit_code)
        except typer.TyperException as exc:  # click's usage errors, bad parameters
            ctx = getattr(exc, "ctx", None)
            if type(exc).__name__ == "NoArgsIsHelpError" and ctx is not None:
                sys.stdout.write(ctx.get_help() + "\n")
                return int(ExitCode.OK)
            hint = f"see: {ctx.command_path} --help" if ctx is not None else None
            _report(exc.format_message(), hint)
            return int(ExitCode.USAGE)
        except typer.Abort:  # end of input at a prompt
            sys.stderr.write("\n")
            _report("aborted: no answer was given; nothing was changed", None)
            return int(ExitCode.INTERRUPTED)
        except BrokenPipeError:
            _quiet_broken_pipe()
            return int(ExitCode.OK)
        except KeyboardInterrupt:
            sys.stderr.write("\n")
            return int(ExitCode.INTERRUPTED)
        except Exception as exc:  # a bug: one line, the version, where to report it
            if os.environ.get("PARTNERKB_DEBUG"):
                raise
            _internal_error(exc)
            return int(ExitCode.INTERNAL)
        return result if isinstance(result, int) else int(ExitCode.OK)


# engines whose read views stay open until the command ends (their connections)
_READ_VIEWS = ("partnerkb.engines.sqlite", "partnerkb.engines.postgresql")


def _internal_error(exc: BaseException) -> None:
    from .. import __version__

    where = ""
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    if tb is not None:
        where = f" at {Path(tb.tb_frame.f_code.co_filename).name}:{tb.tb_lineno}"
    _report(
        f"internal error (partnerkb {__version__}): {type(exc).__name__}: {exc}{where}",
        "this is a bug in partnerkb; please report it with the command you ran and this "
        "message (PARTNERKB_DEBUG=1 shows the traceback)",
    )


# What reading a record that was damaged by hand raises (a field of the wrong type, missing...)
_RECORD_FAILURES = (KeyError, TypeError, ValueError, AttributeError, IndexError, OverflowError)


def _damaged_store() -> PartnerkbError | None:
    """The damaged record of a store the command used, as an error naming it (exit 3)."""
    from ..store import find_damage

    for path in dict.fromkeys(STORES_USED):
        damage = find_damage(path)
        if damage is not None:
            return damage
    return None


def _refuse_undecodable(args: Any) -> None:
    """Arguments are text: bytes that are not UTF-8 (Python keeps them as lone surrogates) are
    refused at once, before they can reach the store or an export."""
    words = sys.argv[1:] if args is None else args
    for word in words:
        if isinstance(word, str) and any("\ud800" <= c <= "\udfff" for c in word):
            try:  # undecodable bytes of the command line: shown as the bytes they were
                raw = word.encode("utf-8", "surrogateescape")
            except UnicodeEncodeError:
                raw = word.encode("utf-8", "backslashreplace")
            shown = raw.decode("utf-8", "backslashreplace")
            raise InvalidInput(
                f"argument {shown!r} is not valid UTF-8 text", hint="give text in UTF-8"
            )


def _report(message: str, hint: str | None) -> None:
    """One line of error (and one of hint); text quoted from the store or the user is shown,
    never interpreted by the terminal."""
    from ..render import safe_text
    from .progress_bar import pause_bars

    pause_bars()
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
        "  partnerkb timeline --format jsonl | jq .title\n"
        "  partnerkb --quiet --no-input import kb.jsonl   # a script: no question\n\n"
        "Exit codes: 0 ok, 1 nothing matched, 2 bad usage or input, 3 store problem, "
        "4 declined at a confirmation, 70 internal error (a bug), 74 output not writable, "
        "130 interrupted."
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
    db: str | None = typer.Option(
        None, "--db", metavar="PATH", help=DB_HELP, show_default=False
    ),
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version and exit."
    ),
    no_pager: bool = typer.Option(
        False, "--no-pager", help="Never page long tables (on a terminal: $PAGER, else less -FRX)."
    ),
    quiet: bool = typer.Option(
        False,
        "--quiet",
        "-q",
        help="No messages on stderr but errors, no progress bars (also $PARTNERKB_QUIET=1).",
    ),
    no_input: bool = typer.Option(
        False,
        "--no-input",
        help="Never ask anything: what would be asked is an error, exit code 2 (also "
        "$PARTNERKB_NO_INPUT=1; always so when stdin or stdout is not a terminal).",
    ),
) -> None:
    root_obj(ctx)["db"] = db
    set_session(quiet=quiet or env_flag("PARTNERKB_QUIET"),
                no_input=no_input or env_flag("PARTNERKB_NO_INPUT"))  # fmt: skip
    if no_pager:
        from ..render import set_paging

        set_paging(False)


# Commands are loaded when used: building every command's options costs more than Typer
# itself at start-up, so `--help` lists them from this table and a command builds only its own
# module. Order is the order of `--help`; a test checks that the table and the modules agree.
COMMANDS: dict[str, tuple[str, str]] = {
    "timeline": ("read", "All events in date order, grouped by year in the table view."),
    "search": ("read", "Find records however their names are spelled."),
    "show": ("read", "An entity's profile or an event's, source's or partnership's record."),
    "list": ("read", "List entities, events or sources, with filters."),
    "upcoming": ("analysis", "Planned events coming up, and plans overdue."),
    "plans": ("analysis", "Every plan with its outcome: fulfilled, open, overdue, cancelled."),
    "partners": ("analysis", "Whom an entity has met, how often, when last; --stale: neglected."),
    "roles": ("analysis", "Who held which post, as of a date, and how we know."),
    "stats": ("analysis", "Counts of events by kind, year, status, entity or place."),
    "check": ("analysis", "Check the store's consistency: silent when all is well."),
    "add-meeting": ("write", "Record a meeting."),
    "add-event": ("write", "Record an event of any kind."),
    "add-entity": ("write", "Record an entity: a person, an organization, a country, a place."),
    "add-role": ("write", "Record a post a person holds or held."),
    "add-source": ("write", "Record a source (an article, a report)."),
    "edit": ("write", "Change fields of a record."),
    "remove": ("write", "Remove a record."),
    "merge": ("write", "Merge two entities that turn out to be the same."),
    "history": ("write", "The log of writes, newest first."),
    "undo": ("write", "Revert the whole last command."),
    "init": ("write", "Create a store."),
    "info": ("stores", "The store in use and why, its engine, size and counts."),
    "convert": ("stores", "Copy a store into another engine (JSON, SQLite or PostgreSQL)."),
    "migrate": ("stores", "Bring a store made by an older partnerkb up to date."),
    "ingest": ("ingest", "Propose the records an article reports, for you to review."),
    "import": ("interchange", "Import events, entities and sources from CSV, JSON Lines or JSON."),
    "export": ("interchange", "Export events and the records they cite, for other tools."),
    "schema": ("interchange", "Print the JSON Schema of the store file."),
}


def command_group(module_name: str) -> Any:
    """The click group of one command module, built on first use."""
    import importlib

    if module_name not in _GROUPS:
        module = importlib.import_module(f"{__package__}.{module_name}")
        commands = typer.Typer(rich_markup_mode=None, pretty_exceptions_enable=False)
        module.register(commands)
        group = typer.main.get_group(commands)
        from .completion import attach
        from .helptext import plain_help

        for command in group.commands.values():
            attach(command)
            plain_help(command)
        _GROUPS[module_name] = group
    return _GROUPS[module_name]


_GROUPS: dict[str, Any] = {}


def main() -> None:
    """Console-script entry point."""
    import gc

    # A short-lived process whose data (parsed JSON) holds no reference cycles: the cyclic
    # collector would only re-scan the store's millions of objects.
    gc.disable()
    app()
