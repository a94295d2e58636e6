"""Who and what an article names: people with the posts it gives them, organizations, places
and countries, each recognised among the stored entities when it is one of them.

Rules of diplomatic reporting, not of these articles: a person's name is a run of capitalised
words (with initials and particles such as `bin`, `Al`, `de`) that a title or honorific stands
before (`H.E.`, `Dr.`, `Ambassador`, `Culture Minister`, `Director General of X`) or that a title
follows after a comma (`Mr. X, Ambassador of Y to Z,`). A name is checked against the store's
names and aliases with the search's folding (`Al-Malik` = `AlMalik`, `Ben Arafa` = `Benarafa`,
`Səmədov` = `Samadov`) and by first name and surname with the middle names compared by their
initials (`Salim bin Mohammed Al-Malik` = `Salim M. AlMalik`). A name that two stored people
share is ambiguous: both are offered, neither is chosen. A surname alone (`Dr. AlMalik`,
`Ambassador Samadov`) is the person already named in the article, or a stored one.

Countries come from the ISO 3166 list (pycountry) with their official names (`Kingdom of
Morocco` is Morocco) and demonyms (`Azerbaijani` is Azerbaijan).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from ..textfold import fold, fold_compact

Json = dict[str, Any]

_UPPER = "A-ZÀ-ÖØ-ÞĀĂĄĆĈĊČĎĐĒĔĖĘĚĜĞĠĢĤĦĨĪĬĮİĴĶĹĻĽĿŁŃŅŇŌŎŐŒŔŖŘŚŜŞŠŢŤŦŨŪŬŮŰŲŴŶŸŹŻŽƏ"
TOKEN = re.compile(r"[^\W_](?:[\w'’]|[-.](?=[^\W_]))*\.?|[^\w\s]")
HONORIFICS = {
    "h.e.",
    "he",
    "excellency",
    "his",
    "her",
    "dr.",
    "dr",
    "mr.",
    "mr",
    "mrs.",
    "mrs",
    "ms.",
    "ms",
    "prof.",
    "prof",
    "professor",
    "sheikh",
    "sheikha",
    "sir",
    "dame",
    "eng.",
    "madam",
    "mme",
    "hon.",
    "honourable",
    "honorable",
    "hrh",
    "h.r.h.",
}
TITLE_WORDS = {
    "ambassador",
    "minister",
    "president",
    "vice-president",
    "director",
    "director-general",
    "general",
    "head",
    "chairman",
    "chairwoman",
    "chair",
    "chairperson",
    "secretary",
    "secretary-general",
    "deputy",
    "adviser",
    "advisor",
    "counsellor",
    "counselor",
    "consul",
    "consul-general",
    "envoy",
    "king",
    "queen",
    "prince",
    "princess",
    "emir",
    "governor",
    "mayor",
    "rector",
    "dean",
    "chief",
    "commissioner",
    "representative",
    "spokesperson",
    "spokesman",
    "spokeswoman",
    "ceo",
    "manager",
    "officer",
    "coordinator",
    "undersecretary",
    "premier",
    "chancellor",
    "delegate",
    "attaché",
    "attache",
    "chargé",
    "charge",
    "permanent",
    "assistant",
    "vice",
    "minister-counsellor",
    "dg",
    "executive",
    "founder",
    "member",
    "speaker",
    "senator",
}
# Words that make a capitalised run the name of an organization, a place or an event, not a person.
ORG_HEADS = {
    "organization",
    "organisation",
    "ministry",
    "league",
    "commission",
    "council",
    "union",
    "agency",
    "university",
    "institute",
    "foundation",
    "committee",
    "bank",
    "fund",
    "association",
    "academy",
    "center",
    "centre",
    "society",
    "authority",
    "office",
    "sector",
    "department",
    "federation",
    "chamber",
    "company",
    "corporation",
    "parliament",
    "assembly",
    "secretariat",
    "embassy",
    "museum",
    "library",
    "school",
    "college",
    "forum",
    "network",
    "alliance",
    "program",
    "programme",
    "headquarters",
    "hq",
    "convention",
}
EVENT_HEADS = {
    "conference",
    "forum",
    "festival",
    "summit",
    "session",
    "exhibition",
    "expo",
    "congress",
    "games",
    "olympiad",
    "biennale",
    "fair",
    "week",
    "symposium",
    "meeting",
    "ceremony",
    "cop",
}
NOT_NAME = (
    ORG_HEADS
    | EVENT_HEADS
    | {
        "world",
        "capital",
        "republic",
        "kingdom",
        "state",
        "states",
        "city",
        "islamic",
        "national",
        "international",
        "united",
        "nations",
        "culture",
        "cultural",
        "year",
        "pavilion",
        "palace",
        "medal",
        "award",
        "prize",
        "day",
        "the",
        "a",
        "an",
        "this",
        "that",
        "these",
        "during",
        "at",
        "in",
        "on",
        "after",
        "afterwards",
        "afterward",
        "for",
        "his",
        "her",
        "their",
        "our",
        "its",
        "member",
        "ministers",
        "parties",
        "prophet",
        "prophet’s",
        "prophet's",
        "god",
        "mosque",
        "cathedral",
        "church",
        "airport",
        "square",
        "street",
        "avenue",
    }
)
# Words that name no organization by themselves ("the National Commission").
GENERIC = ORG_HEADS | {
    "national",
    "international",
    "general",
    "high",
    "higher",
    "supreme",
    "central",
    "regional",
    "permanent",
    "joint",
    "the",
    "of",
    "for",
    "and",
}
PARTICLES = {
    "bin",
    "bint",
    "ibn",
    "ben",
    "al",
    "el",
    "abu",
    "de",
    "da",
    "del",
    "van",
    "von",
    "der",
    "den",
    "la",
    "le",
    "du",
    "ould",
    "al-",
    "el-",
    "di",
    "bou",
}
PATRONYMIC = {"bin", "bint", "ibn", "ben", "ould"}
CONNECTORS = {"of", "to", "the", "for", "and", "in", "on", "at", "&"}
MONTH_WORDS = {
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
}

# Stored entity kinds that name events held under them (a conference series, a programme).
EVENT_KINDS_OF_ENTITIES = {"series", "programme", "program", "exhibition", "festival"}

# Countries whose usual English name differs from the ISO list's.
COUNTRY_ALIASES = {
    "Turkey": "Türkiye",
    "Russia": "Russian Federation",
    "Iran": "Iran, Islamic Republic of",
    "Syria": "Syrian Arab Republic",
    "South Korea": "Korea, Republic of",
    "North Korea": "Korea, Democratic People's Republic of",
    "Vietnam": "Viet Nam",
    "Palestine": "Palestine, State of",
    "UAE": "United Arab Emirates",
    "UK": "United Kingdom",
    "USA": "United States",
    "US": "United States",
    "Tanzania": "Tanzania, United Republic of",
    "Laos": "Lao People's Democratic Republic",
    "Brunei": "Brunei Darussalam",
    "Ivory Coast": "Côte d'Ivoire",
}
DEMONYMS = {
    "turkish": "Türkiye",
    "french": "France",
    "british": "United Kingdom",
    "emirati": "United Arab Emirates",
    "saudi": "Saudi Arabia",
    "dutch": "Netherlands",
    "chinese": "China",
    "spanish": "Spain",
    "swedish": "Sweden",
    "danish": "Denmark",
    "finnish": "Finland",
    "polish": "Poland",
    "irish": "Ireland",
    "swiss": "Switzerland",
    "greek": "Greece",
    "filipino": "Philippines",
    "afghan": "Afghanistan",
    "kazakh": "Kazakhstan",
    "uzbek": "Uzbekistan",
    "kyrgyz": "Kyrgyzstan",
    "tajik": "Tajikistan",
    "turkmen": "Turkmenistan",
    "american": "United States",
    "german": "Germany",
    "italian": "Italy",
    "russian": "Russian Federation",
    "iranian": "Iran, Islamic Republic of",
    "syrian": "Syrian Arab Republic",
    "korean": "Korea, Republic of",
    "vietnamese": "Viet Nam",
    "palestinian": "Palestine, State of",
    "thai": "Thailand",
    "malian": "Mali",
    "omani": "Oman",
    "malagasy": "Madagascar",
    "comorian": "Comoros",
    "mauritanian": "Mauritania",
    "djiboutian": "Djibouti",
    "bahraini": "Bahrain",
}


@dataclass
class Token:
    text: str
    start: int
    end: int

    @property
    def low(self) -> str:
        return self.text.lower()

    @property
    def cap(self) -> bool:
        return self.text[:1].isupper()

    @property
    def bare(self) -> str:
        """The word without a sentence's full stop (an initial or an abbreviation keeps it)."""
        if self.text.endswith(".") and len(self.text) > 2 and self.low not in HONORIFICS:
            return self.text[:-1]
        return self.text


