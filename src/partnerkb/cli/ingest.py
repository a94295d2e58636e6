"""`partnerkb ingest`: propose the records an article reports, review them, write them at once.

The core (`partnerkb.ingest`) reads the article and builds the proposal; this module parses the
options, shows each proposal on a terminal to be accepted, edited or skipped, and writes what
was accepted in one transaction (one `undo` reverts it). `--dry-run` prints the proposal and
writes nothing; `--yes` accepts everything (scripts); `--from-json` takes back an edited
proposal.
"""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ..errors import InvalidInput, PartnerkbError
from .common import (
    DateOrderOption,
    DbOption,
    announce_created,
    announce_history,
    announce_upgrade,
    as_of_day,
    command_line,
    date_order,
    info,
    interactive,
    no_terminal_reason,
    read_data,
    store_location,
)

if TYPE_CHECKING:
    from ..store import Transaction
    from ..writes import Outcome

Json = dict[str, Any]


def register(app: typer.Typer) -> None:
    app.command("ingest")(ingest_command)


def ingest_command(
    ctx: typer.Context,
    article: Annotated[
        str | None,
        typer.Argument(
            metavar="PATH|URL|-",
            help="The article: a file, a web page, or - for stdin.",
            show_default=False,
        ),
    ] = None,
    published: Annotated[
        str | None,
        typer.Option(
            "--published",
            metavar="DATE",
            show_default=False,
            help="The day the article was published: relative dates are read against it.",
        ),
    ] = None,
    outlet: Annotated[
        str | None,
        typer.Option(
            "--outlet",
            metavar="NAME",
            show_default=False,
            help="Who published it (News.az, ICESCO, Trend...). Needed to write; a --dry-run "
            "without it leaves the source's outlet to fill in.",
        ),
    ] = None,
    title: Annotated[
        str | None,
        typer.Option(
            "--title",
            metavar="TEXT",
            show_default=False,
            help="The article's title (default: its headline).",
        ),
    ] = None,
    url: Annotated[
        str | None,
        typer.Option(
            "--url",
            metavar="URL",
            show_default=False,
            help="Where it was published (default: the URL read).",
        ),
    ] = None,
    language: Annotated[
        str | None,
        typer.Option("--language", metavar="LANG", show_default=False, help="Its language (en)."),
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            metavar="DATE",
            show_default=False,
            help="The day the statuses are recorded as of (default: --published).",
        ),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print the proposal and write nothing.")
    ] = False,
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format",
            "-f",
            metavar="FORMAT",
            show_default=False,
            help="How --dry-run prints: text or json. Default: text on a terminal, "
            "json when piped.",
        ),
    ] = None,
    yes: Annotated[
        bool, typer.Option("--yes", "-y", help="Accept every proposal without asking (scripts).")
    ] = False,
    from_json: Annotated[
        str | None,
        typer.Option(
            "--from-json",
            metavar="FILE",
            show_default=False,
            help="Write a proposal file (as --dry-run --format json printed it, edited); "
            "- for stdin.",
        ),
    ] = None,
    order: DateOrderOption = None,
    db: DbOption = None,
) -> None:
    """Propose the source, people, posts and events an article reports, for you to review.

    Reads plain text or HTML (a web page's main text is taken out of its menus). Each proposal is
    shown and accepted, edited field by field, or skipped; nothing is written until the end,
    then everything at once (one `partnerkb undo` reverts it). Stored people and places are
    recognised however the article spells them; a name two stored people share is offered as
    ambiguous, never guessed. Dates keep the article's phrase and the day they were read
    against; an event the article does not date is "on or before" the publication day.

    \b
    Examples:
      partnerkb ingest report.txt --published 2024-05-11 --outlet ICESCO
      partnerkb ingest https://example.org/news/1 --published 2024-11-11 \\
        --outlet Trend
      partnerkb ingest report.txt --published 2024-05-11 --outlet ICESCO \\
        --dry-run -f json > p.json
      partnerkb ingest --from-json p.json --yes

    Exit codes: 0 written (or nothing to write), 2 bad input (unreadable, binary or empty
    article, bad date, bad proposal file), 3 store problem.
    """
    if fmt is not None and fmt.lower() not in ("text", "json"):
        raise typer.BadParameter(f"{fmt!r} is not one of text, json", param_hint="--format")
    day_order = date_order(order)
    published_day = as_of_day(published, day_order, "--published")
    reference_day = as_of_day(as_of, day_order)
    from ..ingest.apply import check_proposal

    if from_json is not None:
        if article is not None:
            raise InvalidInput("give an article or --from-json, not both")
        proposal = check_proposal(_read_json(from_json))
    else:
        if article is None:
            raise InvalidInput(
                "an article is required: a path, a URL or - for stdin",
                hint="see: partnerkb ingest --help",
            )
        if (not outlet or not outlet.strip()) and not dry_run:
            # a dry run only shows the proposal: its source's outlet stays to be filled in
            raise InvalidInput(
                "--outlet is required: who published the article", hint='e.g. --outlet "News.az"'
            )
        proposal = _propose(
            ctx, db, article, published_day, outlet, title, url, language, reference_day
        )
    for note in proposal.get("notes") or []:
        info(f"note: {note}")
    if dry_run:
        _print_proposal(proposal, fmt)
        info("dry run: nothing was written")
        return
    if not yes:
        if not interactive():
            raise InvalidInput(
                f"nothing was written: the proposal is reviewed at a terminal, and "
                f"{no_terminal_reason()}",
                hint="add --yes to accept it all, or --dry-run to see it",
            )
        from . import ingest_review

        proposal = ingest_review.review(proposal, published_day)
        if proposal is None:
            info("nothing was written")
            return
    _write(ctx, db, proposal, reference_day or published_day or _published_of(proposal))


