"""Full-text search over every text field of every record, ranked.

A query is folded like the records (case, accents, scripts: see `textfold`); every word must
match some field of a record. A hit's score says how it matched: the id, name or an alias
exactly first, then a name or alias, then the title, then other fields; at equal score recent
events come first.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .errors import InvalidInput, NoMatch
from .queries import TYPE_OF_TABLE, KnowledgeBase, date_label
from .textfold import fold

Json = dict[str, Any]

# field weight: higher ranks first
SCORE_EXACT_NAME = 100
FIELD_WEIGHTS = {"id": 80, "name": 80, "aliases": 80, "title": 60}
OTHER_FIELD_WEIGHT = 30
SEARCHED_TABLES = ("entities", "events", "sources", "partnerships")


@dataclass
class Hit:
    table: str
    record: Json
    score: float
    matched: list[str] = field(default_factory=list)


def record_fields(kb: KnowledgeBase, table: str, record: Json) -> dict[str, list[str]]:
    """Every searchable text of a record, by field name (names of referenced entities too)."""
    fields: dict[str, list[str]] = {"id": [record["id"]]}
    for name in ("name", "title", "description", "summary", "outlet", "note", "kind", "status"):
        if record.get(name):
            fields[name] = [str(record[name])]
    for name in ("aliases", "topics", "tags", "areas"):
        if record.get(name):
            fields[name] = list(record[name])
    if table == "entities" and record.get("roles"):
        fields["roles"] = [
            f"{r.get('title', '')} {kb.name_of(r.get('organization'))}" for r in record["roles"]
        ]
    if table == "events":
        if record.get("place"):
            fields["place"] = [kb.name_of(record["place"])]
        people = [p["entity"] for p in record.get("participants") or []]
        people += record.get("organizations") or []
        if people:
            fields["participants"] = [kb.name_of(i) for i in people]
        if record.get("date", {}).get("phrase"):
            fields["date"] = [record["date"]["phrase"]]
    if table == "partnerships":
        fields["parties"] = [kb.name_of(p) for p in record.get("parties") or []]
    return fields


def parse_query(query: str) -> list[str]:
    """Folded terms; a quoted phrase stays one term."""
    import shlex

    try:
        parts = shlex.split(query)
    except ValueError:
        parts = query.replace('"', " ").split()
    terms = [folded for part in parts if (folded := fold(part))]
    if not terms:
        raise InvalidInput("the search query is empty", hint="e.g. partnerkb search Shusha")
    return terms


def search(kb: KnowledgeBase, query: str, tables: tuple[str, ...] = SEARCHED_TABLES) -> list[Hit]:
    """Records where every term of `query` matches a field, best first."""
    terms = parse_query(query)
    whole = " ".join(terms)
    hits: list[Hit] = []
    for table in tables:
        for record in kb.data.tables[table].values():
            hit = _match(kb, table, record, terms, whole)
            if hit is not None:
                hits.append(hit)
    hits.sort(key=_rank)
    if not hits:
        raise NoMatch(f"nothing matches {query!r}")
    return hits


def _match(kb: KnowledgeBase, table: str, record: Json, terms: list[str], whole: str) -> Hit | None:
    fields = record_fields(kb, table, record)
    folded = {name: [fold(v) for v in values] for name, values in fields.items()}
    score = 0.0
    matched: list[str] = []
    for term in terms:
        best = 0.0
        for name, values in folded.items():
            if any(_contains_words(value, term) for value in values):
                best = max(best, FIELD_WEIGHTS.get(name, OTHER_FIELD_WEIGHT))
                if name not in matched:
                    matched.append(name)
        if best == 0:
            return None
        score += best
    score /= len(terms)
    names = folded.get("name", []) + folded.get("aliases", []) + folded.get("title", [])
    if whole in names or whole == fold(record["id"]):
        score = SCORE_EXACT_NAME
    return Hit(table, record, round(score, 1), matched)


def _contains_words(value: str, term: str) -> bool:
    """`term` occurs in `value` at a word start ('shusha' in 'the shusha medal')."""
    start = value.find(term)
    while start != -1:
        if start == 0 or value[start - 1] == " ":
            return True
        start = value.find(term, start + 1)
    return False


def _rank(hit: Hit) -> tuple[float, str, str]:
    date = hit.record.get("date") or {}
    latest = date.get("latest") or date.get("earliest") or ""
    # recent first at equal score: negate the date by sorting on its complement
    recent = "".join(chr(0x7F - ord(c)) for c in latest) if latest else "\x7f"
    return (-hit.score, recent, hit.record["id"])


def hit_row(kb: KnowledgeBase, hit: Hit) -> Json:
    """A hit as a row: what it is, its date and title, score and matched fields, the record."""
    record = hit.record
    return {
        "type": TYPE_OF_TABLE[hit.table],
        "id": record["id"],
        "kind": record.get("kind", TYPE_OF_TABLE[hit.table]),
        "date": date_label(record["date"]) if record.get("date") else record.get("published") or "",
        "title": record.get("name") or record.get("title") or record["id"],
        "score": hit.score,
        "matched": hit.matched,
        "record": record,
    }