def tokens(sentence: str) -> list[Token]:
    return [Token(m.group(0), m.start(), m.end()) for m in TOKEN.finditer(sentence)]


# ---------------------------------------------------------------------------------------------
# Countries
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Country:
    name: str  # the usual short English name
    names: tuple[str, ...]  # every name it is written under, folded


@lru_cache(maxsize=1)
def countries() -> dict[str, Country]:
    """Folded name, official name or demonym -> Country."""
    import pycountry

    by_iso: dict[str, Country] = {}
    index: dict[str, Country] = {}
    for entry in pycountry.countries:
        iso_name = entry.name
        short = getattr(entry, "common_name", None) or iso_name.split(",")[0]
        names = {iso_name, short}
        official = getattr(entry, "official_name", None)
        if official:
            names.add(official)
        country = Country(short, tuple(sorted(fold(n) for n in names)))
        by_iso[iso_name] = country
        for name in names:
            index.setdefault(fold(name), country)
        low = fold(short)
        if " " not in low:
            for demonym in _demonyms(low):
                index.setdefault(demonym, country)
    for alias, iso_name in COUNTRY_ALIASES.items():
        if iso_name in by_iso:
            index.setdefault(fold(alias), by_iso[iso_name])
    for demonym, iso_name in DEMONYMS.items():
        if iso_name in by_iso:
            index.setdefault(demonym, by_iso[iso_name])
    return index


