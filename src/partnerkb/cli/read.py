"""Read commands: list, show, search, timeline."""

from __future__ import annotations

import sys
from enum import Enum
from typing import Annotated, Any

import typer

from ..errors import Ambiguous, InvalidInput
from ..model import PENDING_STATUSES
from ..queries import (
    TYPE_OF_TABLE,
    EventFilter,
    KnowledgeBase,
    check_kinds,
    entity_profile,
    event_profile,
    event_rows,
    list_entities,
    list_sources,
    partnership_profile,
    timeline,
    timeline_events,
)
from ..render import Column, choose_format, emit, sections_delimited, sections_view
from .common import (
    DateOrderOption,
    DbOption,
    EntityFilterOption,
    FormatOption,
    HappenedOption,
    KindFilterOption,
    LimitOption,
    NoPagerOption,
    PlannedOption,
    ReverseOption,
    SinceOption,
    SourceFilterOption,
    TagFilterOption,
    UntilOption,
    date_order,
    event_filter,
    info,
    limit_rows,
    open_kb,
    page_setting,
    parse_since_until,
    say,
    source_ids,
)

Json = dict[str, Any]


# ---------------------------------------------------------------------------------------------
# Columns of the table, CSV and TSV views
# ---------------------------------------------------------------------------------------------


def _get(key: str) -> Any:
    return lambda row: row.get(key)


def _display(key: str) -> Any:
    return lambda row: row["display"].get(key)


def _participant_text(participant: Json, titles: bool) -> str:
    """'Nazim Samadov (guest)', with `titles` 'Nazim Samadov (guest, Ambassador of Azerbaijan
    to Morocco)': the title held at the event, unless the name already carries it (a namesake)."""
    extra = [participant["part"]] if participant.get("part") else []
    held = participant.get("as")
    if titles and held and held != participant["name"] and f"({held})" not in participant["name"]:
        extra.append(held)
    return f"{participant['name']} ({', '.join(extra)})" if extra else participant["name"]


def _participant_names(row: Json) -> str:
    return "; ".join(_participant_text(p, False) for p in row["display"]["participants"])


def _participants_titled(row: Json) -> str:
    return "; ".join(_participant_text(p, True) for p in row["display"]["participants"])


def _marked(record: Json, field: str, value: Any, item: str | None = None) -> Any:
    """A field's value with how it is known when its sources do not state it."""
    from ..provenance import entry_for, mark

    words = mark(entry_for(record, field, item))
    if not words or value in (None, "", [], {}):
        return value
    if isinstance(value, list):
        return [*value, words]
    return f"{value} {words}"


def _marked_list(record: Json, field: str, values: list[str] | None) -> list[str]:
    """Each value of a list field, marked one by one (an alias from outside, a tag...)."""
    from ..provenance import entry_for, mark

    whole = mark(entry_for(record, field))
    out = []
    for value in values or []:
        words = mark(entry_for(record, field, value)) or whole
        out.append(f"{value} {words}" if words else value)
    return out


def _participants_marked(event: Json, row: Json) -> str:
    from ..provenance import entry_for, mark

    texts = []
    for p in row["display"]["participants"]:
        text = _participant_text(p, True)
        words = mark(entry_for(event, "participants", p["entity"]))
        texts.append(f"{text} {words}" if words else text)
    return "; ".join(texts)


def _date_sort(row: Json) -> str:
    """The day a date sorts by, ISO (YYYY-MM-DD): its earliest, or for an open start ("on or
    before X") its latest; a spreadsheet sorting by it keeps the timeline's order."""
    date_dict = row.get("date") or {}
    return str(date_dict.get("earliest") or date_dict.get("latest") or "")


