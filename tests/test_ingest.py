"""partnerkb ingest: reading an article, proposing its records, reviewing and writing them.

The articles here are written for these tests, in the manner of diplomatic reports; none is
copied from a real one.
"""

from __future__ import annotations

import hashlib
import http.server
import json
import threading
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from partnerkb.ingest.article import article_from_text, read_source
from partnerkb.ingest.phrases import find_dates, resolve
from partnerkb.ingest.proposal import Options, normal_post, propose
from partnerkb.store import read_store
from store_files import save_tables

MEETING = """Envoy of Bangladesh calls on ICESCO chief

Dr. Salim M. AlMalik, Director-General of the Islamic World Educational, Scientific and Cultural \
Organization (ICESCO), received Mr. Rafiq Uddin Chowdhury, Ambassador of the People's Republic of \
Bangladesh to the Kingdom of Morocco, and the two talked about joint work in education and science.

The meeting, held on Tuesday, 21 May 2024, at ICESCO Headquarters, in Rabat, reviewed programmes \
already carried out together and ideas for new ones in the coming years.
"""

DISPATCH = """BAKU, Azerbaijan, November 11. ICESCO Director General Salim bin Mohammed Al-Malik \
toured the national pavilion at the climate conference, the agency reports.

The 29th session of the Conference of the Parties (COP29) has started in Baku, with delegations \
from many countries.
"""

NAMESAKE = """ICESCO hosts a working session

Head of ICESCO's Partnerships and International Cooperation Sector Anar Karimov met \
Deputy Director-General Abdelilah Ben Arafa on Tuesday to plan the coming year of events together.
"""

PLANS = """Ministers plan cultural cooperation

Azerbaijani Ambassador to the Kingdom of Morocco Nazim Samadov met ICESCO Director-General \
Salim M. AlMalik on Monday (20 May 2024) at the ICESCO Headquarters in Rabat to prepare a \
cultural programme together.

The two sides agreed that the launch of the programme will take place on June 3 in Baku, and that \
a forum on youth will be held later this year.

ICESCO has also set up a committee to follow the preparations of the programme with care.
"""


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def proposal_for(text: str, shipped_copy: Path, published: date | None) -> dict:
    data = read_store(shipped_copy)
    return propose(article_from_text(text), data.tables, Options(published, "Test Wire"))


# ---------------------------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------------------------


def test_an_article_keeps_its_headline_apart_and_numbers_its_paragraphs():
    article = article_from_text(MEETING)
    assert article.title == "Envoy of Bangladesh calls on ICESCO chief"
    assert len(article.paragraphs) == 2
    assert article.paragraphs[1].startswith("The meeting, held on Tuesday")


def test_site_notices_before_the_lead_are_not_paragraphs():
    text = (
        "Disclaimer: this website is translated by a machine and may read oddly in places for "
        "many of the readers who visit it.\n\nYour opinion\n\n" + MEETING
    )
    article = article_from_text(text)
    assert article.paragraphs[0].startswith("Dr. Salim M. AlMalik")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"   \n\n  ", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 50, "binary"),
        (b"<html><body><nav>Home | About | Contact</nav></body></html>", "no article"),
        (b"x" * (300 * 1024), "at most"),
    ],
    ids=["empty", "blank", "binary", "page-without-article", "too-long"],
)
def test_unreadable_input_is_refused_in_one_line_and_the_store_is_untouched(
    cli, tmp_path, shipped_copy, content, message
):
    path = write(tmp_path, "input", content)
    before = sha(shipped_copy)
    result = cli("--db", str(shipped_copy), "ingest", str(path), "--outlet", "X", "--yes")
    assert result.exit_code == 2
    assert message in result.stderr
    assert result.stderr.startswith("error: ")
    assert "Traceback" not in result.stderr
    assert sha(shipped_copy) == before


