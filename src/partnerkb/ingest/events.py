"""What an article reports as happened or to come: events with their kind, date, status, place,
participants (their part and post as stated) and organizations, each with its paragraph.

General rules of diplomatic reporting, applied sentence by sentence:

- a cue word gives the kind (`met`, `received` -> meeting; `awarded` -> award; `declared` ->
  designation; `kicked off` -> launch; `inaugurated` -> opening; `set up` -> announcement...);
- `the meeting`, `the ceremony`, `the two parties`, `they` refer back to the event in focus,
  which the sentence completes (its date and venue are often given after the lead);
- a date phrase goes to the nearest cue; `Afterwards`/`At the close of the meeting` put an
  undated event on the day of the one before; a sentence in the present perfect in a datelined
  dispatch (`BAKU, November 11. ...`) is dated by the dateline; reported speech (`he pointed out
  that...`) is bounded by the occasion it was said at; anything else undated happened on or
  before the publication day, and an undated plan is on or after it;
- `will`, `to be hosted`, `expected to`, `set to`, `upcoming`, or a date after the publication
  day, make a plan;
- parts: the subject of `received` hosts; the organization whose headquarters is the venue
  hosts; `awarded X to Y` gives awarder and recipient; `under the patronage of` a patron;
  `also attended`, `in the presence of` attendees; otherwise participant.

An event must involve someone: a person with a post, or a stored entity, or a named
organization. Background without an actor ("COP is held annually") is not proposed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ..dates import FuzzyDate
from .mentions import PersonMention, StoredNames, ThingMention, find_people, find_things
from .phrases import DatePhrase, find_dates, resolve, undated

Json = dict[str, Any]

# Kind cues, most specific first: a sentence's first matching kind of this order wins.
CUES: list[tuple[str, re.Pattern[str]]] = [
    (
        "request",
        re.compile(
            r"\b(?:submitted a request|request(?:ed)? (?:to|that)|presented the "
            r"candidacy|candidacy of|applied for|application for)\b",
            re.I,
        ),
    ),
    ("award", re.compile(r"\b(?:award(?:ed|s)?|conferred|bestowed|decorated)\b", re.I)),
    (
        "designation",
        re.compile(
            r"\b(?:declared|designated|proclaimed|was named|were named|chosen "
            r"as|selected as)\b",
            re.I,
        ),
    ),
    ("agreement", re.compile(r"\b(?:signed|signing|memorandum of understanding|MoU)\b")),
    ("opening", re.compile(r"\b(?:inaugurat\w*|opening of|officially opened|opened)\b", re.I)),
    (
        "launch",
        re.compile(
            r"\b(?:kick(?:ed|s)? off|the launch of|launch(?:ed|ing)? (?:of )?the "
            r"celebration|launching ceremony|will (?:be )?launch(?:ed)?)\b",
            re.I,
        ),
    ),
    ("exhibition", re.compile(r"\b(?:exhibition|expo)\b", re.I)),
    ("celebration", re.compile(r"\b(?:celebrat(?:e|ed|ing|ion))\b", re.I)),
    (
        "announcement",
        re.compile(
            r"\b(?:set up|established|formed|announced the creation|"
            r"founded)\b",
            re.I,
        ),
    ),
    (
        "conference",
        re.compile(r"\b(?:conference|summit|forum|congress|symposium|COP\s?\d+)\b", re.I),
    ),
    (
        "visit",
        re.compile(
            r"\b(?:visit(?:ed|s|ing)?|toured|tour of|(?:reviewed|inspected) "
            r"(?:\w+(?:'s|’s)? )?(?:pavilion|stand|site|facilit\w+))\b",
            re.I,
        ),
    ),
    (
        "meeting",
        re.compile(
            r"\b(?:met|meets|meet|meeting|received|receives|receiving|reception|"
            r"held talks|talks with|audience|discussed|discuss)\b",
            re.I,
        ),
    ),
]
# A reference back to an event already in focus.
ANAPHORA = re.compile(
    r"\b(?:the|this|that|his|her|its)\s+(meeting|talks|ceremony|event|visit|celebration|session|"
    r"reception|audience|address|speech|occasion|conference|forum)\b|\bthe two (?:parties|sides)\b"
    r"|^(?:they|he|she)\b",
    re.I,
)
# What ties an undated event to the day of the one referred to.
TIME_ANCHOR = re.compile(
    r"\b(?:during|at the (?:close|end|beginning|outset|start|conclusion|opening) of|after|"
    r"following|on the sidelines of|on the margins of|coincided with|at)\s+(?:the|this|that)\s+"
    r"(?:meeting|talks|ceremony|event|visit|celebration|session|reception|audience|conference|"
    r"forum|occasion)\b|\bcoincided with\b",
    re.I,
)
GENERIC_ANAPHORA = {"", "ceremony", "event", "occasion", "address", "speech", "celebration"}
SAME_KIND = {
    "meeting": {"meeting"},
    "talks": {"meeting"},
    "reception": {"meeting"},
    "audience": {"meeting"},
    "visit": {"visit"},
    "conference": {"conference"},
    "forum": {"conference"},
    "session": {"conference", "meeting"},
}
FUTURE = re.compile(
    r"\b(?:will|shall|to be (?:held|hosted|organi[sz]ed|inaugurated|launched|opened|signed)|"
    r"expected to|(?:is|are) set to|set to take|plans? to|planned|scheduled|upcoming|forthcoming|"
    r"(?:is|are) to|would)\b",
    re.I,
)
# Said just before a cue: what the cue names is to come ("preparations for launching ...").
BEFORE_FUTURE = re.compile(
    r"\b(?:preparations?|prepar(?:e|ing)|arrangements|ahead|plans?|ready)\s+(?:to|for|of)\s+"
    r"(?:[\w’'-]+\s+){0,4}$",
    re.I,
)
# A sentence that defines something ("X is an agreement signed in 1992") reports no event.
DEFINITION = re.compile(
    r"\b(?:is|are|was|were) (?:an?|the) (?:\w+ ){0,2}(?:signed|adopted|"
    r"established|founded|created|held)\b",
    re.I,
)
SEQUENCE = re.compile(
    r"^(?:afterwards?|then|later|after that|subsequently|at the (?:close|end) "
    r"of the|following the)\b",
    re.I,
)
SPEECH = re.compile(
    r"\b(?:pointed out|explained|said|noted|stressed|told|affirmed|added|"
    r"indicated|mentioned|reported|underlined|highlighted) that\b",
    re.I,
)
PRESENT_PERFECT = re.compile(
    r"\b(?:has|have) (?:\w+ )?(?:\w+ed|begun|started|opened|met|held|"
    r"kicked off|taken place)\b",
    re.I,
)
DATELINE = re.compile(
    r"^[A-Z][A-Z .'-]{2,},(?:\s*[A-Z][\w .'-]*,)?\s*(?P<date>[A-Z][a-z]+\.?\s+"
    r"\d{1,2}|\d{1,2}\s+[A-Z][a-z]+)\.?\s*[(—–-]?"
)
_SENTENCE = re.compile(r"(?<=[.!?])[\"”’]?\s+(?=[\"“‘(]?[A-Z])")
_ABBREV = re.compile(
    r"(?:\b(?:Dr|Mr|Mrs|Ms|Prof|St|No|Jr|Sr|Eng|Gen|Col|Lt|Hon)|\b[A-Z]|"
    r"\b[A-Z]\.[A-Z])\.$"
)


@dataclass
class Participant:
    name: str
    stored: list[str]
    part: str
    title: str | None
    paragraph: int
    kind: str = "person"


@dataclass
class FoundEvent:
    """An event as found: every fact with the paragraphs it comes from."""

    kind: str
    paragraphs: list[int]
    date: Json | None = None
    date_paragraph: int | None = None
    phrases: list[str] = field(default_factory=list)
    status: str = "happened"
    status_paragraph: int | None = None
    place: ThingMention | None = None
    place_paragraph: int | None = None
    participants: list[Participant] = field(default_factory=list)
    organizations: list[ThingMention] = field(default_factory=list)
    names: list[str] = field(default_factory=list)  # named events it is ("COP29")
    cue: str = ""
    anchored: bool = False  # its date came from the text (not "on or before")
    text: str = ""  # the sentence that reports it
    notes: list[str] = field(default_factory=list)


def split_sentences(paragraph: str) -> list[str]:
    """Sentences of a paragraph; an initial or a title's abbreviation does not end one."""
    pieces = _SENTENCE.split(paragraph)
    out: list[str] = []
    for piece in pieces:
        if out and _ABBREV.search(out[-1]):
            out[-1] = f"{out[-1]} {piece}"
        else:
            out.append(piece)
    return out


