"""Bounded search: the few records an engine's full-text index must hand to `search` so that
its ranking (docs/search.md) gives the same best hits as scoring every record would.

`search` folds and scores records in Python (`search.Corpus`); on a million events that cannot
be every record. An engine with a full-text index answers `StoreData.search_candidates` with a
`SearchCandidates`: the number of matches (exact up to `counted_up_to`), and a bounded set of
records that provably holds the best `limit` hits. `search` then scores only those, exactly as
it scores a whole store. This module holds what is engine-neutral:

- `SearchRequest`: the query's terms (folded, with their spellings and typo variants), the
  filters and the limit.
- the match expressions an index is asked about (`Words`, `Linked`, `AnyOf`, `AllOf`), over
  the record's text in five tiers (`TIERS`: the tiers of the ranking, plus the entities an
  event involves);
- `FullTextIndex`: the questions an engine's index answers (count, newest, matches_any,
  entities, named, fetch);
- `bounded_candidates(index, request)`: the choice of candidates from those answers.

Why the candidates hold the best hits. A record's score is, per term, the best of a few
contributions (where the term matched times how: e.g. `title` whole word 60, `title` start of a
word 54, `other` fields whole word 30, an involved entity's name 45), averaged over the terms;
a name, alias, id or title equal to the whole query scores more. Each contribution is a
*class* of records the index can list (a match expression); a combination of one class per
term (a *tuple*) holds records whose score is at least the tuple's average, and every record's
score is exactly the average of its best tuple. For each tuple, taken from the highest
average down, the index gives its `limit` newest records (the ranking's order at equal score:
recency, then id). A record of the tuple that is not among them has `limit` records ranked
above it (their score is at least the tuple's, and they are newer), so it is not in the best
`limit` unless a better tuple brings it. Once `limit` candidates are known to score more than
the next tuple's average (rounded as scores are shown), no record left can overtake them. The
records whose name, alias, id or title equals the query (`SearchIndex.named`; few) join the
candidates whatever they score. Every candidate is scored exactly afterwards; extra
candidates change nothing, being real matches with their real scores.

The candidates come with every entity they involve, so that `search` finds which of those
matched (`via`, `matched`). When an answer would not stay bounded (a word matching thousands
of entity names, or too many tuples), `bounded_candidates` returns None and the caller scores
every record: slower, never wrong.
"""

from __future__ import annotations

import heapq
from collections.abc import Collection, Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from .search import Term

Json = dict[str, Any]

# The record's text in tiers, each folded (`textfold.fold`) field by field:
#   names  an entity's id, name and aliases          (scored 80 in docs/search.md)
#   title  an event's, source's... title              (60)
#   ids    the id, name and aliases of other records  (50)
#   other  every other field `search` reads           (30)
#   links  the entities an event or partnership involves: participants, organizations, place;
#          parties (an entity whose name matched brings the record: 45)
TIERS = ("names", "title", "ids", "other", "links")
TEXT_TIERS = ("names", "title", "ids", "other")
TYPO_TIERS = ("names", "title", "ids")  # typos are forgiven in names, titles and ids
TIER_WEIGHT = {"names": 80.0, "title": 60.0, "ids": 50.0, "other": 30.0, "links": 45.0}

MAX_ENTITIES = 2000  # entities a term may match by name and still bring their events cheaply
MAX_TUPLES = 400  # index questions before the bound is given up for scoring every record
MAX_NAMED = 5000  # records equal by name to the query, all of which are candidates
FEW, FEW_MATCHES = 4, 200  # up to this many matches (or times the limit), all are candidates
COUNTED = 1000  # matches a search counts exactly, at least (`counted_up_to`)


def counted_up_to(limit: int) -> int:
    """How many matches a search for the best `limit` hits counts exactly, on every engine:
    `COUNTED`, or `FEW` times `limit` if that is more (at least as many as `bounded_candidates`
    takes all of as candidates, so that it always knows when there are that few). Past it, a
    search says only that more matched, as Elasticsearch's `track_total_hits` does: a
    PostgreSQL server must read the row of every match to count it, half a second for a
    common word in a million events, where a thousand of them are read in milliseconds."""
    return max(COUNTED, FEW * max(limit, 1), FEW_MATCHES)


