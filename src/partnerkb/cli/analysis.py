"""Analysts' questions: upcoming, plans, partners, roles, stats, check.

Each command parses its options, asks the core (`plans`, `partners`, `roles`, `stats`,
`checks`) and hands the answer to the renderer; answers that depend on the reference day say it
(`as_of` in JSON, JSONL, CSV and TSV; the table's caption).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ..errors import InvalidInput
from ..render import Column, Section, choose_format, emit, emit_report
from .common import (
    DateOrderOption,
    DbOption,
    FormatOption,
    date_order,
    open_kb,
    parse_since_until,
)

if TYPE_CHECKING:  # the core is imported by the commands that use it, not at start-up
    from ..asof import RecordAsOf
    from ..queries import KnowledgeBase

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
    app.command("partners")(partners_command)
    app.command("roles")(roles_command)
    app.command("stats")(stats_command)
    app.command("check")(check_command)


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


def _reference(
    ctx: typer.Context, as_of: str | None, db: str | Path | None, order: str | None = None
) -> tuple[KnowledgeBase, RecordAsOf, date]:
    """The knowledge base, the record as of the reference day, and that day; an all-numeric
    --as-of is read in `order` (--date-order, else $PARTNERKB_DATE_ORDER)."""
    from ..asof import RecordAsOf, reference_day

    day = reference_day(as_of, order=date_order(order))
    kb = open_kb(ctx, db)
    return kb, RecordAsOf.of(day, kb.records("sources")), day


def _entity_ids(kb: KnowledgeBase, names: list[str] | None) -> tuple[str, ...]:
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
    order: DateOrderOption = None,
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
    kb, record, day = _reference(ctx, as_of, db, order)
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
    order: DateOrderOption = None,
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

    kb, record, day = _reference(ctx, as_of, db, order)
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


# ---------------------------------------------------------------------------------------------
# partners
# ---------------------------------------------------------------------------------------------


def _first_edtf(key: str) -> Any:
    def read(row: Json) -> str | None:
        contact = row.get(key)
        return contact["date"]["edtf"] if contact and contact.get("date") else None

    return read


PARTNER_COLUMNS = [
    Column("partner", _get("name"), highlight=True, detail=_get("id")),
    Column("kind", _get("kind")),
    Column("events", _get("events")),
    Column("per year", _display("per_year"), max_width=24),
    Column("first contact", _display("first_contact"), style="cyan", max_width=24),
    Column("last contact", _display("last_contact"), style="cyan", max_width=24),
    Column("days since", _get("days_since")),
    Column("open plans", lambda r: len(r["open_plans"])),
]
PARTNER_DELIMITED = [
    Column("id", _get("id")),
    Column("name", _get("name")),
    Column("kind", _get("kind")),
    Column("events", _get("events")),
    Column("per_year", _display("per_year")),
    Column("first_contact", _first_edtf("first_contact")),
    Column("last_contact", _first_edtf("last_contact")),
    Column("last_contact_event", lambda r: (r["last_contact"] or {}).get("event")),
    Column("days_since", _get("days_since")),
    Column("open_plans", lambda r: len(r["open_plans"])),
    Column("open_plan_ids", _get("open_plans")),
    Column("as_of", _get("as_of")),
]


def partners_command(
    ctx: typer.Context,
    entity: Annotated[
        str,
        typer.Argument(metavar="ENTITY", help="The entity whose partners to list (id or name)."),
    ],
    stale: Annotated[
        str | None,
        typer.Option(
            "--stale",
            metavar="SPAN",
            help="Only the partners not met for longer than this span (180d, 6m, 1y) before "
            "the reference day, the longest neglected first.",
            show_default=False,
        ),
    ] = None,
    as_of: AsOfOption = None,
    order: DateOrderOption = None,
    fmt: FormatOption = None,
    db: DbOption = None,
) -> None:
    """Whom an entity has met: for each organization, country or person that shares events with
    it, the first and last contact, the number of events that happened (in all and per year),
    the plans still open or overdue with them, and the days since the last contact. Only events
    that happened count as contact; a part that does not mean being there (organizer, exhibitor,
    subject...) meets no one; places, awards, programmes and series are not partners, nor is
    the entity's own side: its organization, the parts of it, and the people holding a post
    there at the time (ICESCO's Director-General is not ICESCO's partner). Most recent contact
    first. Exit code 1 when no one is left.

    \b
    Examples:
      partnerkb partners icesco
      partnerkb partners "Salim AlMalik" --as-of 2024-02-01
      partnerkb partners icesco --stale 180d
      partnerkb partners azerbaijan --format json
    """
    from ..durations import parse_span
    from ..partners import partners

    span = parse_span(stale, "--stale") if stale is not None else None
    kb, record, day = _reference(ctx, as_of, db, order)
    entity_id = kb.resolve(entity, ("entities",), partial=True)[1]["id"]
    rows = partners(kb, entity_id, record, span.before(day) if span else None)
    name = kb.name_of(entity_id)
    title = f"Partners of {name}" + (f", not met for over {span.label}" if span else "")
    emit_report(
        [Section("partners", title, rows, PARTNER_COLUMNS)],
        choose_format(fmt),
        meta={"as_of": day.isoformat()},
        totals={"entity": entity_id, "stale": span.text if span else None},
        columns=PARTNER_DELIMITED,
        caption=_as_of_caption(day),
    )


# ---------------------------------------------------------------------------------------------
# roles
# ---------------------------------------------------------------------------------------------

ROLE_COLUMNS = [
    Column("holder", _get("name"), highlight=True, detail=_get("person")),
    Column("title", _get("title")),
    Column("organization", _display("organization")),
    Column("when", _display("span"), style="cyan"),
    Column("evidence", _get("evidence")),
]
ROLE_DELIMITED = [
    Column("person", _get("person")),
    Column("name", _get("name")),
    Column("title", _get("title")),
    Column("organization", _get("organization")),
    Column("organization_name", _display("organization")),
    Column("when", _display("span")),
    Column("evidence", _get("evidence")),
    Column("from", lambda r: (r.get("from") or {}).get("edtf")),
    Column("until", lambda r: (r.get("until") or {}).get("edtf")),
    Column("first_cited", _get("first_cited")),
    Column("last_cited", _get("last_cited")),
    Column("sources", lambda r: [c["source"] for c in r.get("sources") or ()]),
]


def roles_command(
    ctx: typer.Context,
    at: Annotated[
        str | None,
        typer.Option(
            "--at",
            metavar="DATE",
            help='Only roles whose span (or citations) covers this date: "November 2022", '
            '"2024-01-30", "2023".',
            show_default=False,
        ),
    ] = None,
    title: Annotated[
        str | None,
        typer.Option(
            "--title",
            metavar="TEXT",
            help="Only posts whose title holds these words.",
            show_default=False,
        ),
    ] = None,  # fmt: skip
    of: Annotated[
        str | None,
        typer.Option(
            "--of",
            metavar="ORG",
            help="Only posts at this organization or country, or a part of it (id or name).",
            show_default=False,
        ),
    ] = None,
    person: Annotated[
        str | None,
        typer.Option(
            "--person", metavar="NAME", help="Only this person's posts.", show_default=False
        ),
    ] = None,
    order: DateOrderOption = None,
    fmt: FormatOption = None,
    db: DbOption = None,
) -> None:
    """Who held which post, and how we know: a role with a start or an end from a source is a
    tenure ("March 2020 – December 2022", "from January 2023; last cited 15 June 2023"); one
    known only from the days sources cited it says so ("cited on 20 November 2022"), never
    passing for a tenure or for a post still held. --at keeps the roles whose span, or whose
    citations, cover the date. Exit code 1 when none matches.

    \b
    Examples:
      partnerkb roles
      partnerkb roles --title "Minister of Culture" --at "November 2022"
      partnerkb roles --of icesco
      partnerkb roles --person "Nazim Samadov" --format json
    """
    from ..roles import RoleQuery, parts_of, role_rows

    span = None
    if at is not None:
        try:
            span = parse_since_until(at, at, date_order(order))
        except InvalidInput as exc:
            message = exc.message.replace("--since", "--at").replace("--until", "--at")
            raise InvalidInput(message, hint=exc.hint) from None
    kb = open_kb(ctx, db)
    query = RoleQuery(
        at=span,
        title=title,
        organizations=parts_of(kb, kb.resolve(of, ("entities",), partial=True)[1]["id"])
        if of
        else frozenset(),
        person=kb.resolve(person, ("entities",), partial=True)[1]["id"] if person else None,
    )
    caption = f"at {at}" if at else None
    emit(role_rows(kb, query), ROLE_COLUMNS if choose_format(fmt) == "table" else ROLE_DELIMITED,
         choose_format(fmt), title="Roles", caption=caption)  # fmt: skip


# ---------------------------------------------------------------------------------------------
# stats
# ---------------------------------------------------------------------------------------------

STATS_DELIMITED = [
    Column("section", _get("section")),
    Column("key", _get("key")),
    Column("name", _get("name")),
    Column("count", _get("count")),
    Column("share", _get("share")),
    Column("as_of", _get("as_of")),
]


def _count_columns(header: str, rows: list[Json], ids: bool = False) -> list[Column]:
    """A name (with its id under it, which tells namesakes apart), a count and a bar as long as
    the count relative to the largest."""
    largest = max((r["count"] for r in rows), default=0) or 1
    return [
        Column(header, _get("name"), max_width=48, detail=_get("key") if ids else None),
        Column("count", _get("count")),
        Column("", _get("count"), bar=lambda r: r["count"] / largest, max_width=30),
    ]


def stats_command(
    ctx: typer.Context,
    by: Annotated[
        str,
        typer.Option(
            "--by",
            metavar="GROUPING",
            help="Count events by kind, year, status, entity or place.",
        ),
    ] = "kind",
    since: Annotated[
        str | None,
        typer.Option(
            metavar="DATE", help="Events that end on or after this date.", show_default=False
        ),
    ] = None,  # fmt: skip
    until: Annotated[
        str | None,
        typer.Option(
            metavar="DATE", help="Events that start on or before this date.", show_default=False
        ),
    ] = None,  # fmt: skip
    top: Annotated[
        int,
        typer.Option(
            "--top", min=1, metavar="N", help="How many of the most frequent participants."
        ),
    ] = 10,
    as_of: AsOfOption = None,
    order: DateOrderOption = None,
    fmt: FormatOption = None,
    db: DbOption = None,
) -> None:
    """Counts of events — by kind, year, status, entity or place — with a bar chart in the
    table; the most frequent participants; plans kept (fulfilled or reported as happened), open,
    overdue and cancelled. JSON, JSONL, CSV and TSV give the numbers (count and share). With
    --as-of, events and statuses reported later do not count. Exit code 1 when no event is left.

    \b
    Examples:
      partnerkb stats
      partnerkb stats --by year
      partnerkb stats --by entity --since 2022 --until 2024 --top 5
      partnerkb stats --by status --format json
    """
    from ..stats import GROUPINGS, event_stats

    grouping = by.lower()
    if grouping not in GROUPINGS:
        raise typer.BadParameter(f"{by!r} is not one of {', '.join(GROUPINGS)}", param_hint="--by")
    start, end = parse_since_until(since, until, date_order(order))
    kb, record, day = _reference(ctx, as_of, db, order)
    answer = event_stats(kb, grouping, record, start, end, top)
    emit_report(
        [
            Section(
                "counts",
                f"Events by {grouping} ({answer.total} in all)",
                answer.counts,
                _count_columns(grouping, answer.counts, grouping in ("entity", "place")),
            ),
            Section(
                "top_participants",
                "Most frequent participants",
                answer.top_participants,
                _count_columns("participant", answer.top_participants, True),
            ),
            Section("plans", "Plans", answer.plans, _count_columns("plans", answer.plans)),
        ],  # fmt: skip
        choose_format(fmt),
        meta={"as_of": day.isoformat()},
        totals={"by": grouping, "since": start, "until": end, "total": answer.total},
        columns=STATS_DELIMITED,
        caption=_as_of_caption(day),
    )


# ---------------------------------------------------------------------------------------------
# check
# ---------------------------------------------------------------------------------------------

FINDING_COLUMNS = [
    Column("check", _get("check")),
    Column("id", _get("id")),
    Column("type", _get("type")),
    Column("message", _get("message")),
    Column("as_of", _get("as_of")),
]


def check_command(
    ctx: typer.Context,
    names: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="[NAME]...",
            help="Checks to run (default: all but the strict ones): references, sources, dates, "
            "tenures, overdue-plans, statuses, duplicates, namesakes, place-participants, "
            "uncited-sources, uncited-enrichment; strict: summaries, locators; by name only: "
            "inferences.",
            show_default=False,
        ),
    ] = None,
    strict: Annotated[
        bool, typer.Option("--strict", help="Add the style checks: summaries, locators.")
    ] = False,
    as_of: AsOfOption = None,
    order: DateOrderOption = None,
    fmt: FormatOption = None,
    db: DbOption = None,
) -> None:
    """Check the store's consistency. Silent when all is well (exit code 0); otherwise one
    line per finding, `check-name: record-id: what is wrong`, and exit code 1. On a terminal
    the findings are lines; piped, TSV (check, id, type, message, as_of); --format json gives a
    list (`[]` when all is well).

    \b
    Checks:
      references          every id a record refers to exists
      sources             every fact (record, role, link, status change) cites a
                          source
      dates               dates valid, no range or role ending before it starts
      tenures             no post held by two people on the same days
      overdue-plans       plans whose dates have passed with no later report
                          (--as-of)
      statuses            no event reported happened before it starts, no plan
                          that came true cancelled
      duplicates          no two events with the same people and place on
                          overlapping dates
      namesakes           names or aliases shared by entities no link tells
                          apart (listed, never merged)
      place-participants  no place taking part in an event (it may be its subject)
      uncited-sources     every source is cited
      uncited-enrichment  external ids and outside knowledge cite a source of
                          their own
      summaries           (strict) every event has a summary
      locators            (strict) every citation has a locator
      inferences          (by name only) every field marked as inferred, and why

    \b
    Examples:
      partnerkb check
      partnerkb check references dates
      partnerkb check --strict --format json
      partnerkb check overdue-plans --as-of 2024-02-01
    """
    import sys

    from ..checks import run_checks

    kb, record, day = _reference(ctx, as_of, db, order)
    findings = run_checks(kb, record, names or (), strict)
    output = choose_format(fmt)
    rows = [{**f.to_dict(), "as_of": day.isoformat()} for f in findings]
    if output == "table":
        from ..render import safe_text

        sys.stdout.write("".join(safe_text(f.line()) + "\n" for f in findings))
    elif rows or output == "json":
        emit(rows, FINDING_COLUMNS, output)
    if findings:
        raise typer.Exit(1)