@dataclass
class _Context:
    published: date | None
    names: StoredNames
    known_people: dict[str, PersonMention] = field(default_factory=dict)
    events: list[FoundEvent] = field(default_factory=list)
    focus: FoundEvent | None = None
    dateline: Json | None = None
    dateline_place: ThingMention | None = None
    main_org: str | None = None
    people: list[PersonMention] = field(default_factory=list)


def find_events(
    paragraphs: list[str], names: StoredNames, published: date | None
) -> tuple[list[FoundEvent], list[PersonMention], list[ThingMention]]:
    """The events of an article, the people it names and the other things it names."""
    ctx = _Context(published, names)
    ctx.main_org = _main_org(paragraphs, names)
    things_seen: list[ThingMention] = []
    for number, paragraph in enumerate(paragraphs, 1):
        for index, sentence in enumerate(split_sentences(paragraph)):
            if number == 1 and index == 0:
                sentence = _take_dateline(sentence, ctx)
            people = find_people(sentence, names, ctx.known_people)
            ctx.people.extend(people)
            things = find_things(sentence, names)
            things_seen.extend(things)
            _sentence_events(sentence, number, people, things, ctx)
    events = [e for e in ctx.events if _has_actor(e)]
    for event in events:
        if event.date is None:
            event.date = (
                undated(published) if event.status == "happened" else _on_or_after(published)
            )
    return events, ctx.people, things_seen


