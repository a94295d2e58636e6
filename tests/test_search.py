"""`partnerkb search` on the shipped knowledge base: the record people mean comes first however
they spell it; words, phrases and filters narrow it; entities bring their events; every format
carries the score and the matched fields; nothing found is exit code 1; stored text is shown
safely even when highlighted; the derived index never changes an answer."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from partnerkb import search as search_module
from partnerkb.errors import InvalidInput, NoMatch
from partnerkb.queries import KnowledgeBase
from partnerkb.search import SearchFilter, search
from partnerkb.store import StoreData, read_store, shipped_store_path
from partnerkb.textfold import fold
from store_files import save_tables


def hits_of(result) -> list[dict]:
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def ids_of(result) -> list[str]:
    return [hit["id"] for hit in hits_of(result)]


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return KnowledgeBase(read_store(shipped_store_path()))


# -- the record people mean, first -------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "first"),
    [
        (["Shusha"], "shusha"),
        (["Şuşa"], "shusha"),
        (["shusha"], "shusha"),
        (["SHUSHA"], "shusha"),
        (["Shushi"], "shusha"),  # an alias
        (["shusa"], "shusha"),  # a typo
        (["Shusah"], "shusha"),  # a typo
        (["Samadov"], "nazim-samadov"),
        (["Səmədov"], "nazim-samadov"),
        (["Samdov"], "nazim-samadov"),  # a typo
        (["Nazim", "Samadov"], "nazim-samadov"),
        (["nazim-samadov"], "nazim-samadov"),  # the id
        (["ICESCO"], "icesco"),
        (["ICESO"], "icesco"),  # a typo
        (["icsco"], "icesco"),  # a typo
        (["AlMalik"], "salim-almalik"),
        (["Al-Malik"], "salim-almalik"),
        (["Al", "Malik"], "salim-almalik"),
        (["Al Malik"], "salim-almalik"),
        (["Almalik"], "salim-almalik"),
        (["Malik"], "salim-almalik"),  # behind the article
        (["Salim", "Al-Malik"], "salim-almalik"),
        (["Əliyev"], "ilham-aliyev"),
        (["Aliyev"], "ilham-aliyev"),
        (["İlham", "Əliyev"], "ilham-aliyev"),
        (["Bakı"], "baku"),
        (["Azərbaycan"], "azerbaijan"),
        (["Azerbaidjan"], "azerbaijan"),  # a typo
        (["UNFCCC"], "unfccc"),
        (["Shusha", "medal"], "shusha-medal"),  # the award itself, then the event of its award
        (["Shusha Medal"], "shusha-medal"),  # a phrase
        (["COP29"], "2024-11-cop29-baku"),  # two titles match: the later event first
        (["exhibition", "Prophet's"], "2022-11-20-exhibition-tour-rabat"),
    ],
)
def test_search_ranks_the_record_meant_first_however_it_is_spelled(cli, query, first):
    result = cli("search", *query, "--format", "json")
    assert ids_of(result)[0] == first


def test_exact_matches_rank_above_typos(cli):
    exact = hits_of(cli("search", "Samadov", "--format", "json"))[0]
    typo = hits_of(cli("search", "Samdov", "--format", "json"))[0]
    assert exact["id"] == typo["id"] == "nazim-samadov"
    assert exact["score"] > typo["score"]


def test_a_whole_name_outranks_a_title_which_outranks_other_fields(cli):
    hits = hits_of(cli("search", "Shusha", "--format", "json", "--limit", "100"))
    scores = {hit["id"]: hit["score"] for hit in hits}
    assert scores["shusha"] == 100
    in_title = scores["shusha-culture-capital-2024-designation"]
    only_elsewhere = scores["2024-01-30-samadov-almalik-rabat"]  # Shusha is one of its topics
    assert 100 > in_title > only_elsewhere


def test_at_equal_relevance_recent_events_come_first(cli):
    hits = hits_of(cli("search", "AlMalik", "--kind", "meeting", "--format", "json"))
    for before, after in zip(hits, hits[1:], strict=False):
        if before["score"] == after["score"]:
            assert before["record"]["date"]["latest"] >= after["record"]["date"]["latest"]
    assert [h["id"] for h in hits][:3] == [
        "2024-05-27-almalik-alrashid-rabat",
        "2024-01-30-samadov-almalik-rabat",
        "2022-11-20-almalik-karimov-rabat",
    ]


def test_short_words_forgive_no_typo(cli):
    assert cli("search", "ICO", "--format", "json").exit_code == 1


def test_a_typo_is_never_in_the_first_letter(cli):
    assert cli("search", "Xamadov", "--format", "json").exit_code == 1


# -- words, phrases, filters -------------------------------------------------------------------


def test_every_word_must_match(cli):
    ids = ids_of(cli("search", "Shusha", "medal", "--format", "json"))
    assert "shusha-culture-capital-2024-designation" not in ids
    assert "2022-11-20-shusha-medal-almalik" in ids


def test_a_quoted_phrase_matches_only_as_a_phrase(cli):
    assert ids_of(cli("search", "culture capital", "--format", "json"))
    assert cli("search", "capital", "culture", "--format", "json").exit_code == 0
    result = cli("search", "capital culture", "--format", "json")
    assert result.exit_code == 1
    assert "nothing matches 'capital culture'" in result.stderr


def test_a_phrase_in_double_quotes_inside_an_argument_is_a_phrase(cli):
    assert cli("search", '"capital culture"', "--format", "json").exit_code == 1
    assert ids_of(cli("search", '"culture capital" designation', "--format", "json")) == [
        "shusha-culture-capital-2024-designation",
        "2023-international-turkic-cul-shusha",
    ]


def test_kind_keeps_records_of_that_kind_or_type(cli):
    ids = ids_of(cli("search", "Shusha", "--kind", "designation", "--format", "json"))
    assert set(ids) == {"shusha-culture-capital-2024-designation", "2023-azerbaijan-shusha",
                        "2023-international-turkic-cul-shusha"}
    hits = hits_of(cli("search", "Karimov", "--kind", "person", "--format", "json"))
    assert {h["id"] for h in hits} == {"anar-karimov-minister", "anar-karimov-icesco"}
    sources = hits_of(cli("search", "Shusha", "-k", "SOURCE", "--format", "json"))
    assert {h["type"] for h in sources} == {"source"}


def test_entity_keeps_events_involving_it_or_a_place_inside_it(cli):
    ids = ids_of(cli("search", "ICESCO", "--entity", "Shushi", "--format", "json"))
    assert set(ids) == {
        "shusha-culture-capital-2024-designation",
        "2024-shusha-culture-capital-year",
        "azerbaijan-requests-shusha-culture-capital",
        "2022-11-20-shusha-medal-almalik",
    }  # not the launch: its report names no part for ICESCO
    inside = ids_of(cli("search", "ICESCO", "--entity", "Azerbaijan", "--kind", "conference",
                        "--format", "json"))  # fmt: skip
    assert "2024-11-cop29-baku" in inside  # in Baku, which is in Azerbaijan


def test_several_entities_must_all_be_involved(cli):
    both = ids_of(cli("search", "ICESCO", "-e", "nazim-samadov", "-e", "Salim AlMalik",
                      "--format", "json"))  # fmt: skip
    assert set(both) == {"2024-01-30-samadov-almalik-rabat", "2022-11-20-almalik-karimov-rabat"}
    three = ids_of(cli("search", "ICESCO", "-e", "nazim-samadov", "-e", "Salim AlMalik",
                       "-e", "Abdelilah Benarafa", "--format", "json"))  # fmt: skip
    assert three == ["2022-11-20-almalik-karimov-rabat"]


def test_since_and_until_take_natural_dates(cli):
    since = ids_of(cli("search", "Shusha", "--since", "May 2024", "--format", "json"))
    assert "2024-05-shusha-culture-capital-launch" in since
    assert "2022-11-20-shusha-medal-almalik" not in since
    until = ids_of(cli("search", "AlMalik", "--until", "2021", "--format", "json"))
    assert set(until) == {
        "2021-01-almalik-visit-azerbaijan",
        "2021-01-aliyev-receives-almalik-baku",
        "almalik-karimov-earlier-meeting",  # "on or before 20 November 2022" may be in 2021
    }
    # every dated fact is older than last year; an open-ended plan still overlaps it
    recent = ids_of(cli("search", "ICESCO", "--since", "last year", "--format", "json"))
    assert recent == ["world-forum-intercultural-dialogue-baku"]
    months = ids_of(cli("search", "forum", "--since", "3 months ago", "--format", "json"))
    assert months == ["world-forum-intercultural-dialogue-baku"]


def test_planned_keeps_planned_events(cli):
    hits = hits_of(cli("search", "Shusha", "--planned", "--format", "json"))
    assert {h["record"]["status"] for h in hits} == {"planned"}
    assert {h["id"] for h in hits} == {"2024-05-shusha-culture-capital-launch"}
    # the title year is under way (ongoing), not a plan


def test_search_says_each_events_status_and_when_a_plans_dates_passed(cli):
    hits = {h["id"]: h for h in hits_of(cli("search", "Shusha", "--format", "json"))}
    assert hits["2024-05-shusha-culture-capital-launch"]["status"] == "planned"
    assert hits["2024-05-shusha-culture-capital-launch"]["status_label"] == (
        "planned, came true: 2024-05-11-aliyev-almalik"
    )
    assert hits["2024-shusha-culture-capital-year"]["status"] == "ongoing"
    assert hits["shusha"]["status"] == ""  # an entity has none
    rows = list(csv.DictReader(io.StringIO(cli("search", "Shusha").stdout), delimiter="\t"))
    assert {r["status"] for r in rows if r["type"] == "event"} >= {"planned", "happened", "ongoing"}


def test_limit_caps_the_results_and_says_so_on_stderr(cli):
    result = cli("search", "ICESCO", "--limit", "2", "--format", "json")
    assert len(hits_of(result)) == 2
    assert "showing the best 2 of" in result.stderr


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--since", "the day after never"], "--since"),
        (["--until", "someday"], "--until"),
        (["--since", "2024", "--until", "2023"], "is after"),
        (["--entity", "Samdov"], "nazim-samadov"),  # not found; the hint names the closest
        (["--limit", "0"], "--limit"),
    ],
)
def test_bad_filters_are_one_line_and_exit_2(cli, args, needle):
    result = cli("search", "Shusha", *args)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith("error: ")
    assert needle in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("query", ["", "   ", "!!!", '""'])
def test_an_empty_query_is_exit_2(cli, query):
    result = cli("search", query)
    assert result.exit_code == 2
    assert "the search query is empty" in result.stderr


@pytest.mark.parametrize(
    "args",
    [["zzzzqqq"], ["Shusha", "zzzzqqq"], ["Shusha", "--kind", "person"],
     ["Samadov", "--until", "2020"]],
)  # fmt: skip
def test_nothing_matching_is_exit_1_with_nothing_on_stdout(cli, args):
    result = cli("search", *args, "--format", "json")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.startswith("error: nothing matches")
    assert "hint:" in result.stderr


# -- entities bring their events ---------------------------------------------------------------


def test_searching_a_person_finds_him_and_the_events_he_took_part_in(cli):
    hits = hits_of(cli("search", "Samadov", "--format", "json"))
    assert hits[0]["id"] == "nazim-samadov"
    brought = {h["id"]: h for h in hits if "nazim-samadov" in h["via"]}
    # his second meeting's title does not name him: he is among its participants
    assert set(brought) == {"2024-01-30-samadov-almalik-rabat", "2022-11-20-almalik-karimov-rabat"}
    assert "participants" in brought["2022-11-20-almalik-karimov-rabat"]["matched"]
    assert "title" not in brought["2022-11-20-almalik-karimov-rabat"]["matched"]


def test_the_table_groups_an_entity_with_its_events(cli):
    result = cli("search", "Samadov", "--format", "table")
    assert result.exit_code == 0
    text = result.stdout
    assert "Nazim Samadov (person) and its events" in text
    assert "Other matches" in text
    assert (
        text.index("and its events")
        < text.index("Ambassador Samadov meets")
        < text.index("Other matches")
    )


# -- formats -----------------------------------------------------------------------------------


def test_json_hits_carry_score_matched_via_and_the_record(cli):
    hits = hits_of(cli("search", "Shusha", "--format", "json"))
    for hit in hits:
        assert {"type", "id", "kind", "date", "title", "score", "matched", "via", "record"} <= set(
            hit
        )
        assert hit["record"]["id"] == hit["id"]
        assert hit["matched"]
    assert hits[0]["matched"][:2] == ["id", "name"]


def test_jsonl_is_one_hit_per_line(cli):
    result = cli("search", "Shusha", "--format", "jsonl")
    lines = result.stdout.splitlines()
    assert [json.loads(line)["id"] for line in lines] == ids_of(
        cli("search", "Shusha", "--format", "json")
    )


@pytest.mark.parametrize("fmt", ["csv", "tsv"])
def test_csv_and_tsv_carry_score_matched_and_via(cli, fmt):
    result = cli("search", "Samadov", "--format", fmt)
    assert result.exit_code == 0
    delimiter = "," if fmt == "csv" else "\t"
    rows = list(csv.DictReader(io.StringIO(result.stdout), delimiter=delimiter))
    assert list(rows[0]) == [
        "type", "id", "kind", "date", "title", "score", "matched", "via", "status", "status_label"
    ]  # fmt: skip
    assert rows[0]["id"] == "nazim-samadov" and rows[0]["score"] == "80"
    assert "name" in rows[0]["matched"]
    meeting = next(r for r in rows if r["id"] == "2022-11-20-almalik-karimov-rabat")
    assert meeting["via"] == "nazim-samadov"


def test_piped_output_is_tsv(cli):
    result = cli("search", "Shusha")
    assert result.stdout.startswith(
        "type\tid\tkind\tdate\ttitle\tscore\tmatched\tvia\tstatus\tstatus_label\n"
    )


# -- safe display ------------------------------------------------------------------------------


@pytest.fixture
def hostile_copy(shipped_copy: Path) -> Path:
    """The shipped store with markup, escapes and formulas in Shusha's name and an event title."""
    data = read_store(shipped_copy).to_json()
    for record in data["entities"].values():
        if record["id"] == "shusha":
            record["name"] = "[bold red]Shusha[/bold red] \x1b[2J=HYPERLINK()"
    for record in data["events"].values():
        if record["id"] == "2024-shusha-culture-capital-year":
            record["title"] = "[link=http://x]Shusha[/link]'s year \x1b]8;;evil\x07"
    save_tables(shipped_copy, data)
    return shipped_copy