def test_ten_megabytes_of_text_are_refused_quickly_without_a_crash(cli, tmp_path, shipped_copy):
    path = write(tmp_path, "big.txt", (MEETING + "\n\n") * 25_000)
    assert path.stat().st_size > 10_000_000
    result = cli("--db", str(shipped_copy), "ingest", str(path), "--outlet", "X", "--dry-run")
    assert result.exit_code == 2
    assert "one article is at most" in result.stderr


def test_a_missing_file_and_a_missing_outlet_are_usage_errors(cli, tmp_path, shipped_copy):
    result = cli("--db", str(shipped_copy), "ingest", str(tmp_path / "nope.txt"), "--outlet", "X")
    assert result.exit_code == 2 and "no file" in result.stderr
    path = write(tmp_path, "a.txt", MEETING)
    result = cli("--db", str(shipped_copy), "ingest", str(path), "--yes")
    assert result.exit_code == 2 and "--outlet is required" in result.stderr
    result = cli(
        "--db", str(shipped_copy), "ingest", str(path), "--outlet", "X", "--published", "May 2024"
    )
    assert result.exit_code == 2 and "not one day" in result.stderr


@pytest.fixture
def local_page(tmp_path: Path) -> Iterator[str]:
    """A web server on 127.0.0.1 serving one news page and one page with no article."""
    body = "".join(f"<p>{p}</p>" for p in MEETING.split("\n\n")[1:])
    page = (
        f"<html><head><title>Envoy of Bangladesh calls on ICESCO chief</title></head><body>"
        f"<nav><a href='/'>Home</a> <a href='/news'>News</a></nav><article>"
        f"<h1>Envoy of Bangladesh calls on ICESCO chief</h1>{body}</article>"
        f"<footer>All rights reserved</footer></body></html>"
    ).encode()
    empty = b"<html><body><nav>Home</nav></body></html>"

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the standard library's name
            content = {"/news/1": page, "/empty": empty}.get(self.path)
            self.send_response(200 if content else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            if content:
                self.wfile.write(content)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_a_web_page_is_fetched_and_its_article_taken_out_of_the_menus(
    cli, shipped_copy, local_page
):
    result = cli(
        "--db",
        str(shipped_copy),
        "ingest",
        f"{local_page}/news/1",
        "--outlet",
        "ICESCO",
        "--published",
        "2024-05-28",
        "--dry-run",
        "--format",
        "json",
    )
    assert result.exit_code == 0, result.stderr
    proposal = json.loads(result.stdout)
    assert proposal["source"]["url"] == f"{local_page}/news/1"
    assert proposal["source"]["title"] == "Envoy of Bangladesh calls on ICESCO chief"
    assert [e["kind"] for e in proposal["events"]] == ["meeting"]


def test_a_page_that_cannot_be_had_or_holds_no_article_is_refused(cli, shipped_copy, local_page):
    for path, message in (("/missing", "HTTP 404"), ("/empty", "no article")):
        result = cli(
            "--db", str(shipped_copy), "ingest", local_page + path, "--outlet", "X", "--dry-run"
        )
        assert result.exit_code == 2
        assert message in result.stderr


def test_read_source_reads_stdin_bytes():
    article = read_source("-", MEETING.encode())
    assert article.paragraphs[0].startswith("Dr. Salim")


# ---------------------------------------------------------------------------------------------
# Dates
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sentence", "published", "future", "edtf", "relative"),
    [
        (
            "The festival opened on Saturday (11 May 2024) in the city.",
            "2024-05-12",
            False,
            "2024-05-11",
            False,
        ),
        (
            "The two ministers met on Tuesday in the capital.",
            "2024-05-30",
            False,
            "2024-05-28",
            True,
        ),
        (
            "The summit will be held later this year.",
            "2024-01-31",
            True,
            "[2024-01-31..2024-12-31]",
            True,
        ),
        (
            "The office will open at the beginning of next year.",
            "2022-11-21",
            True,
            "2023-01~/2023-04~",
            True,
        ),
        ("The ceremony will take place on June 3.", "2024-05-28", True, "2024-06-03", True),
        ("The exhibition is expected to take place in May.", "2024-01-31", True, "2024-05", True),
        (
            "The decision was taken on December 11 last year.",
            "2024-11-11",
            False,
            "2023-12-11",
            True,
        ),
        ("The delegation first came in January 2021.", "2022-11-21", False, "2021-01", False),
    ],
)
def test_date_phrases_are_resolved_against_the_publication_day_with_the_phrase_kept(
    sentence, published, future, edtf, relative
):
    (phrase,) = find_dates(sentence)
    stored = resolve(phrase, date.fromisoformat(published), future=future)
    assert stored is not None
    assert stored["edtf"] == edtf
    assert stored["phrase"] == phrase.text
    assert (stored.get("resolved_against") == published) is relative


