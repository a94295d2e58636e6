"""Search: finding the records people mean however they spell them, ranked, with filters.

A query is words and quoted phrases; every one must match a record. Text is folded on both
sides (case, accents, scripts, transliterations: see `textfold`), so `Şuşa` and `Shusha` are one
word, and so are `AlMalik` and `Al-Malik`. A word also matches the start of a word (`shush`), a
word behind the Arabic article (`Malik` finds `AlMalik`), and, from four letters on, a word of
the store's names and titles within a small edit distance (`Samdov` finds `Samadov`: one edit up
to seven letters, two from eight on, a swap of two letters counting as one; never the first
letter, never in numbers).

Ranking: the whole query equal to an id, name or alias scores 100, equal to a title 90 (a
one-word query equal to one through a typo or the article, that times the quality below);
otherwise each word scores by where it matched (an entity's id, name or alias 80, a title 60,
another record's id 50, an entity the event involves 45, other fields 30) times how (whole word
1, start of a word 0.9, behind the article 0.85, one typo 0.75, two 0.6), averaged over the
words. At equal score recent records come first.

An event also matches a word through the entities it involves: `search Samadov` finds the person
and every event he took part in; the hit's `via` names the entities that brought it.

For speed on large stores the text of every record is folded in one pass into three long
strings (names, title, other fields) and searched with `str.find`; the Python loop runs per
occurrence, not per record, and typo candidates are looked up in the vocabulary, not per record.
A store of 2 MB or more keeps that folded text in a derived index file between runs (see
`corpus_for`). docs/search.md describes all of this for users.
"""

from __future__ import annotations

import contextlib
import math
import os
import re
import tempfile
from array import array
from bisect import bisect_right
from collections.abc import Callable, Iterable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from datetime import date as calendar_day
from pathlib import Path
from typing import Any

from .errors import InvalidInput, NoMatch
from .queries import (
    TYPE_OF_TABLE,
    EventFilter,
    KnowledgeBase,
    cites,
    date_label,
    filter_events,
    status_label,
)
from .search_candidates import counted_up_to
from .store import APP_NAME
from .textfold import FIELD_JOIN, FIELD_SEP, FOLD_VERSION, RECORD_SEP, fold, fold_chars, fold_many

Json = dict[str, Any]

SEARCHED_TABLES = ("entities", "events", "sources", "partnerships")
SEGMENTS = ("names", "title", "other")  # folded text, one line per record
STORED = (*SEGMENTS, "links")  # ... and the lines of the entities each record involves
SPACED = frozenset({"other"})  # segments whose words may be apart by several spaces
TYPO_SEGMENTS = ("names", "title")  # typos are forgiven in names and titles, not in summaries
SEPARATORS = RECORD_SEP + FIELD_SEP
TEXT_FIELDS = ("description", "summary", "kind", "status", "outlet", "note")
LIST_FIELDS = ("topics", "tags", "areas")
# the fields `matched` may name, in the order it names them
MATCHED_FIELDS = ("id", "name", "aliases", "title", *TEXT_FIELDS, *LIST_FIELDS, "roles", "date")
LINK_FIELDS = ("place", "participants", "organizations", "parties")

SCORE_EXACT_NAME = 100.0
SCORE_EXACT_TITLE = 90.0
# "names" is an entity's id, name and aliases; "id" the id of any other record (a long slug)
WEIGHTS = {"names": 80.0, "title": 60.0, "id": 50.0, "via": 45.0, "other": 30.0}
EXACT, PREFIX, ARTICLE = 1.0, 0.9, 0.85
TYPO_QUALITY = {1: 0.75, 2: 0.6}
MAX_TYPO_ALTERNATIVES = 24
PHRASE_TYPOS_PER_WORD = 4  # in a phrase, each word's closest typos...
MAX_PHRASE_VARIANTS = 4096  # ... fewer in a long phrase, so that its variants stay few
ARTICLES = ("al", "el")
MANY_ENTITIES = 64  # beyond this many entities matched, map all links in one pass

INDEX_FORMAT = 1
INDEX_MAGIC = b"partnerkb-search-index\n"
INDEX_MIN_BYTES = 2_000_000
INDEXES_KEPT = 4  # the indexes of the stores searched last; an index is ~1/3 of its store


def allowed_typos(word: str) -> int:
    """Edits tolerated in a word: none up to 3 letters, 1 up to 7, 2 from 8; none in numbers."""
    if any(char.isdigit() for char in word) or " " in word:
        return 0
    return 0 if len(word) <= 3 else 1 if len(word) <= 7 else 2


# ---------------------------------------------------------------------------------------------
# Queries and filters
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Term:
    """One word or phrase of a query, folded; `variants` are the words it also matches."""

    text: str
    phrase: bool = False
    typos: tuple[tuple[str, int], ...] = ()  # (vocabulary word, edits)
    spellings: tuple[str, ...] = ()  # equal forms: letters and digits joined or apart (cop29)

    def variants(self) -> list[str]:
        """Every folded form this term matches, for highlighting."""
        forms = [self.text, *self.spellings, *(word for word, _ in self.typos)]
        if _article_applies(self.text):
            forms += [article + self.text for article in ARTICLES]
        return forms


