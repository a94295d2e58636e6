"""export --format ftm checked with the followthemoney library itself: every schema and property
exists, every value is valid for its type, every reference points at an entity of the file in
the property's range, every Address is referenced, countries carry ISO codes; on the shipped
data and on the corpus sample."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from partnerkb.store import Store, StoreData

SAMPLE_CSV = Path(__file__).parent / "fixtures" / "us-official-travels-sample.csv"


def problems(entities: list[dict]) -> list[str]:
    """What followthemoney's model finds wrong with a file of entities (empty: none)."""
    from followthemoney import model
    from followthemoney.exc import InvalidData

    found: list[str] = []
    by_id = {e["id"]: e for e in entities}
    referenced: set[str] = set()
    for entity in entities:
        schema = model.get(entity["schema"])
        if schema is None or schema.abstract:
            found.append(f"{entity['id']}: schema {entity['schema']!r}")
            continue
        try:
            model.get_proxy(entity, cleaned=False)
        except InvalidData as exc:
            found.append(f"{entity['id']}: {exc}")
            continue
        for name, values in entity["properties"].items():
            prop = schema.get(name)
            if prop is None:
                found.append(f"{entity['id']}: {schema.name} has no property {name!r}")
                continue
            for value in values:
                if prop.range is not None:
                    target = by_id.get(value)
                    referenced.add(value)
                    if target is None:
                        found.append(f"{entity['id']}.{name}: {value!r} is not in the file")
                    elif not model.get(target["schema"]).is_a(prop.range):
                        found.append(f"{entity['id']}.{name}: {value!r} is a {target['schema']}, "
                                     f"not a {prop.range.name}")  # fmt: skip
                elif prop.type.clean(value, proxy=None) is None:
                    found.append(f"{entity['id']}.{name}: {value!r} is not a {prop.type.name}")
    for entity in entities:
        if entity["schema"] == "Address" and entity["id"] not in referenced:
            found.append(f"{entity['id']}: an Address nothing refers to")
    return found


def ftm(cli, *args: str) -> list[dict]:
    result = cli(*args, "export", "--format", "ftm")
    assert result.exit_code == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_the_shipped_data_is_valid_followthemoney(cli):
    entities = ftm(cli)
    assert problems(entities) == []
    by_id = {e["id"]: e for e in entities}
    assert by_id["azerbaijan"]["properties"]["country"] == ["az"]
    assert by_id["morocco"]["properties"]["country"] == ["ma"]
    award = by_id["2022-11-20-shusha-medal-almalik"]["properties"]
    assert "shusha" not in award.get("involved", [])  # a place: where, not who


@pytest.fixture(scope="module")
def sample_store(tmp_path_factory) -> Path:
    from typer.testing import CliRunner

    from partnerkb.cli.app import app

    path = tmp_path_factory.mktemp("ftm") / "us.json"
    Store(path).create(StoreData.empty("us official travels"))
    result = CliRunner().invoke(app, ["--db", str(path), "import", str(SAMPLE_CSV),
                                      "--mapping", "us-official-travels"])  # fmt: skip
    assert result.exit_code == 0, result.stderr
    return path


def test_the_corpus_sample_is_valid_followthemoney_with_country_codes(cli, sample_store):
    entities = ftm(cli, "--db", str(sample_store))
    assert problems(entities) == []
    events = [e for e in entities if e["schema"] == "Event"]
    with_country = [e for e in events if e["properties"].get("country")]
    assert len(with_country) >= len(events) * 0.9  # visits abroad: the host country's code
    places = [e for e in entities if e["schema"] == "Address"]
    assert places and all(p["properties"].get("country") for p in places)
