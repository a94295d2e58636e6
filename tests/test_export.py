"""export: every format from the shipped knowledge base, the timeline filters, --output and
--force, and store text that never becomes markup, a formula or a broken file."""

from __future__ import annotations

import csv
import io
import json
import re
import sqlite3
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from partnerkb.engines import open_engine
from partnerkb.store import read_store, shipped_store_path

FORMATS = ("json", "jsonl", "csv", "md", "ics", "timelinejs", "ftm", "dot", "mermaid", "gexf",
           "graphml", "html", "xlsx", "sqlite")  # fmt: skip
# the shipped knowledge base grows as reports are ingested (issue 12): counted, not pinned
SHIPPED_EVENTS = len(read_store(shipped_store_path()).tables["events"])


def export(cli, *args: str, db: Path | None = None):
    prefix = ("--db", str(db)) if db else ()
    return cli(*prefix, "export", *args)


def csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def with_hostile_event(path: Path) -> None:
    """A title and summary made to break every format: markup, formulas, quotes, escapes."""
    data = read_store(path)
    event = dict(data.find("events", "2024-01-30-samadov-almalik-rabat") or {})
    event["title"] = '=HYPERLINK("http://x") <script>alert(1)</script> *bold* [link](u) "q" \\'
    event["summary"] = "-2+3 `code` # heading | pipe\nsecond line ]] }"
    store = open_engine(path)
    with store.transaction("test: hostile text") as tx:
        tx.replace("events", event)


# -- every format ------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_exports_the_shipped_knowledge_base_without_error(cli, fmt, tmp_path):
    target = tmp_path / f"kb.{fmt}"
    result = export(cli, "--format", fmt, "--output", str(target))
    assert result.exit_code == 0, result.stderr
    assert target.stat().st_size > 0
    assert f"exported {SHIPPED_EVENTS} events as {fmt}" in result.stderr
    assert result.stdout == ""


def test_json_export_is_every_record_exactly_as_stored_with_its_table_as_type(cli):
    result = export(cli, "--format", "json")
    assert result.exit_code == 0, result.stderr
    items = json.loads(result.stdout)
    data = read_store(shipped_store_path())
    for table, singular in (("sources", "source"), ("entities", "entity"), ("events", "event"),
                            ("partnerships", "partnership")):  # fmt: skip
        exported = [{k: v for k, v in i.items() if k != "type"} for i in items
                    if i["type"] == singular]  # fmt: skip
        assert sorted(exported, key=lambda r: r["id"]) == sorted(
            data.records(table), key=lambda r: r["id"]
        )


def test_jsonl_export_is_one_record_a_line_for_jq(cli):
    lines = export(cli, "--format", "jsonl").stdout.splitlines()
    items = [json.loads(line) for line in lines]
    shipped = read_store(shipped_store_path())
    assert len(items) == sum(len(shipped.records(t)) for t in
                             ("sources", "entities", "events", "partnerships"))  # fmt: skip
    assert sum(i["type"] == "event" for i in items) == SHIPPED_EVENTS
    assert {i["type"] for i in items} == {"source", "entity", "event", "partnership"}
    # sources come first, so that a reader meets what others cite before they cite it
    assert items[0]["type"] == "source"


def test_filtered_json_export_carries_what_the_events_refer_to_and_nothing_else(cli):
    result = export(cli, "--format", "jsonl", "--entity", "Nazim Samadov", "--kind", "meeting")
    items = [json.loads(line) for line in result.stdout.splitlines()]
    events = [i["id"] for i in items if i["type"] == "event"]
    assert "2024-01-30-samadov-almalik-rabat" in events
    assert all(i["kind"] == "meeting" for i in items if i["type"] == "event" and i["id"] in events
               and "samadov" in i["id"])  # fmt: skip
    ids = {i["id"] for i in items}
    for item in items:
        for cite in item.get("sources") or []:
            assert cite["source"] in ids
        for participant in item.get("participants") or []:
            assert participant["entity"] in ids
    assert "shusha" not in ids  # not named by Samadov's meetings
    # the partnership refers to events left out: it stays out rather than dangle
    assert "icesco-azerbaijan" not in ids