_TOKEN = re.compile(r'"([^"]*)"|([^\s"]+)')


def parse_query(query: str | Sequence[str]) -> list[Term]:
    """Folded terms. In a string, text in double quotes is a phrase ('"culture capital" Shusha');
    in a list of command-line arguments, an argument with a space in it was quoted: a phrase.

    Loose words are folded together, so `Al Malik` is the one word `almalik`.
    """
    words: list[str] = []
    phrases: list[str] = []
    for part in [query] if isinstance(query, str) else query:
        if '"' not in part and not isinstance(query, str) and len(part.split()) > 1:
            phrases.append(part)
            continue
        for quoted, loose in _TOKEN.findall(part):
            (phrases if quoted else words).append(quoted or loose)
    loose = fold(" ".join(words)).split()
    terms = []
    for i, word in enumerate(loose):
        # `COP 29` typed as two words: each also matches the two written as one (`COP29`)
        pairs = [(loose[i - 1], word)] if i else []
        pairs += [(word, loose[i + 1])] if i + 1 < len(loose) else []
        joined = [a + b for a, b in pairs if _letters_then_digits(a, b)]
        terms.append(Term(word, spellings=tuple(dict.fromkeys([*joined, *_spellings(word)]))))
    for phrase in phrases:
        folded = fold(phrase)
        if folded:
            terms.append(Term(folded, phrase=" " in folded, spellings=_spellings(folded)))
    if not terms:
        raise InvalidInput("the search query is empty", hint="e.g. partnerkb search Shusha")
    return terms


_LETTER_DIGIT = re.compile(r"(?<=[a-z])(?=[0-9])|(?<=[0-9])(?=[a-z])")
_LETTER_SPACE_DIGIT = re.compile(r"(?<=[a-z]) (?=[0-9])|(?<=[0-9]) (?=[a-z])")


def _spellings(folded: str) -> tuple[str, ...]:
    """The other ways a folded text is written with letters and digits joined or apart:
    `cop29` -> `cop 29`, `cop 29` -> `cop29` (a hyphen folds to a space: `COP-29` too)."""
    forms = (_LETTER_DIGIT.sub(" ", folded), _LETTER_SPACE_DIGIT.sub("", folded))
    return tuple(dict.fromkeys(form for form in forms if form != folded))


def _letters_then_digits(first: str, second: str) -> bool:
    """Two words that are a run of letters and a run of digits, in either order."""
    return (first.isalpha() and second.isdigit()) or (first.isdigit() and second.isalpha())


@dataclass(frozen=True)
class SearchFilter:
    """What a search is narrowed to. The event filters (entities, dates, statuses) keep events
    only; `kinds` holds record kinds (meeting, person...) or types (event, entity, source...)."""

    kinds: tuple[str, ...] = ()
    entities: tuple[str, ...] = ()  # entity ids: events involving each (places inside count)
    since: str | None = None  # ISO day
    until: str | None = None  # ISO day
    statuses: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()  # source ids: only records citing one of them

    @property
    def events_only(self) -> bool:
        return bool(self.entities or self.since or self.until or self.statuses)

    def describe(self) -> str:
        parts = [f"kind {', '.join(self.kinds)}"] if self.kinds else []
        parts += [f"entity {e}" for e in self.entities]
        parts += [f"since {self.since}"] if self.since else []
        parts += [f"until {self.until}"] if self.until else []
        parts += [f"status {', '.join(self.statuses)}"] if self.statuses else []
        parts += [f"source {', '.join(self.sources)}"] if self.sources else []
        return "; ".join(parts)


# ---------------------------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------------------------


@dataclass
class Hit:
    """A record that matched: its score, the fields that matched and, for an event found
    through an entity it involves, that entity's id in `via`."""

    table: str
    record: Json
    score: float
    matched: list[str] = field(default_factory=list)
    via: list[str] = field(default_factory=list)


@dataclass
class SearchResult:
    hits: list[Hit]  # best first, at most the limit asked for
    total: int  # how many records matched in all (`more_than` + 1 when more than that did)
    terms: list[Term]
    examined: int | None = None  # records scored, when an engine's index chose them; None: all
    more_than: int | None = None  # the bound of the count, when more matched (counted_up_to)

    def highlight_terms(self, texts: Iterable[str]) -> list[str]:
        """The pieces of `texts` to highlight, as `render.styled` looks for them (`fold_chars`
        of the original words): matched words in any spelling, `Al-Malik` for `almalik`."""
        found: dict[str, None] = {}
        variants = [v for term in self.terms for v in term.variants()]
        for text in texts:
            for piece in matching_pieces(text, variants):
                found[fold_chars(piece)] = None
        return sorted(found, key=len, reverse=True)


_WORD = re.compile(r"[^\W_]+(?:['’`ʼ][^\W_]+)*")