def _demonyms(name: str) -> list[str]:
    stem = name[:-1] if name[-1] in "aeiouy" else name
    forms = [
        name + "i",
        name + "n",
        name + "an",
        name + "ian",
        name + "ese",
        stem + "an",
        stem + "ian",
        stem + "ese",
        stem + "i",
    ]
    return [f for f in forms if len(f) > len(name) - 1 and f != name]


@lru_cache(maxsize=8192)
def country_of(text: str) -> Country | None:
    """The country a name, official name or demonym designates: 'Kingdom of Morocco',
    'Azerbaijani'."""
    folded = fold(text)
    folded = re.sub(r"^the ", "", folded)
    return countries().get(folded)


# ---------------------------------------------------------------------------------------------
# Names of people
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PersonName:
    first: str  # folded, compact
    surname: str  # folded, compact
    middle_initials: tuple[str, ...]
    tokens: int


def person_name(text: str) -> PersonName | None:
    """First name, surname and the initials of the names between, for comparing spellings."""
    words = [
        w
        for w in text.replace("’", "'").split()
        if w.lower().rstrip(".") not in {h.rstrip(".") for h in HONORIFICS}
    ]
    if not words:
        return None
    if len(words) == 1:
        return PersonName("", fold_compact(words[0]), (), 1)
    first, rest = words[0], words[1:]
    # the surname: the last word with the particles before it ("Al Rashid", "Ben Arafa")
    cut = len(rest) - 1
    while cut > 0 and rest[cut - 1].lower() in PARTICLES - PATRONYMIC:
        cut -= 1
    if cut == 1 and rest[0].lower() in PATRONYMIC:
        cut = 0  # "Ben Arafa": no name after the patronymic particle, so it is the surname
    surname, middle = rest[cut:], rest[:cut]
    initials = []
    skip_next = False
    for word in middle:
        if skip_next:
            skip_next = False
        if word.lower() in PATRONYMIC:
            skip_next = True
            continue
        folded = fold_compact(word)
        if folded:
            initials.append(folded[0])
    return PersonName(
        fold_compact(first), fold_compact(" ".join(surname)), tuple(initials), len(words)
    )


