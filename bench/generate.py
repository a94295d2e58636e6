"""Deterministic generator of large partnerkb stores for the benchmark.

`generate_store(path, n_events)` writes a store of `n_events` events, one tenth as many entities
and one fifth as many sources, with the field sizes of real records: names and titles of 60-100
characters, summaries of 200-400, 2-5 participants with their titles, topics, tags, dates of mixed
precision (days, months, years, approximate, early/mid/late, ranges, open ends, "on or before"),
phrases resolved against a publication date, status histories and citations. Every record passes
`partnerkb.model.VALIDATORS` and refers only to records that exist; the file is written with
`partnerkb.store.dumps`, exactly as partnerkb writes its own stores.

The same size and seed always give the same bytes. Besides the store, the generator writes
`<store>.probes.json`: the search word, date window and entity id the benchmark asks about, so that
the harness need not load the store to choose them.

    python bench/generate.py --sizes 10k,100k [--out bench/stores] [--check]
"""

from __future__ import annotations

import argparse
import bisect
import itertools
import json
import random
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from partnerkb.dates import FuzzyDate
from partnerkb.model import SCHEMA_VERSION, VALIDATORS, references
from partnerkb.store import dumps, write_atomic

Json = dict[str, Any]
HERE = Path(__file__).resolve().parent
DEFAULT_OUT = HERE / "stores"
SEED = 20240130
SEARCH_WORD = "Shusha"
TIMELINE_WINDOW = ("2024-01", "2024-03")

# ---------------------------------------------------------------------------------------------
# Vocabulary: enough variety that text search does real work, some of it beyond ASCII
# ---------------------------------------------------------------------------------------------