def test_may_the_verb_is_not_a_month():
    assert find_dates("The parties may meet again soon.") == []


def test_without_published_no_relative_date_is_resolved_and_the_proposal_says_so(shipped_copy):
    proposal = proposal_for(NAMESAKE, shipped_copy, None)
    assert any("--published" in note for note in proposal["notes"])
    (event,) = proposal["events"]
    assert event["date"] is None
    assert any("not resolved" in note for note in event["notes"])


def test_an_undated_event_is_on_or_before_the_publication_day(shipped_copy):
    proposal = proposal_for(PLANS, shipped_copy, date(2024, 5, 28))
    committee = next(e for e in proposal["events"] if e["kind"] == "announcement")
    assert committee["date"]["edtf"] == "[..2024-05-28]"
    assert committee["status"] == "happened"


# ---------------------------------------------------------------------------------------------
# Entities
# ---------------------------------------------------------------------------------------------


def entity(proposal: dict, name: str) -> dict:
    return next(e for e in proposal["entities"] if name in (e["name"], *e["written"]))


def test_a_stored_person_is_recognised_under_a_patronymic_spelling(shipped_copy):
    data = read_store(shipped_copy).to_json()
    for record in data["entities"].values():  # the spelling is not one of his aliases
        record["aliases"] = [a for a in record["aliases"] if "bin Mohammed" not in a]
    save_tables(shipped_copy, data)
    proposal = proposal_for(DISPATCH, shipped_copy, date(2024, 11, 11))
    almalik = entity(proposal, "Salim bin Mohammed Al-Malik")
    assert (almalik["id"], almalik["status"]) == ("salim-almalik", "stored")
    assert almalik["new_aliases"] == ["Salim bin Mohammed Al-Malik"]
    assert almalik["role"]["title"] == "Director-General of ICESCO"


def test_a_variant_spelling_finds_the_stored_person_and_a_namesake_is_never_guessed(shipped_copy):
    proposal = proposal_for(NAMESAKE, shipped_copy, date(2024, 3, 5))
    assert entity(proposal, "Abdelilah Ben Arafa")["id"] == "abdelilah-benarafa"
    karimov = entity(proposal, "Anar Karimov")
    assert karimov["id"] is None and karimov["status"] == "ambiguous"
    candidates = {c["id"]: c["post_matches"] for c in karimov["candidates"]}
    assert candidates == {"anar-karimov-minister": False, "anar-karimov-icesco": True}
    (event,) = proposal["events"]
    person = next(p for p in event["participants"] if p["name"] == "Anar Karimov")
    assert person["id"] is None and set(person["candidates"]) == set(candidates)


def test_a_new_person_is_proposed_with_the_post_the_article_gives(shipped_copy):
    proposal = proposal_for(MEETING, shipped_copy, date(2024, 5, 28))
    envoy = entity(proposal, "Rafiq Uddin Chowdhury")
    assert envoy["status"] == "new" and envoy["id"] is None
    assert envoy["role"]["title"] == "Ambassador of Bangladesh to Morocco"
    assert envoy["role"]["organization"] == {"id": "bangladesh", "name": "Bangladesh"}
    assert entity(proposal, "Bangladesh")["kind"] == "country"