def _main_org(paragraphs: list[str], names: StoredNames) -> str | None:
    """The organization the article is about: the stored one it names most ('the
    Organization')."""
    counts: dict[str, int] = {}
    for paragraph in paragraphs[:50]:
        for _, ids in names.find_all(paragraph):
            for entity_id in ids:
                if names.records[entity_id]["kind"] == "organization":
                    counts[entity_id] = counts.get(entity_id, 0) + 1
    return max(counts, key=lambda k: counts[k]) if counts else None


def _take_dateline(sentence: str, ctx: _Context) -> str:
    match = DATELINE.match(sentence)
    if not match:
        return sentence
    phrases = find_dates(match.group("date"))
    if phrases:
        ctx.dateline = resolve(phrases[0], ctx.published, future=False)
    city = match.group(0).split(",")[0].strip().title()
    for _, ids in ctx.names.find_all(city):
        if ctx.names.records[ids[0]]["kind"] == "place" and len(ids) == 1:
            record = ctx.names.records[ids[0]]
            ctx.dateline_place = ThingMention("place", record["name"], [ids[0]])
    return sentence


def _on_or_after(published: date | None) -> Json | None:
    if published is None:
        return None
    return FuzzyDate.from_edtf(f"[{published.isoformat()}..]").to_dict()


def _has_actor(event: FoundEvent) -> bool:
    if event.participants:
        return True
    return any(o.stored or o.kind == "organization" for o in event.organizations) or bool(
        event.place is not None and event.place.stored
    )


def _cues(sentence: str) -> list[tuple[str, int, int]]:
    """(kind, start, end) of every cue in a sentence, one per kind (its first), in text order."""
    if DEFINITION.search(sentence):
        return []
    every: list[tuple[str, int, int]] = []
    for kind, pattern in CUES:
        for match in pattern.finditer(sentence):
            if re.search(r"\bfor\s+$", sentence[: match.start()]) and match.group(0).endswith(
                "ing"
            ):
                continue  # "thanked ICESCO for celebrating": a reason, not an event
            if any(s <= match.start() < e for _, s, e in every):
                continue
            every.append((kind, match.start(), match.end()))
    every.sort(key=lambda c: c[1])
    # a kind named again before another kind is the same event ("met ... and discussed")
    found = [c for n, c in enumerate(every) if n == 0 or every[n - 1][0] != c[0]]
    # a conference named in a sentence about another event is where it happened, not an event,
    # unless the sentence says it is held, hosted, started or attended
    kinds = {k for k, _, _ in found}
    if (
        "conference" in kinds
        and len(kinds) > 1
        and not re.search(
            r"\b(?:hosted|host|held|started|opened|began|take part|participation in|participate)\b",
            sentence,
            re.I,
        )
    ):
        found = [c for c in found if c[0] != "conference"]
    if "request" in kinds:
        found = [c for c in found if c[0] != "designation"]
    if kinds & {"request", "designation"}:
        found = [c for c in found if c[0] != "celebration"]
    if "award" in kinds:
        found = [c for c in found if c[0] not in ("meeting",)]
    if "launch" in kinds:
        found = [c for c in found if c[0] != "celebration"]
    if "exhibition" in kinds:
        found = [c for c in found if c[0] != "visit"]
    return sorted(found, key=lambda c: c[1])