GIVEN = """Nazim Anar Salim Leyla Aysel Rashad Elnur Farid Gunel Samira Kamran Tural Nigar Orkhan
Zaur Lala Ilham Vusal Sevda Murad Amina Youssef Fatima Karim Omar Nadia Hassan Mariam Tariq Sara
Bilal Layla Idris Zainab Khalid Rania Malik Huda Jamal Salma Aziz Noor Faisal Dina Rachid Imane
Hamza Soukaina Mehdi Ayoub Oumaima Amir Yasmin Emre Elif Burak Zeynep Arman Dana Timur Aigerim
""".split()
FAMILY = """Samadov Karimov AlMalik Aliyev Mammadova Huseynov Guliyeva Rzayev Hasanli Abbasov
Ismayilova Najafov Bayramova Gasimov Valiyeva Alaoui Benali ElFassi Bennani Tazi Chraibi Idrissi
Haddad Mansour Saleh Nasser Khoury Rahman Siddiqui Qureshi Yilmaz Demir Kaya Ozturk Nurlanov
Bekova Tokayev Abenova Sultanov Rahimova Osmanov Kurbanova Yusupov Karimova Rustamov Askarova
""".split()
# Azerbaijani and Turkish spellings that some people's aliases carry (accent-insensitive search)
NATIVE = dict(
    pair.split("=")
    for pair in """Samadov=Səmədov Mammadova=Məmmədova Huseynov=Hüseynov Guliyeva=Quliyeva
    Hasanli=Həsənli Gasimov=Qasımov Valiyeva=Vəliyeva Ozturk=Öztürk Aliyev=Əliyev Najafov=Nəcəfov
    Ismayilova=İsmayılova""".split()
)
# real places first (name=native spelling), so that the most used places have real names
REAL_PLACES = [
    (name.replace("-", " "), native or None)
    for name, _, native in (
        pair.partition("=")
        for pair in """Shusha=Şuşa Baku=Bakı Rabat Ganja=Gəncə Sheki=Şəki Nakhchivan=Naxçıvan
        Lankaran=Lənkəran Quba Fez=Fès Marrakesh=Marrakech Casablanca Tangier=Tanger
        Istanbul=İstanbul Ankara Cairo Tunis Algiers Amman Doha Riyadh Jeddah Muscat
        Tashkent=Toshkent Samarkand=Samarqand Astana Almaty Bishkek Dushanbe Dakar Abuja Jakarta
        Islamabad Lahore Dhaka Tehran Kuala-Lumpur""".split()
    )
]
COUNTRIES = """Azerbaijan Morocco Turkey Egypt Tunisia Algeria Jordan Qatar Saudi-Arabia Oman
Uzbekistan Kazakhstan Kyrgyzstan Tajikistan Senegal Nigeria Malaysia Indonesia Pakistan Bangladesh
Iran Mauritania Niger Mali Chad Sudan Libya Kuwait Bahrain Lebanon""".split()
ORG_KINDS = """Ministry of Culture|Ministry of Education|Ministry of Science and Higher Education|
National Commission for Education, Science and Culture|State University|Academy of Sciences|
National Library|Heritage Foundation|Youth Agency|Space Agency|Institute of Manuscripts|
Centre for Intercultural Dialogue|Chamber of Commerce|Museum of Modern Art|Carpet Museum|
Agency for Innovation and Digital Development|Conservatory of Music""".replace("\n", "").split("|")
ROLE_TITLES = """Minister of Culture|Deputy Minister of Education|Ambassador|Director-General|
Head of the Partnerships and International Cooperation Sector|Rector|President|Secretary-General|
Advisor to the Director-General|Chair of the Board|Director of Heritage|Head of Protocol|
Permanent Delegate|Vice-President for Research""".replace("\n", "").split("|")
# kind, weight, how a title says it
EVENT_KINDS = [
    ("meeting", 40, "meets"),
    ("visit", 14, "visits"),
    ("conference", 10, "opens a conference with"),
    ("agreement", 8, "signs a cooperation agreement with"),
    ("announcement", 6, "announces plans with"),
    ("award", 4, "awards a medal to"),
    ("exhibition", 5, "tours an exhibition with"),
    ("opening", 3, "opens an office with"),
    ("designation", 2, "designates a culture capital with"),
    ("request", 3, "submits a request to"),
    ("launch", 3, "launches a programme with"),
    ("celebration", 2, "celebrates an anniversary with"),
]
PARTS = {
    "meeting": ("host", "guest"),
    "visit": ("host", "guest"),
    "award": ("awarder", "recipient"),
    "request": ("requester", "addressee"),
}
TOPICS = """culture capital of the Islamic world|COP29 climate conference|scientific research|
World Forum on Intercultural Dialogue|youth capacity-building and training|teacher training|
space sciences and applications|manuscript preservation|heritage sites and restoration|
digital libraries|artificial intelligence in education|water security|Arabic language teaching|
women in science|music and performing arts|carpet weaving heritage|sports diplomacy|
mine clearance and reconstruction|regional office|scholarships for students|journalism training|
cultural exchange programme""".replace("\n", "").split("|")
TAGS = """culture education science heritage youth diplomacy climate innovation media sport women
languages music reconstruction cop29 shusha dialogue research awards exhibitions""".split()
FILLER = """the two sides reviewed progress on joint programmes and agreed to widen cooperation in
education science and culture while preparing new projects for young researchers and teachers the
delegation praised the support of the organization for heritage restoration and proposed a plan of
workshops training sessions and exhibitions across member states with funding from partner
institutions and a timetable for the coming months both parties stressed the role of dialogue
between cultures and the value of digital tools for libraries museums and archives""".split()
OUTLETS = """ICESCO|News.Az|AZERTAC|Trend News Agency|Report.az|APA|Morocco World News|Hespress|
Anadolu Agency|Daily Sabah|Arab News|Gulf Times|Kazinform|UzDaily|The Peninsula""".replace(
    "\n", ""
).split("|")


# ---------------------------------------------------------------------------------------------
# Building blocks
# ---------------------------------------------------------------------------------------------


def slug(text: str) -> str:
    out = "".join(c.lower() if c.isascii() and c.isalnum() else "-" for c in text)
    return "-".join(part for part in out.split("-") if part)


def sentence(rng: random.Random, low: int, high: int, lead: str = "") -> str:
    """Plain words to a length between `low` and `high` characters, ending with a full stop."""
    target = rng.randint(low, high)
    words = [lead] if lead else []
    length = len(lead)
    while length < target - 1:
        word = rng.choice(FILLER)
        words.append(word)
        length += len(word) + 1
    text = " ".join(words)[: high - 1].rstrip()
    return text[0].upper() + text[1:] + "."