EVENT_COLUMNS = [
    Column("date", _display("date"), style="cyan", max_width=24),
    Column("date_sort", _date_sort, in_table=False),
    Column("id", _get("id"), in_table=False),
    Column("title", _get("title"), highlight=True, detail=_get("id")),
    Column("kind", _get("kind")),
    Column("status", _get("status"), table_value=_display("status"), keep=1),
    Column("place", _display("place"), max_width=24),
    # in the table when the terminal is wide enough, with the titles held at the event
    Column("participants", _participant_names, in_table=False, table_value=_participants_titled,
           table_from_width=140, max_width=60),
    # what the table's status column reads ("planned (date passed; no later report)")
    Column("status_label", _display("status"), in_table=False),
]
ENTITY_COLUMNS = [
    Column("id", _get("id"), style="dim"),
    Column("kind", _get("kind")),
    Column("name", _get("name"), highlight=True),
    Column("aliases", _get("aliases"), max_width=40),
    Column("description", _get("description"), max_width=60),
]
SOURCE_COLUMNS = [
    Column("id", _get("id"), style="dim"),
    Column("published", _get("published"), style="cyan"),
    Column("outlet", _get("outlet")),
    Column("title", _get("title"), table_value=lambda row: row.get("title") or (
        "(own record)" if row.get("kind") == "own-record" else "(no headline)")),
    Column("url", _get("url")),
]
HIT_COLUMNS = [
    Column("type", _get("type")),
    Column("id", _get("id"), style="dim"),
    Column("kind", _get("kind")),
    Column("date", _get("date"), style="cyan"),
    Column("title", _get("title"), highlight=True),
    Column("score", _get("score")),
    Column("matched", _get("matched")),
    Column("via", _get("via")),
    Column("status", _get("status"), table_value=_get("status_label")),
    Column("status_label", _get("status_label"), in_table=False),  # as the table reads it
]
ROLE_COLUMNS = [
    Column("title", _get("title")),
    Column("organization", _display("organization")),
    Column("when", _display("span")),
    Column("sources", _display("sources"), max_width=50),
]
PEOPLE_COLUMNS = [
    Column("id", _get("id"), style="dim"),
    Column("name", _get("name")),
    Column("title", _get("title")),
    Column("when", _display("span")),
]
PROFILE_SOURCE_COLUMNS = [
    *SOURCE_COLUMNS,
    Column("citations", _get("citations")),  # in the entity's record and its events
]
MET_COLUMNS = [
    Column("id", _get("id"), style="dim"),
    Column("name", _get("name")),
    Column("kind", _get("kind")),
    Column("events", _get("events")),
]
RELATED_COLUMNS = [
    Column("id", _get("entity"), style="dim"),
    Column("name", _get("name")),
    Column("relation", _get("relation")),
    Column("note", _get("note")),
]
PARTNERSHIP_COLUMNS = [
    Column("id", _get("id"), style="dim"),
    Column("parties", _get("parties")),
    Column("areas", _get("areas"), max_width=60),
]


BRIEF_COLUMNS = [
    Column("id", _get("id")),
    Column("type", _get("type")),
    Column("kind", _get("kind")),
    Column("date", _get("date")),
    Column("title", _get("title")),
    Column("about", _get("about"), max_width=60),
]


class ListWhat(str, Enum):
    entities = "entities"
    events = "events"
    sources = "sources"


Multi = Annotated[list[str] | None, typer.Option(show_default=False)]


def register(app: typer.Typer) -> None:
    app.command("list")(list_command)
    app.command("show")(show_command)
    app.command("search")(search_command)
    app.command("timeline")(timeline_command)


# ---------------------------------------------------------------------------------------------
# Commands
# ---------------------------------------------------------------------------------------------


