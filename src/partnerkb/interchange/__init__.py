"""Interchange: the store's records in and out of other tools.

- `importer`: rows of CSV, JSON Lines or JSON (records as exported, or flat rows through a column
  mapping) become records in one transaction, idempotently;
- `mapping`: how the columns of a flat row become an event, the entities it names and its source
  (`--map "Date=date"`, mapping files, the shipped corpus mapping);
- `exporters`: a package with one module per format (json, jsonl, csv, md, ics, timelinejs, ftm,
  dot, mermaid, sqlite...) behind a registry, each turning a selection of records into bytes;
- `schema`: the store's JSON Schema (draft 2020-12), shipped as `store.schema.json`.

Like the rest of the core, nothing here prints, prompts or exits.
"""