def matching_pieces(text: str, variants: Sequence[str]) -> list[str]:
    """The runs of words in `text` whose folded form starts with one of `variants`."""
    spans = [(m.start(), m.end()) for m in _WORD.finditer(text)]
    pieces = []
    for i, (start, _) in enumerate(spans):
        for j in range(i, min(i + 8, len(spans))):
            folded = fold(text[start : spans[j][1]])
            hit = next((v for v in variants if folded.startswith(v)), None)
            if hit is not None:
                pieces.append(text[start : spans[j][1]])
                break
            if not any(v.startswith(folded) for v in variants):
                break
    return pieces


# ---------------------------------------------------------------------------------------------
# The folded corpus and its derived index file
# ---------------------------------------------------------------------------------------------


class Corpus:
    """The searchable text of a store's records, folded once: three long strings (names, title,
    other fields) with one line per record, where each line ends, and which lines a search may
    return (`allowed`, set by `restrict`)."""

    def __init__(
        self,
        kb: KnowledgeBase,
        refs: list[tuple[str, Json]],
        text: dict[str, str],
        ends: dict[str, list[int]],
    ) -> None:
        self.kb = kb
        self.refs = refs
        self.text = text
        self.ends = ends
        self.allowed = [True] * len(refs)
        self._vocabulary: dict[tuple[str, int, int], list[str]] = {}
        # where the typo vocabulary comes from when the corpus is not the whole store
        self.words: Callable[[str, int, int], list[str] | None] | None = None
        self.examined: int | None = None  # candidates an engine's index chose; None: all

    @classmethod
    def build(cls, kb: KnowledgeBase, refs: list[tuple[str, Json]] | None = None) -> Corpus:
        """The corpus of every record of the store, or of `refs` ((table, record) pairs: the
        candidates an engine's index chose)."""
        refs = store_refs(kb) if refs is None else refs
        text = {
            "names": fold_many([_names_text(record) for _, record in refs]),
            "title": fold_many([record.get("title") or "" for _, record in refs]),
            "other": fold_many([_other_text(kb, record) for _, record in refs], collapse=False),
            "links": _links(refs),
        }
        return cls(kb, refs, text, {seg: _line_ends(t) for seg, t in text.items()})

    def restrict(self, spec: SearchFilter, events_ok: AbstractSet[str] | None = None) -> None:
        """Allow only the records the filter keeps (entities stay searchable for `via`);
        `events_ok`: the ids of the events its event filters keep, when known already."""
        kinds = set(spec.kinds)
        if not kinds and not spec.events_only and not spec.sources:
            return
        if spec.events_only and events_ok is None:
            events_ok = events_kept(self.kb, spec)
        allowed = []
        for table, record in self.refs:
            ok = not kinds or record.get("kind") in kinds or TYPE_OF_TABLE[table] in kinds
            if events_ok is not None:
                ok = ok and table == "events" and record["id"] in events_ok
            if ok and spec.sources:
                ok = cites(table, record, spec.sources)
            allowed.append(ok)
        self.allowed = allowed

    # -- looking words up -----------------------------------------------------------------------
    def line(self, segment: str, doc: int) -> str:
        ends = self.ends[segment]
        start = ends[doc - 1] + 1 if doc else 0
        return self.text[segment][start : ends[doc]]

    def occurrences(
        self, segment: str, word: str, quality: float, whole: bool, fields: dict[int, float]
    ) -> dict[int, float]:
        """Lines where `word` starts a word (or is one, if `whole`): line -> quality, where a
        whole word keeps `quality` and a word's start gets PREFIX at most. Lines where `word`
        is a whole field (a name, an alias, a title) also go into `fields`."""
        text, ends = self.text[segment], self.ends[segment]
        if segment in SPACED and " " in word:
            return self._spaced_phrase(segment, word, quality)
        needle = f" {word} " if whole else f" {word}"
        found: dict[int, float] = {}
        size = len(needle) if whole else len(needle) + 1
        last = len(text) - 1
        pos = text.find(needle)
        while pos != -1:
            doc = bisect_right(ends, pos)
            exact = whole or text[pos + size - 1] == " "
            if exact:
                if quality > found.get(doc, 0.0):
                    found[doc] = quality
                after = pos + size
                if (pos == 0 or text[pos - 1] in SEPARATORS) and (
                    after > last or text[after] in SEPARATORS
                ):
                    fields[doc] = max(fields.get(doc, 0.0), quality)
                # a whole word is the best a line can do but for a whole field: next field
                pos = text.find(needle, pos + size - 1)
            else:
                if doc not in found:
                    found[doc] = min(quality, PREFIX)
                pos = text.find(needle, pos + 1)
        return found

    def _spaced_phrase(self, segment: str, phrase: str, quality: float) -> dict[int, float]:
        """`occurrences` of a phrase in a segment whose words may be apart by several spaces."""
        text, ends = self.text[segment], self.ends[segment]
        pattern = re.compile(" " + " +".join(map(re.escape, phrase.split())) + "(.)")
        found: dict[int, float] = {}
        for match in pattern.finditer(text):
            doc = bisect_right(ends, match.start())
            value = quality if match.group(1) == " " else min(quality, PREFIX)
            if value > found.get(doc, 0.0):
                found[doc] = value
        return found

    def behind_article(self, segment: str, word: str) -> dict[int, float]:
        """Lines where `word` follows the article in one word ('malik' in 'almalik'): one pass
        for both articles, finding 'l' + word and looking at the two characters before."""
        text, ends = self.text[segment], self.ends[segment]
        needle = "l" + word
        found: dict[int, float] = {}
        pos = text.find(needle)
        while pos != -1:
            if text[pos - 1] in "ae" and text[pos - 2] == " ":
                found[bisect_right(ends, pos)] = ARTICLE
            pos = text.find(needle, pos + 1)
        return found

    def vocabulary(self, first: str, shortest: int, longest: int) -> list[str]:
        """Distinct words of names and titles starting with `first`, of a length in range
        (from the engine's index when the corpus holds only candidates)."""
        key = (first, shortest, longest)
        if key not in self._vocabulary and self.words is not None:
            self._vocabulary[key] = self.words(first, shortest, longest) or []
        if key not in self._vocabulary:
            rest = f"[a-z0-9]{{{shortest - 1},{longest - 1}}}"
            pattern = re.compile(f" ({re.escape(first)}{rest})(?= )")
            words: set[str] = set()
            for segment in TYPO_SEGMENTS:
                words.update(pattern.findall(self.text[segment]))
            self._vocabulary[key] = sorted(words)
        return self._vocabulary[key]

    def typos_of(self, word: str) -> tuple[tuple[str, int], ...]:
        """Words of names and titles within the edits `word` allows, closest first."""
        edits = allowed_typos(word)
        if not edits:
            return ()
        from rapidfuzz.distance import OSA
        from rapidfuzz.process import extract

        # a word of three letters or fewer is never taken for a typo (acronyms, articles)
        choices = self.vocabulary(word[0], max(len(word) - edits, 4), len(word) + edits)
        found = extract(word, choices, scorer=OSA.distance, score_cutoff=edits,
                        limit=MAX_TYPO_ALTERNATIVES + 1)  # fmt: skip
        alternatives = sorted((int(dist), choice) for choice, dist, _ in found if choice != word)
        return tuple((choice, dist) for dist, choice in alternatives[:MAX_TYPO_ALTERNATIVES])

    def phrase_typos(self, phrase: str) -> tuple[tuple[str, int], ...]:
        """Variants of a phrase with each word's typos (`Nazim Samadow` -> `nazim samadov`),
        fewest edits first, as (phrase, edits; more than two edits count as two)."""
        from itertools import product

        options = []
        for word in phrase.split():
            typos = self.typos_of(word)[:PHRASE_TYPOS_PER_WORD]
            options.append([(word, 0), *typos])
        if all(len(choices) == 1 for choices in options):
            return ()
        while math.prod(map(len, options)) > MAX_PHRASE_VARIANTS:  # a long phrase: fewer each
            longest = max(options, key=len)
            longest.pop()
        variants = sorted(
            (sum(edits for _, edits in combo), " ".join(word for word, _ in combo))
            for combo in product(*options)
        )
        return tuple((text, min(edits, 2)) for edits, text in variants[1:MAX_TYPO_ALTERNATIVES + 1])

    def events_of(self, entity_lines: Iterable[int]) -> dict[int, list[int]]:
        """Entity line -> the allowed lines (events, partnerships) that involve that entity,
        entities in line order (the store's: `via` lists them in that order)."""
        wanted = sorted(entity_lines)
        text, ends, allowed = self.text["links"], self.ends["links"], self.allowed
        found: dict[int, list[int]] = {}
        if len(wanted) > MANY_ENTITIES:  # one pass over every link beats a search per entity
            wanted_set = {str(line) for line in wanted}
            for doc, links in enumerate(text.split(RECORD_SEP)):
                if allowed[doc]:
                    for number in wanted_set.intersection(links.split()):
                        found.setdefault(int(number), []).append(doc)
            return dict(sorted(found.items()))
        for entity in wanted:
            needle = f" {entity} "
            pos = text.find(needle)
            while pos != -1:
                doc = bisect_right(ends, pos)
                if allowed[doc]:
                    found.setdefault(entity, []).append(doc)
                pos = text.find(needle, ends[doc])
        return found

    # -- the derived index file -----------------------------------------------------------------
    def save(self, path: Path, fingerprint: list[Any]) -> None:
        """Write the folded text to `path` atomically, for the next search of the same store."""
        import orjson

        blobs = [self.text[seg].encode("ascii") for seg in STORED]
        blobs += [array("q", self.ends[seg]).tobytes() for seg in STORED]
        blobs.append("\n".join(record["id"] for _, record in self.refs).encode("utf-8"))
        header = {"format": INDEX_FORMAT, "key": fingerprint, "sizes": [len(b) for b in blobs]}
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(INDEX_MAGIC + orjson.dumps(header) + b"\n")
                for blob in blobs:
                    out.write(blob)
            os.replace(temporary, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise

    @classmethod
    def load(cls, kb: KnowledgeBase, path: Path, fingerprint: list[Any]) -> Corpus | None:
        """The corpus saved for this very store, or None (missing, stale, damaged, other format):
        the index is never trusted over the store."""
        import orjson

        try:
            content = path.read_bytes()
        except OSError:
            return None
        if not content.startswith(INDEX_MAGIC):
            return None
        try:
            newline = content.index(b"\n", len(INDEX_MAGIC))
            header = orjson.loads(content[len(INDEX_MAGIC) : newline])
            if header["format"] != INDEX_FORMAT or header["key"] != fingerprint:
                return None
            sizes = [int(size) for size in header["sizes"]]
            if len(sizes) != 2 * len(STORED) + 1 or newline + 1 + sum(sizes) != len(content):
                return None
            view, offset, blobs = memoryview(content), newline + 1, []
            for size in sizes:
                blobs.append(view[offset : offset + size])
                offset += size
            refs = store_refs(kb)
            if str(blobs[-1], "utf-8").split("\n") != [record["id"] for _, record in refs]:
                return None  # not the records of this store
            text = {seg: str(blobs[i], "ascii") for i, seg in enumerate(STORED)}
            ends: dict[str, list[int]] = {}
            for i, seg in enumerate(STORED):
                numbers = array("q")
                numbers.frombytes(blobs[len(STORED) + i])
                ends[seg] = numbers.tolist()
                if len(ends[seg]) != len(refs) or ends[seg][-1] != len(text[seg]):
                    return None
        except (ValueError, KeyError, TypeError, IndexError):  # damaged: build it again
            return None
        return cls(kb, refs, text, ends)


def store_refs(kb: KnowledgeBase) -> list[tuple[str, Json]]:
    """Every searchable record as (table, record), in the order of the corpus' lines."""
    return [(t, r) for t in SEARCHED_TABLES for r in kb.data.tables[t].values()]


def store_fingerprint(path: Path) -> list[Any] | None:
    """What identifies a store file's content without reading it: path, size, time, inode, and
    the folding rules; None for a store too small for an index to pay. Take it before reading
    the store: a write replaces the file (new inode and time), so a store changed since never
    matches the fingerprint of the one an index was made from."""
    try:
        stat = path.stat()
    except OSError:
        return None
    if stat.st_size < INDEX_MIN_BYTES:
        return None  # small stores fold faster than an index file loads
    from .engines import change_counter

    # a SQLite store is changed in place: its header counts the changes
    return [str(path.resolve()), stat.st_size, stat.st_mtime_ns, stat.st_ino, FOLD_VERSION,
            *change_counter(path)]  # fmt: skip


def index_path(fingerprint: list[Any]) -> Path:
    """Where a store's derived index lives: the user's cache folder, never beside the store (a
    store kept in git or in a read-only folder stays untouched)."""
    import hashlib

    from platformdirs import user_cache_path

    name = hashlib.sha256(str(fingerprint[0]).encode("utf-8")).hexdigest()[:32]
    return user_cache_path(APP_NAME, appauthor=False) / "search-index" / f"{name}.idx"


def corpus_for(kb: KnowledgeBase, fingerprint: list[Any] | None) -> Corpus:
    """The corpus of a store: loaded from its derived index when one matches, else built, and
    saved when the store is big enough for that to pay (a failure to save changes nothing)."""
    if fingerprint is None:
        return Corpus.build(kb)
    path = index_path(fingerprint)
    corpus = Corpus.load(kb, path, fingerprint)
    if corpus is None:
        corpus = Corpus.build(kb)
        with contextlib.suppress(OSError):
            corpus.save(path, fingerprint)
            _prune(path.parent)
    return corpus


def _prune(folder: Path, keep: int = INDEXES_KEPT) -> None:
    """Keep the indexes of the stores searched last (an index pruned is built again if needed)
    and forget what a killed search left half-written an hour ago or more."""
    import time

    for stale in folder.glob(".*.tmp"):
        if stale.stat().st_mtime < time.time() - 3600:
            stale.unlink(missing_ok=True)
    files = sorted(folder.glob("[!.]*.idx"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in files[keep:]:
        old.unlink(missing_ok=True)


def _names_text(record: Json) -> str:
    name, aliases = record.get("name"), record.get("aliases")
    if not aliases:
        return f"{record['id']}{FIELD_JOIN}{name}" if name else str(record["id"])
    return FIELD_JOIN.join(map(str, [record["id"], name or "", *aliases]))


def _other_text(kb: KnowledgeBase, record: Json) -> str:
    return other_values(record, kb.name_of)


def other_values(record: Json, name_of: Callable[[Any], str]) -> str:
    """The fields of a record searched as "other fields" (not yet folded), joined by
    FIELD_JOIN; `name_of(id)` names a role's organization (`KnowledgeBase.name_of`)."""
    get = record.get
    values = [value for value in map(get, TEXT_FIELDS) if value]
    for name in LIST_FIELDS:
        items = get(name)
        if items:
            values += items
    roles = get("roles")
    if roles:
        values += [f"{role.get('title') or ''} {name_of(role.get('organization'))}"
                   for role in roles]  # fmt: skip
    date = get("date")
    if date and "phrase" in date:
        values.append(date["phrase"])
    try:
        return FIELD_JOIN.join(values)
    except TypeError:  # a hand-edited store may hold numbers where text belongs
        return FIELD_JOIN.join(map(str, values))


def _links(refs: list[tuple[str, Json]]) -> str:
    """For each record, the lines of the entities it involves (events: participants,
    organizations, place; partnerships: parties), as numbers: short to store and to search."""
    line_of = {record["id"]: str(doc) for doc, (table, record) in enumerate(refs)
               if table == "entities"}  # fmt: skip
    find = line_of.get
    lines = []
    for table, record in refs:
        if table == "events":
            ids = [p["entity"] for p in record.get("participants") or ()]
            ids += record.get("organizations") or ()
            ids.append(record.get("place"))
        elif table == "partnerships":
            ids = record.get("parties") or []
        else:
            lines.append("")
            continue
        lines.append(" ".join([line for line in map(find, ids) if line]))
    return _join_lines(lines)


def _join_lines(lines: list[str]) -> str:
    """Lines joined like `fold_many` joins them: each framed by spaces, RECORD_SEP between."""
    return f" {f' {RECORD_SEP} '.join(lines)} "


def _line_ends(text: str) -> list[int]:
    ends = []
    pos = text.find(RECORD_SEP)
    while pos != -1:
        ends.append(pos)
        pos = text.find(RECORD_SEP, pos + 1)
    ends.append(len(text))
    return ends


def _article_applies(word: str) -> bool:
    return len(word) >= 4 and " " not in word and not word.startswith(ARTICLES)


# ---------------------------------------------------------------------------------------------
# Matching and ranking
# ---------------------------------------------------------------------------------------------


@dataclass
class _TermMatch:
    scores: dict[int, float]  # line -> best weighted score of this term
    via: dict[int, list[str]]  # line -> entity ids that brought it
    entities: set[str]  # ids of the entities whose names matched


def _match_term(corpus: Corpus, term: Term, alone: bool) -> _TermMatch:
    """Where a term matches, scored; `alone`: the query's only term, so that a name, alias,
    id or title equal to it (or to one of its typos) scores as the whole query's match."""
    per_segment: dict[str, dict[int, float]] = {}
    fields: dict[str, dict[int, float]] = {}
    for segment in SEGMENTS:
        whole_fields = fields[segment] = {}
        found = corpus.occurrences(segment, term.text, EXACT, False, whole_fields)
        for spelling in term.spellings:
            _merge(found, corpus.occurrences(segment, spelling, EXACT, False, whole_fields))
        if _article_applies(term.text):
            _merge(found, corpus.behind_article(segment, term.text))
        if segment in TYPO_SEGMENTS:
            for word, edits in term.typos:
                quality = TYPO_QUALITY[edits]
                _merge(found, corpus.occurrences(segment, word, quality, True, whole_fields))
        per_segment[segment] = found
    scores: dict[int, float] = {}
    refs, allowed = corpus.refs, corpus.allowed
    for segment, found in per_segment.items():
        weight = WEIGHTS[segment]
        for doc, quality in found.items():
            if segment == "names" and refs[doc][0] != "entities":
                score = WEIGHTS["id"] * quality
            else:
                score = weight * quality
            if allowed[doc] and score > scores.get(doc, 0.0):
                scores[doc] = score
    if alone:
        for segment, best in (("names", SCORE_EXACT_NAME), ("title", SCORE_EXACT_TITLE)):
            for doc, quality in fields[segment].items():
                if allowed[doc] and best * quality > scores.get(doc, 0.0):
                    scores[doc] = best * quality
    entities = {
        doc: quality for doc, quality in per_segment["names"].items() if refs[doc][0] == "entities"
    }
    via: dict[int, list[str]] = {}
    if entities:
        for entity, lines in corpus.events_of(entities).items():
            entity_id = refs[entity][1]["id"]
            score = WEIGHTS["via"] * entities[entity]
            for doc in lines:
                via.setdefault(doc, []).append(entity_id)
                if score > scores.get(doc, 0.0):
                    scores[doc] = score
    return _TermMatch(scores, via, {refs[doc][1]["id"] for doc in entities})


def _merge(into: dict[int, float], other: dict[int, float]) -> None:
    for doc, quality in other.items():
        if quality > into.get(doc, 0.0):
            into[doc] = quality


def _exact_score(corpus: Corpus, doc: int, whole: str) -> float:
    """100 when a name, alias or id of the line is `whole`, 90 when its title is, else 0."""
    if whole in {f.strip() for f in corpus.line("names", doc).split(FIELD_SEP)}:
        return SCORE_EXACT_NAME
    return SCORE_EXACT_TITLE if corpus.line("title", doc).strip() == whole else 0.0


def _recency(record: Json) -> str:
    date = record.get("date") or {}
    return str(date.get("latest") or date.get("earliest") or record.get("published") or "")


def _unmatched_script_hint(kb: KnowledgeBase, query: str) -> str | None:
    """When a query is written in a script no stored name or alias uses (شوشا with only
    Latin-script names stored), say so: its transliteration ('shwsh', without the vowels the
    Arabic script leaves out) cannot be relied on to meet the Latin spelling."""
    from .textfold import scripts

    wanted = scripts(query) - {"LATIN"}
    if not wanted:
        return None
    stored: set[str] = set()
    for entity in kb.data.tables["entities"].values():
        for name in (entity.get("name") or "", *(entity.get("aliases") or ())):
            if not name.isascii():
                stored |= scripts(name)
        if wanted <= stored:
            return None
    missing = sorted(wanted - stored)
    return (
        f"no stored name or alias is written in {' or '.join(s.title() for s in missing)} "
        "script: search its Latin spelling, or record this spelling as an "
        "alias: partnerkb edit ID --add aliases=..."
    )


def search(
    kb: KnowledgeBase,
    query: str | Sequence[str],
    spec: SearchFilter | None = None,
    limit: int | None = None,
    fingerprint: list[Any] | None = None,
) -> SearchResult:
    """Records where every term of `query` matches, best first (see the module docstring).

    `fingerprint` (`store_fingerprint` of the store file, taken before reading it) lets a big
    store's folded text be kept in a derived index file between runs. Raises InvalidInput for
    an empty query and NoMatch when nothing matches.
    """
    spec = spec or SearchFilter()
    every_term = parse_query(query)
    whole = " ".join(t.text for t in every_term)  # "Ministry of Culture of Azerbaijan"
    terms = list(dict.fromkeys(every_term))  # ... need not look for "of" twice
    alone = len(every_term) == 1  # "a a" is one term looked for, but not a one-word query
    events_ok = events_kept(kb, spec) if spec.events_only else None
    indexed = _indexed_corpus(kb, terms, whole, alone, spec, events_ok, limit)
    if indexed is not None:
        corpus, terms, total = indexed
    else:
        corpus = corpus_for(kb, fingerprint)
        corpus.restrict(spec, events_ok)
        terms = _with_typos(corpus, terms)
        total = None
    matches = [_match_term(corpus, term, alone) for term in terms]
    by_size = sorted(matches, key=lambda m: len(m.scores))
    candidates = set(by_size[0].scores)
    for match in by_size[1:]:
        candidates &= match.scores.keys()
    refs = corpus.refs
    scored: list[tuple[float, str, str, int]] = []
    for doc in candidates:
        score = sum(m.scores[doc] for m in matches) / len(matches)
        if not alone and score >= WEIGHTS["title"] * PREFIX:  # maybe a whole name
            score = max(score, _exact_score(corpus, doc, whole))
        record = refs[doc][1]
        scored.append((round(score, 1), _recency(record), record["id"], doc))
    if not scored:
        what = f"nothing matches {_query_text(query)!r}"
        if spec.describe():
            what += f" with {spec.describe()}"
        raise NoMatch(what, hint=_unmatched_script_hint(kb, _query_text(query))
                      or "try fewer words, another spelling, or fewer filters")  # fmt: skip
    scored.sort(key=lambda s: s[2])
    scored.sort(key=lambda s: (s[0], s[1]), reverse=True)
    chosen = scored if limit is None else scored[:limit]
    hits = [_hit(corpus, doc, score, terms, matches) for score, _, _, doc in chosen]
    total = len(scored) if total is None else total
    bound = None if limit is None else counted_up_to(limit)  # the same count on every engine
    if bound is not None and total > bound:
        return SearchResult(hits, bound + 1, terms, corpus.examined, more_than=bound)
    return SearchResult(hits, total, terms, corpus.examined)


def _with_typos(corpus: Corpus, terms: list[Term]) -> list[Term]:
    return [
        Term(t.text, t.phrase,
             corpus.phrase_typos(t.text) if t.phrase else corpus.typos_of(t.text), t.spellings)
        for t in terms
    ]


def events_kept(kb: KnowledgeBase, spec: SearchFilter) -> set[str]:
    """Ids of the events the event filters of `spec` keep (entities, dates, statuses)."""
    scoped = EventFilter(entities=spec.entities, since=spec.since, until=spec.until,
                         statuses=spec.statuses)  # fmt: skip
    return {e["id"] for e in filter_events(kb, scoped)}


def _indexed_corpus(
    kb: KnowledgeBase,
    terms: list[Term],
    whole: str,
    alone: bool,
    spec: SearchFilter,
    events_ok: set[str] | None,
    limit: int | None,
) -> tuple[Corpus, list[Term], int] | None:
    """The corpus of the candidates the engine's full-text index chose (see
    `search_candidates`), the terms with their typos, and how many records match in all; None
    when the engine has no such index (the caller folds every record)."""
    from .search_candidates import SearchRequest

    if limit is None:
        return None
    data = kb.data
    probe = Corpus(kb, [], {}, {})
    probe.words = data.search_vocabulary
    typo_words = [w for t in terms for w in (t.text.split() if t.phrase else [t.text])
                  if allowed_typos(w)]  # fmt: skip
    for word in typo_words:
        edits = allowed_typos(word)
        if data.search_vocabulary(word[0], max(len(word) - edits, 4), len(word) + edits) is None:
            return None
    terms = _with_typos(probe, terms)
    request = SearchRequest(
        tuple(terms), whole, alone, limit, kinds=spec.kinds, statuses=spec.statuses,
        events_only=spec.events_only,
        allowed=None if events_ok is None else frozenset(events_ok), sources=spec.sources,
    )
    answer = data.search_candidates(request)
    if answer is None:
        return None
    corpus = Corpus.build(kb, answer.records)
    corpus.words = data.search_vocabulary
    corpus.restrict(spec, events_ok)
    corpus.examined = answer.examined
    return corpus, terms, answer.total


def _query_text(query: str | Sequence[str]) -> str:
    return query if isinstance(query, str) else " ".join(query)


def _hit(
    corpus: Corpus, doc: int, score: float, terms: list[Term], matches: list[_TermMatch]
) -> Hit:
    table, record = corpus.refs[doc]
    via = list(dict.fromkeys(e for m in matches for e in m.via.get(doc, ())))
    entities = set().union(*(m.entities for m in matches))
    return Hit(table, record, score, matched_fields(corpus.kb, record, terms, entities), via)


def matched_fields(
    kb: KnowledgeBase, record: Json, terms: Sequence[Term], entities: AbstractSet[str] = frozenset()
) -> list[str]:
    """The fields of a record in which some term matched (names of linked entities count)."""
    matched = []
    for name, values in _field_texts(kb, record).items():
        folded = [f" {fold(v)} " for v in values]
        if any(_term_in(term, text) for term in terms for text in folded):
            matched.append(name)
    for name in LINK_FIELDS:
        value = record.get(name)
        ids = [value] if isinstance(value, str) else value or []
        ids = [i["entity"] if isinstance(i, dict) else i for i in ids]
        if not entities.isdisjoint(ids):
            matched.append(name)
    return matched


def _term_in(term: Term, text: str) -> bool:
    if f" {term.text}" in text or any(f" {form}" in text for form in term.spellings):
        return True
    if _article_applies(term.text) and any(f" {a}{term.text}" in text for a in ARTICLES):
        return True
    return any(f" {word} " in text for word, _ in term.typos)


def _field_texts(kb: KnowledgeBase, record: Json) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    for name in MATCHED_FIELDS:
        value = record.get(name)
        if name == "roles":
            value = [f"{r.get('title') or ''} {kb.name_of(r.get('organization'))}"
                     for r in value or ()]  # fmt: skip
        elif name == "date":
            value = (value or {}).get("phrase")
        if isinstance(value, str) and value:
            fields[name] = [value]
        elif isinstance(value, list) and value:
            fields[name] = [str(v) for v in value]
    return fields


# ---------------------------------------------------------------------------------------------
# Rows
# ---------------------------------------------------------------------------------------------


def hit_row(kb: KnowledgeBase, hit: Hit, today: str | None = None) -> Json:
    """A hit as a row: what it is, its date and title, score, matched fields, via, its status
    (events: as stored, and as it reads on `today` — a plan whose dates passed says so), the
    record."""
    record = hit.record
    today = today or calendar_day.today().isoformat()
    return {
        "type": TYPE_OF_TABLE[hit.table],
        "id": record["id"],
        "kind": record.get("kind", TYPE_OF_TABLE[hit.table]),
        "date": date_label(record["date"]) if record.get("date") else record.get("published") or "",
        "title": record.get("name") or record.get("title") or record["id"],
        # the title, or for an entity that shares its name, what tells it from its namesakes
        "label": kb.display_name(record["id"]) if hit.table == "entities" else
        record.get("title") or record["id"],
        "score": hit.score,
        "matched": hit.matched,
        "via": hit.via,
        "status": record.get("status", "") if hit.table == "events" else "",
        "status_label": status_label(record, today) if hit.table == "events" else "",
        "record": record,
    }


def group_rows(kb: KnowledgeBase, rows: list[Json]) -> list[tuple[str, list[Json]]]:
    """Rows grouped for the table view: each entity hit that brought events, followed by those
    events, then the other hits, groups in the order of their best row."""
    listed = {row["id"] for row in rows if row["type"] == "entity"}
    leader: dict[str, str] = {}
    for row in rows:
        chosen = next((e for e in row.get("via") or () if e in listed), None)
        if chosen:
            leader[row["id"]] = chosen
    heads = set(leader.values())
    groups: dict[str, list[Json]] = {}
    for row in rows:
        key = leader.get(row["id"]) or (row["id"] if row["id"] in heads else "")
        groups.setdefault(key, []).append(row)
    titled = []
    for key, members in groups.items():
        if not key:
            titled.append(("Other matches", members))
            continue
        members.sort(key=lambda row: row["id"] != key)  # the entity first, then its events
        kind = members[0].get("kind") or "entity"
        titled.append((f"{kb.display_name(key)} ({kind}) and its events", members))
    return titled