def timeline_command(
    ctx: typer.Context,
    entity: EntityFilterOption = None,
    kind: KindFilterOption = None,
    tag: TagFilterOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    planned: PlannedOption = False,
    happened: HappenedOption = False,
    source: SourceFilterOption = None,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            metavar="DATE",
            help="The timeline as the record stood on this day: only the events reported by "
            "then, each with the status last reported by then.",
            show_default=False,
        ),
    ] = None,
    order: DateOrderOption = None,
    limit: LimitOption = None,
    reverse: ReverseOption = False,
    no_pager: NoPagerOption = False,
    fmt: FormatOption = None,
    db: DbOption = None,
) -> None:
    """All events in date order, grouped by year in the table view. On a terminal of 140
    columns or more the table shows the participants with the titles they held; a long table
    goes through a pager ($PAGER, default less -FRX; --no-pager to write it all out). With
    --as-of, as the record stood that day (each row then says its as_of).

    \b
    Examples:
      partnerkb timeline
      partnerkb timeline --reverse --limit 10
      partnerkb timeline --entity icesco --since 2024
      partnerkb timeline --planned --format json
      partnerkb timeline --entity "Nazim Samadov" --kind meeting \\
        --until "May 2024"
      partnerkb timeline --source newsaz-2024-01-31-samadov-almalik
    """
    kb = open_kb(ctx, db)
    spec = event_filter(kb, entity, kind, tag, since, until, planned, happened,
                        date_order(order))  # fmt: skip
    if source is not None:
        from dataclasses import replace

        spec = replace(spec, sources=source_ids(kb, source))
    page_setting(no_pager)
    record = None
    columns, title = EVENT_COLUMNS, "Timeline"
    if as_of is not None:
        from ..asof import RecordAsOf, day_label, reference_day

        day = reference_day(as_of, order=date_order(order))
        record = RecordAsOf.of(day, kb.records("sources"))
        columns = [*EVENT_COLUMNS, Column("as_of", _get("as_of"), in_table=False)]
        title = f"Timeline as of {day_label(day.isoformat())}"
    if record is None:  # only the rows shown are made
        rows = event_rows(kb, limit_rows(timeline_events(kb, spec), limit, reverse))
    else:
        rows = limit_rows(timeline(kb, spec, record), limit, reverse)
    output = choose_format(fmt)
    if output == "table":  # people read it by heading; scripts get date order
        from ..queries import under_headings

        rows = under_headings(rows, lambda row: str(row["display"]["year"]))
    emit(rows, columns, output, title=title,
         group=lambda row: row["display"]["year"])  # fmt: skip


def list_command(
    ctx: typer.Context,
    what: Annotated[
        ListWhat, typer.Argument(help="entities, events or sources.")
    ] = ListWhat.entities,
    kind: Annotated[
        list[str] | None,
        typer.Option(
            "--kind",
            "-k",
            help="Only this kind (person, organization, meeting...).",
            show_default=False,
        ),
    ] = None,
    tag: Annotated[
        list[str] | None,
        typer.Option("--tag", help="Only records with this tag.", show_default=False),
    ] = None,
    entity: Annotated[
        str | None,
        typer.Option(
            "--entity",
            "-e",
            metavar="ID-OR-NAME",
            help="Only records connected to this entity (id or name).",
            show_default=False,
        ),
    ] = None,
    source: SourceFilterOption = None,
    limit: LimitOption = None,
    reverse: ReverseOption = False,
    no_pager: NoPagerOption = False,
    fmt: FormatOption = None,
    db: DbOption = None,
) -> None:
    """List entities, events or sources, with filters; --limit and --reverse cut and turn the
    list, and a long table on a terminal goes through a pager (--no-pager: not).

    \b
    Examples:
      partnerkb list entities --kind person
      partnerkb list events --kind meeting --entity icesco
      partnerkb list sources --entity shusha
      partnerkb list entities --source icesco-2022-11-21-shusha-medal
      partnerkb list entities --format json | python -m json.tool
    """
    page_setting(no_pager)
    kb = open_kb(ctx, db)
    if kind and what is not ListWhat.sources:
        table = "events" if what is ListWhat.events else "entities"
        noun = "event kind" if table == "events" else "entity kind"
        kind = list(check_kinds(kb, kind, (table,), "--kind", noun, f"{noun}s"))
    entity_id = kb.resolve(entity, ("entities",), partial=True)[1]["id"] if entity else None
    cited = source_ids(kb, source)
    output = choose_format(fmt)
    if what is ListWhat.events:
        spec = EventFilter(entities=(entity_id,) if entity_id else (),
                           kinds=tuple(kind or []), tags=tuple(tag or []),
                           sources=cited)  # fmt: skip
        rows = event_rows(kb, limit_rows(timeline_events(kb, spec), limit, reverse))
        emit(rows, EVENT_COLUMNS, output, title="Events")
    elif what is ListWhat.sources:
        if kind or tag:
            raise InvalidInput("sources have no kind or tag; filter them with --entity")
        rows = limit_rows(list_sources(kb, entity_id, cited), limit, reverse)
        emit(rows, SOURCE_COLUMNS, output, title="Sources")
    else:
        rows = limit_rows(list_entities(kb, kind or [], tag or [], entity_id, cited), limit,
                          reverse)  # fmt: skip
        emit(rows, ENTITY_COLUMNS, output, title="Entities")