def _published_of(proposal: Json) -> date | None:
    text = (proposal.get("source") or {}).get("published")
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _read_json(where: str) -> Any:
    try:
        text = sys.stdin.read() if where == "-" else Path(where).read_text(encoding="utf-8")
    except OSError as exc:
        raise InvalidInput(f"cannot read {where}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise InvalidInput(f"{where} is not UTF-8 text") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput(
            f"{where}: not JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from None


def _propose(
    ctx: typer.Context,
    db: str | Path | None,
    article: str,
    published: date | None,
    outlet: str | None,
    title: str | None,
    url: str | None,
    language: str | None,
    as_of: date | None,
) -> Json:
    from ..ingest.article import read_source
    from ..ingest.proposal import Options, propose
    from ..progress import stage
    from .progress_bar import progress_bar

    stdin = sys.stdin.buffer.read() if article == "-" else None
    web = article.startswith(("http://", "https://"))
    with progress_bar() as progress:  # a page on a slow site can take seconds
        stage(progress, "fetching the page" if web else "reading the article")
        text = read_source(article, stdin)
        stage(progress, "reading the store")
        data = read_data(ctx, db)
        stage(progress, "finding the records the article reports")
        return propose(
            text, data.tables,
            Options(published, (outlet or "").strip() or None, title, url, language, as_of),
        )


def _print_proposal(proposal: Json, fmt: str | None) -> None:
    chosen = (fmt or ("text" if interactive() else "json")).lower()
    if chosen == "json":
        sys.stdout.write(json.dumps(proposal, ensure_ascii=False, indent=2) + "\n")
        return
    from . import ingest_review

    sys.stdout.write(ingest_review.describe(proposal) + "\n")


def _write(ctx: typer.Context, db: str | Path | None, proposal: Json, today: date | None) -> None:
    from ..ingest.apply import ProposalWriter
    from ..writes import SINGULAR, WriteOptions, Writer, prepare_store

    store = prepare_store(store_location(ctx, db))
    announce_upgrade(store)
    options = WriteOptions(today=today or date.today())
    writers: list[ProposalWriter] = []

    def run(tx: Transaction) -> list[Outcome]:
        # prepared without the lock, run again if another write came in meanwhile: the last
        # writer is the run that was written
        writers.append(ProposalWriter(Writer(tx, options)))
        return writers[-1].write(proposal)

    outcomes = store.apply(command_line(ctx), run)
    writer = writers[-1]
    announce_created(store)
    for note in writer.notes:
        info(f"note: {note}")
    for outcome in outcomes:
        for _table, record_id, label in outcome.created:
            info(f"created {label} ({record_id})")
        if outcome.action != "unchanged":
            info(f"{outcome.action} {SINGULAR.get(outcome.table, outcome.table)} {outcome.id}")
            sys.stdout.write(outcome.id + "\n")
    if not any(o.action != "unchanged" for o in outcomes):
        info("nothing new: the store already holds all of it")
    announce_history(store)


__all__ = ["register", "PartnerkbError"]
