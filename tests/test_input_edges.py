"""Odd input at the edges: malformed CSV never swallows rows, names must name something."""

from __future__ import annotations

import pytest

from partnerkb.store import read_store

NEWSAZ = "newsaz-2024-01-31-samadov-almalik"


def import_csv(cli, db, tmp_path, text: str):
    path = tmp_path / "in.csv"
    path.write_text(text, encoding="utf-8")
    return cli("import", "--db", str(db), str(path), "--source", NEWSAZ)


MALFORMED = {
    # an opening quote never closed: the rest of the file would be one cell
    "unclosed quote": 'type,name,kind\nentity,"Jane Roe,person\nentity,John Doe,person\n'
    "entity,Ann Lee,person\n",
    # text right after a closing quote
    "text after a quote": 'type,name,kind\nentity,"Jane" Roe,person\nentity,John Doe,person\n',
    # a quoted cell that closes, but only after swallowing whole rows
    "rows inside a cell": 'type,name,kind\nentity,"Jane Roe,person\nentity,John Doe,person\n'
    'entity,Ann Lee",person\n',
}


@pytest.mark.parametrize("text", MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_csv_is_refused_naming_the_line_and_nothing_is_written(
    cli, shipped_copy, tmp_path, text
):
    before = shipped_copy.read_bytes()
    result = import_csv(cli, shipped_copy, tmp_path, text)
    assert result.exit_code == 2, result.stderr
    assert "line 2" in result.stderr
    assert "Traceback" not in result.stderr
    assert shipped_copy.read_bytes() == before


def test_a_quoted_cell_over_several_lines_is_still_read_as_one_cell(cli, shipped_copy, tmp_path):
    text = 'type,name,kind,description\nentity,Jane Roe,person,"Line one\nline two"\n'
    result = import_csv(cli, shipped_copy, tmp_path, text)
    assert result.exit_code == 0, result.stderr
    jane = read_store(shipped_copy).find("entities", "jane-roe")
    assert jane is not None and "line two" in jane["description"]


NAMELESS = ["!!!", "\u200b", "\u200b\u200b", "—", "...", "-", "()"]


@pytest.mark.parametrize("name", NAMELESS)
def test_a_name_with_no_letter_or_digit_is_refused(cli, shipped_copy, name):
    before = shipped_copy.read_bytes()
    result = cli("add-entity", "--db", str(shipped_copy), "--kind", "person", name,
                 "--source", NEWSAZ)  # fmt: skip
    assert result.exit_code == 2
    assert "has no letter or digit" in result.stderr
    assert shipped_copy.read_bytes() == before


def test_a_participant_or_alias_with_no_letter_or_digit_is_refused(cli, shipped_copy):
    before = shipped_copy.read_bytes()
    meeting = cli("add-meeting", "--db", str(shipped_copy), "--date", "2020", "--participant",
                  "icesco", "--participant", "???", "--create-missing", "--kind", "person",
                  "--source", NEWSAZ)  # fmt: skip
    assert meeting.exit_code == 2 and "has no letter or digit" in meeting.stderr
    alias = cli("edit", "--db", str(shipped_copy), "icesco", "--add", "aliases=\u200b")
    assert alias.exit_code == 2 and "has no letter or digit" in alias.stderr
    assert shipped_copy.read_bytes() == before


@pytest.mark.parametrize("name", ["A.B.", "7", "Ş", "王", "١٢"])
def test_a_short_name_of_any_script_is_fine(cli, shipped_copy, name):
    result = cli("add-entity", "--db", str(shipped_copy), "--kind", "organization", name,
                 "--source", NEWSAZ)  # fmt: skip
    assert result.exit_code == 0, result.stderr