def same_person_name(a: PersonName, b: PersonName) -> bool:
    """Whether two spellings can name one person: same first name and surname, middle initials
    compatible (one may have none)."""
    if a.tokens == 1 or b.tokens == 1:
        return False
    if a.first != b.first or a.surname != b.surname:
        return False
    if a.middle_initials and b.middle_initials:
        return a.middle_initials[0] == b.middle_initials[0]
    return True


# ---------------------------------------------------------------------------------------------
# The store's entities, for recognising them
# ---------------------------------------------------------------------------------------------


@lru_cache(maxsize=8192)
def _norm(text: str) -> str:
    """Folded, with demonyms as country names ('Azerbaijani' = 'Azerbaijan'), a field's ministry
    as 'ministry of' it ('Culture Ministry' = 'Ministry of Culture') and 'UN' as 'United
    Nations'."""
    index = countries()
    out = []
    for word in fold(text).split():
        country = index.get(word)
        out.append(
            fold(country.name) if country is not None and word not in country.names else word
        )
    folded = " ".join(out)

    def swap(match: re.Match[str]) -> str:
        if match.group(1) in index or match.group(1) in ("the", "a", "of", "and", "prime"):
            return match.group(0)
        return f"{match.group(2)} of {match.group(1)}"

    folded = re.sub(r"\b([a-z]+) (ministry|minister)\b", swap, folded)
    return re.sub(r"\bun\b", "united nations", folded)


class StoredNames:
    """Index of the stored entities' names and aliases for recognising them in text."""

    def __init__(self, entities: Iterable[Json]) -> None:
        self.records: dict[str, Json] = {}
        self.by_name: dict[str, list[str]] = {}
        self.people: list[tuple[PersonName, str]] = []
        self.by_surname: dict[str, list[str]] = {}
        for record in entities:
            self.records[record["id"]] = record
            names = [record["name"], *(record.get("aliases") or [])]
            for name in names:
                key = _norm(name)
                if key and record["id"] not in self.by_name.setdefault(key, []):
                    self.by_name[key].append(record["id"])
            if record.get("kind") == "person":
                for name in names:
                    parsed = person_name(name)
                    if parsed is None:
                        continue
                    if parsed.tokens > 1:
                        self.people.append((parsed, record["id"]))
                    ids = self.by_surname.setdefault(parsed.surname, [])
                    if record["id"] not in ids:
                        ids.append(record["id"])
        keys = sorted((k for k in self.by_name if len(k) > 2), key=len, reverse=True)
        self._pattern = (
            re.compile(
                r"(?<![a-z0-9])(?:" + "|".join(re.escape(k) for k in keys) + r")(?![a-z0-9])"
            )
            if keys
            else None
        )

    def person(self, text: str, *, surname_only: bool = False) -> list[str]:
        """Stored people a name designates (several: namesakes, ambiguous)."""
        exact = [i for i in self.by_name.get(_norm(text), []) if self._kind(i) == "person"]
        if exact:
            return exact
        parsed = person_name(text)
        if parsed is None:
            return []
        if parsed.tokens == 1:
            return list(self.by_surname.get(parsed.surname, [])) if surname_only else []
        found: list[str] = []
        for stored, entity_id in self.people:
            if same_person_name(parsed, stored) and entity_id not in found:
                found.append(entity_id)
        return found

    def _kind(self, entity_id: str) -> str:
        return str(self.records[entity_id].get("kind", ""))

    def find_all(self, text: str) -> list[tuple[str, list[str]]]:
        """Stored names found in a text (folded), longest first, none inside another: (name,
        ids)."""
        if self._pattern is None:
            return []
        normed = _norm(text)
        return [(m.group(0), self.by_name[m.group(0)]) for m in self._pattern.finditer(normed)]


# ---------------------------------------------------------------------------------------------
# Mentions in a sentence
# ---------------------------------------------------------------------------------------------


