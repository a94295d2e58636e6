"""Questions at a real terminal (a pseudo-terminal, as a person types): participants typed on
one line with commas or semicolons, namesakes chosen, a new name recorded from the prompt
(asking its kind), line editing with the arrow keys and a history per question."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from partnerkb.store import read_store
from terminal import Terminal

LEFT, UP = "\x1b[D", "\x1b[A"


def events(path: Path) -> dict[str, dict]:
    return {e["id"]: e for e in read_store(path).records("events")}


def entities(path: Path) -> dict[str, dict]:
    return {e["id"]: e for e in read_store(path).records("entities")}


@pytest.fixture
def me(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PARTNERKB_USER", "ada")


def test_participants_typed_with_commas_are_several_people_and_the_list_is_confirmed(
    shipped_copy, me
):
    term = Terminal("add-meeting", "--db", str(shipped_copy), "--date", "2024-02-02",
                    "--place", "Rabat", "--source", "self")  # fmt: skip
    term.answer("Participants", "Nazim Samadov:guest, AlMalik:host")
    term.expect("2 participants:")
    term.expect("Nazim Samadov, person, nazim-samadov, guest")
    term.expect("Salim M. AlMalik, person, salim-almalik, host")
    term.answer("Is that right? [Y/n]", "")
    assert term.finish() == 0, term.shown()
    event = events(shipped_copy)["2024-02-02-samadov-almalik-rabat"]
    assert event["participants"] == [{"entity": "nazim-samadov", "part": "guest"},
                                     {"entity": "salim-almalik", "part": "host"}]  # fmt: skip


def test_a_stored_name_with_a_comma_stays_one_and_a_no_asks_again(cli, shipped_copy, me):
    made = cli("add-entity", "Ministry of Culture, Azerbaijan", "--kind", "organization",
               "--source", "self", "--db", str(shipped_copy))  # fmt: skip
    assert made.exit_code == 0, made.stderr
    term = Terminal("add-meeting", "--db", str(shipped_copy), "--date", "2024-02-03",
                    "--place", "Baku", "--source", "self")  # fmt: skip
    term.answer("Participants", "icesco, qatar")
    term.answer("Is that right?", "n")
    term.expect("Type the participants again.")
    term.answer("Participants", "Ministry of Culture, Azerbaijan, icesco")
    term.expect("2 participants:")
    term.expect("Ministry of Culture, Azerbaijan, organization, ministry-of-culture-azerbaijan")
    term.answer("Is that right?", "y")
    assert term.finish() == 0, term.shown()
    [event] = [e for e in events(shipped_copy).values() if e["id"].startswith("2024-02-03")]
    assert [p["entity"] for p in event["participants"]] == [
        "ministry-of-culture-azerbaijan", "icesco"]  # fmt: skip


def test_semicolons_keep_commas_inside_a_title(shipped_copy, me):
    term = Terminal("add-meeting", "--db", str(shipped_copy), "--date", "2024-02-04",
                    "--place", "Rabat", "--source", "self")  # fmt: skip
    term.answer("Participants", "AlMalik:host:Director-General, ICESCO; Nazim Samadov")
    term.expect("2 participants:")
    term.answer("Is that right?", "")
    assert term.finish() == 0, term.shown()
    event = events(shipped_copy)["2024-02-04-almalik-samadov-rabat"]
    assert event["participants"][0] == {"entity": "salim-almalik", "part": "host",
                                        "as": "Director-General, ICESCO"}  # fmt: skip


def test_a_new_name_is_recorded_from_the_prompt_asking_its_kind(shipped_copy, me):
    before = set(entities(shipped_copy))
    term = Terminal("add-meeting", "--db", str(shipped_copy), "--date", "2024-02-05",
                    "--place", "Rabat", "--source", "self")  # fmt: skip
    term.answer("Participants", "Leyla Mammadova:guest, icesco:host")
    term.answer("'Leyla Mammadova' is not in the store. Record it as a new entity? [Y/n]", "y")
    term.answer("What is 'Leyla Mammadova'?", "")  # person, the default
    term.expect("Leyla Mammadova (new), guest")
    term.answer("Is that right?", "")
    assert term.finish() == 0, term.shown()
    text = term.shown()
    assert "--create-missing" not in text
    assert "created person Leyla Mammadova (leyla-mammadova)" in text
    assert set(entities(shipped_copy)) - before == {"leyla-mammadova"}


def test_a_name_like_a_stored_one_offers_it_and_a_namesake_is_chosen(shipped_copy, me):
    term = Terminal("add-meeting", "--db", str(shipped_copy), "--date", "2024-02-06",
                    "--source", "self")  # fmt: skip
    term.answer("Participants", "Nazim Samdov, Anar Karimov")
    term.expect("'Nazim Samdov' is not in the store; it looks like:")
    term.expect("Nazim Samadov, person, nazim-samadov")
    term.answer("Which one?", "1")
    term.expect("'Anar Karimov' names 2 entities:")
    term.expect("anar-karimov-minister")
    term.expect("Which one?")
    screen = term.shown()[-600:]
    minister = next(line.split(".")[0].strip() for line in screen.splitlines()
                    if "anar-karimov-minister" in line)  # fmt: skip
    term.send(minister + "\r")
    term.answer("Is that right?", "")
    term.answer("Place", "")
    assert term.finish() == 0, term.shown()
    [event] = [e for e in events(shipped_copy).values() if e["id"].startswith("2024-02-06")]
    assert [p["entity"] for p in event["participants"]] == ["nazim-samadov",
                                                            "anar-karimov-minister"]  # fmt: skip


def test_an_unknown_place_is_recorded_from_the_prompt_as_a_place(shipped_copy, me):
    term = Terminal("add-meeting", "--db", str(shipped_copy), "--date", "2024-02-07",
                    "--participant", "icesco", "--participant", "qatar")  # fmt: skip
    term.answer("Place", "Lankaran")
    term.answer("Record it as a new entity?", "")
    term.answer("What is 'Lankaran'?", "")  # place, the default for a place
    term.answer("Source", "self")
    assert term.finish() == 0, term.shown()
    assert entities(shipped_copy)["lankaran"]["kind"] == "place"


def test_arrow_keys_edit_the_line_and_up_recalls_an_earlier_answer(shipped_copy, me):
    term = Terminal("add-meeting", "--db", str(shipped_copy), "--participant", "icesco",
                    "--participant", "qatar", "--place", "Baku", "--source", "self")
    term.expect("Date")
    term.send("2024-0208" + LEFT * 2 + "-" + "\r")  # typed 2024-0208, fixed to 2024-02-08
    assert term.finish() == 0, term.shown()
    assert "^[[D" not in term.shown()
    assert "2024-02-08-icesco-qatar-baku" in events(shipped_copy)
    history = Path(os.environ["XDG_STATE_HOME"]) / "partnerkb" / "prompt-history" / "date"
    assert history.read_text(encoding="utf-8").splitlines()[-1] == "2024-02-08"
    again = Terminal("add-meeting", "--db", str(shipped_copy), "--participant", "icesco",
                     "--participant", "morocco", "--place", "Baku", "--source", "self")
    again.expect("Date")
    again.send(UP + "\r")  # the date given last time
    assert again.finish() == 0, again.shown()
    assert "2024-02-08-icesco-morocco-baku" in events(shipped_copy)


def test_the_source_prompt_offers_your_own_record(shipped_copy, me):
    term = Terminal("add-meeting", "--db", str(shipped_copy), "--date", "2024-02-09",
                    "--participant", "icesco", "--participant", "qatar", "--place", "Doha")
    term.expect("'self' for your own record")
    term.send("self\r")
    assert term.finish() == 0, term.shown()
    event = events(shipped_copy)["2024-02-09-icesco-qatar-doha"]
    assert event["sources"][0]["source"].startswith("own-record-ada-")


def test_a_list_in_one_flag_is_refused_not_recorded_as_one_name(cli, shipped_copy):
    before = shipped_copy.read_bytes()
    for participant in ("icesco, Leyla Mammadova", "Leyla Mammadova; Aysel Aliyeva"):
        result = cli("add-meeting", "--db", str(shipped_copy), "--date", "2024-02-10",
                     "--participant", participant, "--source", "self", "--create-missing",
                     "--kind", "person")  # fmt: skip
        assert result.exit_code == 2, result.stderr
        assert "looks like a list of names" in result.stderr
        assert shipped_copy.read_bytes() == before


def test_the_ingest_review_reads_participants_separated_by_commas(
    cli, tmp_path, shipped_copy, monkeypatch
):
    import partnerkb.cli.ingest as ingest_cli

    monkeypatch.setattr(ingest_cli, "interactive", lambda: True)
    article = tmp_path / "a.txt"
    article.write_text(
        "Ambassador meets ICESCO chief\n\nAzerbaijani Ambassador to the Kingdom of Morocco Nazim "
        "Samadov met ICESCO Director-General Salim M. AlMalik on Monday (20 May 2024) at the "
        "ICESCO Headquarters in Rabat.\n", encoding="utf-8")  # fmt: skip
    args = ("--db", str(shipped_copy), "ingest", str(article), "--outlet", "X",
            "--published", "2024-05-28")  # fmt: skip
    proposal = json.loads(cli(*args, "--dry-run", "--format", "json").stdout)
    answers = ["a"] * len([e for e in proposal["entities"]
                           if e["status"] != "stored" or e.get("role") or e.get("new_aliases")])
    for event in proposal["events"]:  # the meeting edited: its participants typed with a comma
        answers += (["e", "", "", "", "", "Nazim Samadov:guest, Salim M. AlMalik:host", "", ""]
                    if event["kind"] == "meeting" else ["s"])  # fmt: skip
    before = {e["id"] for e in read_store(shipped_copy).records("events")}
    result = cli(*args, input="\n".join(answers) + "\n")
    assert result.exit_code == 0, result.stderr
    assert "participants: Nazim Samadov (guest); Salim M. AlMalik (host)" in result.stderr
    [written] = [e for e in read_store(shipped_copy).records("events")
                 if e["id"] not in before and e["kind"] == "meeting"]  # fmt: skip
    assert [(p["entity"], p.get("part")) for p in written["participants"]] == [
        ("nazim-samadov", "guest"), ("salim-almalik", "host")]  # fmt: skip



def test_tab_completes_a_stored_name_and_the_history_is_the_users_alone(shipped_copy, me):
    term = Terminal("add-meeting", "--db", str(shipped_copy), "--date", "2024-02-11",
                    "--place", "Rabat", "--source", "self")  # fmt: skip
    term.expect("Participants")
    term.send("icesco, Nazim Sa\t")  # completes to the stored name
    term.expect("Nazim Samadov")
    term.send("\r")
    term.expect("2 participants:")
    term.answer("Is that right?", "")
    assert term.finish() == 0, term.shown()
    event = events(shipped_copy)["2024-02-11-icesco-samadov-rabat"]
    assert [p["entity"] for p in event["participants"]] == ["icesco", "nazim-samadov"]
    history = Path(os.environ["XDG_STATE_HOME"]) / "partnerkb" / "prompt-history"
    assert (history / "participants").stat().st_mode & 0o077 == 0
    assert history.stat().st_mode & 0o077 == 0


def test_a_kind_the_store_never_used_is_introduced_from_the_prompt(shipped_copy, me):
    term = Terminal("add-event", "--db", str(shipped_copy), "--date", "2024-02-12",
                    "--participant", "icesco", "--place", "Rabat", "--source", "self")
    term.answer("Kind of event", "picnic")
    term.answer("'picnic' is a kind the store has never used. Introduce it as a new event kind?",
                "y")  # fmt: skip
    assert term.finish() == 0, term.shown()
    assert "--new-kind" not in term.shown()
    [event] = [e for e in events(shipped_copy).values() if e["id"].startswith("2024-02-12")]
    assert event["kind"] == "picnic"