# ---------------------------------------------------------------------------------------------
# What is asked
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Words:
    """Records whose `tier` text (or one of several tiers, named apart by spaces: "names
    title") has `text` (one folded word, or several: a phrase, words in a row within one
    field) starting at the start of a word; `whole`: ending at a word's end too.
    `Words("title", "shush", False)` holds a title with "Shusha" in it."""

    tier: str
    text: str
    whole: bool


@dataclass(frozen=True)
class Linked:
    """Records (events, partnerships) that involve one of `entities` (entity ids) as a
    participant, organization, place or party. `names`: the match of entities' `names` that
    found them (every entity it matches is one of `entities`, and each of `entities` matches
    it or a better match of the same term): an index that holds the names of the entities a
    record involves answers with it; those records hold the records of `entities`, and any
    other scores at least as well."""

    entities: tuple[str, ...]
    names: Expr | None = None


@dataclass(frozen=True)
class AnyOf:
    parts: tuple[Expr, ...]


@dataclass(frozen=True)
class AllOf:
    parts: tuple[Expr, ...]


Expr = Words | Linked | AnyOf | AllOf


@dataclass(frozen=True)
class SearchRequest:
    """A search as an engine's index sees it.

    `terms`: the query's terms (`search.Term`: folded text, `phrase`, letter/digit `spellings`,
    typo variants with their edits); `whole`: the whole query folded (a name equal to it scores
    100); `alone`: the query is one term. The scope (which records may be hits; entities always
    bring their events): `kinds` (a record's kind or type: `event`, `meeting`...), `statuses`
    and `events_only` (events only), `allowed` (ids of the events the other event filters keep;
    None: no such filter), `sources` (ids of sources a hit must cite). `limit`: how many best
    hits are wanted.
    """

    terms: tuple[Term, ...]
    whole: str
    alone: bool
    limit: int
    kinds: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    events_only: bool = False
    allowed: frozenset[str] | None = None
    sources: tuple[str, ...] = ()

    def in_scope(self, table: str, record: Json) -> bool:
        """Whether a record may be a hit (the filters the index applies, tested in Python)."""
        from .queries import TYPE_OF_TABLE, cites

        if self.kinds and record.get("kind") not in self.kinds and (
                TYPE_OF_TABLE[table] not in self.kinds):  # fmt: skip
            return False
        if self.events_only and table != "events":
            return False
        if self.statuses and record.get("status") not in self.statuses:
            return False
        if self.allowed is not None and record.get("id") not in self.allowed:
            return False
        return not self.sources or cites(table, record, self.sources)


@dataclass
class SearchCandidates:
    """An engine's answer: `records` ((table, record) pairs) hold every one of the best
    `limit` hits of the request and every entity those records involve, and possibly other
    records (scored and ranked like any); `total` is the number of records in scope that match
    every term, counted up to `counted_up_to(limit)` + 1 (that many: more than the bound);
    `examined` how many records were fetched as candidates (bounded: at most
    a few times `limit` per tuple asked, plus the records named like the query)."""

    records: list[tuple[str, Json]]
    total: int
    examined: int = 0
    questions: int = 0  # how many index questions it took
    detail: dict[str, Any] = field(default_factory=dict)


class FullTextIndex(Protocol):
    """What an engine's index answers for `bounded_candidates`. A `ref` is the engine's
    handle of one record (hashable); `scope` is the request (its filters)."""

    def count(self, match: Expr, scope: SearchRequest, most: int) -> int | None:
        """How many records in scope match, counted up to `most` + 1: exact up to `most`,
        `most` + 1 for more (None: not answerable)."""

    def newest(self, match: Expr, scope: SearchRequest, limit: int) -> list[Hashable] | None:
        """The first `limit` records in scope that match, in the ranking's order at equal
        score: latest day first (`search._recency`), then id. None: not answerable."""

    def matches_any(self, match: Expr, scope: SearchRequest) -> bool | None:
        """Whether any record in scope matches (None: not answerable): which one does not
        matter, so an index may stop at the first it finds."""

    def entities(self, match: Expr, most: int) -> list[str] | None:
        """Ids of every entity that matches (whatever the scope), or None when more than
        `most` do (or not answerable)."""

    def named(self, keys: Collection[str], most: int) -> list[Hashable] | None:
        """Records whose folded id, name, title or alias is one of `keys`; None when more
        than `most` are."""

    def fetch(self, refs: Iterable[Hashable]) -> list[tuple[str, str, Json]]:
        """The (table, document number, record) of each ref."""

    def fetch_entities(self, ids: Iterable[str]) -> list[tuple[str, str, Json]]:
        """The (table, document number, record) of each entity id that exists."""


