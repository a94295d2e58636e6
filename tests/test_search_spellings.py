"""Search forgives how a query is typed: letters and digits joined or apart (`COP 29` is
`COP29`), and a typo in any word of a several-word query (`Nazim Samadow`)."""

from __future__ import annotations

import json

import pytest


def ids(result) -> list[str]:
    assert result.exit_code == 0, result.stderr
    return [hit["id"] for hit in json.loads(result.stdout)]


@pytest.mark.parametrize("query", [["COP 29"], ["COP29"], ["COP-29"], ["cop", "29"], ["Cop29"]])
def test_letters_and_digits_joined_or_apart_find_cop29(cli, query):
    found = ids(cli("search", *query, "--format", "json"))
    assert "2024-11-cop29-baku" in found[:3] and "icesco-cop29-committee" in found
    assert set(found) == set(ids(cli("search", "COP29", "--format", "json")))


def test_a_record_that_writes_cop_29_apart_is_found_by_cop29(cli, shipped_copy):
    added = cli("add-entity", "COP 29 Presidency", "--kind", "organization", "--source",
                "newsaz-2024-01-31-samadov-almalik", "--db", str(shipped_copy))  # fmt: skip
    assert added.exit_code == 0, added.stderr
    found = ids(cli("search", "COP29", "presidency", "--format", "json", "--db", str(shipped_copy)))
    assert found[0] == added.stdout.strip()


def test_another_number_is_not_a_spelling_of_cop29(cli):
    for query in ("COP 28", "COP28"):
        result = cli("search", query, "--format", "json")
        found = ids(result) if result.exit_code == 0 else []
        assert "2024-11-cop29-baku" not in found  # COP28 is only what mentions COP28
    assert cli("search", "COP 27", "--format", "json").exit_code == 1


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Nazim Samadow", "nazim-samadov"),
        ("Salim Almalick", "salim-almalik"),
        ("Nazim Səmədov", "nazim-samadov"),
        ("nazim samadov", "nazim-samadov"),
    ],
)
def test_each_word_of_a_quoted_name_forgives_its_own_typo(cli, query, expected):
    assert ids(cli("search", query, "--format", "json"))[0] == expected


def test_a_phrase_with_a_typo_ranks_below_the_same_phrase_spelled_right(cli):
    right = json.loads(cli("search", "Nazim Samadov", "--format", "json").stdout)[0]
    typo = json.loads(cli("search", "Nazim Samadow", "--format", "json").stdout)[0]
    assert right["id"] == typo["id"] and typo["score"] < right["score"]


def test_a_phrase_of_unknown_words_still_finds_nothing(cli):
    result = cli("search", "Zorblax Quuxington", "--format", "json")
    assert result.exit_code == 1


# -- names in other scripts --------------------------------------------------------------------

NEWSAZ = "newsaz-2024-01-31-samadov-almalik"


def test_an_arabic_script_query_no_stored_name_uses_says_so_and_exits_1(cli):
    result = cli("search", "شوشا")
    assert result.exit_code == 1
    error, hint = result.stderr.splitlines()
    assert error == "error: nothing matches 'شوشا'"
    assert hint.startswith("hint: no stored name or alias is written in Arabic script")
    assert "alias" in hint


def test_a_latin_query_that_finds_nothing_keeps_the_usual_hint(cli):
    result = cli("search", "Zzyzxq")
    assert result.exit_code == 1
    assert "Arabic" not in result.stderr and "try fewer words" in result.stderr


@pytest.mark.parametrize(
    ("alias", "queries"),
    [
        ("شوشا", ["شوشا", "شُوشَا"]),  # Arabic script, with and without vowel marks
        ("Шуша", ["Шуша", "шуша", "Shusha"]),  # Cyrillic
    ],
)
def test_an_alias_in_another_script_is_folded_and_found(cli, shipped_copy, alias, queries):
    edited = cli("--db", str(shipped_copy), "edit", "shusha", "--add", f"aliases={alias}")
    assert edited.exit_code == 0, edited.stderr
    for query in queries:
        found = ids(cli("--db", str(shipped_copy), "search", query, "--format", "json"))
        assert found[0] == "shusha", query


def test_an_entity_named_only_in_cyrillic_and_arabic_is_found_by_each_spelling(cli, shipped_copy):
    added = cli("--db", str(shipped_copy), "add-entity", "Москва", "--kind", "place",
                "--alias", "موسكو", "--source", NEWSAZ)  # fmt: skip
    assert added.exit_code == 0, added.stderr
    for query in ("Москва", "moskva", "Moskva", "موسكو"):
        found = ids(cli("--db", str(shipped_copy), "search", query, "--format", "json"))
        assert found[0] == added.stdout.strip(), query
