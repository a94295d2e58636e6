"""--create-missing records new names, never near-duplicates of stored ones: a typo, another
spelling or a part of a stored name or alias is refused with the candidates, unless --new NAME
says it really is someone (something) new."""

from __future__ import annotations

import pytest

from partnerkb.store import read_store

NEWSAZ = "newsaz-2024-01-31-samadov-almalik"


def add(cli, db, *participants: str, extra: tuple[str, ...] = ()):
    args = ["add-meeting", "--db", str(db), "--date", "2024-02-01", "--participant", "icesco",
            "--source", NEWSAZ, "--create-missing", "--kind", "person", *extra]  # fmt: skip
    for name in participants:
        args += ["--participant", name]
    return cli(*args)


@pytest.mark.parametrize(
    ("name", "stored"),
    [("Rabbat", "rabat"), ("ICESCCO", "icesco"), ("Nazim Samdov", "nazim-samadov"),
     ("Samadov", "nazim-samadov"), ("Salim Al Malick", "salim-almalik")],
)  # fmt: skip
def test_a_name_close_to_a_stored_one_is_refused_with_the_candidates(cli, shipped_copy, name,
                                                                    stored):  # fmt: skip
    before = shipped_copy.read_bytes()
    result = add(cli, shipped_copy, name)
    assert result.exit_code == 2
    error, hint = result.stderr.splitlines()[-2:]
    assert error.startswith(f"error: participants: {name!r} looks like ")
    assert f"({stored})" in error
    assert "--new" in hint
    assert shipped_copy.read_bytes() == before


def test_new_name_insists_and_records_it(cli, shipped_copy):
    result = add(cli, shipped_copy, "Samadov", extra=("--new", "Samadov"))
    assert result.exit_code == 0, result.stderr
    assert read_store(shipped_copy).find("entities", "samadov")["name"] == "Samadov"


def test_a_name_like_no_stored_one_is_created(cli, shipped_copy):
    result = add(cli, shipped_copy, "Leyla Mammadova")
    assert result.exit_code == 0, result.stderr
    assert read_store(shipped_copy).find("entities", "leyla-mammadova") is not None