def test_highlighting_never_lets_stored_text_inject_markup_or_escapes(cli, hostile_copy):
    result = cli("search", "Shusha", "--format", "table", "--db", str(hostile_copy),
                 env={"FORCE_COLOR": "1", "COLUMNS": "200"})  # fmt: skip
    assert result.exit_code == 0
    out = result.stdout
    assert "[bold red]" in out and "[link=http://x]" in out  # shown, not interpreted
    assert "\\x1b[2J" in out and "\\x1b]8;;evil\\x07" in out  # escapes made visible
    assert "\x1b[2J" not in out and "\x1b]8" not in out and "\x07" not in out
    assert "\x1b[1;7mShusha\x1b[0m" in out or "\x1b[7;1mShusha" in out  # the match highlighted


def test_csv_cells_from_search_cannot_be_formulas(cli, hostile_copy):
    result = cli("search", "Shusha", "--format", "csv", "--db", str(hostile_copy))
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert all(not row["title"].startswith(("=", "+", "-", "@")) for row in rows)
    assert "\x1b" not in result.stdout


def test_highlight_terms_find_every_spelling_in_the_original_text(kb):
    result = search(kb, "Al Malik")
    pieces = result.highlight_terms(["Dr. Al-Malik met AlMalik and Al Malik", "nobody"])
    assert set(pieces) == {"al malik", "almalik"}
    typo = search(kb, "Samdov").highlight_terms(["Ambassador Samadov"])
    assert typo == ["samadov"]