def _sentence_events(
    sentence: str,
    paragraph: int,
    people: list[PersonMention],
    things: list[ThingMention],
    ctx: _Context,
) -> None:
    cues = _cues(sentence)
    referred, anaphora = _referred(sentence, ctx)
    dates = [d for d in find_dates(sentence) if not _title_year(d, sentence)]
    speech = bool(SPEECH.search(sentence))
    anchored_to = referred if referred is not None and TIME_ANCHOR.search(sentence) else None
    if referred is not None and not re.search(r"\banother\b", sentence, re.I):
        # cues of the event referred to, before any other event's cue, are that event
        first_other = next((c[1] for c in cues if c[0] != referred.kind), len(sentence))
        cues = [c for c in cues if not (c[0] == referred.kind and c[1] < first_other)]
        if not cues:
            _complete(referred, sentence, paragraph, people, things, dates, ctx)
            return
        head = sentence[: cues[0][1]]
        head_dates = [d for d in dates if d.end <= cues[0][1]] if not anchored_to else []
        _complete(
            referred,
            head,
            paragraph,
            [p for p in people if p.end <= cues[0][1]],
            things,
            head_dates,
            ctx,
        )
        dates = [d for d in dates if d not in head_dates]
    if not cues:
        return
    used_dates: set[int] = set()
    for n, (kind, start, end) in enumerate(cues):
        clause_end = cues[n + 1][1] if n + 1 < len(cues) else len(sentence)
        clause_start = start if n or referred is not None else 0
        previous_cue = cues[n - 1] if n else None
        clause = sentence[clause_start:clause_end]
        future = bool(FUTURE.search(clause)) or bool(BEFORE_FUTURE.search(sentence[:start]))
        phrase = _nearest_date(dates, start, end, clause_end, used_dates, kind, sentence)
        event = FoundEvent(kind=kind, paragraphs=[paragraph], cue=sentence[start:end], text=clause)
        event.names = [
            t.name
            for t in things
            if t.kind == "event-name" and clause_start <= t.start < clause_end
        ]
        if phrase is not None:
            used_dates.add(phrase.start)
            event.date = resolve(phrase, ctx.published, future=future)
            if event.date is None:
                event.notes.append(
                    f"the date {phrase.text!r} is relative and --published was not given: "
                    "not resolved"
                )
            else:
                event.anchored = True
            event.phrases.append(phrase.text)
            event.date_paragraph = paragraph
        elif kind == "celebration" and (year := _title_years(sentence)):
            event.date = resolve(year, ctx.published, future=future)
            event.phrases.append(year.text)
            event.date_paragraph = paragraph
            event.anchored = event.date is not None
        elif (
            previous_cue is not None
            and re.search(r",? and (?:their|his|her|its|the)\b", sentence[previous_cue[2] : start])
            and ctx.events
            and ctx.events[-1].date is not None
        ):
            # "the visit ... in January 2021, and their reception by ...": the same time
            event.date = dict(ctx.events[-1].date)
            event.date_paragraph = ctx.events[-1].date_paragraph
            event.anchored = ctx.events[-1].anchored
        elif SEQUENCE.search(sentence) or (
            anchored_to is not None and not future and (n == 0 or referred is None)
        ):
            source = anchored_to or (ctx.events[-1] if ctx.events else None)
            if source is not None and source.date is not None and source.anchored:
                if SEQUENCE.search(sentence) and not source.date.get("earliest"):
                    pass
                else:
                    event.date = dict(source.date)
                    event.date_paragraph = source.date_paragraph
                    event.anchored = True
                    if event.place is None and source.place is not None:
                        event.place, event.place_paragraph = source.place, source.place_paragraph
        elif ctx.dateline is not None and (paragraph == 1 or PRESENT_PERFECT.search(clause)):
            event.date = dict(ctx.dateline)
            event.date_paragraph = 1
            event.anchored = True
        elif speech and not future:
            occasion = (
                ctx.focus
                if ctx.focus is not None and ctx.focus.anchored and ctx.focus.status == "happened"
                else _occasion(ctx)
            )
            if occasion is not None and occasion.date is not None:
                event.date = FuzzyDate.from_edtf(f"[..{occasion.date['latest']}]").to_dict()
                event.date_paragraph = occasion.date_paragraph
        if future or (event.date and (event.date.get("earliest") or "") > _iso(ctx.published)):
            event.status = "planned"
        event.status_paragraph = paragraph
        _fill(event, clause if len(cues) > 1 else sentence, paragraph, people, things, ctx)
        if (
            referred is not None
            and not _has_actor(event)
            and anaphora is not None
            and re.match(r"the two|they", anaphora.group(0), re.I)
        ):
            # "the two sides agreed that ...": what they agreed involves them
            event.organizations = [o for o in referred.organizations if o.stored]
        if ctx.dateline_place is not None and paragraph == 1 and event.place is None:
            event.place, event.place_paragraph = ctx.dateline_place, 1
        merged = not re.search(r"\banother\b", clause, re.I) and _merge(event, ctx)
        if not merged:
            ctx.events.append(event)
            _undated_before(event, sentence, ctx)
            if (
                ctx.focus is None
                or SEQUENCE.search(sentence)
                or re.search(r"\banother\b", clause, re.I)
            ):
                ctx.focus = event