def show_command(
    ctx: typer.Context,
    id_or_name: Annotated[str, typer.Argument(metavar="ID-OR-NAME", help="An id, name or alias.")],
    limit: Annotated[
        int | None,
        typer.Option(
            "--limit",
            "-n",
            metavar="N",
            min=1,
            help="At most N rows in each list of an entity's profile: its latest events, the "
            "entities it met most, the sources cited most.  [default: 20]",
            show_default=False,
        ),
    ] = None,
    every: Annotated[
        bool,
        typer.Option("--all", help="Every event, every entity met and every source: no limit."),
    ] = False,
    reverse: Annotated[
        bool, typer.Option("--reverse", help="The profile's events newest first.")
    ] = False,
    no_pager: NoPagerOption = False,
    fmt: FormatOption = None,
    db: DbOption = None,
) -> None:
    """An entity's profile (aliases, roles over time, its latest events, whom it met most, the
    sources cited most) or an event's, source's or partnership's full record. A name shared by
    several records lists them. A profile shows at most 20 rows of each list (--limit N,
    --all) and says on stderr what it left out; `totals` in JSON, the `totals` rows in CSV and
    TSV, give how many there are in all.

    \b
    Examples:
      partnerkb show icesco
      partnerkb show "Nazim Samadov"
      partnerkb show Şuşa --format json
      partnerkb show azerbaijan --limit 5 --reverse
      partnerkb show 2024-01-30-samadov-almalik-rabat
    """
    from ..queries import PROFILE_LIMIT

    if every and limit is not None:
        raise InvalidInput("--limit and --all say different things; give one of them")
    page_setting(no_pager)
    kb = open_kb(ctx, db)
    output = choose_format(fmt)
    try:
        table, record = kb.resolve(id_or_name, partial=True)
    except Ambiguous as exc:
        rows = [_brief(kb, candidate) for candidate in exc.candidates]
        say(f"error: {id_or_name!r} names {len(rows)} records; show one by its id")
        emit(rows, BRIEF_COLUMNS, output, title=f"Records named {id_or_name!r}")
        raise typer.Exit(2) from None
    if table == "entities":
        _show_entity(kb, record, output, None if every else (limit or PROFILE_LIMIT), reverse)
    elif table == "events":
        _show_event(kb, record, output)
    elif table == "partnerships":
        _show_partnership(kb, record, output)
    elif table == "sources":
        _show_source(record, output)
    else:
        _show_record(record, TYPE_OF_TABLE[table], output)


def _brief(kb: KnowledgeBase, record_id: str) -> Json:
    from ..queries import date_label

    found = kb.get(record_id)
    assert found is not None
    table, record = found
    return {
        "type": TYPE_OF_TABLE[table],
        "id": record_id,
        "kind": record.get("kind", ""),
        "date": date_label(record["date"]) if record.get("date") else "",
        "title": record.get("name") or record.get("title"),
        "about": record.get("description")
        or "; ".join(r["title"] for r in record.get("roles") or []),
    }


def _show_partnership(kb: KnowledgeBase, partnership: Json, output: str) -> None:
    profile = partnership_profile(kb, partnership)
    if output in ("json", "jsonl"):
        _print_json(profile, indent=2 if output == "json" else None)
        return
    display = profile["display"]
    heading = " – ".join(display["parties"])
    fields: list[tuple[str, Any]] = [
        ("id", partnership["id"]),
        ("parties", display["parties"]),
        ("areas", partnership.get("areas")),
        ("summary", partnership.get("summary")),
        ("sources", display["sources"]),
    ]
    sections = [("Events", profile["timeline"], EVENT_COLUMNS)]
    if output == "table":
        sections_view(heading, fields, sections, sys.stdout)
    else:
        sections_delimited(fields, sections, output, sys.stdout)