# ---------------------------------------------------------------------------------------------
# Classes of a term
# ---------------------------------------------------------------------------------------------


def _any(parts: Sequence[Expr]) -> Expr:
    unique = tuple(dict.fromkeys(parts))
    return unique[0] if len(unique) == 1 else AnyOf(unique)


def text_classes(term: Term) -> list[tuple[float, str, Expr]]:
    """(score, tier, match) of each way `term` can match in a record's own text: per tier,
    whole word, start of a word, behind the article, one typo, two typos (docs/search.md)."""
    from .search import ARTICLE, ARTICLES, EXACT, PREFIX, TYPO_QUALITY, _article_applies

    forms = [term.text, *term.spellings]
    classes: list[tuple[float, str, Expr]] = []
    for tier in TEXT_TIERS:
        weight = TIER_WEIGHT[tier]
        classes.append((weight * EXACT, tier, _any([Words(tier, f, True) for f in forms])))
        classes.append((weight * PREFIX, tier, _any([Words(tier, f, False) for f in forms])))
        if _article_applies(term.text):
            behind = [Words(tier, article + term.text, False) for article in ARTICLES]
            classes.append((weight * ARTICLE, tier, _any(behind)))
        if tier in TYPO_TIERS:
            for edits, quality in sorted(TYPO_QUALITY.items()):
                words = [Words(tier, word, True) for word, e in term.typos if e == edits]
                if words:
                    classes.append((weight * quality, tier, _any(words)))
    return classes


def term_matches(term: Term, entities: Sequence[str], names: Expr | None = None) -> Expr:
    """Every record `term` matches: the union of its classes, said briefly (a word's start
    covers the whole word; `entities`: those whose names match it, found by `names`)."""
    from .search import ARTICLES, _article_applies

    every, typo_tiers = " ".join(TEXT_TIERS), " ".join(TYPO_TIERS)
    parts: list[Expr] = [Words(every, form, False) for form in (term.text, *term.spellings)]
    if _article_applies(term.text):
        parts += [Words(every, article + term.text, False) for article in ARTICLES]
    parts += [Words(typo_tiers, word, True) for word, _ in term.typos]
    if entities:
        parts.append(Linked(tuple(sorted(entities)), names))
    return _any(parts)


def term_classes(
    index: FullTextIndex, term: Term
) -> tuple[list[tuple[float, Expr]], list[str], Expr | None] | None:
    """Every class of `term`, best first: its text classes and, for the entities whose names
    match it, the records those entities bring (`Linked`, 45 times the name's quality); the
    ids of those entities, and the match of names that found them all. None when too many
    entities match."""
    from .search import WEIGHTS

    classes: list[tuple[float, Expr]] = []
    quality_of: dict[str, float] = {}
    names_of: dict[float, list[Expr]] = {}  # quality -> the matches of names of that quality
    for score, tier, match in text_classes(term):
        classes.append((score, match))
        if tier == "names":
            found = index.entities(match, MAX_ENTITIES)
            if found is None:
                return None
            quality = score / WEIGHTS["names"]
            if found:
                names_of.setdefault(quality, []).append(match)
            for entity in found:
                quality_of.setdefault(entity, quality)
            if len(quality_of) > MAX_ENTITIES:
                return None
    by_quality: dict[float, list[str]] = {}
    for entity, quality in quality_of.items():
        by_quality.setdefault(quality, []).append(entity)
    for quality, entities in by_quality.items():
        classes.append((WEIGHTS["via"] * quality,
                        Linked(tuple(sorted(entities)), _any(names_of[quality]))))
    classes.sort(key=lambda c: -c[0])
    every = [match for matches in names_of.values() for match in matches]
    return classes, list(quality_of), _any(every) if every else None


# ---------------------------------------------------------------------------------------------
# Choosing the candidates
# ---------------------------------------------------------------------------------------------