@dataclass
class PersonMention:
    name: str  # as written, without honorific
    start: int
    end: int
    title: str | None = None  # the post as stated
    stored: list[str] = field(default_factory=list)  # stored ids (several: namesakes)
    honorific: str | None = None


def _is_name_word(token: Token) -> bool:
    if not token.cap or token.low.rstrip(".") in MONTH_WORDS:
        return False
    low = token.bare.lower()
    if low in HONORIFICS or low in TITLE_WORDS or low in NOT_NAME:
        return False
    if re.fullmatch(r"[A-Z]{2,}s?(?:['’]s)?", token.bare):  # an acronym (ICESCO, COP29)
        return False
    return not any(ch.isdigit() for ch in token.text)


def _is_initial(token: Token) -> bool:
    return bool(re.fullmatch(rf"[{_UPPER}]\.", token.text))


def name_runs(toks: list[Token]) -> list[tuple[int, int]]:
    """Spans (token indices, end exclusive) of runs of name words, initials and particles."""
    runs: list[tuple[int, int]] = []
    i = 0
    while i < len(toks):
        if not (_is_name_word(toks[i]) or _is_initial(toks[i])):
            i += 1
            continue
        j = i + 1
        while j < len(toks):
            t = toks[j]
            if _is_name_word(t) or _is_initial(t):
                j += 1
            elif (
                t.low in PARTICLES
                and j + 1 < len(toks)
                and (_is_name_word(toks[j + 1]) or toks[j + 1].low in PARTICLES)
            ):
                j += 1
            else:
                break
        while j > i and _is_initial(toks[j - 1]):
            j -= 1  # a name ends with a name, not an initial
        if j > i:
            runs.append((i, j))
        i = max(j, i + 1)
    return runs


def _title_word(token: Token) -> bool:
    return any(part in TITLE_WORDS for part in re.split(r"[-’']", token.bare.lower()) if part) or (
        token.bare.lower() in TITLE_WORDS
    )


def title_before(toks: list[Token], start: int) -> tuple[str | None, int]:
    """The post written before a name ('Azerbaijani Ambassador to the Kingdom of Morocco'), and
    the index of its first token."""
    i = start - 1
    while i >= 0 and toks[i].low in HONORIFICS:
        i -= 1
    end = i + 1
    j = i
    while j >= 0:
        t = toks[j]
        if t.text == "," and j > 0 and j + 1 < end:
            before, after = toks[j - 1], toks[j + 1]
            if before.cap and (after.cap or after.low == "and"):
                j -= 1
                continue
            break
        if t.cap or t.low in CONNECTORS - {"in", "on", "at"} or t.text in "()":
            if t.low in HONORIFICS and t.low not in ("his", "her"):
                break
            j -= 1
            continue
        break
    first = j + 1
    while first < end and (toks[first].low in CONNECTORS or toks[first].text in ",)"):
        first += 1
    while first < end and toks[first].low in ("his", "her", "excellency"):
        first += 1
    span = toks[first:end]
    if not span or not any(_title_word(t) for t in span):
        return None, start
    if toks[end - 1].low in CONNECTORS or toks[end - 1].text in ",(":
        return None, start  # "the Minister of Culture, and Mr. X": the post is someone else's
    return _join(span), first


def title_after(toks: list[Token], end: int) -> str | None:
    """The post written after a name and a comma ('Mr. X, Ambassador of Y to Z, ...')."""
    if end >= len(toks) or toks[end].text not in (",", "("):
        if end < len(toks) and toks[end].low == "of" and end + 1 < len(toks) and toks[end + 1].cap:
            return _stretch(toks, end)  # "President Ilham Aliyev of the Republic of Azerbaijan"
        return None
    return _stretch(toks, end + 1)