def _show_source(source: Json, output: str) -> None:
    """A source: its headline only if it has one (a label of ours is shown as ours, never as a
    title), its outlet and who republished it, whether the copy is machine-translated."""
    from ..queries import source_label

    if output in ("json", "jsonl"):
        row = {**source, "type": "source", "display": {"label": source_label(source)}}
        _print_json(row, indent=2 if output == "json" else None)
        return
    if source.get("kind") == "own-record":  # the analyst's own knowledge: no publication
        fields: list[tuple[str, Any]] = [
            ("id", source["id"]),
            ("kind", "own record (what the analyst knew first-hand; --source self)"),
            ("entered on", source.get("published")),
            ("note", source.get("note")),
        ]
        if output == "table":
            sections_view(source_label(source), fields, [], sys.stdout)
        else:
            sections_delimited(fields, [], output, sys.stdout)
        return
    fields = [
        ("id", source["id"]),
        ("outlet", source.get("outlet")),
        ("republished by", source.get("republished_by")),
        ("headline", source.get("title") or "none (the copy has no headline)"),
        ("our description", source.get("label")),
        ("published", source.get("published")),
        ("language", source.get("language")),
        ("machine-translated", "yes" if source.get("machine_translated") else None),
        ("url", source.get("url")),
        ("note", source.get("note")),
    ]
    if output == "table":
        sections_view(source_label(source), fields, [], sys.stdout)
    else:
        sections_delimited(fields, [], output, sys.stdout)


def _show_record(record: Json, record_type: str, output: str) -> None:
    """A source or partnership: its fields as stored."""
    if output in ("json", "jsonl"):
        _print_json({**record, "type": record_type}, indent=2 if output == "json" else None)
        return
    fields = [(k, v) for k, v in record.items() if not isinstance(v, dict)]
    if output == "table":
        sections_view(record.get("title") or record["id"], fields, [], sys.stdout)
    else:
        sections_delimited(fields, [], output, sys.stdout)


def _print_json(value: Any, indent: int | None = 2) -> None:
    from ..render import write_json

    write_json(value, sys.stdout, indent=indent is not None)


def _show_entity(
    kb: KnowledgeBase, entity: Json, output: str, limit: int | None, reverse: bool
) -> None:
    profile = entity_profile(kb, entity, limit)
    if reverse:
        profile["events"].reverse()
    totals = profile["totals"]
    if output in ("json", "jsonl"):
        _print_json(profile, indent=2 if output == "json" else None)
        _say_what_is_left_out(entity["id"], profile, reverse)
        return
    from ..provenance import entry_for, mark

    external = []
    for scheme, value in (entity.get("external_ids") or {}).items():
        cited = entry_for(entity, f"external_ids.{scheme}") or entry_for(entity, "external_ids")
        words = mark(cited)
        external.append(f"{scheme}: {value} {words}" if words else f"{scheme}: {value}")
    fields: list[tuple[str, Any]] = [
        ("id", entity["id"]),
        ("kind", entity["kind"] + (" (unnamed group)" if entity.get("unnamed") else "")),
        ("aliases", _marked_list(entity, "aliases", entity.get("aliases"))),
        ("description", _marked(entity, "description", entity.get("description"))),
        ("located in", _marked(entity, "located_in", profile["display"]["located_in"])),
        ("tags", _marked_list(entity, "tags", entity.get("tags"))),
        ("external ids", external),
        ("holders", [f"{h['period']}: {h['name']}" for h in profile["display"].get("holders", [])]),
    ]
    sources = [
        {"id": s["id"], "published": s.get("published"), "outlet": s["outlet"],
         "title": s.get("title"), "url": s.get("url"), "citations": s["citations"]}
        for s in profile["cited_sources"]
    ]  # fmt: skip
    events, met = profile["events"], profile["met"]
    table = output == "table"  # a table's titles say what was cut; CSV's sections keep names
    sections = [
        ("Roles", profile["roles"], ROLE_COLUMNS),
        ("Related (not merged)", profile["related"], RELATED_COLUMNS),
        ("People with roles here", profile["people"], PEOPLE_COLUMNS),
        (_cut_title("Events", table, "the latest {shown} of {total}", len(events),
                    totals["events"]), events, EVENT_COLUMNS),
        (_cut_title("Met", table, "the {shown} met most, of {total}", len(met), totals["met"]),
         met, MET_COLUMNS),
        ("Partnerships", profile["partnerships"], PARTNERSHIP_COLUMNS),
        (_cut_title("Sources", table, "the {shown} cited most, of {total}", len(sources),
                    totals["cited_sources"]), sources, PROFILE_SOURCE_COLUMNS),
    ]  # fmt: skip
    if table:
        sections_view(entity["name"], fields, sections, sys.stdout)
    else:
        totals_rows = [("events", totals["events"]), ("met", totals["met"]),
                       ("sources", totals["cited_sources"])]  # fmt: skip
        sections_delimited([("name", entity["name"]), *fields], sections, output, sys.stdout,
                           totals=totals_rows)  # fmt: skip
    _say_what_is_left_out(entity["id"], profile, reverse)