def _iso(day: date | None) -> str:
    return day.isoformat() if day else "9999-12-31"


def _near(cue: tuple[str, int, int], anaphora: re.Match[str] | None) -> bool:
    return anaphora is not None and anaphora.start() <= cue[1] <= anaphora.end() + 2


def _referred(sentence: str, ctx: _Context) -> tuple[FoundEvent | None, re.Match[str] | None]:
    """The event a sentence refers back to: a kind named ('the meeting') is the event in focus
    if of that kind, else the last of that kind; a pronoun or 'the ceremony' is the event in
    focus."""
    matches = list(ANAPHORA.finditer(sentence))
    if not matches:
        return None, None
    specific = [m for m in matches if (m.group(1) or "").lower() not in GENERIC_ANAPHORA]
    anaphora = specific[0] if specific else matches[0]
    word = (anaphora.group(1) or "").lower()
    if re.match(r"the two", anaphora.group(0), re.I):
        word = "meeting"
    kinds = SAME_KIND.get(word)
    if kinds is None:
        return ctx.focus, anaphora
    if ctx.focus is not None and ctx.focus.kind in kinds:
        return ctx.focus, anaphora
    for event in reversed(ctx.events):
        if event.kind in kinds:
            return event, anaphora
    return None, anaphora


def _occasion(ctx: _Context) -> FoundEvent | None:
    for event in reversed(ctx.events):
        if (
            event.anchored
            and event.status == "happened"
            and event.kind in ("meeting", "visit", "conference")
        ):
            return event
    return None


def _title_year(phrase: DatePhrase, sentence: str) -> bool:
    """'Culture Capital ... for 2024' names a title's year, not when something happens."""
    return phrase.form == "y" and phrase.text.lower().startswith("for ")


def _title_years(sentence: str) -> DatePhrase | None:
    for phrase in find_dates(sentence):
        if _title_year(phrase, sentence):
            return phrase
    return None


def _nearest_date(
    dates: list[DatePhrase],
    start: int,
    end: int,
    clause_end: int,
    used: set[int],
    kind: str,
    sentence: str,
) -> DatePhrase | None:
    free = [d for d in dates if d.start not in used]
    after = [d for d in free if end <= d.start < clause_end]
    if after:
        return after[0]
    before = [d for d in free if d.end <= start and not _other_cue_between(sentence, d.end, start)]
    return before[-1] if before else None


