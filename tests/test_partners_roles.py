"""partners and roles: whom an entity has met (and neglected), and who held which post — on a
small store with known answers (see analysis_store.py) and on the shipped data."""

from __future__ import annotations

import csv
import io
import json

import pytest

from analysis_store import REFERENCE_DAY, write_store


@pytest.fixture
def store(tmp_path):
    return str(write_store(tmp_path / "kb.json"))


def run_json(cli, *args):
    result = cli(*args, "--format", "json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def partners_of(cli, store, entity, day=REFERENCE_DAY, *flags):
    answer = run_json(cli, "partners", entity, "--as-of", day, "--db", store, *flags)
    assert answer["as_of"] == day
    return answer["partners"]


# -- partners ---------------------------------------------------------------------------------


def test_partners_count_happened_events_with_first_and_last_contact(cli, store):
    rows = partners_of(cli, store, "Betaland")
    assert [r["id"] for r in rows] == ["alpha-council", "rae-poe", "pat-doe"]
    alpha = rows[0]
    assert alpha["events"] == 1
    assert alpha["per_year"] == {"2022": 1}
    assert alpha["first_contact"]["event"] == alpha["last_contact"]["event"] == "meeting-2022-05-03"
    assert alpha["days_since"] == 424
    assert alpha["open_plans"] == [
        "office-opening-2022-12", "forum-2023", "signing-2023-03", "exchange-open-ended",
    ]  # fmt: skip


def test_an_entitys_own_staff_are_not_its_partners_while_they_hold_the_post(cli, store):
    rows = {r["id"]: r for r in partners_of(cli, store, "Alpha Council")}
    # Rae Poe directs the Alpha Council (cited from 2022-05-03): never its partner
    assert "rae-poe" not in rows
    # Pat Doe met it in 2022 as Betaland's minister, and on 2023-02-14 as its own special
    # envoy (cited from that day): only the first meeting is contact with a partner
    assert rows["pat-doe"]["events"] == 1
    assert rows["pat-doe"]["last_contact"]["event"] == "meeting-2022-05-03"
    assert rows["pat-doe"]["open_plans"] == []  # the 2023 signing: by then its envoy
    # and from a person's side: the organization of the post and its staff at the time
    pat = {r["id"]: r for r in partners_of(cli, store, "pat-doe")}
    assert pat["alpha-council"]["events"] == 1 and pat["rae-poe"]["events"] == 1
    assert "alpha-council" not in {r["id"] for r in partners_of(cli, store, "rae-poe")}


def test_planned_events_are_not_contact_but_count_as_open_plans(cli, store):
    betaland = {r["id"]: r for r in partners_of(cli, store, "alpha-council")}["betaland"]
    assert betaland["events"] == 1  # the forum, the exchange, the office... are only plans
    assert betaland["days_since"] == 424
    assert betaland["open_plans"] == [
        "office-opening-2022-12", "forum-2023", "signing-2023-03", "exchange-open-ended",
    ]  # fmt: skip


def test_organizers_of_an_exhibition_are_not_met(cli, store):
    rows = {r["id"]: r for r in partners_of(cli, store, "Quinn Roe")}
    assert rows["rae-poe"]["events"] == 1
    assert "delta-league" not in rows
    # Alpha Council only organized the exhibition: no contact, one open plan
    assert rows["alpha-council"]["events"] == 0
    assert rows["alpha-council"]["last_contact"] is None
    assert rows["alpha-council"]["open_plans"] == ["launch-2023-08"]
    alpha = {r["id"]: r for r in partners_of(cli, store, "alpha-council")}
    assert alpha["quinn-roe"]["events"] == 0


def test_partners_as_of_a_later_day_count_the_later_reports(cli, store):
    rows = {r["id"]: r for r in partners_of(cli, store, "betaland", "2024-04-01")}
    rae = rows["rae-poe"]
    assert rae["events"] == 2
    assert rae["last_contact"]["event"] == "signing-held-2023-05-10"
    assert rae["days_since"] == 327
    rows = {r["id"]: r for r in partners_of(cli, store, "alpha-council", "2024-04-01")}
    # the launch held on 12 August 2023, reported the next day
    assert rows["quinn-roe"]["last_contact"]["event"] == "launch-held-2023-08-12"


def test_partners_stale_keeps_those_not_met_for_longer_longest_first(cli, store):
    stale = partners_of(cli, store, "quinn-roe", "2024-04-01", "--stale", "300d")
    assert [r["id"] for r in stale] == ["rae-poe"]  # met 2023-03-01; Alpha Council 2023-08-12
    stale = partners_of(cli, store, "quinn-roe", "2024-04-01", "--stale", "200d")
    assert [r["id"] for r in stale] == ["rae-poe", "alpha-council"]


def test_partners_nobody_met_exits_1(cli, store):
    result = cli("partners", "delta-league", "--as-of", REFERENCE_DAY, "--db", store)
    assert result.exit_code == 1
    assert result.stdout == ""
    stale = cli("partners", "alpha-council", "--stale", "3y", "--as-of", REFERENCE_DAY,
                "--db", store)  # fmt: skip
    assert stale.exit_code == 1


def test_partners_table_and_tsv_say_the_reference_day(cli, store):
    table = cli("partners", "alpha-council", "--as-of", REFERENCE_DAY, "--db", store, "-f", "table")
    assert "as of 1 July 2023 (reference day)" in table.stdout
    assert "never met" in table.stdout
    tsv = cli("partners", "alpha-council", "--as-of", REFERENCE_DAY, "--db", store)
    rows = list(csv.DictReader(io.StringIO(tsv.stdout), delimiter="\t"))
    assert rows[0]["id"] == "betaland" and rows[0]["days_since"] == "424"
    assert rows[0]["as_of"] == REFERENCE_DAY and rows[0]["per_year"] == "2022: 1"


@pytest.mark.parametrize(
    "args, needle",
    [
        (["nobody-here"], "no entity"),
        (["alpha-council", "--stale", "long"], "--stale: cannot read the span"),
        (["alpha-council", "--as-of", "2023"], "--as-of needs one day"),
    ],
)
def test_partners_bad_input_exits_2(cli, store, args, needle):
    result = cli("partners", *args, "--db", store)
    assert result.exit_code == 2
    assert needle in result.stderr


def test_shipped_partners_of_icesco(cli):
    rows = {r["id"]: r for r in run_json(cli, "partners", "icesco", "--as-of", "2024-02-01")[
        "partners"]}  # fmt: skip
    assert rows["nazim-samadov"]["last_contact"]["event"] == "2024-01-30-samadov-almalik-rabat"
    assert rows["nazim-samadov"]["days_since"] == 2
    # organizers of the exhibition are not met, places are not partners
    assert "muslim-world-league" not in rows and "mohammadia-league-of-scholars" not in rows
    assert not {"shusha", "baku", "rabat", "icesco-headquarters"} & set(rows)


def test_shipped_partners_leave_out_the_own_organization_its_parts_and_staff(cli):
    def partner_ids(entity: str) -> set[str]:
        return {r["id"] for r in run_json(cli, "partners", entity)["partners"]}

    icesco_side = {"icesco", "salim-almalik", "anar-karimov-icesco", "abdelilah-benarafa",
                   "icesco-heads-of-sector-2022-11", "icesco-delegation-2021-01",
                   "icesco-regional-office-baku",
                   "icesco-partnerships-international-cooperation-sector"}  # fmt: skip
    azerbaijan_side = {"azerbaijan", "azerbaijan-ministry-of-culture", "nazim-samadov",
                       "anar-karimov-minister", "culture-minister-delegation-2022-11"}  # fmt: skip
    assert not partner_ids("icesco") & icesco_side
    assert {"azerbaijan", "nazim-samadov", "anar-karimov-minister"} <= partner_ids("icesco")
    assert not partner_ids("salim-almalik") & icesco_side
    assert not partner_ids("azerbaijan") & azerbaijan_side
    assert {"icesco", "salim-almalik"} <= partner_ids("azerbaijan")


# -- roles ------------------------------------------------------------------------------------


def roles(cli, store, *args):
    return run_json(cli, "roles", "--db", store, *args)


def test_roles_at_a_date_name_who_held_the_post(cli, store):
    rows = roles(cli, store, "--title", "minister of culture", "--at", "November 2022")
    assert [(r["person"], r["display"]["span"], r["evidence"]) for r in rows] == [
        ("pat-doe", "March 2020 – December 2022", "tenure"),
    ]  # fmt: skip
    rows = roles(cli, store, "--title", "Minister of Culture", "--at", "2023-03")
    assert [(r["person"], r["display"]["span"]) for r in rows] == [
        ("quinn-roe", "from January 2023; last cited 15 June 2023"),
    ]  # fmt: skip


def test_a_role_known_from_one_citation_covers_that_day_only(cli, store):
    rows = roles(cli, store, "--person", "Pat Doe", "--at", "2023-02-14")
    assert [(r["title"], r["display"]["span"], r["evidence"]) for r in rows] == [
        ("Special Envoy", "cited on 14 February 2023", "citation"),
    ]  # fmt: skip
    result = cli("roles", "--person", "Pat Doe", "--at", "2023-02-15", "--db", store)
    assert result.exit_code == 1


def test_roles_of_an_organization_include_its_parts(cli, store):
    rows = roles(cli, store, "--of", "Betaland")
    assert [(r["person"], r["title"]) for r in rows] == [
        ("pat-doe", "Minister of Culture"), ("quinn-roe", "Minister of Culture"),
    ]  # fmt: skip
    rows = roles(cli, store, "--of", "alpha-council")
    assert {r["display"]["span"] for r in rows} == {
        "first cited 3 May 2022, last cited 14 February 2023", "cited on 14 February 2023",
    }  # fmt: skip


def test_no_one_known_to_hold_the_post_then_exits_1(cli, store):
    result = cli("roles", "--title", "Minister", "--at", "2024-01", "--db", store)
    assert result.exit_code == 1
    assert "no role matches" in result.stderr


def test_show_a_person_words_roles_as_roles_does(cli, store):
    shown = run_json(cli, "show", "pat-doe", "--db", store)
    assert [r["display"]["span"] for r in shown["roles"]] == [
        "March 2020 – December 2022", "cited on 14 February 2023",
    ]  # fmt: skip


def test_roles_tsv_and_table(cli, store):
    tsv = cli("roles", "--of", "betaland", "--db", store)
    rows = list(csv.DictReader(io.StringIO(tsv.stdout), delimiter="\t"))
    assert rows[0]["from"] == "2020-03" and rows[0]["until"] == "2022-12"
    assert rows[1]["last_cited"] == "2023-06-15"
    table = cli("roles", "--of", "betaland", "--db", store, "--format", "table")
    assert "March 2020 – December 2022" in table.stdout


@pytest.mark.parametrize(
    "args, needle",
    [(["--at", "the other day"], "--at"), (["--of", "Nowhere Land"], "no entity")],
)
def test_roles_bad_input_exits_2(cli, store, args, needle):
    result = cli("roles", *args, "--db", store)
    assert result.exit_code == 2
    assert needle in result.stderr


def test_shipped_minister_of_culture_in_november_2022(cli):
    rows = run_json(
        cli, "roles", "--title", "Minister of Culture", "--of", "Azerbaijan", "--at",
        "November 2022",
    )  # fmt: skip
    assert [(r["person"], r["display"]["span"]) for r in rows] == [
        ("anar-karimov-minister", "attested 20 November 2022"),  # the day a source shows it held
    ]  # fmt: skip
    shown = run_json(cli, "show", "anar-karimov-minister")
    assert shown["roles"][0]["display"]["span"] == "attested 20 November 2022"


def test_roles_at_a_day_only_an_earlier_article_attests(cli):
    rows = run_json(cli, "roles", "--title", "President", "--at", "January 2021")
    assert [(r["person"], r["evidence"]) for r in rows] == [("ilham-aliyev", "attested")]
    assert rows[0]["display"]["span"] == "attested January 2021; 20 November 2022; 30 January 2024"


def test_what_is_no_one_to_meet_is_no_partner(cli, tmp_path):
    import copy

    from analysis_store import ENTITIES, EVENTS, G22, _entity

    entities = [*copy.deepcopy(ENTITIES), _entity("forum-series", "series", "The Forum", G22)]
    events = copy.deepcopy(EVENTS)
    next(e for e in events if e["id"] == "meeting-2022-05-03")["organizations"].append(
        "forum-series"
    )
    db = str(write_store(tmp_path / "kb.json", entities=entities, events=events))
    rows = {r["id"] for r in partners_of(cli, db, "alpha-council")}
    assert "forum-series" not in rows and "gamma-city" not in rows
    assert "betaland" in rows