class Picker:
    """Weighted choice by rank (a few entities take part in many events, most in few)."""

    def __init__(self, items: list[str], rng: random.Random, skew: float = 0.8) -> None:
        self.items = items
        self.rng = rng
        self.cum = list(
            itertools.accumulate(1.0 / (rank + 5) ** skew for rank in range(len(items)))
        )

    def __call__(self) -> str:
        x = self.rng.random() * self.cum[-1]
        return self.items[bisect.bisect_right(self.cum, x)]


def fuzzy_date(rng: random.Random, year: int) -> Json:
    """A date of mixed precision, as partnerkb stores it."""
    month, day = rng.randint(1, 12), rng.randint(1, 28)
    roll = rng.random()
    if roll < 0.55:
        edtf = f"{year}-{month:02d}-{day:02d}"
    elif roll < 0.70:
        edtf = f"{year}-{month:02d}"
    elif roll < 0.75:
        edtf = f"{year}"
    elif roll < 0.79:
        edtf = f"{year}-{month:02d}~"
    elif roll < 0.82:
        edtf = f"{year}-{month:02d}?"
    elif roll < 0.86:
        first, last = rng.choice([(1, 4), (5, 8), (9, 12)])
        edtf = f"{year}-{first:02d}~/{year}-{last:02d}~"
    elif roll < 0.98:
        end = min(28, day + rng.randint(1, 5))
        edtf = f"{year}-{month:02d}-{day:02d}/{year}-{month:02d}-{end:02d}"
    # open spans are rare in real records, and each overlaps every window on its open side
    elif roll < 0.985:
        edtf = f"{year}-{month:02d}/.."
    elif roll < 0.99:
        edtf = f"../{year}-{month:02d}"
    elif roll < 0.995:
        edtf = f"[..{year}-{month:02d}-{day:02d}]"
    else:
        edtf = f"[{year}-{month:02d}-{day:02d}..]"
    return FuzzyDate.from_edtf(edtf).to_dict()


def cite(rng: random.Random, source_ids: list[str]) -> Json:
    para = rng.randint(1, 9)
    what = rng.choice(["date and venue", "participants and topics", "the decision", "who spoke"])
    return {"source": rng.choice(source_ids), "locator": f"para. {para}: {what}"}


# ---------------------------------------------------------------------------------------------
# The store
# ---------------------------------------------------------------------------------------------


def generate_tables(n_events: int, seed: int = SEED) -> Json:
    """The tables of a store with `n_events` events (plain dicts, as partnerkb stores them)."""
    tables: Json = {table: {} for table in (*TABLE_ORDER, "history")}
    events: list[Json] = []
    for table, doc, record in generate_records(n_events, seed, lambda n: events[n]["id"]):
        tables[table][str(doc)] = record
        if table == "events":
            events.append(record)
    return tables


TABLE_ORDER = ("meta", "sources", "entities", "events", "partnerships")