@pytest.mark.parametrize(
    ("stated", "post"),
    [
        ("Azerbaijani Ambassador to the Kingdom of Morocco", "Ambassador of Azerbaijan to Morocco"),
        ("Azerbaijan's Ambassador to Morocco", "Ambassador of Azerbaijan to Morocco"),
        ("ICESCO Director General", "Director-General of ICESCO"),
        (
            "Director-General of the Islamic World Educational, Scientific and Cultural "
            "Organization (ICESCO)",
            "Director-General of ICESCO",
        ),
        ("Culture Minister", "Minister of Culture"),
        ("ICESCO Director-General (DG)", "Director-General of ICESCO"),
    ],
)
def test_posts_are_written_one_way(stated, post):
    assert normal_post(stated) == post


# ---------------------------------------------------------------------------------------------
# Events and links
# ---------------------------------------------------------------------------------------------


def test_a_meeting_gets_its_date_and_venue_from_a_later_paragraph_and_its_parts(shipped_copy):
    proposal = proposal_for(MEETING, shipped_copy, date(2024, 5, 28))
    (meeting,) = proposal["events"]
    assert meeting["kind"] == "meeting" and meeting["status"] == "happened"
    assert meeting["date"]["edtf"] == "2024-05-21"
    assert meeting["place"] == {"id": "icesco-headquarters", "name": "ICESCO Headquarters"}
    parts = {p["name"]: (p["part"], p["id"]) for p in meeting["participants"]}
    assert parts == {
        "Salim M. AlMalik": ("host", "salim-almalik"),
        "Rafiq Uddin Chowdhury": ("guest", None),
    }
    assert meeting["locators"] == {"date": "para. 2", "place": "para. 2", "status": "para. 1"}
    assert meeting["summary"] is None


def test_plans_are_planned_and_named_conferences_become_one_event(shipped_copy):
    proposal = proposal_for(PLANS, shipped_copy, date(2024, 5, 28))
    kinds = {e["kind"]: e for e in proposal["events"]}
    assert kinds["launch"]["status"] == "planned"
    assert kinds["launch"]["date"]["edtf"] == "2024-06-03"
    assert kinds["launch"]["place"]["id"] == "baku"
    assert kinds["conference"]["status"] == "planned"
    assert kinds["conference"]["date"]["edtf"] == "[2024-05-28..2024-12-31]"
    assert kinds["meeting"]["links"] == []


def test_a_report_of_what_a_stored_plan_announced_fulfils_it(shipped_copy):
    text = (
        "ICESCO office in Baku\n\nICESCO inaugurated its regional office in Baku on Friday "
        "(10 March 2023) in the presence of H.E. Ilham Aliyev, President of the Republic of "
        "Azerbaijan, and of Director-General Salim M. AlMalik."
    )
    proposal = proposal_for(text, shipped_copy, date(2023, 3, 11))
    opening = next(e for e in proposal["events"] if e["kind"] == "opening")
    assert opening["date"]["edtf"] == "2023-03-10" and opening["status"] == "happened"
    assert opening["links"][0]["relation"] == "fulfils"
    assert opening["links"][0]["event"] == "2023-icesco-baku-office-opening"
    assert {p["id"]: p["part"] for p in opening["participants"]}["ilham-aliyev"] == "attendee"


def test_the_launch_reported_again_repeats_the_stored_outcome_of_the_plan(shipped_copy):
    text = (
        "ICESCO and Azerbaijan open Shusha year\n\nThe celebration of Shusha as Culture "
        "Capital of the Islamic World for 2024 kicked off on Saturday (11 May 2024) under the "
        "patronage of H.E. Ilham Aliyev, President of the Republic of Azerbaijan, with ICESCO."
    )
    proposal = proposal_for(text, shipped_copy, date(2024, 5, 12))
    launch = next(e for e in proposal["events"] if e["kind"] == "launch")
    assert launch["date"]["edtf"] == "2024-05-11"
    assert launch["links"][0]["relation"] == "repeats"
    assert launch["links"][0]["event"] == "2024-05-11-aliyev-almalik"
    aliyev = next(p for p in launch["participants"] if p["id"] == "ilham-aliyev")
    assert aliyev["part"] == "patron"


