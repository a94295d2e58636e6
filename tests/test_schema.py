"""partnerkb schema: a valid JSON Schema (draft 2020-12) that the shipped data, an imported
corpus and every exported record satisfy, and that refuses what the model refuses."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from partnerkb.model import MAX_LENGTHS
from partnerkb.store import Store, StoreData, shipped_store_path

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="module")
def schema() -> dict:
    from typer.testing import CliRunner

    from partnerkb.cli.app import app

    result = CliRunner().invoke(app, ["schema"])
    assert result.exit_code == 0
    return json.loads(result.stdout)


def errors(schema: dict, document: object) -> list[str]:
    return [e.message for e in Draft202012Validator(schema).iter_errors(document)]


def test_schema_prints_a_valid_draft_2020_12_json_schema(schema):
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)


def test_the_shipped_knowledge_base_satisfies_the_schema(schema):
    store = json.loads(shipped_store_path().read_text(encoding="utf-8"))
    assert errors(schema, store) == []


def test_a_store_after_imports_and_writes_satisfies_the_schema(cli, schema, tmp_path):
    path = tmp_path / "us.json"
    Store(path).create(StoreData.empty("corpus"))
    sample = FIXTURES / "us-official-travels-sample.csv"
    imported = cli("--db", str(path), "import", str(sample), "--mapping", "us-official-travels")
    assert imported.exit_code == 0, imported.stderr
    store = json.loads(path.read_text(encoding="utf-8"))
    assert store["history"]  # the import's history entry is checked too
    assert errors(schema, store) == []


def test_every_exported_record_satisfies_the_record_schema(cli):
    result = cli("schema", "--record")
    assert result.exit_code == 0
    record_schema = json.loads(result.stdout)
    Draft202012Validator.check_schema(record_schema)
    lines = cli("export", "--format", "jsonl").stdout.splitlines()
    for line in lines:
        assert errors(record_schema, json.loads(line)) == [], line
    assert errors(record_schema, {"type": "event", "id": "x"})  # not an event without a date


@pytest.mark.parametrize(
    ("table", "change", "why"),
    [
        ("events", lambda r: r.pop("sources"), "an event without sources"),
        ("events", lambda r: r.update(sources=[]), "an event citing nothing"),
        ("events", lambda r: r.update(status="rumoured"), "an unknown status"),
        ("events", lambda r: r["date"].update(earliest="30 Jan 2024"), "a day not in ISO form"),
        ("events", lambda r: r.update(id="Not A Slug"), "an id that is not a slug"),
        ("entities", lambda r: r.update(kind="Person"), "a kind that is not a lowercase word"),
        ("entities", lambda r: r.update(name=""), "an empty name"),
        ("sources", lambda r: r.update(published="2022"), "a publication that is not a day"),
    ],
)
def test_the_schema_refuses_what_the_model_refuses(schema, table, change, why):
    store = json.loads(shipped_store_path().read_text(encoding="utf-8"))
    broken = copy.deepcopy(store)
    record = next(iter(broken[table].values()))
    change(record)
    assert errors(schema, broken), why


def test_the_schema_limits_are_the_models(schema):
    defs = schema["$defs"]
    assert defs["slug"]["maxLength"] == MAX_LENGTHS["id"]
    assert defs["event"]["properties"]["title"]["maxLength"] == MAX_LENGTHS["title"]
    assert defs["entity"]["properties"]["name"]["maxLength"] == MAX_LENGTHS["name"]
    assert defs["citation"]["properties"]["locator"]["maxLength"] == MAX_LENGTHS["locator"]
    assert defs["kind"]["maxLength"] == MAX_LENGTHS["kind"]


def test_a_newer_schema_version_is_refused(schema):
    store = json.loads(shipped_store_path().read_text(encoding="utf-8"))
    next(iter(store["meta"].values()))["schema_version"] = 2
    assert errors(schema, store)