def test_export_uses_the_filters_of_timeline(cli):
    planned = csv_rows(export(cli, "--format", "csv", "--planned").stdout)
    assert planned and {r["status"] for r in planned} <= {"planned", "postponed"}
    since = csv_rows(export(cli, "--format", "csv", "--since", "2024").stdout)
    assert all(r["date"] >= "2024" or r["date"].startswith("[") for r in since)
    assert "2021-01-almalik-visit-azerbaijan" not in {r["id"] for r in since}
    kinds = csv_rows(export(cli, "--format", "csv", "--kind", "award").stdout)
    assert [r["id"] for r in kinds] == ["2022-11-20-shusha-medal-almalik"]


def test_a_filter_matching_nothing_exits_1(cli):
    result = export(cli, "--format", "json", "--kind", "agreement")  # no agreement stored
    assert result.exit_code == 1
    assert result.stderr.startswith("error: no event matches")


def test_an_unknown_format_is_a_usage_error(cli):
    result = export(cli, "--format", "docx")
    assert result.exit_code == 2
    assert "'docx' is not one of json, jsonl, csv" in result.stderr


def test_an_unknown_entity_filter_suggests_the_closest_name(cli):
    result = export(cli, "--format", "csv", "--entity", "Samdov")
    assert result.exit_code == 2
    assert "nazim-samadov" in result.stderr


# -- --output, --force ---------------------------------------------------------------------------


def test_output_refuses_to_overwrite_without_force(cli, tmp_path):
    target = tmp_path / "out.json"
    target.write_text("precious")
    result = export(cli, "--format", "json", "--output", str(target))
    assert result.exit_code == 2
    assert "already exists" in result.stderr and "--force" in result.stderr
    assert target.read_text() == "precious"
    forced = export(cli, "--format", "json", "--output", str(target), "--force")
    assert forced.exit_code == 0
    assert json.loads(target.read_text())[0]["type"] == "source"


def test_output_into_a_missing_folder_is_one_clear_error(cli, tmp_path):
    result = export(cli, "--format", "csv", "--output", str(tmp_path / "no" / "such.csv"))
    assert result.exit_code == 2
    assert result.stderr.startswith("error: cannot write")
    assert "Traceback" not in result.stderr


