"""`edit`: changing the fields of a stored record.

`--set FIELD=VALUE`, `--add`/`--remove FIELD=ITEM` for lists, `roles.N.FIELD` and
`external_ids.KEY`; each value converted as its field holds it (`EDIT_FIELDS`: texts, dates,
kinds, statuses, references to entities and events, participants, citations). A change of an
event's status is a new fact and cites the source that reports it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from ..errors import InvalidInput
from ..model import STATUSES
from ..store import Transaction
from ..textfold import fold
from .base import Reference
from .drafts import (
    Outcome,
    SourceRef,
    WriteOptions,
    parse_assignment,
    participant_from_json,
    source_from_json,
)
from .events import EventWrites, check_not_cancelled_if_fulfilled, check_status_on
from .inputs import checked_text, checked_texts, dedupe
from .wording import about

Json = dict[str, Any]


_LIST_SPECS = ("texts", "entities", "events", "participants", "citations")


EDIT_FIELDS: dict[str, dict[str, str]] = {
    "events": {
        "kind": "event-kind", "title": "text", "date": "date", "place": "entity",
        "participants": "participants", "organizations": "entities", "topics": "texts",
        "tags": "texts", "summary": "optional-text", "status": "status", "fulfils": "event",
        "fulfilled_by": "event", "related_events": "events", "sources": "citations",
    },
    "entities": {
        "kind": "entity-kind", "name": "text", "aliases": "texts", "description": "optional-text",
        "tags": "texts", "located_in": "entity", "sources": "citations",
    },
    "sources": {
        "outlet": "text", "title": "optional-text", "published": "day", "url": "optional-text",
        "language": "optional-text", "note": "optional-text", "label": "optional-text",
        "republished_by": "optional-text", "machine_translated": "yes-no",
    },
    "partnerships": {
        "parties": "entities", "areas": "texts", "summary": "optional-text", "events": "events",
        "sources": "citations",
    },
}  # fmt: skip


class Editing(EventWrites):
    """Changes to the fields of any record."""

    def __init__(self, tx: Transaction, options: WriteOptions) -> None:
        super().__init__(tx, options)
        self._edit_reference = (
            Reference(options.as_of, "--as-of")
            if options.as_of
            else Reference(options.today, "today")
        )

    def edit(
        self,
        text: str,
        sets: Sequence[str] = (),
        adds: Sequence[str] = (),
        removes: Sequence[str] = (),
        refs: Sequence[SourceRef] = (),
    ) -> Outcome:
        """Change fields of a record: --set field=value, --add/--remove field=item for lists.

        A change of an event's status is a new fact: it cites `refs`, the source that reports
        it (never the event's earlier sources, which did not say so)."""
        self.created = []
        table, record = self._any(text)
        if not (sets or adds or removes):
            raise InvalidInput(
                "nothing to change", hint="give --set FIELD=VALUE (or --add/--remove)"
            )
        new = json.loads(json.dumps(record))  # a deep copy, as stored
        # a date set here reads relative phrases against --as-of, else the day of the source
        # given with --source, else the record's own sources' day, else today
        given = self.citations(refs) if refs else []
        self._edit_reference = self.reference_for(given or record.get("sources") or [])
        for option, items in (("--set", sets), ("--add", adds), ("--remove", removes)):
            for item in items:
                name, value = parse_assignment(option, item)
                # the checks inside name the field (or one item of it): said once
                last = name.rsplit(".", 1)[-1]
                names = (name, last, last[:-1] if last.endswith("s") else last)
                with about(f"{option} {name}", names=names):
                    self._apply(table, new, name, value, option)
        status_changed = table == "events" and new.get("status") != record.get("status")
        if status_changed:
            if not refs:
                raise InvalidInput(
                    f"status: changing it to {new['status']!r} needs the source that reports it",
                    hint="add --source ID (and --locator) to cite it",
                )
            cites = self.citations(refs)
            self._check_new_status(new)
            new["status_history"] = [
                *(new.get("status_history") or []),
                self.status_entry(new["status"], new.get("date"), cites, self._edit_reference),
            ]
        elif refs:
            raise InvalidInput(
                "--source: edit cites a source only for a change of status",
                hint="to cite a source for the record, use --add sources=ID",
            )
        if new == record:
            return Outcome(record["id"], table, "unchanged")
        self.tx.replace(table, new)  # its checks name the record already
        self._link_fulfilment(table, record, new)
        return Outcome(record["id"], table, "changed", created=self.created)

    def _check_new_status(self, event: Json) -> None:
        """Refuse a status the event's date or links contradict: happened or ongoing before it
        starts (on the day of the report), cancelled while linked as a plan that came true."""
        with about("status"):
            check_status_on(event["status"], event.get("date"), self._edit_reference.day)
        check_not_cancelled_if_fulfilled(
            event, "--set fulfilled_by= (or fulfils=) in the same edit"
        )

    def _apply(self, table: str, record: Json, name: str, value: str, option: str) -> None:
        if name == "id":
            raise InvalidInput(
                "ids never change", hint="record a new one and merge the old into it"
            )
        if table == "entities" and name.startswith("roles."):
            self._apply_role(record, name, value, option)
            return
        if table == "entities" and name.startswith("external_ids."):
            key = checked_text("external id", name.partition(".")[2], "tag", required=True) or ""
            if option == "--add":
                raise InvalidInput("use --set external_ids.KEY=VALUE")
            ids = dict(record.get("external_ids") or {})
            if option == "--remove" or not value.strip():
                ids.pop(key, None)
            else:
                ids[key] = checked_text("external id", value, "tag", required=True)
            record["external_ids"] = ids
            return
        spec = EDIT_FIELDS.get(table, {}).get(name)
        if spec is None:
            fields = sorted(EDIT_FIELDS.get(table, {}))
            extra = ", roles.N.FIELD, external_ids.KEY" if table == "entities" else ""
            raise InvalidInput(
                f"{table} have no field {name!r} that can be edited",
                hint=f"fields: {', '.join(fields)}{extra}",
            )
        if spec in _LIST_SPECS:
            current = list(record.get(name) or [])
            if option == "--set":
                items = self._list_value(value)
                record[name] = self._convert_list(spec, name, items, record)
            elif option == "--add":
                record[name] = self._merge_list(
                    spec, current, self._convert_list(spec, name, [value], record)
                )
            else:
                gone = self._convert_list(spec, name, [value], record)
                record[name] = self._without(spec, name, current, gone)
            return
        if option != "--set":
            raise InvalidInput(f"{name} is not a list: use --set {name}=VALUE")
        record[name] = self._convert(spec, name, value, record)

    @staticmethod
    def _list_value(value: str) -> list[Any]:
        text = value.strip()
        if not text:
            return []
        if text.startswith("["):
            try:
                items = json.loads(text)
            except json.JSONDecodeError as exc:
                raise InvalidInput(f"not a JSON list: {exc.msg}") from None
            if not isinstance(items, list):
                raise InvalidInput("not a JSON list")
            return items
        return [text]

    def _convert(self, spec: str, name: str, value: Any, record: Json) -> Any:
        if not isinstance(value, str):
            raise InvalidInput(f"{name} takes text")
        if spec == "text":
            return checked_text(name, value, name, required=True)
        if spec == "optional-text":
            return checked_text(name, value, name)
        if spec == "date":
            return self.read_date(name, value, self._edit_reference)
        if spec == "day":
            return self.read_day(name, value)
        if spec == "yes-no":  # a flag: true/false, yes/no
            flag = value.strip().lower()
            if flag not in ("true", "false", "yes", "no"):
                raise InvalidInput(f"{name} takes true or false, not {value!r}")
            return flag in ("true", "yes")
        if spec == "status":
            status = value.strip().lower()
            if status not in STATUSES:
                raise InvalidInput(f"{value!r} is not one of {', '.join(STATUSES)}")
            return status
        if spec in ("event-kind", "entity-kind"):
            return self.check_kind(value, "events" if spec == "event-kind" else "entities")
        if spec == "entity":
            return str(self.resolve(value, "entities", name)["id"]) if value.strip() else None
        if spec == "event":
            return str(self.resolve(value, "events", name)["id"]) if value.strip() else None
        raise AssertionError(spec)  # pragma: no cover - EDIT_FIELDS names only the specs above

    def _convert_list(self, spec: str, name: str, items: list[Any], record: Json) -> list[Any]:
        if spec == "texts":
            texts = checked_texts(
                name, items, "tag" if name == "tags" else "alias" if name == "aliases" else "topic"
            )
            return [t.lower() for t in texts] if name == "tags" else texts
        if spec == "entities":
            return dedupe([self.resolve(str(i), "entities", name)["id"] for i in items])
        if spec == "events":
            return dedupe([self.resolve(str(i), "events", name)["id"] for i in items])
        if spec == "participants":
            given = [participant_from_json(i) for i in items]
            out: list[Json] = []
            for p in given:
                entity = str(self.resolve(p.name, "entities", name)["id"])
                if all(o["entity"] != entity for o in out):
                    entry: Json = {"entity": entity, "part": p.part}
                    if p.as_title:
                        entry["as"] = p.as_title
                    out.append(entry)
            return out
        if spec == "citations":
            refs = []
            for item in items:
                if isinstance(item, dict):
                    refs.append(source_from_json(item, None))
                else:
                    source, _, locator = str(item).partition(":")
                    refs.append(SourceRef(existing=source, locator=locator or None))
            return self.citations(refs) if refs else []
        raise AssertionError(spec)  # pragma: no cover

    @staticmethod
    def _key(spec: str, item: Any) -> Any:
        if spec == "participants":
            return item["entity"]
        if spec == "texts":
            return fold(item)
        if spec == "citations":
            return (item["source"], item.get("locator"))
        return item

    def _merge_list(self, spec: str, current: list[Any], added: list[Any]) -> list[Any]:
        keys = {self._key(spec, i) for i in current}
        return current + [i for i in added if self._key(spec, i) not in keys]

    def _without(self, spec: str, name: str, current: list[Any], gone: list[Any]) -> list[Any]:
        keys = {self._key(spec, i) for i in gone}
        if spec == "citations":  # remove a source's citations whatever their locator
            keys = {k[0] for k in keys}
            kept = [i for i in current if i["source"] not in keys]
        else:
            kept = [i for i in current if self._key(spec, i) not in keys]
        if len(kept) == len(current):
            raise InvalidInput(
                f"{name} holds no such item", hint="see: partnerkb show ID --format json"
            )
        return kept

    def _apply_role(self, record: Json, name: str, value: str, option: str) -> None:
        parts = name.split(".")
        roles = [dict(r) for r in record.get("roles") or []]
        if len(parts) != 3 or not parts[1].isdigit() or not 1 <= int(parts[1]) <= len(roles):
            raise InvalidInput(
                f"{name!r} names no role",
                hint=f"roles are numbered 1 to {len(roles)}: e.g. roles.1.until=2024"
                if roles
                else "this entity has no role; add one with partnerkb add-role",
            )
        role = roles[int(parts[1]) - 1]
        key = parts[2]
        specs = {"title": "text", "organization": "entity", "from": "date", "until": "date",
                 "sources": "citations"}  # fmt: skip
        if key not in specs:
            raise InvalidInput(f"a role has no field {key!r}", hint=f"fields: {', '.join(specs)}")
        if specs[key] == "citations":
            current = list(role.get("sources") or [])
            if option == "--set":
                role[key] = self._convert_list("citations", name, self._list_value(value), role)
            elif option == "--add":
                role[key] = self._merge_list(
                    "citations", current, self._convert_list("citations", name, [value], role)
                )
            else:
                role[key] = self._without(
                    "citations", name, current, self._convert_list("citations", name, [value], role)
                )
        elif option != "--set":
            raise InvalidInput(f"{key} is not a list: use --set {name}=VALUE")
        else:
            role[key] = self._convert(specs[key], key, value, role)
        roles[int(parts[1]) - 1] = role
        record["roles"] = roles