def bounded_candidates(index: FullTextIndex, request: SearchRequest) -> SearchCandidates | None:
    """The candidates of `request` (see the module's doc), or None when the bound cannot be
    kept (the caller then scores every record)."""
    limit = max(request.limit, 1)
    per_term, unions = [], []
    for term in request.terms:
        found = term_classes(index, term)
        if found is None:
            return None
        per_term.append(found[0])
        unions.append(term_matches(term, found[1], found[2]))
    matches = unions[0] if len(unions) == 1 else AllOf(tuple(unions))
    total = index.count(matches, request, counted_up_to(limit))
    if total is None:
        return None
    questions = 1
    lower: dict[Hashable, float] = {}  # candidate -> the score it has at least
    if total <= max(FEW * limit, FEW_MATCHES):  # few matches: all of them are candidates
        every = index.newest(matches, request, total)
        if every is None:
            return None
        lower = dict.fromkeys(every, 0.0)
        questions += 1
        per_term = []
    # a class nothing in scope matches takes no part in tuples
    if len(per_term) > 1:
        kept = []
        for classes in per_term:
            live = []
            for score, match in classes:
                questions += 1
                has = index.matches_any(match, request)
                if has is None:
                    return None
                if has:
                    live.append((score, match))
            kept.append(live)
        per_term = kept
    if total and per_term and all(per_term):
        found_tuples = _walk_tuples(index, request, per_term, limit, lower)
        if found_tuples is None:
            return None
        questions += found_tuples
    keys = {request.whole} if not request.alone else {
        form for term in request.terms
        for form in (term.text, *term.spellings, *(word for word, _ in term.typos))}  # fmt: skip
    named = index.named(sorted(keys), MAX_NAMED)
    if named is None:
        return None
    refs = list(dict.fromkeys([*lower, *named]))
    records = index.fetch(refs)
    have = {record.get("id") for table, _, record in records if table == "entities"}
    involved = [entity for table, _, record in records
                for entity in involved_entities(table, record) if entity not in have]  # fmt: skip
    records += index.fetch_entities(dict.fromkeys(involved))
    # in the store's order, as `search` reads a whole store: `via` lists entities in that order
    from .search import SEARCHED_TABLES

    place = {table: n for n, table in enumerate(SEARCHED_TABLES)}
    records.sort(key=lambda r: (place[r[0]], r[1]))
    return SearchCandidates([(t, r) for t, _, r in records], total, len(refs), questions + 2)


def _walk_tuples(
    index: FullTextIndex,
    request: SearchRequest,
    per_term: list[list[tuple[float, Expr]]],
    limit: int,
    lower: dict[Hashable, float],
) -> int | None:
    """Ask for the newest `limit` records of each tuple of classes, best average first, until
    no tuple left can hold a record that beats `limit` candidates; fills `lower`. The number
    of questions asked, or None past MAX_TUPLES."""
    count = len(per_term)

    def average(picks: tuple[int, ...]) -> float:
        return sum(per_term[i][p][0] for i, p in enumerate(picks)) / count

    start = (0,) * count
    heap = [(-average(start), start)]
    seen = {start}
    asked = 0
    best: list[float] = []  # min-heap of the `limit` best lower bounds
    while heap:
        negative, picks = heapq.heappop(heap)
        score = -negative
        if len(best) >= limit and round(score, 1) < round(best[0], 1):
            break  # nothing left can overtake `limit` candidates
        asked += 1
        if asked > MAX_TUPLES:
            return None
        parts = tuple(per_term[i][p][1] for i, p in enumerate(picks))
        refs = index.newest(parts[0] if count == 1 else AllOf(parts), request, limit)
        if refs is None:
            return None
        for ref in refs:
            if ref not in lower:  # tuples come best first: the first score is its best
                lower[ref] = score
                heapq.heappush(best, score)
                if len(best) > limit:
                    heapq.heappop(best)
        for i in range(count):
            if picks[i] + 1 < len(per_term[i]):
                following = picks[:i] + (picks[i] + 1,) + picks[i + 1:]
                if following not in seen:
                    seen.add(following)
                    heapq.heappush(heap, (-average(following), following))
    return asked


def involved_entities(table: str, record: Json) -> list[str]:
    """The entities whose names bring a record into a search (`search._links`): an event's
    participants, organizations and place; a partnership's parties."""
    if table == "events":
        ids: list[Any] = [p.get("entity") for p in record.get("participants") or ()
                          if isinstance(p, dict)]  # fmt: skip
        ids += list(record.get("organizations") or ())
        ids.append(record.get("place"))
    elif table == "partnerships":
        ids = list(record.get("parties") or ())
    else:
        return []
    return [i for i in ids if isinstance(i, str)]
