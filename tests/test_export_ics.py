"""export --format ics, written without a library: RFC 5545 line folding on UTF-8 boundaries,
TEXT escaping, CRLF line ends, and store text that can never end a property or start a new one;
icalendar (a test dependency) reads every file back."""

from __future__ import annotations

import re
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from partnerkb.engines import open_engine
from partnerkb.interchange.exporters.ics import ics_fold, ics_text
from partnerkb.store import read_store, shipped_store_path

# the shipped knowledge base grows as reports are ingested (issue 12): counted, not pinned
SHIPPED_EVENTS = len(read_store(shipped_store_path()).tables["events"])

EVENT = "2024-01-30-samadov-almalik-rabat"
LONG_TITLE = ("Şuşa, Ağdam; Xankəndi \\ مؤتمر الإيسيسكو — 会议 🎉 " * 6).strip()
HOSTILE_SUMMARY = "a; b, c \\ d\nEND:VEVENT\nBEGIN:VEVENT\nSUMMARY:injected"


def physical_lines(data: bytes) -> list[bytes]:
    assert data.endswith(b"\r\n")
    lines = data[:-2].split(b"\r\n")
    assert not any(b"\n" in line or b"\r" in line for line in lines), "a bare LF or CR"
    return lines


def unfold(data: bytes) -> list[str]:
    """Content lines as RFC 5545 3.1 reads them: a CRLF then a space joins two lines."""
    return data.decode("utf-8").replace("\r\n ", "")[:-2].split("\r\n")


def unescape(value: str) -> str:
    """A TEXT value as RFC 5545 3.3.11 reads it; refuses what is not a valid escape."""
    assert re.fullmatch(r"(?:[^\\;,]|\\[\\;,nN])*", value), value
    return re.sub(r"\\(.)", lambda m: "\n" if m.group(1) in "nN" else m.group(1), value)


def export_ics(cli, db: Path, *args: str) -> bytes:
    result = cli("--db", str(db), "export", "--format", "ics", *args)
    assert result.exit_code == 0, result.stderr
    return result.stdout_bytes


def parse_calendar(data: bytes):
    from icalendar import Calendar

    return Calendar.from_ical(data)


def with_event_text(path: Path, title: str, summary: str) -> None:
    event = dict(read_store(path).find("events", EVENT) or {})
    event["title"], event["summary"] = title, summary
    with open_engine(path).transaction("test: event text") as tx:
        tx.replace("events", event)


# -- folding and escaping, property by property -------------------------------------------------


@given(st.text(max_size=400))
def test_any_text_folds_into_lines_of_at_most_75_octets_that_unfold_to_the_escaped_text(text):
    line = "DESCRIPTION:" + ics_text(text)
    data = (ics_fold(line) + "\r\n").encode("utf-8")
    for n, physical in enumerate(physical_lines(data)):
        assert len(physical) <= 75
        physical.decode("utf-8")  # a fold never cuts a character in two
        assert n == 0 or physical.startswith(b" ")
    (unfolded,) = unfold(data)
    assert unfolded == line
    expected = text.replace("\r\n", "\n").replace("\r", "\n")
    assert unescape(unfolded.removeprefix("DESCRIPTION:")) == expected


def test_text_escapes_backslash_semicolon_comma_and_every_line_break():
    assert ics_text("a\\b;c,d\ne\r\nf\rg") == "a\\\\b\\;c\\,d\\ne\\nf\\ng"
    assert ics_text("plain text") == "plain text"


def test_a_fold_does_not_leave_an_escape_s_backslash_at_the_end_of_a_line():
    line = "SUMMARY:" + "x" * 65 + "\\,y" + "z" * 10
    first, second = ics_fold(line).split("\r\n")
    assert first == "SUMMARY:" + "x" * 65 and second == " \\,y" + "z" * 10


def test_a_fold_cuts_between_characters_of_several_octets():
    line = "SUMMARY:" + "🎉" * 30  # 8 + 120 octets: 16 emoji fit the first line, not 17
    physical = [p.encode("utf-8") for p in ics_fold(line).split("\r\n")]
    assert [len(p) for p in physical] == [8 + 16 * 4, 1 + 14 * 4]
    assert physical[0] + physical[1][1:] == line.encode("utf-8")


# -- whole calendars, read back by icalendar --------------------------------------------------