def _other_cue_between(sentence: str, a: int, b: int) -> bool:
    piece = sentence[a:b]
    return any(p.search(piece) for _, p in CUES)


def _complete(
    event: FoundEvent,
    sentence: str,
    paragraph: int,
    people: list[PersonMention],
    things: list[ThingMention],
    dates: list[DatePhrase],
    ctx: _Context,
) -> None:
    """A sentence about an event in focus: its date, venue, people and organizations."""
    if paragraph not in event.paragraphs:
        event.paragraphs.append(paragraph)
    if dates and not event.anchored:
        future = event.status == "planned" or bool(FUTURE.search(sentence))
        resolved = resolve(dates[0], ctx.published, future=future)
        if resolved is not None:
            event.date, event.date_paragraph, event.anchored = resolved, paragraph, True
            event.phrases.append(dates[0].text)
    elif dates and event.anchored and event.date is not None:
        future = event.status == "planned"
        resolved = resolve(dates[0], ctx.published, future=future)
        if resolved is not None and _narrower(resolved, event.date):
            resolved["phrase"] = "; ".join([*event.phrases, dates[0].text])
            event.date, event.date_paragraph = resolved, paragraph
            event.phrases.append(dates[0].text)
    _fill(event, sentence, paragraph, people, things, ctx)


def _narrower(new: Json, old: Json) -> bool:
    start_ok = (new.get("earliest") or "") >= (old.get("earliest") or "")
    end_ok = (new.get("latest") or "9999") <= (old.get("latest") or "9999")
    return start_ok and end_ok and new["edtf"] != old["edtf"]


_PLACE_PREP = re.compile(r"\b(?:in|at)\s+(?:the\s+)?$", re.I)


def _fill(
    event: FoundEvent,
    text: str,
    paragraph: int,
    people: list[PersonMention],
    things: list[ThingMention],
    ctx: _Context,
) -> None:
    """Participants, venue and organizations from a sentence (or one clause of it)."""
    if (
        event not in ctx.events
        and event.kind == "meeting"
        and re.search(
            r"^(?:\w+, )?(?:they|the two (?:parties|sides))\b|\bthey (?:held|met)\b", text, re.I
        )
    ):
        previous = ctx.focus
        if previous is not None:
            for p in previous.participants:
                if not any(q.name == p.name for q in event.participants):
                    event.participants.append(
                        Participant(p.name, p.stored, "participant", p.title, paragraph)
                    )
    # people named in the clause
    here = [p for p in people if p.name in text or p.name.split()[-1] in text]
    for person in here:
        _add_participant(event, person, _part_of(event, person, text), paragraph)
    # people referred to by their post ("the ICESCO Director-General", "the ambassador of X")
    for person, post in _by_post(text, here, ctx):
        _add_participant(event, person, _part_of(event, person, text, post), paragraph)
    for thing in things:
        if thing.kind == "event-name":
            if thing.name not in event.names and event.kind == "conference":
                event.names.append(thing.name)
            continue
        position = _position(text, thing)
        if position < 0:
            continue
        kind = thing.kind
        before = text[:position]
        to_place = re.search(r"\bto\s+(?:the\s+)?$", before) and event.kind == "visit"
        if kind == "place" or (
            kind == "country"
            and (to_place or (_PLACE_PREP.search(before) and event.kind in ("visit", "conference")))
        ):
            if _PLACE_PREP.search(before) or to_place:
                _set_place(event, thing, paragraph, ctx)
            elif event.kind in ("designation", "celebration") and thing.stored:
                part = "designee" if event.kind == "designation" else "honoree"
                _add_entity(event, thing, part, paragraph)
            continue
        if kind in ("organization", "country"):
            if not any(o.name == thing.name for o in event.organizations):
                event.organizations.append(thing)
    if ctx.main_org and re.search(r"\b[Tt]he Organi[sz]ation\b", text):
        record = ctx.names.records[ctx.main_org]
        if not any(ctx.main_org in o.stored for o in event.organizations):
            event.organizations.append(ThingMention("organization", record["name"], [ctx.main_org]))
    new_place = _new_place(text, ctx)
    if new_place is not None and event.place is None:
        event.place, event.place_paragraph = new_place, paragraph