# -- the core API ------------------------------------------------------------------------------


def test_the_core_returns_hits_and_raises_project_errors(kb):
    result = search(kb, '"culture capital" Shusha', SearchFilter(kinds=("designation",)))
    assert [h.record["id"] for h in result.hits] == [
        "shusha-culture-capital-2024-designation", "2023-international-turkic-cul-shusha"
    ]
    assert result.total == 2
    with pytest.raises(NoMatch):
        search(kb, "Shusha", SearchFilter(kinds=("nothing-of-this-kind",)))
    with pytest.raises(InvalidInput):
        search(kb, "  ")


def test_every_record_finds_itself_first_by_its_own_name(kb):
    for table in ("entities", "events", "sources"):
        for record in kb.data.tables[table].values():
            name = record.get("name") or record["title"]
            if name is None:  # a source without a headline has no name to find it by
                continue
            result = search(kb, name)
            top = result.hits[0]
            assert top.score >= 90, (name, top.record["id"])
            same = [h.record["id"] for h in result.hits if h.score == top.score]
            assert record["id"] in same, name


NAMES = st.lists(
    st.sampled_from(
        list("abcdefgiklmnoprstuvyz")
        + list("şçğəıöüŞÇĞƏİ")
        + [" ", "-", ".", "'", "Al-", "al ", "El ", "محمد", "Фёдор"]
    ),
    min_size=1,
    max_size=20,
).map("".join)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(NAMES)
@example("a a")  # one word twice: still the whole name, not a one-word query
def test_a_new_entity_is_found_by_its_own_name_in_any_spelling(name):
    if not fold(name):
        return
    data = read_store(shipped_store_path())
    source = next(iter(data.tables["sources"].values()))["id"]
    entity = {"id": "zz-new-entity", "kind": "person", "name": name, "aliases": [],
              "sources": [{"source": source}]}  # fmt: skip
    data.tables["entities"]["999"] = entity
    kb = KnowledgeBase(StoreData(data.tables))
    result = search(kb, name)
    assert result.hits[0].score == 100
    assert "zz-new-entity" in [h.record["id"] for h in result.hits if h.score == 100]