def _cut_title(name: str, table: bool, which: str, shown: int, total: int) -> str:
    """A profile section's title, in a table saying when it shows only some: 'Events (the
    latest 20 of 7,100)'."""
    if not table or shown >= total:
        return name
    return f"{name} ({which.format(shown=f'{shown:,}', total=f'{total:,}')})"


def _say_what_is_left_out(entity_id: str, profile: Json, reverse: bool) -> None:
    """One line on stderr for each list of a profile that was cut, with what shows it all."""
    import shlex

    totals, quoted = profile["totals"], shlex.quote(entity_id)
    left = totals["events"] - len(profile["events"])
    if left:
        info(f"{left:,} earlier events not shown (the latest {len(profile['events']):,} of "
             f"{totals['events']:,}); all of them: partnerkb timeline --entity {quoted}"
             + (" --reverse" if reverse else ""))  # fmt: skip
    left = totals["met"] - len(profile["met"])
    if left:
        info(f"{left:,} more entities met not shown (the {len(profile['met']):,} met most of "
             f"{totals['met']:,}); all of them: partnerkb show {quoted} --all")
    left = totals["cited_sources"] - len(profile["cited_sources"])
    if left:
        info(f"{left:,} more sources not shown (the {len(profile['cited_sources']):,} cited "
             f"most of {totals['cited_sources']:,}); all of them: partnerkb list sources "
             f"--entity {quoted}")


def _show_event(kb: KnowledgeBase, event: Json, output: str) -> None:
    row = event_profile(kb, event)
    if output in ("json", "jsonl"):
        _print_json(row, indent=2 if output == "json" else None)
        return
    fields = event_fields(event, row)
    if output == "table":
        sections_view(event["title"], fields, [], sys.stdout)
    else:
        sections_delimited([("title", event["title"]), *fields], [], output, sys.stdout)


def event_fields(event: Json, row: Json) -> list[tuple[str, Any]]:
    """The fields `show EVENT` prints, each marked when its sources do not state it (inferred,
    or outside knowledge), the status as it reads today, links by their type."""
    display = row["display"]
    date_text = display["date"]
    phrase = event["date"].get("phrase")
    if phrase:
        resolved = event["date"].get("resolved_against")
        date_text += (
            f" (the source says “{phrase}”, read as of {resolved})"
            if resolved
            else f" (the source says “{phrase}”)"
        )
    edition = display.get("edition_of")
    edition_text = None
    if edition:
        number = f"edition {edition['number']} of " if edition.get("number") else "an edition of "
        edition_text = number + edition["name"] + (f" ({edition['note']})" if edition.get("note")
                                                   else "")  # fmt: skip
    return [
        ("id", event["id"]),
        ("kind", f"{event['kind']} (CAMEO {display['typology']['cameo']} "
                 f"{display['typology']['cameo_label']}, PLOVER {display['typology']['plover']})"),
        ("date", _marked(event, "date", date_text)),
        ("status", _marked(event, "status", display["status"])),
        ("place", _marked(event, "place", display["place"])),
        ("participants", _participants_marked(event, row)),
        ("organizations", _marked(event, "organizations", display["organizations"])),
        ("edition of", edition_text),
        ("topics", event.get("topics")),
        ("tags", event.get("tags")),
        ("summary", _marked(event, "summary", event.get("summary"))),
        ("fulfils", display["links"].get("fulfils", {}).get("title")),
        ("fulfilled by", display["links"].get("fulfilled_by", {}).get("title")),
        ("links", [f"{link['type'].replace('_', ' ')}: {link['title']} ({link['id']})"
                   for link in display["event_links"]]),
        ("related events", [f"{r['title']} ({r['id']})" for r in display["related_events"]]),
        ("status history", [
            f"{h['status']} as of {h['as_of']}: {'; '.join(h['sources'])}" if h.get("as_of")
            else f"{h['status']}: {'; '.join(h['sources'])}"
            for h in display["status_history"]
        ]),
        ("sources", display["sources"]),
    ]  # fmt: skip