def test_a_report_that_dates_a_fuzzy_event_narrows_it(shipped_copy):
    text = (
        "Shusha chosen\n\nAt a meeting of culture ministers held in Doha, the delegates "
        "unanimously declared Shusha the culture capital of the Islamic world for 2024, the "
        "ministry said."
    )
    proposal = proposal_for(text, shipped_copy, date(2023, 9, 20))
    designation = next(e for e in proposal["events"] if e["kind"] == "designation")
    (link,) = designation["links"]
    assert link["relation"] == "narrows"
    assert link["event"] == "shusha-culture-capital-2024-designation"
    assert link["narrowed"]["edtf"] == "[2022-11-20..2023-09-20]"


def test_a_stored_event_reported_again_is_a_repeat(shipped_copy):
    text = (
        "Rabat talks\n\nAzerbaijani Ambassador to the Kingdom of Morocco Nazim Samadov has met "
        "Director-General of ICESCO Salim M. AlMalik on Tuesday 30 January 2024 at the ICESCO "
        "Headquarters in Rabat to discuss plans for the year ahead."
    )
    proposal = proposal_for(text, shipped_copy, date(2024, 1, 31))
    (meeting,) = proposal["events"]
    assert meeting["links"][0] == {
        "relation": "repeats", "event": "2024-01-30-samadov-almalik-rabat",
        "title": "Ambassador Samadov meets ICESCO Director-General AlMalik in Rabat",
        "date": "30 January 2024",
    }  # fmt: skip


# ---------------------------------------------------------------------------------------------
# Writing: --dry-run, --yes, --from-json, review, undo
# ---------------------------------------------------------------------------------------------


def test_dry_run_prints_the_proposal_and_writes_nothing(cli, tmp_path, shipped_copy):
    path = write(tmp_path, "a.txt", MEETING)
    before = sha(shipped_copy)
    result = cli(
        "--db",
        str(shipped_copy),
        "ingest",
        str(path),
        "--outlet",
        "ICESCO",
        "--published",
        "2024-05-28",
        "--dry-run",
        "--format",
        "json",
    )
    assert result.exit_code == 0
    proposal = json.loads(result.stdout)
    assert set(proposal) == {"source", "notes", "entities", "events"}
    assert proposal["source"] == {"outlet": "ICESCO", "title": "Envoy of Bangladesh calls on "
                                  "ICESCO chief", "published": "2024-05-28", "url": None,
                                  "language": None}  # fmt: skip
    event = proposal["events"][0]
    for key in (
        "kind",
        "date",
        "status",
        "place",
        "participants",
        "organizations",
        "locator",
        "links",
    ):
        assert key in event
    assert set(event["date"]) >= {"edtf", "earliest", "latest", "phrase"}
    assert set(event["participants"][0]) >= {"id", "name", "part", "title"}
    assert sha(shipped_copy) == before