def test_long_non_ascii_text_with_special_characters_reads_back_unchanged(cli, shipped_copy):
    with_event_text(shipped_copy, LONG_TITLE, HOSTILE_SUMMARY)
    data = export_ics(cli, shipped_copy)
    for physical in physical_lines(data):
        assert len(physical) <= 75
        physical.decode("utf-8")
    events = {str(e["UID"]): e for e in parse_calendar(data).walk("VEVENT")}
    assert len(events) == SHIPPED_EVENTS  # nothing injected
    event = events[f"{EVENT}@partnerkb"]
    assert str(event["SUMMARY"]) == LONG_TITLE
    assert "\na; b, c \\ d\nEND:VEVENT\nBEGIN:VEVENT\nSUMMARY:injected\n" in str(
        event["DESCRIPTION"]
    )
    summary_line = next(line for line in unfold(data) if line.startswith("SUMMARY:Şuşa"))
    assert unescape(summary_line.removeprefix("SUMMARY:")) == LONG_TITLE


def test_every_line_of_a_calendar_ends_with_crlf_and_reads_back_as_valid_text(cli, shipped_copy):
    with_event_text(shipped_copy, LONG_TITLE, HOSTILE_SUMMARY)
    data = export_ics(cli, shipped_copy)
    lines = unfold(data)
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-1] == "END:VCALENDAR"
    assert lines.count("BEGIN:VEVENT") == lines.count("END:VEVENT") == SHIPPED_EVENTS
    for line in lines:
        name, _, value = line.partition(":")
        if name in ("SUMMARY", "DESCRIPTION", "LOCATION", "UID"):
            unescape(value)  # every ; , \ of the store text is escaped


def test_a_source_url_with_a_line_break_is_left_out_rather_than_break_the_calendar(
    cli, shipped_copy
):
    data = read_store(shipped_copy)
    event = data.find("events", EVENT) or {}
    source = dict(data.find("sources", event["sources"][0]["source"]) or {})
    source["url"] = "https://example.org/a\nBEGIN:VEVENT"
    with open_engine(shipped_copy).transaction("test: url") as tx:
        tx.replace("sources", source)
    calendar = parse_calendar(export_ics(cli, shipped_copy))
    events = {str(e["UID"]): e for e in calendar.walk("VEVENT")}
    assert len(events) == SHIPPED_EVENTS
    assert "BEGIN:VEVENT" not in str(events[f"{EVENT}@partnerkb"].get("URL", ""))


def test_a_calendar_name_stays_on_its_line_and_reads_back_as_written(cli, shipped_copy):
    data = read_store(shipped_copy)
    entity = dict(data.find("entities", "nazim-samadov") or {})
    entity["name"] = "Nazim, Samadov;\nBEGIN:VEVENT"
    with open_engine(shipped_copy).transaction("test: name") as tx:
        tx.replace("entities", entity)
    calendar = parse_calendar(export_ics(cli, shipped_copy, "--entity", "nazim-samadov"))
    # an X- property is not escaped (icalendar writes and reads it as it is): one line of it
    assert str(calendar["X-WR-CALNAME"]) == "Timeline: Nazim, Samadov; BEGIN:VEVENT"
    assert all(str(e["UID"]).endswith("@partnerkb") for e in calendar.walk("VEVENT"))


def test_the_calendar_is_what_the_icalendar_library_writes_for_the_same_events(cli, shipped_copy):
    """The hand-written calendar follows icalendar's property order and escaping: a calendar
    built with the library from the same events has the same content lines. (Compared unfolded:
    where a long line folds is tested above, and is the library's own choice.)"""
    from icalendar import Calendar
    from icalendar import Event as VEvent

    with_event_text(shipped_copy, LONG_TITLE, HOSTILE_SUMMARY)
    ours = export_ics(cli, shipped_copy)
    theirs = Calendar()
    parsed = parse_calendar(ours)
    for name in ("prodid", "version", "calscale", "x-wr-calname"):
        theirs.add(name, parsed[name])
    for event in parsed.walk("VEVENT"):
        copy = VEvent()
        for name, _ in event.property_items(recursive=False)[1:-1]:
            copy.add(name, event[name] if name != "CATEGORIES" else event[name].cats)
        theirs.add_component(copy)
    assert unfold(theirs.to_ical()) == unfold(ours)