def _stretch(toks: list[Token], start: int) -> str | None:
    j = start
    depth = 0
    while j < len(toks):
        t = toks[j]
        if t.text == "(":
            depth += 1
        elif t.text == ")":
            if depth == 0:
                break
            depth -= 1
        elif t.text == ",":
            if depth == 0 and not (j + 1 < len(toks) and (toks[j + 1].cap)):
                break
            if j + 1 < len(toks) and toks[j + 1].cap and not _title_like_run(toks, j + 1):
                break
        elif not (t.cap or t.low in CONNECTORS - {"in", "on", "at"}):
            break
        elif t.text.endswith(".") and t.low not in HONORIFICS and not _is_initial(t):
            j += 1
            break
        j += 1
    span = toks[start:j]
    while span and (span[-1].low in CONNECTORS or span[-1].text in ",("):
        span.pop()
    if not span or not any(_title_word(t) for t in span):
        return None
    return _join(span)


def _title_like_run(toks: list[Token], start: int) -> bool:
    """After a comma inside a post: the post goes on ('Minister of Culture, Chairman of X',
    'Educational, Scientific and Cultural Organization'), not a new name."""
    j = start
    while j < len(toks) and (toks[j].cap or toks[j].low in CONNECTORS):
        if _title_word(toks[j]) or toks[j].bare.lower() in NOT_NAME:
            return True
        j += 1
    return False


def _join(span: list[Token]) -> str:
    out = ""
    for n, t in enumerate(span):
        text = (
            t.text.rstrip(".")
            if n == len(span) - 1 and not _is_initial(t) and len(t.text) > 3
            else t.text
        )
        if n and not (t.text in ",)" or span[n - 1].text == "("):
            out += " "
        out += text
    return out


def find_people(
    sentence: str, names: StoredNames, known: dict[str, PersonMention]
) -> list[PersonMention]:
    """People named in a sentence, with their posts as stated. `known` maps folded surnames of
    people named earlier in the article to their first mention (for 'Dr. AlMalik')."""
    toks = tokens(sentence)
    found: list[PersonMention] = []
    for start, end in name_runs(toks):
        # a leading country, demonym or organization word belongs to the post, not the name
        while end - start > 1 and (
            country_of(toks[start].bare) is not None or toks[start].bare.lower() in NOT_NAME
        ):
            start += 1
        text = " ".join(t.bare for t in toks[start:end])
        before = toks[start - 1] if start else None
        honorific = before.text if before is not None and before.low in HONORIFICS else None
        title, _ = title_before(toks, start)
        after = title_after(toks, end)
        if title and after and after.lower().startswith("of "):
            title = f"{title} {after}"
        elif after and not after.lower().startswith("of "):
            title = title or after
        if country_of(text) is not None:
            continue
        words = end - start
        stored = names.person(text, surname_only=bool(honorific or title))
        surname_key = person_name(text)
        if words == 1:
            earlier = known.get(surname_key.surname) if surname_key else None
            if earlier is not None:
                stored = earlier.stored
                text = earlier.name
            elif not stored or not (honorific or title):
                continue
        elif not stored and not (honorific or title):
            continue
        if any(names._kind(i) != "person" for i in stored):
            continue
        mention = PersonMention(
            text, toks[start].start, toks[end - 1].end, title, stored, honorific
        )
        found.append(mention)
        if words > 1 and surname_key is not None:
            known.setdefault(surname_key.surname, mention)
    return found


@dataclass
class ThingMention:
    kind: str  # organization, place, country, event-name
    name: str
    stored: list[str] = field(default_factory=list)
    acronym: str | None = None
    start: int = 0
    spellings: list[str] = field(default_factory=list)  # how the text wrote it (folded)


_ORG_RUN = re.compile(
    rf"(?:[{_UPPER}][\w'’-]*|of|for|and|the|on|in|&)(?:,?\s+(?:[{_UPPER}][\w'’-]*|of|for|and|the"
    rf"|on|in|&))*(?:\s+\(([A-Z][A-Z0-9 ]{{1,14}})\))?"
)


