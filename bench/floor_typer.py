"""Framework floor: the least a Typer command-line app costs, to compare partnerkb's start-up with.

Two commands (so Typer builds a group, as partnerkb's app is one) and the same help settings as
partnerkb (no Rich in the help): `--help` prints the help; `rows` prints a 20-row JSON list.
Run with `--rich-help` to see what Typer's default settings cost (Rich renders the help).
"""

import sys

import typer

RICH_HELP = "--rich-help" in sys.argv
if RICH_HELP:
    sys.argv.remove("--rich-help")

app = typer.Typer(
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    **({} if RICH_HELP else {"rich_markup_mode": None}),
)


@app.command()
def rows(fmt: str = typer.Option("json", "--format", help="Output format.")) -> None:
    """Print a 20-row JSON list."""
    import json

    listing = [
        {"id": f"row-{n}", "title": f"Row number {n} of the framework floor", "n": n}
        for n in range(20)
    ]
    sys.stdout.write(json.dumps(listing, ensure_ascii=False, indent=2) + "\n")


@app.command()
def other() -> None:
    """A second command, so that the app is a group."""


if __name__ == "__main__":
    app()