def _position(text: str, thing: ThingMention) -> int:
    """Where a thing is named in a text (its name, an alias, or as found), or -1."""
    for name in [thing.name, *thing.spellings]:
        position = text.find(name)
        if position >= 0:
            return position
    from .mentions import _norm

    folded = _norm(text)
    for name in [thing.name, *thing.spellings]:
        at = folded.find(_norm(name))
        if at >= 0:
            return min(at, len(text))
    return -1


def _add_entity(event: FoundEvent, thing: ThingMention, part: str, paragraph: int) -> None:
    if any(p.stored == thing.stored for p in event.participants):
        return
    event.participants.append(
        Participant(thing.name, list(thing.stored), part, None, paragraph, kind=thing.kind)
    )


def _set_place(event: FoundEvent, thing: ThingMention, paragraph: int, ctx: _Context) -> None:
    """The venue: the most precise place named (ICESCO Headquarters rather than Rabat)."""
    if event.place is None:
        event.place, event.place_paragraph = thing, paragraph
        return
    current = event.place
    if current.stored and thing.stored:
        inner = ctx.names.records.get(thing.stored[0], {})
        if inner.get("located_in") == current.stored[0]:
            event.place, event.place_paragraph = thing, paragraph


_NEW_PLACE = re.compile(
    r"\b(?:in|at)\s+(?P<name>[A-Z][a-z][\w'’-]+(?:\s+[A-Z][a-z][\w'’-]+)?)"
    r"(?:\s*\((?P<country>[A-Z][\w\s'’-]+)\)|,\s*(?P<country2>[A-Z][\w'’-]+))?"
)


def _new_place(text: str, ctx: _Context) -> ThingMention | None:
    from .mentions import MONTH_WORDS, NOT_NAME, country_of

    for match in _NEW_PLACE.finditer(text):
        name = match.group("name")
        words = name.lower().split()
        if any(w in NOT_NAME or w in MONTH_WORDS for w in words):
            continue
        if country_of(name) is not None or ctx.names.find_all(name):
            continue
        if any(p.name.startswith(name) or name in p.name for p in ctx.people):
            continue
        country = match.group("country") or match.group("country2")
        located = country_of(country) if country else None
        mention = ThingMention("place", name, [], acronym=located.name if located else None)
        return mention
    return None


def _part_of(event: FoundEvent, person: PersonMention, text: str, post: str | None = None) -> str:
    """The part a person plays, from how the sentence names them (by name or by `post`)."""
    name = re.escape(post or person.name.split()[-1])
    if re.search(rf"\bpatronage\b.*{name}", text):
        return "patron"
    if re.search(
        rf"\b(?:also attended|attended by|in the presence of|presence of|witnessed|"
        rf"accompanied)\b.*{name}",
        text,
    ) or re.search(rf"{name}.*\balso attended\b", text):
        return "attendee"
    if event.kind == "award":
        if re.search(rf"{name}.*\bawarded\b", text) and not re.search(
            rf"\bawarded\b.*{name}", text
        ):
            return "awarder"
        if re.search(rf"\b(?:to|awarded)\b.*{name}", text):
            return "recipient"
    if re.search(rf"\b(?:reception|received|welcomed|hosted|hospitality) by\b.*{name}", text):
        return "host"
    if re.search(rf"{name}.*\b(?:received|receives|welcomed|hosted|took)\b", text):
        return "host"
    if re.search(rf"\b(?:received|receives|welcomed|hosted|took)\b.*{name}", text):
        return "guest"
    if event.kind == "visit" and re.search(rf"\bvisit (?:of|by)\b.*{name}", text):
        return "guest"
    if event.kind == "visit" and re.search(rf"{name}.*\b(?:visited|reviewed|toured|visit)\b", text):
        return "guest"
    if re.search(r"\b(?:address|speech|remarks)\b", text, re.I) and event.kind != "meeting":
        return "speaker"
    return "participant"


def _add_participant(event: FoundEvent, person: PersonMention, part: str, paragraph: int) -> None:
    for existing in event.participants:
        if existing.name == person.name or (person.stored and existing.stored == person.stored):
            if existing.part == "participant" and part not in ("participant", "attendee"):
                existing.part = part
            if not existing.title and person.title:
                existing.title = person.title
            return
    event.participants.append(
        Participant(person.name, list(person.stored), part, person.title, paragraph)
    )