def test_yes_writes_everything_in_one_transaction_that_one_undo_reverts(
    cli, tmp_path, shipped_copy
):
    path = write(tmp_path, "a.txt", MEETING)
    before = read_store(shipped_copy).tables
    result = cli(
        "--db",
        str(shipped_copy),
        "ingest",
        str(path),
        "--outlet",
        "ICESCO",
        "--published",
        "2024-05-28",
        "--yes",
    )
    assert result.exit_code == 0, result.stderr
    data = read_store(shipped_copy)
    envoy = data.find("entities", "rafiq-uddin-chowdhury")
    assert envoy is not None
    (role,) = envoy["roles"]
    assert role["title"] == "Ambassador of Bangladesh to Morocco"
    assert role["organization"] == "bangladesh"
    assert role["first_cited"] == role["last_cited"] == "2024-05-28"
    meeting = data.find("events", "2024-05-21-almalik-chowdhury-rabat")
    assert meeting is not None and meeting["date"]["phrase"] == "on Tuesday, 21 May 2024"
    assert meeting["sources"][0]["locator"].startswith("para. 1: meeting")
    assert len(data.tables["history"]) == 1
    undone = cli("--db", str(shipped_copy), "undo", "--yes")
    assert undone.exit_code == 0
    after = read_store(shipped_copy).tables
    for table in ("sources", "entities", "events"):
        assert after[table] == before[table]


def test_an_edited_proposal_file_is_written_back_with_the_analyst_s_choices(
    cli, tmp_path, shipped_copy
):
    path = write(tmp_path, "a.txt", NAMESAKE)
    result = cli(
        "--db",
        str(shipped_copy),
        "ingest",
        str(path),
        "--outlet",
        "ICESCO",
        "--published",
        "2024-03-06",
        "--dry-run",
        "--format",
        "json",
    )
    proposal = json.loads(result.stdout)
    karimov = entity(proposal, "Anar Karimov")
    karimov["id"], karimov["status"] = "anar-karimov-icesco", "stored"
    proposal["events"][0]["summary"] = "The two planned next year's joint events."
    edited = write(tmp_path, "p.json", json.dumps(proposal))
    result = cli("--db", str(shipped_copy), "ingest", "--from-json", str(edited), "--yes")
    assert result.exit_code == 0, result.stderr
    data = read_store(shipped_copy)
    (event_id,) = [line for line in result.stdout.split() if line.startswith("2024-03-05")]
    event = data.find("events", event_id)
    assert {p["entity"] for p in event["participants"]} == {
        "anar-karimov-icesco",
        "abdelilah-benarafa",
    }
    assert event["summary"] == "The two planned next year's joint events."
    assert "Abdelilah Ben Arafa" in data.find("entities", "abdelilah-benarafa")["aliases"]


def test_an_ambiguous_person_left_as_is_is_left_out_and_said(cli, tmp_path, shipped_copy):
    path = write(tmp_path, "a.txt", NAMESAKE)
    result = cli(
        "--db",
        str(shipped_copy),
        "ingest",
        str(path),
        "--outlet",
        "ICESCO",
        "--published",
        "2024-03-06",
        "--yes",
    )
    assert result.exit_code == 0
    assert "left out Anar Karimov" in result.stderr


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not JSON"),
        ("[]", "a proposal is a JSON object"),
        (
            '{"source": {"outlet": "X", "title": "T"}, "events": [{"kind": "meeting", '
            '"date": {"edtf": "2024-13"}}]}',
            "events[1]: date",
        ),
        (
            '{"source": {"outlet": "X", "title": "T"}, "entities": [{"name": "A"}]}',
            "entities[1]: kind",
        ),
        (
            '{"source": {"outlet": "X", "title": "T"}, "events": [{"kind": "meeting", "links": '
            '[{"relation": "is", "event": "x"}]}]}',
            "links[1]",
        ),
    ],
)
def test_a_malformed_proposal_file_is_refused_before_anything_is_written(
    cli, tmp_path, shipped_copy, content, message
):
    path = write(tmp_path, "p.json", content)
    before = sha(shipped_copy)
    result = cli("--db", str(shipped_copy), "ingest", "--from-json", str(path), "--yes")
    assert result.exit_code == 2
    assert message in result.stderr
    assert sha(shipped_copy) == before


def test_without_a_terminal_or_yes_nothing_is_written(cli, tmp_path, shipped_copy):
    path = write(tmp_path, "a.txt", MEETING)
    before = sha(shipped_copy)
    result = cli(
        "--db", str(shipped_copy), "ingest", str(path), "--outlet", "X", "--published", "2024-05-28"
    )
    assert result.exit_code == 2
    assert "--yes" in result.stderr
    assert sha(shipped_copy) == before