def search_command(
    ctx: typer.Context,
    query: Annotated[
        list[str],
        typer.Argument(help="Words to find, in any spelling; all must match. Quote a phrase."),
    ],
    kind: Annotated[
        list[str] | None,
        typer.Option(
            "--kind",
            "-k",
            help="Only records of this kind (meeting, person...) or type (event, entity, "
            "source, partnership); repeatable.",
            show_default=False,
        ),
    ] = None,
    entity: EntityFilterOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    planned: PlannedOption = False,
    source: SourceFilterOption = None,
    order: DateOrderOption = None,
    limit: Annotated[
        int, typer.Option("--limit", "-n", min=1, metavar="N", help="At most N results.")
    ] = 50,
    reverse: Annotated[
        bool, typer.Option("--reverse", help="The results in reverse order (best last).")
    ] = False,
    no_pager: NoPagerOption = False,
    fmt: FormatOption = None,
    db: DbOption = None,
) -> None:
    """Find records however their names are spelled: accents, scripts and transliterations
    (Şuşa, Shusha, Shushi), typos (Samdov), aliases. Best matches first, recent events first
    at equal relevance; every format carries the score and the fields that matched. Searching
    an entity also finds the events it took part in (`via`). --entity, --since, --until and
    --planned search events only. Stderr says how many matched, counted up to 1,000 or 4 x
    --limit (past that: "more than 1000"). Exit code 1 when nothing matches.

    \b
    Examples:
      partnerkb search Shusha
      partnerkb search Şuşa --format json
      partnerkb search Samadov --kind meeting --since 2024
      partnerkb search "culture capital" --until "May 2024"
      partnerkb search ICESCO --entity azerbaijan --planned
      partnerkb search Shusha --source icesco-2022-11-21-shusha-medal
    """
    from ..search import SearchFilter, group_rows, hit_row, search, store_fingerprint
    from .common import store_location

    # taken before the store is read, so that an index never outlives a change to the store
    fingerprint = store_fingerprint(store_location(ctx, db).path)
    kb = open_kb(ctx, db)
    start, end = parse_since_until(since, until, date_order(order))
    types = tuple(TYPE_OF_TABLE.values())
    # the kinds in use are read only to check an unusual --kind: reading them loads the small
    # tables, which would keep search from the engine's full-text index
    kinds = check_kinds(kb, kind or [], list(TYPE_OF_TABLE), "--kind", "kind or record type",
                        "kinds and types", also=types)  # fmt: skip
    spec = SearchFilter(
        kinds=kinds,
        entities=tuple(kb.resolve(e, ("entities",), partial=True)[1]["id"] for e in entity or []),
        since=start,
        until=end,
        statuses=PENDING_STATUSES if planned else (),
        sources=source_ids(kb, source),
    )
    result = search(kb, query, spec, limit=limit, fingerprint=fingerprint)
    page_setting(no_pager)
    rows = [hit_row(kb, h) for h in result.hits]
    if result.more_than is not None:
        info(f"showing the best {len(rows)} of more than {result.more_than} matches; --limit"
             " shows more")
    elif result.total > len(rows):
        info(f"showing the best {len(rows)} of {result.total} matches; --limit shows more")
    if reverse:
        rows.reverse()
    output = choose_format(fmt)
    title = f"Search: {' '.join(query)}"
    if output != "table":
        emit(rows, HIT_COLUMNS, output, title=title)
        return
    # the table: what matched first (wide enough for group headings), the id under it
    columns = [
        Column("match", _get("label"), highlight=True, detail=_get("id")),
        Column("kind", _get("kind")),
        Column("date", _get("date"), style="cyan", max_width=24),
        Column("status", _get("status_label")),
        Column("score", _get("score")),
        Column("matched", _get("matched"), max_width=24),
    ]
    groups = group_rows(kb, rows)
    heading = {row["id"]: name for name, members in groups for row in members}
    emit(
        [row for _, members in groups for row in members],
        columns,
        output,
        title=title,
        group=(lambda row: heading[row["id"]]) if len(groups) > 1 else None,
        highlight_terms=result.highlight_terms(row["title"] for row in rows),
    )