def find_things(sentence: str, names: StoredNames) -> list[ThingMention]:
    """Stored entities named in a sentence, and new organizations, named events and countries."""
    found: list[ThingMention] = []
    seen: set[str] = set()
    for text, ids in names.find_all(sentence):
        kinds = {names.records[i]["kind"] for i in ids}
        if kinds == {"person"}:
            continue
        kind = next(iter(kinds)) if len(kinds) == 1 else "organization"
        if kind in EVENT_KINDS_OF_ENTITIES:
            # a stored series or programme ("World Forum on Intercultural Dialogue") names the
            # event it is held as, and is an entity the article names
            record = names.records[ids[0]]
            found.append(
                ThingMention("event-name", record["name"], list(ids), start=_at(sentence, text))
            )
        for entity_id in ids:
            if entity_id not in seen:
                seen.add(entity_id)
                record = names.records[entity_id]
                spellings = [*(record.get("aliases") or []), text]
                found.append(
                    ThingMention(
                        kind,
                        record["name"],
                        [entity_id],
                        start=_at(sentence, text),
                        spellings=spellings,
                    )
                )
    stored_text = {fold(names.records[i]["name"]) for i in seen} | {
        fold(a) for i in seen for a in names.records[i].get("aliases") or []
    }
    for match in _ORG_RUN.finditer(sentence):
        run = match.group(0)
        words = run.split()
        while words and words[0].lower() in CONNECTORS:
            words.pop(0)
        while words and words[-1].lower() in CONNECTORS:
            words.pop()
        if not words:
            continue
        run = " ".join(words).rstrip(",").split(", ")[0]
        run = re.sub(r"\s+in\s+[A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]*)?$", "", run)  # "... in Baku"
        if re.search(r",\s+the\s|\sand\sthe\s", run) or any(
            w.lower() in TITLE_WORDS for w in run.split()
        ):
            continue  # a list of names, or a person with a post
        if country_of(run.split()[0]) is not None and run.split()[1:2] == ["and"]:
            continue
        acronym = match.group(1)
        core = re.sub(r"\s*\([^)]*\)$", "", run)
        folded_words = fold(core).split()
        if not folded_words:
            continue
        head_org = any(w in ORG_HEADS for w in folded_words)
        head_event = any(w in EVENT_HEADS for w in folded_words) or bool(
            re.search(r"\bCOP\s?\d+", core)
        )
        if acronym and re.fullmatch(r"COP\s?\d+", acronym):
            continue  # the conference goes by its acronym, found below
        if fold(core) in stored_text or (acronym and fold(acronym) in stored_text):
            continue
        if names.find_all(core) and len(names.find_all(core)[0][0]) >= len(_norm(core)) - 2:
            continue
        if head_event and len(folded_words) >= 2:
            found.append(ThingMention("event-name", core, acronym=acronym, start=match.start()))
        elif (
            head_org
            and len(set(folded_words) - GENERIC) >= 2
            and folded_words[-1]
            in ORG_HEADS
            | {
                "culture",
                "science",
                "education",
                "scholars",
                "civilization",
                "affairs",
                "cooperation",
            }
        ):
            found.append(ThingMention("organization", core, acronym=acronym, start=match.start()))
    for match in re.finditer(r"\bCOP\s?(\d+)\b", sentence):
        found.append(ThingMention("event-name", f"COP{match.group(1)}", start=match.start()))
    for word in re.finditer(rf"[{_UPPER}][\w'’-]+(?:\s+[{_UPPER}][\w'’-]+){{0,5}}", sentence):
        phrase = word.group(0)
        for candidate in _country_spans(phrase):
            country = country_of(candidate)
            if country is None:
                continue
            stored = [
                i
                for i in names.by_name.get(fold(country.name), [])
                if names.records[i]["kind"] == "country"
            ]
            if stored and stored[0] in seen:
                continue
            if any(t.kind == "country" and t.name == country.name for t in found):
                continue
            found.append(ThingMention("country", country.name, stored, start=word.start()))
    return found


def _country_spans(phrase: str) -> list[str]:
    words = phrase.split()
    spans = []
    for size in range(min(len(words), 6), 0, -1):
        for i in range(len(words) - size + 1):
            spans.append(" ".join(words[i : i + size]))
    out: list[str] = []
    for span in spans:
        if country_of(span) is not None and not any(span in o for o in out):
            out.append(span)
    return out


def _at(sentence: str, folded_name: str) -> int:
    position = fold(sentence).find(folded_name)
    return max(position, 0)