def generate_records(
    n_events: int, seed: int = SEED, event_id_at: Callable[[int], str] | None = None
) -> Iterator[tuple[str, int, Json]]:
    """The records of the store `generate_tables` makes, one at a time: (table, document
    number, record), table by table in `TABLE_ORDER`, in document order. Memory is bounded by
    the entities and sources (a tenth and a fifth of the events); events are made and given
    one by one. `event_id_at(n)` gives the id of the n-th event given (from 0): partnerships,
    made last, name some of them (a whole store's writer looks it up where it put them)."""
    rng = random.Random(seed * 1_000_003 + n_events)
    n_entities = max(40, n_events // 10)
    n_sources = max(10, n_events // 5)
    yield "meta", 1, {
        "schema_version": SCHEMA_VERSION,
        "created": "2026-01-01T00:00:00Z",
        "name": f"benchmark store, {n_events} events (seed {seed})",
    }

    sources: list[Json] = []
    for n in range(n_sources):
        published = f"{rng.randint(1995, 2026)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        outlet = rng.choice(OUTLETS)
        title = sentence(rng, 60, 110)
        sources.append(
            {
                "id": f"{slug(outlet)}-{published}-{n}",
                "outlet": outlet,
                "title": title[:-1],
                "published": published,
                "url": f"https://example.org/{slug(outlet)}/{published}/{n}",
                "language": rng.choice(["en", "en", "en", "fr", "ar", "az"]),
                "note": sentence(rng, 40, 120) if rng.random() < 0.3 else None,
            }
        )
    source_ids = [s["id"] for s in sources]
    for n, source in enumerate(sources, 1):
        yield "sources", n, source
    del sources

    entities: list[Json] = []
    n_countries = min(len(COUNTRIES), max(5, n_entities // 30))
    for name in COUNTRIES[:n_countries]:
        entities.append(
            _entity(
                rng,
                slug(name),
                "country",
                name.replace("-", " "),
                [],
                f"{name.replace('-', ' ')}, a member state.",
                source_ids,
            )
        )
    countries = [e["id"] for e in entities]
    n_places = max(10, n_entities * 12 // 100)
    for n in range(n_places):
        base, native = REAL_PLACES[n % len(REAL_PLACES)]
        name = base if n < len(REAL_PLACES) else f"{base} {rng.choice(FILLER).title()} Quarter {n}"
        aliases = [native] if native and n < len(REAL_PLACES) else []
        place = _entity(
            rng,
            slug(name),
            "place",
            name,
            aliases,
            sentence(rng, 80, 200, f"{name} is a city and venue"),
            source_ids,
        )
        place["located_in"] = rng.choice(countries)
        entities.append(place)
    places = [e["id"] for e in entities if e["kind"] == "place"]
    n_orgs = max(10, n_entities * 25 // 100)
    taken = {e["id"] for e in entities}
    for n in range(n_orgs):
        country = rng.choice(COUNTRIES[:n_countries]).replace("-", " ")
        name = f"{rng.choice(ORG_KINDS)} of {country}"
        if slug(name) in taken:
            name += f" {n}"
        taken.add(slug(name))
        entities.append(
            _entity(
                rng,
                slug(name),
                "organization",
                name,
                [f"{''.join(w[0] for w in name.split() if w[0].isupper())}"],
                sentence(rng, 120, 300, f"The {name} works on"),
                source_ids,
            )
        )
    orgs = [e["id"] for e in entities if e["kind"] == "organization"]
    n_people = n_entities - len(entities)
    for n in range(n_people):
        given, family = rng.choice(GIVEN), rng.choice(FAMILY)
        name = f"{given} {family}"
        aliases = [f"{given} {NATIVE[family]}"] if family in NATIVE else []
        if rng.random() < 0.5:
            aliases.append(f"Dr. {family}")
        person = _entity(
            rng,
            f"{slug(name)}-{n}",
            "person",
            name,
            aliases,
            sentence(rng, 80, 250, f"{name} is a"),
            source_ids,
        )
        person["roles"] = [_role(rng, orgs, source_ids) for _ in range(rng.randint(1, 3))]
        entities.append(person)
    people = [e["id"] for e in entities if e["kind"] == "person"]
    names = {e["id"]: e["name"] for e in entities}
    for n, entity in enumerate(entities, 1):
        yield "entities", n, entity
    del entities

    pick_person = Picker(people, rng)
    pick_org = Picker(orgs, rng)
    pick_place = Picker(places, rng, skew=1.0)
    kinds, kind_weights, _ = zip(*EVENT_KINDS, strict=True)
    verbs = {kind: verb for kind, _, verb in EVENT_KINDS}
    waiting: Json | None = None  # an event that a plan may be fulfilled by the next one
    for n in range(n_events):
        kind = rng.choices(kinds, kind_weights)[0]
        year = min(2026, 1995 + int(31 * rng.random() ** 0.6))
        date = fuzzy_date(rng, year)
        chosen = list(dict.fromkeys(pick_person() for _ in range(rng.randint(2, 5))))
        while len(chosen) < 2:
            chosen.append(rng.choice(people))
        roles = PARTS.get(kind, ("organizer", "attendee"))
        participants = [
            {
                "entity": pid,
                "part": roles[0] if i == 0 else roles[1] if i == 1 else "attendee",
                "as": rng.choice(ROLE_TITLES),
            }
            for i, pid in enumerate(chosen)
        ]
        organizations = list(dict.fromkeys(pick_org() for _ in range(rng.randint(1, 3))))
        place = pick_place() if rng.random() < 0.9 else None
        where = f" in {names[place]}" if place else ""
        first, second = names[chosen[0]], names[chosen[1]]
        title = f"{first} {verbs[kind]} {second}{where}"
        if len(title) < 60:
            title += f" on {rng.choice(TOPICS)}"
        title = title[:100].rstrip()
        status = (
            "happened"
            if year < 2025 or rng.random() < 0.3
            else rng.choice(["planned", "planned", "postponed", "cancelled"])
        )
        if status == "happened" and rng.random() < 0.02:
            status = "cancelled"
        cites = [cite(rng, source_ids) for _ in range(rng.randint(1, 3))]
        as_of = date["latest"] or date["earliest"]
        if date["edtf"].startswith("[") or rng.random() < 0.05:
            date["phrase"] = rng.choice(
                [
                    "later this year",
                    "earlier this month",
                    "last week",
                    "at the beginning of next year",
                    "recently",
                ]
            )
            date["resolved_against"] = as_of
        event_id = f"{(date['earliest'] or date['latest'])[:10]}-{slug(title)[:60].strip('-')}-{n}"
        event = {
            "id": event_id,
            "kind": kind,
            "title": title,
            "date": date,
            "place": place,
            "participants": participants,
            "organizations": organizations,
            "topics": rng.sample(TOPICS, rng.randint(1, 4)),
            "tags": rng.sample(TAGS, rng.randint(1, 5)),
            "summary": sentence(rng, 200, 400, f"{first} and {second} met{where} and"),
            "status": status,
            "status_history": [{"status": status, "as_of": as_of, "sources": cites[:1]}],
            "fulfils": None,
            "fulfilled_by": None,
            "related_events": [],
            "sources": cites,
        }
        # every 97th event, if planned, is fulfilled by the next one, each pointing at the other
        if n % 97 == 0:
            waiting = event
            continue
        if n % 97 == 1 and waiting is not None:
            if waiting["status"] == "planned":
                waiting["fulfilled_by"], event["fulfils"] = event["id"], waiting["id"]
                event["related_events"] = [waiting["id"]]
            yield "events", n, waiting
            waiting = None
        yield "events", n + 1, event
    if waiting is not None:
        yield "events", n_events, waiting

    find_event = event_id_at or (lambda _: "")
    for n in range(max(2, n_entities // 200)):
        parties = rng.sample(orgs, 2)
        related = [find_event(i) for i in rng.sample(range(n_events), min(n_events, 20))]
        yield "partnerships", n + 1, {
            "id": f"partnership-{parties[0]}-{n}"[:110],
            "parties": parties,
            "areas": rng.sample(TAGS, 5),
            "summary": sentence(rng, 200, 400, "A partnership that"),
            "events": related,
            "sources": [cite(rng, source_ids)],
        }


def _entity(
    rng: random.Random,
    entity_id: str,
    kind: str,
    name: str,
    aliases: list[str],
    description: str,
    source_ids: list[str],
) -> Json:
    return {
        "id": entity_id,
        "kind": kind,
        "name": name,
        "aliases": aliases,
        "description": description,
        "tags": rng.sample(TAGS, rng.randint(1, 3)),
        "external_ids": {},
        "roles": [],
        "related": [],
        "sources": [cite(rng, source_ids) for _ in range(rng.randint(1, 2))],
    }


def _role(rng: random.Random, orgs: list[str], source_ids: list[str]) -> Json:
    first = f"{rng.randint(1995, 2024)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    last = f"{int(first[:4]) + rng.randint(0, 2)}{first[4:]}"
    dated = rng.random() < 0.4
    return {
        "title": rng.choice(ROLE_TITLES),
        "organization": rng.choice(orgs),
        "from": FuzzyDate.from_edtf(first[:7]).to_dict() if dated else None,
        "until": FuzzyDate.from_edtf(last[:4]).to_dict() if dated and rng.random() < 0.5 else None,
        "first_cited": first,
        "last_cited": last,
        "sources": [cite(rng, source_ids)],
    }


def probes(tables: Json) -> Json:
    """What the benchmark asks of a store: a word, a date window and an entity of middling fame."""
    found = Probes()
    for table in TABLE_ORDER:
        for record in tables[table].values():
            found.see(table, record)
    return found.probes()


class Probes:
    """`probes` worked out from the records as they are generated (see `generate_records`)."""

    def __init__(self) -> None:
        self.counts = dict.fromkeys(TABLE_ORDER, 0)
        self.people = 0
        self.person = ""
        self.guest = ""  # the 21st person: whom add-meeting has the 20th meet
        self.source = ""  # the first source: what add-meeting cites

    def see(self, table: str, record: Json) -> None:
        self.counts[table] += 1
        if table == "sources" and not self.source:
            self.source = record["id"]
        # the Picker ranks people by list order: the 20th is busy but not the busiest
        if table == "entities" and record["kind"] == "person" and self.people < 21:
            self.people += 1
            if self.people <= 20:
                self.person = record["id"]
            self.guest = record["id"]

    def probes(self) -> Json:
        return {
            "search": SEARCH_WORD,
            "since": TIMELINE_WINDOW[0],
            "until": TIMELINE_WINDOW[1],
            "show": self.person,
            "guest": self.guest,
            "source": self.source,
            "events": self.counts["events"],
            "entities": self.counts["entities"],
        }


def check(tables: Json, sample: int | None = None) -> None:
    """Validate records and references (every record, or every `sample`-th); raise if bad."""
    ids: set[str] = set()
    for table in VALIDATORS:
        ids.update(r["id"] for r in tables[table].values())
    count = sum(len(tables[t]) for t in VALIDATORS)
    if len(ids) != count:
        raise ValueError(f"ids are not unique: {count} records, {len(ids)} ids")
    for table, validate in VALIDATORS.items():
        for n, record in enumerate(tables[table].values()):
            if sample and n % sample:
                continue
            validate(record)
            for field, ref in references(table, record):
                if ref not in ids:
                    raise ValueError(f"{record['id']}: {field} refers to missing {ref!r}")


def generate_store(
    path: str | Path, n_events: int, seed: int = SEED, *, validate: bool = False
) -> Json:
    """Write a store of `n_events` events at `path`, its probes beside it; return the probes."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tables = generate_tables(n_events, seed)
    if validate:
        check(tables)
    found = probes(tables)
    write_atomic(path, dumps(tables))
    probe_path(path).write_text(json.dumps(found, indent=2) + "\n", encoding="utf-8")
    return found


def generate_sqlite_store(
    path: str | Path, n_events: int, seed: int = SEED, *, overwrite: bool = False
) -> Json:
    """Write the store `generate_store` writes, as a SQLite store at `path` (partnerkb's own
    writer: `engines.sqlite.new_file` and `insert_record`, one record at a time, so memory stays
    bounded whatever the size); its probes beside it; return the probes. The same records as
    the JSON store of the same size and seed: `partnerkb convert` of one gives the other."""
    from partnerkb.engines.sqlite import insert_record, new_file
    from partnerkb.engines.sqlite_search import StagedRows

    path = Path(path)
    found = Probes()
    with new_file(path, overwrite=overwrite) as conn:
        # a file of gigabytes whose indexes grow in random order: a bigger page cache than
        # SQLite's default 2 MB saves most of the re-reading (this connection only)
        conn.execute("PRAGMA cache_size=-262144")

        def event_id(n: int) -> str:
            return str(conn.execute("SELECT id FROM events WHERE doc = ?", (n + 1,)).fetchone()[0])

        # full-text rows kept aside and indexed at the end in key order (many times faster)
        staged = StagedRows(conn)
        for table, doc, record in generate_records(n_events, seed, event_id):
            insert_record(conn, table, doc, record, staged)
            found.see(table, record)
        staged.finish()
    probe_path(path).write_text(json.dumps(found.probes(), indent=2) + "\n", encoding="utf-8")
    return found.probes()


def jsonl_of_sqlite(store: str | Path, path: str | Path) -> None:
    """Write the records of the SQLite store at `store` as `partnerkb export --format jsonl`
    gives them (sources, entities, events, partnerships, each with its table as `type` first, one
    a line): what `partnerkb import` reads. Streams: one record in memory at a time."""
    import sqlite3

    path = Path(path)
    temp = path.with_name(f".{path.name}.tmp")
    conn = sqlite3.connect(f"file:{store}?mode=ro", uri=True)
    try:
        with open(temp, "wb") as out:
            for table, singular in (("sources", "source"), ("entities", "entity"),
                                    ("events", "event"), ("partnerships", "partnership")):
                head = b'{"type":"' + singular.encode() + b'",'
                for (text,) in conn.execute(f"SELECT record FROM {table} ORDER BY doc"):
                    out.write(head + text.encode("utf-8")[1:] + b"\n")
    finally:
        conn.close()
    temp.replace(path)


def probe_path(store: Path) -> Path:
    return store.with_name(store.name + ".probes.json")


def parse_size(text: str) -> int:
    text = text.strip().lower()
    factor = {"k": 1_000, "m": 1_000_000}.get(text[-1:], 1)
    number = text[:-1] if factor > 1 else text
    try:
        value = int(float(number) * factor)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a size: {text!r} (e.g. 10k, 100k, 1m)") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"a size must be positive: {text!r}")
    return value


def size_label(n: int) -> str:
    if n % 1_000_000 == 0:
        return f"{n // 1_000_000}m"
    if n % 1_000 == 0:
        return f"{n // 1_000}k"
    return str(n)


ENGINES = ("json", "sqlite")


def store_path(out: Path, n_events: int, engine: str = "json") -> Path:
    suffix = ".sqlite" if engine == "sqlite" else ".json"
    return out / f"events-{size_label(n_events)}{suffix}"


def ensure_store(
    out: Path, n_events: int, *, engine: str = "json", log: Any = None
) -> tuple[Path, Json]:
    """The store of this size and engine, generated only if it is not there yet, in a child
    process: a benchmark that generated a 100k-event store in its own process (1 GB) would see
    every process it starts afterwards report that peak as its own (Linux counts the memory of
    the forked copy in the child's maximum resident set size)."""
    import subprocess

    path = store_path(out, n_events, engine)
    if path.exists() and probe_path(path).exists():
        return path, json.loads(probe_path(path).read_text(encoding="utf-8"))
    started = time.perf_counter()
    out.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, str(Path(__file__).resolve()), "--sizes", str(n_events),
                    "--engine", engine, "--out", str(out), "--force"], check=True)  # fmt: skip
    found = json.loads(probe_path(path).read_text(encoding="utf-8"))
    if log:
        mb = path.stat().st_size / 1e6
        log(f"generated {path} ({mb:.0f} MB) in {time.perf_counter() - started:.1f} s")
    return path, found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10k,100k", help="comma-separated: 10k,100k,1m")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="folder of the stores")
    parser.add_argument(
        "--engine",
        default="json",
        help="comma-separated: json (events-N.json), sqlite (events-N.sqlite, written "
        "record by record: a 1M-event store without the JSON file and its memory)",
    )
    parser.add_argument(
        "--jsonl",
        action="store_true",
        help="also events-N.jsonl, the records as export --format jsonl gives them "
        "(what import reads), from the SQLite store",
    )
    parser.add_argument("--check", action="store_true", help="validate every record first")
    parser.add_argument("--force", action="store_true", help="regenerate existing stores")
    args = parser.parse_args(argv)
    engines = [e.strip() for e in args.engine.split(",") if e.strip()]
    if any(e not in ENGINES for e in engines):
        parser.error(f"--engine: one of {', '.join(ENGINES)}")
    if args.jsonl and "sqlite" not in engines:
        engines.append("sqlite")
    args.out.mkdir(parents=True, exist_ok=True)
    for size in [parse_size(s) for s in args.sizes.split(",") if s.strip()]:
        for engine in engines:
            path = store_path(args.out, size, engine)
            started = time.perf_counter()
            if engine == "sqlite":
                if args.force or not path.exists():
                    generate_sqlite_store(path, size, overwrite=True)
            elif args.force or not path.exists() or args.check:
                tables = generate_tables(size)
                if args.check:
                    check(tables)
                write_atomic(path, dumps(tables))
                probe_path(path).write_text(json.dumps(probes(tables), indent=2) + "\n")
                del tables
            mb = path.stat().st_size / 1e6
            print(f"{path}: {mb:.0f} MB, {time.perf_counter() - started:.1f} s", file=sys.stderr)
        if args.jsonl:
            started = time.perf_counter()
            jsonl = args.out / f"events-{size_label(size)}.jsonl"
            jsonl_of_sqlite(store_path(args.out, size, "sqlite"), jsonl)
            mb = jsonl.stat().st_size / 1e6
            print(f"{jsonl}: {mb:.0f} MB, {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