def test_on_a_terminal_each_proposal_is_accepted_edited_or_skipped(
    cli, tmp_path, shipped_copy, monkeypatch
):
    import partnerkb.cli.ingest as ingest_cli

    monkeypatch.setattr(ingest_cli, "interactive", lambda: True)
    path = write(tmp_path, "a.txt", PLANS)
    answers = []
    dry = cli(
        "--db",
        str(shipped_copy),
        "ingest",
        str(path),
        "--outlet",
        "X",
        "--published",
        "2024-05-28",
        "--dry-run",
        "--format",
        "json",
    )
    proposal = json.loads(dry.stdout)
    reviewed = [
        e
        for e in proposal["entities"]
        if e["status"] != "stored" or e.get("role") or e.get("new_aliases")
    ]
    answers += ["a"] * len(reviewed)
    for event in proposal["events"]:
        if event["kind"] == "meeting":
            # edit: kind, date (a bad one first: asked again), status, place, participants,
            # title, summary
            answers += [
                "e",
                "",
                "someday",
                "2024-05-21",
                "",
                "",
                "",
                "Working visit",
                "They prepared the programme.",
            ]
        else:
            answers += ["s"]
    result = cli(
        "--db",
        str(shipped_copy),
        "ingest",
        str(path),
        "--outlet",
        "X",
        "--published",
        "2024-05-28",
        input="\n".join(answers) + "\n",
    )
    assert result.exit_code == 0, result.stderr
    assert "cannot read the date 'someday'" in result.stderr
    data = read_store(shipped_copy)
    written = [e for e in data.tables["events"].values() if e.get("title") == "Working visit"]
    assert len(written) == 1
    assert written[0]["date"]["edtf"] == "2024-05-21"
    assert written[0]["summary"] == "They prepared the programme."
    assert not any(
        e["kind"] == "launch" and e["date"]["edtf"] == "2024-06-03"
        for e in data.tables["events"].values()
    )


def test_quitting_the_review_writes_nothing(cli, tmp_path, shipped_copy, monkeypatch):
    import partnerkb.cli.ingest as ingest_cli

    monkeypatch.setattr(ingest_cli, "interactive", lambda: True)
    path = write(tmp_path, "a.txt", MEETING)
    before = sha(shipped_copy)
    result = cli(
        "--db",
        str(shipped_copy),
        "ingest",
        str(path),
        "--outlet",
        "X",
        "--published",
        "2024-05-28",
        input="q\n",
    )
    assert result.exit_code == 0
    assert "nothing was written" in result.stderr
    assert sha(shipped_copy) == before


def test_a_dry_run_needs_no_outlet_and_its_proposal_asks_for_one_before_it_is_written(
    cli, tmp_path, shipped_copy
):
    path = write(tmp_path, "a.txt", MEETING)
    before = sha(shipped_copy)
    shown = cli("--db", str(shipped_copy), "ingest", str(path), "--published", "2024-05-28",
                "--dry-run", "--format", "json")  # fmt: skip
    assert shown.exit_code == 0, shown.stderr
    proposal = json.loads(shown.stdout)
    assert proposal["source"]["outlet"] is None
    assert "no --outlet" in shown.stderr
    saved = write(tmp_path, "p.json", shown.stdout.encode())
    refused = cli("--db", str(shipped_copy), "ingest", "--from-json", str(saved), "--yes")
    assert refused.exit_code == 2
    assert refused.stderr.startswith("error: source: outlet is required")
    assert sha(shipped_copy) == before
    proposal["source"]["outlet"] = "ICESCO"
    filled = write(tmp_path, "p2.json", json.dumps(proposal).encode())
    written = cli("--db", str(shipped_copy), "ingest", "--from-json", str(filled), "--yes")
    assert written.exit_code == 0, written.stderr