def test_output_leaves_no_temporary_file_behind(cli, tmp_path):
    export(cli, "--format", "md", "--output", str(tmp_path / "dossier.md"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dossier.md"]


# -- csv --------------------------------------------------------------------------------------


def test_csv_has_one_row_per_event_in_date_order_with_a_header(cli):
    rows = csv_rows(export(cli, "--format", "csv").stdout)
    assert len(rows) == SHIPPED_EVENTS
    assert list(rows[0])[:4] == ["id", "date", "date_display", "kind"]
    row = next(r for r in rows if r["id"] == "2024-05-shusha-culture-capital-launch")
    assert row["date"] == "2024-05" and row["date_display"] == "May 2024"
    assert row["cameo"] and row["plover"]
    samadov = next(r for r in rows if r["id"] == "2024-01-30-samadov-almalik-rabat")
    assert "nazim-samadov:guest:" in samadov["participants"]


def test_csv_cells_never_start_a_formula(cli, shipped_copy):
    with_hostile_event(shipped_copy)
    text = export(cli, "--format", "csv", db=shipped_copy).stdout
    for row in csv.reader(io.StringIO(text)):
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@")), cell
    row = next(r for r in csv_rows(text) if r["id"] == "2024-01-30-samadov-almalik-rabat")
    assert row["title"].startswith("'=HYPERLINK")
    assert row["summary"].startswith("'-2+3")


# -- md ---------------------------------------------------------------------------------------


def test_md_dossier_has_the_partnership_the_timeline_by_year_and_sources_as_footnotes(cli):
    text = export(cli, "--format", "md", "--entity", "icesco").stdout
    assert text.startswith("# Timeline: ICESCO\n")
    assert "## Partnerships" in text and "### ICESCO – Azerbaijan" in text
    assert "### 2021" in text and "### 2024" in text
    assert "**30 January 2024**" in text and "**November 2024**" in text
    assert "**early 2023 \\(approx.\\)**" not in text  # parentheses are left alone
    assert "**early 2023 (approx.)**" in text
    footnotes = [line for line in text.splitlines() if line.startswith("[^")]
    assert footnotes and footnotes[0].startswith("[^1]: ICESCO, “ICESCO and Azerbaijan")
    marks = {m for line in text.splitlines() if not line.startswith("[^")
             for m in re.findall(r"\[\^(\d+)\]", line)}  # fmt: skip
    assert marks == {line.split("]")[0][2:] for line in footnotes}


def test_md_events_are_items_with_paragraphs_and_footnote_marks_never_run_together(cli):
    text = export(cli, "--format", "md").stdout
    assert not re.search(r"\]\[\^", text)  # [^1][^2] would read as footnote 12
    assert re.search(r"\[\^\d+\],\[\^\d+\]", text)
    blocks = text.split("\n\n")
    item = next(b for b in blocks if b.startswith("- **30 January 2024**"))
    assert "\n" not in item  # the heading line of the item alone: details are paragraphs
    after = blocks[blocks.index(item) + 1]
    assert after.startswith("  Participants: ") and "\n" not in after
    # a renderer (markdown-it, CommonMark) sees separate paragraphs inside one list item
    from markdown_it import MarkdownIt

    tokens = MarkdownIt("commonmark").parse(text)
    items = sum(t.type == "list_item_open" for t in tokens)
    assert items == SHIPPED_EVENTS
    assert sum(t.type == "paragraph_open" and t.level > 0 for t in tokens) > 2 * items


def test_md_escapes_store_text(cli, shipped_copy):
    with_hostile_event(shipped_copy)
    text = export(cli, "--format", "md", db=shipped_copy).stdout
    assert "<script>" not in text
    assert "\\<script\\>" in text
    assert "\\*bold\\*" in text and "\\[link\\]" in text
    assert "second line" in text and "\nsecond line" not in text  # one line per field


# -- ics --------------------------------------------------------------------------------------


def parse_calendar(data: bytes):
    from icalendar import Calendar

    return Calendar.from_ical(data)


def test_ics_is_a_calendar_a_real_parser_reads(cli):
    from datetime import date

    calendar = parse_calendar(export(cli, "--format", "ics").stdout_bytes)
    events = {str(e["UID"]): e for e in calendar.walk("VEVENT")}
    assert len(events) == SHIPPED_EVENTS
    day = events["2024-01-30-samadov-almalik-rabat@partnerkb"]
    assert day.decoded("DTSTART") == date(2024, 1, 30)
    assert day.decoded("DTEND") == date(2024, 1, 31)  # exclusive end: one whole day
    assert str(day["STATUS"]) == "CONFIRMED"
    month = events["2024-05-shusha-culture-capital-launch@partnerkb"]
    assert month.decoded("DTSTART") == date(2024, 5, 1)
    assert month.decoded("DTEND") == date(2024, 6, 1)
    year = events["2024-shusha-culture-capital-year@partnerkb"]
    assert (year.decoded("DTSTART"), year.decoded("DTEND")) == (date(2024, 1, 1), date(2025, 1, 1))


def test_ics_marks_planned_events_tentative_and_states_the_date_and_source(cli):
    calendar = parse_calendar(export(cli, "--format", "ics", "--planned").stdout_bytes)
    events = list(calendar.walk("VEVENT"))
    assert events and all(str(e["STATUS"]) == "TENTATIVE" for e in events)
    description = str(events[0]["DESCRIPTION"])
    assert description.startswith("Date as stated: ")
    assert "Sources: " in description
    assert "News.az" in description or "ICESCO" in description


def test_ics_gives_an_open_ended_date_its_known_day(cli):
    from datetime import date

    calendar = parse_calendar(export(cli, "--format", "ics").stdout_bytes)
    earlier = next(e for e in calendar.walk("VEVENT")
                   if str(e["UID"]).startswith("almalik-karimov-earlier-meeting"))  # fmt: skip
    assert earlier.decoded("DTSTART") == date(2022, 11, 20)
    assert "on or before 20 November 2022" in str(earlier["DESCRIPTION"])


def test_ics_of_one_store_state_is_the_same_every_time(cli):
    first = export(cli, "--format", "ics").stdout_bytes
    assert export(cli, "--format", "ics").stdout_bytes == first


# -- timelinejs -------------------------------------------------------------------------------


def test_timelinejs_dates_keep_their_precision_and_display_date_as_stated(cli):
    document = json.loads(export(cli, "--format", "timelinejs").stdout)
    slides = {s["unique_id"]: s for s in document["events"]}
    assert len(slides) == SHIPPED_EVENTS
    assert document["title"]["text"]["headline"]
    assert slides["2024-05-shusha-culture-capital-launch"]["start_date"] == {
        "year": "2024", "month": "5", "display_date": "May 2024"
    }  # fmt: skip
    assert slides["2024-shusha-culture-capital-year"]["start_date"]["year"] == "2024"
    assert "month" not in slides["2024-shusha-culture-capital-year"]["start_date"]
    office = slides["2023-icesco-baku-office-opening"]
    assert office["display_date"] == "early 2023 (approx.)"
    assert office["start_date"]["month"] == "1" and office["end_date"]["month"] == "4"


def test_timelinejs_text_is_html_escaped(cli, shipped_copy):
    with_hostile_event(shipped_copy)
    document = json.loads(export(cli, "--format", "timelinejs", db=shipped_copy).stdout)
    slide = next(s for s in document["events"]
                 if s["unique_id"] == "2024-01-30-samadov-almalik-rabat")  # fmt: skip
    assert "<script>" not in slide["text"]["headline"]
    assert "&lt;script&gt;" in slide["text"]["headline"]


# -- ftm --------------------------------------------------------------------------------------

# (the properties and references are checked against followthemoney's model in
# test_export_ftm.py)


def test_ftm_is_json_lines_of_entities_with_known_schemata_and_list_properties(cli):
    lines = export(cli, "--format", "ftm").stdout.splitlines()
    entities = [json.loads(line) for line in lines]
    ids = {e["id"] for e in entities}
    assert len(ids) == len(entities)
    for entity in entities:
        assert set(entity) == {"id", "schema", "properties"}
        for values in entity["properties"].values():
            assert isinstance(values, list) and all(isinstance(v, str) for v in values)
    by_id = {e["id"]: e for e in entities}
    assert by_id["nazim-samadov"]["schema"] == "Person"
    assert by_id["icesco"]["schema"] == "Organization"
    meeting = by_id["2024-01-30-samadov-almalik-rabat"]
    assert meeting["schema"] == "Event" and meeting["properties"]["date"] == ["2024-01-30"]
    assert "nazim-samadov" in meeting["properties"]["involved"]
    assert by_id["2024-05-shusha-culture-capital-launch"]["properties"]["date"] == ["2024-05"]
    occupancies = [e for e in entities if e["schema"] == "Occupancy"
                   and e["properties"]["holder"] == ["nazim-samadov"]]  # fmt: skip
    assert occupancies and occupancies[0]["properties"]["post"][0] in ids
    for entity in entities:  # every reference points at an entity of the file
        for prop in ("involved", "organizer", "holder", "post", "subject", "object"):
            for ref in entity["properties"].get(prop, []):
                assert ref in ids, (entity["id"], prop, ref)


# -- dot, mermaid -----------------------------------------------------------------------------


def test_dot_shows_who_met_whom_and_which_organizations_partner(cli):
    text = export(cli, "--format", "dot").stdout
    assert text.startswith("graph ") and text.rstrip().endswith("}")
    assert '"nazim-samadov" [label="Nazim Samadov", shape=ellipse];' in text
    edge = '"nazim-samadov" -- "salim-almalik" [label="met: 2 events", weight=2, penwidth=2];'
    assert edge in text
    assert '"azerbaijan" -- "icesco" [label="partnership;' in text


def test_dot_names_its_layout_and_leaves_out_what_made_large_graphs_take_minutes(cli):
    text = export(cli, "--format", "dot").stdout
    assert "  layout=sfdp;\n" in text and "splines" not in text
    help_text = cli("export", "--help").stdout
    assert "sfdp" in help_text


def test_graph_edges_weigh_happened_events_and_dash_planned_ones(cli):
    text = export(cli, "--format", "dot").stdout
    planned_only = [line for line in text.splitlines() if "style=dashed" in line]
    assert planned_only and all('label="planned: ' in line for line in planned_only)
    assert all("weight=" not in line for line in planned_only)
    # namesakes are told apart by what their records say
    assert 'label="Anar Karimov (Minister of Culture' in text
    assert "label=\"Anar Karimov (Head of ICESCO" in text


def test_mermaid_over_its_size_limit_is_refused_with_a_clear_message(cli, tmp_path):
    from partnerkb.interchange.exporters.mermaid import MERMAID_MAX_TEXT

    big = tmp_path / "big.json"
    data = read_store(shipped_store_path())
    source = next(iter(data.tables["sources"].values()))["id"]
    store = open_engine(big)
    store.create(data)
    people = [f"person-{n:04d}" for n in range(400)]
    with store.transaction("test: many people") as tx:
        for person in people:
            tx.insert("entities", {"id": person, "kind": "person", "name": person.title(),
                                   "sources": [{"source": source}]})  # fmt: skip
        for n in range(0, 400, 4):
            tx.insert("events", {"id": f"meeting-{n}", "kind": "meeting", "title": "Talks",
                                 "date": {"edtf": "2024-03-05", "earliest": "2024-03-05",
                                          "latest": "2024-03-05"}, "status": "happened",
                                 "participants": [{"entity": p} for p in people[n:n + 4]]
                                 + [{"entity": "nazim-samadov"}],
                                 "sources": [{"source": source}]})  # fmt: skip
    result = export(cli, "--format", "mermaid", db=big)
    assert result.exit_code == 2 and result.stdout == ""
    assert f"Mermaid draws at most {MERMAID_MAX_TEXT:,}" in result.stderr
    assert "--entity" in result.stderr and "traceback" not in result.stderr.lower()
    small = export(cli, "--format", "mermaid", "--entity", "icesco", db=big)
    assert small.exit_code == 0 and len(small.stdout) <= MERMAID_MAX_TEXT


@pytest.mark.parametrize("fmt", ["gexf", "graphml"])
def test_gexf_and_graphml_carry_node_kinds_weights_planned_links_and_dates(cli, fmt):
    import networkx as nx

    data = export(cli, "--format", fmt).stdout_bytes
    reader = nx.read_gexf if fmt == "gexf" else nx.read_graphml
    graph = reader(io.BytesIO(data))
    assert graph.nodes["nazim-samadov"]["kind"] == "person"
    assert graph.nodes["icesco"]["kind"] == "organization"
    edge = graph.edges["nazim-samadov", "salim-almalik"]
    assert edge["weight"] == 2 and edge["kind"] == "met"
    first, last = ("start", "end") if fmt == "gexf" else ("first_date", "last_date")
    assert edge[first] <= edge[last] and re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(edge[first]))
    assert any(d["kind"] == "planned" and d["planned"] > 0 for _, _, d in graph.edges(data=True))
    assert export(cli, "--format", fmt).stdout_bytes == data  # the same every time


def test_dot_escapes_quotes_and_backslashes_in_labels(cli, shipped_copy):
    data = read_store(shipped_copy)
    entity = dict(data.find("entities", "nazim-samadov") or {})
    entity["name"] = 'Nazim "The" Samadov \\ x'
    with open_engine(shipped_copy).transaction("test") as tx:
        tx.replace("entities", entity)
    text = export(cli, "--format", "dot", db=shipped_copy).stdout
    assert '[label="Nazim \\"The\\" Samadov \\\\ x", shape=ellipse]' in text


def test_mermaid_shows_the_network_with_escaped_labels(cli, shipped_copy):
    data = read_store(shipped_copy)
    entity = dict(data.find("entities", "nazim-samadov") or {})
    entity["name"] = 'Nazim "x" <b>#1</b> [y]'
    with open_engine(shipped_copy).transaction("test") as tx:
        tx.replace("entities", entity)
    text = export(cli, "--format", "mermaid", db=shipped_copy).stdout
    assert text.startswith("graph LR\n")
    line = next(line for line in text.splitlines() if line.strip().startswith("n_nazim_samadov("))
    assert (
        line.strip() == 'n_nazim_samadov("Nazim #quot;x#quot; #lt;b#gt;#35;1#lt;/b#gt; #91;y#93;")'
    )
    assert 'n_nazim_samadov ---|"met: 2 events"| n_salim_almalik' in text


# -- sqlite -----------------------------------------------------------------------------------


def test_sqlite_export_can_be_queried_with_sql(cli, tmp_path):
    target = tmp_path / "kb.sqlite"
    assert export(cli, "--format", "sqlite", "--output", str(target)).exit_code == 0
    conn = sqlite3.connect(target)
    try:
        tables = {r[0] for r in conn.execute("select name from sqlite_master where type='table'")}
        assert {"entities", "events", "participants", "sources"} <= tables
        met = conn.execute(
            "select e.id, e.date_display from events e join participants p on p.event = e.id "
            "where p.entity = 'nazim-samadov' order by e.date_earliest"
        ).fetchall()
        assert met[-1] == ("2024-01-30-samadov-almalik-rabat", "30 January 2024")
        assert conn.execute("select count(*) from events").fetchone()[0] == SHIPPED_EVENTS
        (record,) = conn.execute("select record from events where id = ?", (met[-1][0],)).fetchone()
        assert json.loads(record)["id"] == met[-1][0]
        cited = conn.execute(
            "select count(*) from citations c left join sources s on s.id = c.source "
            "where s.id is null"
        ).fetchone()[0]
        assert cited == 0
    finally:
        conn.close()


def test_sqlite_to_a_pipe_is_the_database_file(cli, tmp_path):
    result = export(cli, "--format", "sqlite")
    assert result.exit_code == 0
    assert result.stdout_bytes.startswith(b"SQLite format 3\x00")


# -- the fast paths write what the plain code wrote -----------------------------------------------


def test_csv_rows_are_the_cells_render_writes_for_the_csv_columns(shipped_copy):
    from partnerkb.interchange.exporters import export, select
    from partnerkb.interchange.exporters.csv import CSV_COLUMNS
    from partnerkb.queries import KnowledgeBase
    from partnerkb.render import write_delimited

    with_hostile_event(shipped_copy)
    data = read_store(shipped_copy)
    event = dict(data.find("events", "2024-05-shusha-culture-capital-launch") or {})
    event["tags"] = ["+tag", "@at"]
    event["summary"] = "\ttabbed\nand\x1b[31mcoloured"  # what a validated store cannot hold
    data.tables["events"][next(k for k, e in data.tables["events"].items()
                                if e["id"] == event["id"])] = event  # fmt: skip
    selection = select(KnowledgeBase(data))
    reference = io.StringIO()
    write_delimited(selection.events, CSV_COLUMNS, "csv", reference)
    assert export(selection, "csv").decode("utf-8") == reference.getvalue()
    assert "'+tag; @at" in reference.getvalue() and "\\x1b[31m" in reference.getvalue()


def _md_text_reference(value) -> str:
    """md_text as first written, with three regular expressions."""
    from partnerkb.render import safe_text

    text = " ".join(safe_text(value).split())
    text = re.sub(r"([\\`*_\[\]<>|~&])", r"\\\1", text)
    return re.sub(r"^(\d+)\.", r"\1\\.", re.sub(r"^([-+#])", r"\\\1", text))


@given(st.text(alphabet=st.sampled_from("ab 1٣²-+#.\\`*_[]<>|~&\n\t\x1b"), max_size=12)
       | st.text(max_size=30))  # fmt: skip
def test_md_text_escapes_as_the_regular_expressions_did(text):
    from partnerkb.interchange.exporters.md import md_text

    assert md_text(text) == _md_text_reference(text)


def test_timelinejs_is_the_json_the_standard_library_writes_with_a_two_space_indent(cli):
    data = export(cli, "--format", "timelinejs").stdout_bytes
    document = json.loads(data)
    assert data == (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def test_sqlite_export_has_full_text_indexes_datasette_finds(cli, tmp_path):
    target = tmp_path / "kb.sqlite"
    assert export(cli, "--format", "sqlite", "--output", str(target)).exit_code == 0
    conn = sqlite3.connect(target)
    try:
        for table in ("events", "entities", "sources"):
            # datasette.utils.detect_fts_sql: an FTS virtual table whose content is the table
            found = conn.execute(
                "select name from sqlite_master where rootpage = 0 and sql like "
                f"'%VIRTUAL TABLE%USING FTS%content=\"{table}\"%'"
            ).fetchall()
            assert found == [(f"{table}_fts",)]
        hits = conn.execute(
            "select events.id from events join events_fts on events.rowid = events_fts.rowid"
            " where events_fts match 'shusha' order by events.id"
        ).fetchall()
        assert ("2024-05-shusha-culture-capital-launch",) in hits
        people = conn.execute(
            "select entities.id from entities join entities_fts"
            " on entities.rowid = entities_fts.rowid where entities_fts match 'samadov'"
        ).fetchall()
        assert people == [("nazim-samadov",)]
    finally:
        conn.close()


def test_sqlite_export_has_its_indexes_and_a_sound_file(cli, tmp_path):
    target = tmp_path / "kb.sqlite"
    assert export(cli, "--format", "sqlite", "--output", str(target)).exit_code == 0
    conn = sqlite3.connect(target)
    try:
        indexes = {r[0] for r in conn.execute("select name from sqlite_master where type='index'"
                                              " and sql is not null")}  # fmt: skip
        assert indexes == {"participants_entity", "participants_event", "events_date",
                           "citations_record", "citations_source"}  # fmt: skip
        assert conn.execute("pragma integrity_check").fetchone() == ("ok",)
        plan = conn.execute("explain query plan select * from participants where entity = 'x'")
        assert "participants_entity" in " ".join(str(row) for row in plan)
    finally:
        conn.close()


@given(st.lists(st.tuples(st.text(alphabet="ab-\x00é", max_size=4),
                          st.text(alphabet="ab-\x00é", max_size=4)), unique=True))  # fmt: skip
def test_graph_edges_sort_as_the_pairs_of_ids_sort(pairs):
    from partnerkb.interchange.exporters.network import sorted_pairs

    assert sorted_pairs(pairs) == sorted(pairs)