# -- the derived index ---------------------------------------------------------------------------


@pytest.fixture
def indexed(monkeypatch, shipped_copy: Path, isolated_home: Path) -> tuple[Path, Path]:
    """Any store big enough for an index: (store, cache folder of the indexes)."""
    monkeypatch.setattr(search_module, "INDEX_MIN_BYTES", 0)
    return shipped_copy, isolated_home / ".cache" / "partnerkb" / "search-index"


@pytest.mark.json_only  # the cache-folder index of a JSON store (SQLite has its FTS5 index)
def test_a_big_store_gets_an_index_that_gives_the_same_answers(cli, indexed):
    store, folder = indexed
    first = cli("search", "Samadov", "--format", "json", "--db", str(store))
    assert [p.suffix for p in folder.iterdir()] == [".idx"]
    again = cli("search", "Samadov", "--format", "json", "--db", str(store))
    assert hits_of(again) == hits_of(first)


def test_a_changed_store_is_never_answered_from_its_old_index(cli, indexed):
    store, _ = indexed
    assert cli("search", "Shusha", "--format", "json", "--db", str(store)).exit_code == 0
    data = read_store(store).to_json()
    for record in data["entities"].values():
        if record["id"] == "shusha":
            record["aliases"].append("Zanzibarista")
    save_tables(store, data)
    assert ids_of(cli("search", "Zanzibarista", "--format", "json", "--db", str(store)))[0] == (
        "shusha"
    )