_POST = re.compile(
    r"\b(?:[Tt]he\s+)?(?P<post>(?:[A-Z][\w’'-]*\s+)?(?:Director[- ]General|[Aa]mbassador|"
    r"Minister|President|Secretary[- ]General|Deputy Director[- ]General)"
    r"(?:\s+of(?:\s+the)?\s+[A-Z][\w’'-]*(?:\s+[A-Z][\w’'-]*)*)?)",
)


def _by_post(
    text: str, people: list[PersonMention], ctx: _Context
) -> list[tuple[PersonMention, str]]:
    """People the sentence names only by their post, matched to someone named earlier whose
    post has the same title word and organization or country."""
    from ..textfold import fold

    found: list[tuple[PersonMention, str]] = []
    named = {p.name for p in people}
    for match in _POST.finditer(text):
        post = fold(match.group("post"))
        words = set(post.split())
        best = None
        for person in reversed(ctx.people):
            if person.name in named or not person.title:
                continue
            title = fold(person.title)
            if {"deputy", "vice", "assistant"} & set(title.split()) - words:
                continue
            head = {
                w
                for w in words
                if w
                in (
                    "director",
                    "general",
                    "ambassador",
                    "minister",
                    "president",
                    "secretary",
                    "deputy",
                )
            }
            if (
                head
                and head <= set(title.split())
                and (words - head - {"of", "the"})
                <= set(title.split()) | {"icesco"} | set(fold(person.name).split())
            ):
                best = person
                break
        if best is not None and best.name not in {p.name for p, _ in found}:
            found.append((best, match.group("post")))
    return found


def _merge(event: FoundEvent, ctx: _Context) -> bool:
    """Fold a found event into an earlier one it repeats: the same named event (COP29), or the
    same kind with the same people and no conflicting date."""
    for other in reversed(ctx.events):
        if other.kind != event.kind:
            continue
        same_name = bool(set(_keys(event.names)) & set(_keys(other.names)))
        people = {p.name for p in event.participants}
        same_people = not people or people <= {p.name for p in other.participants}
        if not (same_name or (same_people and event.kind == "meeting" and not event.names)):
            continue
        if event.date and other.date and not _overlap(event.date, other.date):
            continue
        if event.date and (other.date is None or _narrower(event.date, other.date)):
            phrases = [*other.phrases, *event.phrases]
            other.date = dict(event.date)
            if len(phrases) > 1:
                other.date["phrase"] = "; ".join(phrases)
            other.date_paragraph, other.anchored = event.date_paragraph, event.anchored
            other.phrases = phrases
        for participant in event.participants:
            if not any(p.name == participant.name for p in other.participants):
                other.participants.append(participant)
        for org in event.organizations:
            if not any(o.name == org.name for o in other.organizations):
                other.organizations.append(org)
        if event.place is not None and other.place is None:
            other.place, other.place_paragraph = event.place, event.place_paragraph
        for n in event.names:
            if n not in other.names:
                other.names.append(n)
        other.paragraphs.extend(p for p in event.paragraphs if p not in other.paragraphs)
        return True
    return False


def _keys(names: list[str]) -> list[str]:
    from ..textfold import fold_compact

    keys = []
    for name in names:
        compact = fold_compact(name)
        match = re.search(r"cop(\d+)", compact)
        keys.append(f"cop{match.group(1)}" if match else compact)
    return keys


def _overlap(a: Json, b: Json) -> bool:
    return (a.get("earliest") or "") <= (b.get("latest") or "9999") and (
        b.get("earliest") or ""
    ) <= (a.get("latest") or "9999")


def _undated_before(event: FoundEvent, sentence: str, ctx: _Context) -> None:
    """'Afterwards, ... on 20 November': what came before, undated, was on or before it."""
    if not SEQUENCE.search(sentence) or event.date is None or not event.anchored:
        return
    for other in ctx.events[:-1]:
        if other.date is None and other.status == "happened" and event.date.get("latest"):
            other.date = FuzzyDate.from_edtf(f"[..{event.date['latest']}]").to_dict()
            other.date_paragraph = ctx.events[-1].date_paragraph
