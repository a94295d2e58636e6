"""Analysts' questions: upcoming, plans, partners, roles, stats, check.

Each command parses its options, asks the core (`plans`, `partners`, `roles`, `stats`,
`checks`) and hands the answer to the renderer; answers that depend on the reference day say it
(`as_of` in JSON, JSONL, CSV and TSV; the table's caption).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

import typer

from ..render import Column, Section, choose_format, emit_report
from .common import DbOption, FormatOption, open_kb

Json = dict[str, Any]

AsOfOption = Annotated[
    str | None,
    typer.Option(
        "--as-of",
        metavar="DATE",
        help="Answer as the record stood on this day: reports published later do not count. "
        "Default: today.",
        show_default=False,
    ),
]
EntitiesOption = Annotated[
    list[str] | None,
    typer.Option(
        "--entity",
        "-e",
        metavar="ID-OR-NAME",
        help="Only plans involving this entity (id or name); repeat to require several.",
        show_default=False,
    ),
]


def register(app: typer.Typer) -> None:
    app.command("upcoming")(upcoming_command)
    app.command("plans")(plans_command)


# ---------------------------------------------------------------------------------------------
# Shared pieces
# ---------------------------------------------------------------------------------------------


def _get(key: str) -> Any:
    return lambda row: row.get(key)


def _display(key: str) -> Any:
    return lambda row: row["display"].get(key)


def _plan(key: str) -> Any:
    return lambda row: row["plan"].get(key)


def _announced(row: Json) -> list[str]:
    return list(row["plan"]["display"]["announced_by"])


def _outcome_date(row: Json) -> str | None:
    held = row["plan"].get("outcome_date")
    return held["edtf"] if held else None


def _reference(ctx: typer.Context, as_of: str | None, db: Any) -> tuple[Any, Any, date]:
    """The knowledge base, the record as of the reference day, and that day."""
    from ..asof import RecordAsOf, reference_day

    day = reference_day(as_of)
    kb = open_kb(ctx, db)
    return kb, RecordAsOf.of(day, kb.records("sources")), day


def _entity_ids(kb: Any, names: list[str] | None) -> tuple[str, ...]:
    return tuple(kb.resolve(n, ("entities",), partial=True)[1]["id"] for n in names or [])


def _as_of_caption(day: date, today: date | None = None) -> str:
    from ..asof import day_label

    label = f"as of {day_label(day.isoformat())}"
    return label + (" (today)" if day == (today or date.today()) else " (reference day)")


# ---------------------------------------------------------------------------------------------
# upcoming
# ---------------------------------------------------------------------------------------------

UPCOMING_COLUMNS = [
    Column("date", _display("date"), style="cyan", max_width=28),
    Column("title", _get("title"), highlight=True, detail=_get("id")),
    Column("status", _display("status")),
    Column("place", _display("place"), max_width=24),
    Column("announced by", _announced, max_width=36),
]
OVERDUE_COLUMNS = [
    Column("planned for", _display("date"), style="cyan", max_width=28),
    Column("title", _get("title"), highlight=True, detail=_get("id")),
    Column("passed", lambda r: f"{r['plan']['days_overdue']} days ago", style="red"),
    Column("announced by", _announced, max_width=36),
]
AGENDA_DELIMITED = [
    Column("section", _get("section")),
    Column("date", _display("date")),
    Column("id", _get("id")),
    Column("title", _get("title")),
    Column("kind", _get("kind")),
    Column("status", _get("status_as_of")),
    Column("days_overdue", _plan("days_overdue")),
    Column("place", _display("place")),
    Column("announced_by", _plan("announced_by")),
    Column("announced_in", _announced),
    Column("as_of", _get("as_of")),
]


def upcoming_command(
    ctx: typer.Context,
    within: Annotated[
        str,
        typer.Option(
            "--within",
            "-w",
            metavar="SPAN",
            help="How far ahead to look from the reference day: 90d, 6w, 3m, 1y.",
        ),
    ] = "1y",
    as_of: AsOfOption = None,
    entity: EntitiesOption = None,
    fmt: FormatOption = None,
    db: DbOption = None,
) -> None:
    """What is coming up: planned (or postponed) events whose dates overlap the window from the
    reference day, soonest first, each with the source that announced it; then the overdue
    plans, whose latest possible day has passed with no report that they happened, with how long
    ago. Fuzzy dates are shown as stated ("May 2024", "early 2023 (approx.)"). With --as-of,
    reports published after that day do not count. Exit code 1 when there is neither.

    \b
    Examples:
      partnerkb upcoming
      partnerkb upcoming --within 90d --entity icesco
      partnerkb upcoming --as-of 2024-02-01
      partnerkb upcoming --as-of 2024-02-01 --format json
    """
    from ..durations import parse_span
    from ..plans import PlanBook

    span = parse_span(within, "--within")
    kb, record, day = _reference(ctx, as_of, db)
    agenda = PlanBook(kb, record).agenda(span, _entity_ids(kb, entity))
    from ..asof import day_label

    caption = f"{_as_of_caption(day)}; window until {day_label(agenda.window_end)}"
    emit_report(
        [
            Section(
                "upcoming", f"Upcoming (within {span.label})", agenda.upcoming, UPCOMING_COLUMNS
            ),
            Section("overdue", "Overdue plans", agenda.overdue, OVERDUE_COLUMNS),
        ],  # fmt: skip
        choose_format(fmt),
        meta={"as_of": agenda.day, "within": span.text, "window_end": agenda.window_end},
        columns=AGENDA_DELIMITED,
        caption=caption,
    )


# ---------------------------------------------------------------------------------------------
# plans
# ---------------------------------------------------------------------------------------------

PLAN_COLUMNS = [
    Column("planned", _display("date"), style="cyan", max_width=28),
    Column("title", _get("title"), highlight=True, detail=_get("id")),
    Column("state", _plan("state")),
    Column("outcome", _plan("text"), max_width=60),
]
PLAN_DELIMITED = [
    Column("id", _get("id")),
    Column("planned", _display("date")),
    Column("title", _get("title")),
    Column("kind", _get("kind")),
    Column("state", _plan("state")),
    Column("status", _get("status_as_of")),
    Column("fulfilled_by", _plan("fulfilled_by")),
    Column("outcome_date", _outcome_date),
    Column("delay_days", _plan("delay_days")),
    Column("days_overdue", _plan("days_overdue")),
    Column("outcome", _plan("text")),
    Column("announced_by", _plan("announced_by")),
    Column("announced_in", _announced),
    Column("as_of", _get("as_of")),
]


def plans_command(
    ctx: typer.Context,
    only_open: Annotated[
        bool, typer.Option("--open", help="Only plans still open (window not passed).")
    ] = False,
    fulfilled: Annotated[
        bool,
        typer.Option("--fulfilled", help="Only plans that came true (linked event or status)."),
    ] = False,
    overdue: Annotated[
        bool, typer.Option("--overdue", help="Only plans whose window passed with no report.")
    ] = False,
    cancelled: Annotated[bool, typer.Option("--cancelled", help="Only cancelled plans.")] = False,
    as_of: AsOfOption = None,
    entity: EntitiesOption = None,
    fmt: FormatOption = None,
    db: DbOption = None,
) -> None:
    """Every plan with its outcome: the planned date, then what happened and when (through
    the fulfils/fulfilled_by links), with the delay between the promised window and the
    outcome; or still open; or overdue, with how long ago its window passed; or cancelled.
    The flags combine (--open --overdue: everything still awaited). Exit code 1 when no plan
    is left.

    \b
    Examples:
      partnerkb plans
      partnerkb plans --overdue
      partnerkb plans --open --overdue --entity azerbaijan
      partnerkb plans --as-of 2024-02-01 --format json
    """
    from ..plans import PlanBook, plan_counts, select_plans

    kb, record, day = _reference(ctx, as_of, db)
    states = [
        state
        for state, wanted in (("open", only_open), ("overdue", overdue), ("cancelled", cancelled))
        if wanted
    ]
    if fulfilled:
        states += ["fulfilled", "happened"]
    rows = select_plans(PlanBook(kb, record).plans(_entity_ids(kb, entity)), states)
    emit_report(
        [Section("plans", "Plans and outcomes", rows, PLAN_COLUMNS)],
        choose_format(fmt),
        meta={"as_of": day.isoformat()},
        totals={"counts": plan_counts(rows)},
        columns=PLAN_DELIMITED,
        caption=_as_of_caption(day),
    )