def test_each_event_cites_its_sources_as_the_timeline_shows_them(cli):
    import json

    rows = json.loads(cli("timeline", "--format", "json").stdout)
    calendar = parse_calendar(cli("export", "--format", "ics").stdout_bytes)
    described = {str(e["UID"]).removesuffix("@partnerkb"): str(e["DESCRIPTION"])
                 for e in calendar.walk("VEVENT")}  # fmt: skip
    assert len(rows) == len(described) == SHIPPED_EVENTS
    for row in rows:
        last = described[row["id"]].splitlines()[-1]
        assert last == "Sources: " + " | ".join(row["display"]["sources"])
        assert any("(" in source for source in row["display"]["sources"])  # with a locator


# -- spans that are not a day -------------------------------------------------------------------


def test_a_month_a_year_or_a_window_is_free_time_and_its_title_says_what_it_is(cli):
    calendar = parse_calendar(cli("export", "--format", "ics").stdout_bytes)
    events = {str(e["UID"]).removesuffix("@partnerkb"): e for e in calendar.walk("VEVENT")}
    day = events["2024-01-30-samadov-almalik-rabat"]
    assert "TRANSP" not in day  # a day is busy time, the default
    assert "[" not in str(day["SUMMARY"])
    month = events["2024-05-shusha-culture-capital-launch"]
    assert str(month["TRANSP"]) == "TRANSPARENT"
    assert str(month["SUMMARY"]).endswith("[month: May 2024]")
    year = events["2024-shusha-culture-capital-year"]
    assert str(year["TRANSP"]) == "TRANSPARENT"
    assert str(year["SUMMARY"]).endswith("[year: 2024]")
    windows = [e for e in events.values() if "[window: " in str(e["SUMMARY"])]
    assert windows and all(str(e["TRANSP"]) == "TRANSPARENT" for e in windows)


def test_an_export_matching_nothing_is_an_empty_calendar_and_exits_1(cli, tmp_path):
    target = tmp_path / "none.ics"
    result = cli("export", "--format", "ics", "--kind", "agreement", "--output", str(target))
    assert result.exit_code == 1
    assert "no event matches these filters; wrote an empty ics export" in result.stderr
    calendar = parse_calendar(target.read_bytes())
    assert calendar.name == "VCALENDAR" and list(calendar.walk("VEVENT")) == []
    piped = cli("export", "--format", "ics", "--kind", "agreement")
    assert piped.stdout_bytes.startswith(b"BEGIN:VCALENDAR\r\n")


def test_an_exact_run_of_days_is_a_multi_day_event_not_a_window(cli, shipped_copy):
    from datetime import date

    for typed in ("1-3 May 2024", "around 1-3 May 2024"):
        added = cli("--db", str(shipped_copy), "add-event", "--kind", "conference", "--date",
                    typed, "--participant", "icesco", "--title", f"Forum {typed}", "--source",
                    "newsaz-2024-01-31-samadov-almalik", "--allow-duplicate")  # fmt: skip
        assert added.exit_code == 0, added.stderr
    events = {str(e["SUMMARY"]): e for e in
              parse_calendar(export_ics(cli, shipped_copy)).walk("VEVENT")}  # fmt: skip
    exact = events["Forum 1-3 May 2024"]  # no "[window: ...]": the event lasts those days
    assert exact.decoded("DTSTART") == date(2024, 5, 1)
    assert exact.decoded("DTEND") == date(2024, 5, 4)
    assert "TRANSP" not in exact  # it takes the days, as a one-day event does
    fuzzy = events["Forum around 1-3 May 2024 [window: 1–3 May 2024 (approx.)]"]
    assert str(fuzzy["TRANSP"]) == "TRANSPARENT"


def test_span_kinds_tell_an_exact_run_of_days_from_a_window():
    from partnerkb.interchange.exporters.precision import span_kind

    assert span_kind("2024-05-01/2024-05-03") == "days"
    assert span_kind("2024-05-01") == "day"
    for window in ("2024-05-01~/2024-05-03~", "2024-05/2024-06", "2024-05-01/..",
                   "[2024-05-01..2024-05-03]", "2023-01~/2023-04~", "2024-05-01/2024-06"):
        assert span_kind(window) == "window", window