@pytest.mark.json_only  # the cache-folder index of a JSON store (SQLite has its FTS5 index)
@pytest.mark.parametrize(
    "damage",
    [b"", b"garbage", b"partnerkb-search-index\n{not json", b"partnerkb-search-index\n{}\n"],
)
def test_a_damaged_index_is_rebuilt_not_trusted(cli, indexed, damage):
    store, folder = indexed
    expected = hits_of(cli("search", "AlMalik", "--format", "json", "--db", str(store)))
    (index,) = folder.iterdir()
    content = index.read_bytes()
    index.write_bytes(damage or content[: len(content) // 2])
    assert hits_of(cli("search", "AlMalik", "--format", "json", "--db", str(store))) == expected


@pytest.mark.json_only  # the cache-folder index of a JSON store (SQLite has its FTS5 index)
def test_an_index_of_other_records_under_the_same_fingerprint_is_not_trusted(cli, indexed):
    store, folder = indexed
    expected = hits_of(cli("search", "Shusha", "--format", "json", "--db", str(store)))
    (index,) = folder.iterdir()
    other = store.with_name("other.json")
    data = read_store(store).to_json()
    data["entities"] = {k: v for k, v in data["entities"].items() if v["id"] != "baku"}
    save_tables(other, data)
    kb = KnowledgeBase(read_store(other))
    fingerprint = search_module.store_fingerprint(store)
    assert search_module.Corpus.load(kb, index, fingerprint) is None
    assert hits_of(cli("search", "Shusha", "--format", "json", "--db", str(store))) == expected


def test_search_works_when_no_index_can_be_written(cli, indexed):
    store, folder = indexed
    folder.parent.mkdir(parents=True)
    folder.write_text("a file where the index folder should be")
    assert ids_of(cli("search", "Shusha", "--format", "json", "--db", str(store)))[0] == "shusha"


@pytest.mark.json_only  # the cache-folder index of a JSON store (SQLite has its FTS5 index)
def test_a_small_store_gets_no_index(cli, shipped_copy, isolated_home):
    assert cli("search", "Shusha", "--db", str(shipped_copy)).exit_code == 0
    assert not (isolated_home / ".cache" / "partnerkb").exists()
    assert search_module.store_fingerprint(shipped_copy) is None


@pytest.mark.json_only  # the cache-folder index of a JSON store (SQLite has its FTS5 index)
def test_only_the_indexes_of_the_stores_searched_last_are_kept(cli, indexed, tmp_path):
    store, folder = indexed
    for number in range(10):
        copy = tmp_path / f"copy-{number}.json"
        shutil.copyfile(store, copy)
        assert cli("search", "Shusha", "--db", str(copy)).exit_code == 0
    assert len(list(folder.glob("*.idx"))) == search_module.INDEXES_KEPT


@pytest.mark.json_only  # the cache-folder index of a JSON store (SQLite has its FTS5 index)
def test_what_a_killed_search_left_half_written_is_cleared_after_an_hour(cli, indexed):
    store, folder = indexed
    folder.mkdir(parents=True)
    old, fresh = folder / ".abandoned.tmp", folder / ".in-progress.tmp"
    old.write_bytes(b"partnerkb-search-index\n")
    fresh.write_bytes(b"partnerkb-search-index\n")
    os.utime(old, (time.time() - 7200, time.time() - 7200))
    assert cli("search", "Shusha", "--db", str(store)).exit_code == 0
    assert not old.exists()
    assert fresh.exists()
    assert len(list(folder.glob("*.idx"))) == 1
