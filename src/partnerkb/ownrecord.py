"""The analyst's own knowledge as a source: what `--source self` cites.

Every fact cites a source; what the person at the keyboard knows first-hand (a meeting they
attended, a call they took) cites their *own record*: a source of kind `own-record` whose
outlet is "own record of <user>" and whose publication day is the day it was entered. There is
one per user and day in a store, made by the first write that cites `self` that day, inside
that write's transaction (so `undo` of that write removes it too). Citations read
"own record of ada, entered on 2026-11-30".

One source a day rather than one a user: its day is the day of the report, which relative
dates ("yesterday") and the default status are read against, as for a published source, and a
reader sees when the analyst said so.
"""

from __future__ import annotations

import getpass
import os
import shlex
from collections.abc import Callable, Mapping
from datetime import date
from typing import TYPE_CHECKING, Any

from .errors import Ambiguous
from .model import slugify

if TYPE_CHECKING:
    from .queries import KnowledgeBase
    from .store import StoreData

Json = dict[str, Any]
OWN_RECORD = "own-record"  # the `kind` of such a source (a published source has none)
SELF = "self"  # the word that cites it, wherever a source is named
ENV_USER = "PARTNERKB_USER"


def is_self(text: str | None) -> bool:
    """Whether a source named so means the caller's own record ('self', any case)."""
    return text is not None and text.strip().lower() == SELF


def is_own_record(source: Mapping[str, Any]) -> bool:
    return source.get("kind") == OWN_RECORD


def analyst() -> str:
    """Who 'self' is: $PARTNERKB_USER (a name to show, "Ada Lovelace"), else the login name."""
    name = " ".join((os.environ.get(ENV_USER) or "").split())
    if name:
        return name
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name (a container without a passwd entry)
        return f"user {os.getuid()}" if hasattr(os, "getuid") else "unknown user"


def outlet_of(user: str) -> str:
    return f"own record of {user}"


def own_record_label(source: Mapping[str, Any]) -> str:
    """'own record of ada, entered on 2026-11-30': how citations name an own record."""
    label = str(source["outlet"])
    if source.get("published"):
        label += f", entered on {source['published']}"
    return label


def new_own_record(source_id: str, user: str, day: date) -> Json:
    """The source record of `user`'s own record of `day` (to insert under `source_id`)."""
    outlet = outlet_of(user)
    return {
        "id": source_id,
        "kind": OWN_RECORD,
        "outlet": outlet,
        "title": None,  # not a publication: no headline, and none is ever made up
        "label": f"{outlet}, entered on {day.isoformat()}",
        "published": day.isoformat(),
        "url": None,
        "language": None,
        "note": f"what {user} knew first-hand or recorded without a published source",
    }


def find_own_record(data: StoreData, user: str, day: date) -> tuple[Json | None, str]:
    """`user`'s own record of `day` if the store holds it, and the id to give it if not
    ('own-record-ada-2026-11-30', unless another record has it)."""
    base = f"own-record-{slugify(user, 40)}-{day.isoformat()}"
    outlet, published = outlet_of(user), day.isoformat()

    def mine(source: Mapping[str, Any] | None) -> bool:
        return bool(source and is_own_record(source) and source.get("outlet") == outlet
                    and source.get("published") == published)  # fmt: skip

    found = data.find("sources", base)
    if mine(found):
        return found, base
    # under another id only if its own was taken when it was made: look through them all (or
    # those of that outlet and day, where the store's engine finds them by its indexes)
    pushed = data.records_where("sources", outlet=outlet, published=published)
    pool = data.tables["sources"].values() if pushed is None else pushed
    return next((s for s in pool if mine(s)), None), base


def own_records(data: StoreData, user: str | None = None) -> list[str]:
    """Ids of the own records of `user` (default: the caller), oldest first."""
    outlet = outlet_of(user or analyst())
    pushed = data.records_where("sources", outlet=outlet)
    pool = data.tables["sources"].values() if pushed is None else pushed
    found = [s for s in pool if is_own_record(s) and s.get("outlet") == outlet]
    return [s["id"] for s in sorted(found, key=lambda s: (s.get("published") or "", s["id"]))]


def refuse_shadows(kb: KnowledgeBase) -> None:
    """Refuse 'self' while a stored source is also named so (`refuse_shadowing`)."""
    from .errors import NotFound
    from .queries import source_label

    try:
        stored = [kb.resolve(SELF, ("sources",), suggest=False)[1]]
    except Ambiguous as exc:
        stored = [s for i in exc.candidates if (s := kb.data.find("sources", i))]
    except NotFound:
        return
    refuse_shadowing(stored, source_label)


def refuse_shadowing(stored: list[Json], describe: Callable[[Json], str]) -> None:
    """'self' is the caller's own record; a stored source that 'self' also names (by its id or
    title) would otherwise be cited in its place, or hide it, without a word. So neither is
    chosen: Ambiguous, naming the stored sources (`describe` labels one) and how to cite them."""
    if not stored:
        return
    listed = "; ".join(f"{s['id']} ({describe(s)})" for s in stored)
    first = stored[0]
    title = (first.get("title") or "").strip()
    if title and title.lower() != SELF:
        how = f"cite the stored one by its title: --source {shlex.quote(title)}"
    else:
        how = f"cite the stored one by its id: --source {first['id']}"
    if title.lower() == SELF:
        how += f"; to free 'self' for your own record: partnerkb edit {first['id']} --set title=..."
    raise Ambiguous(
        f"source 'self' is your own record, and also names the stored source {listed}; "
        "neither was cited",
        candidates=[s["id"] for s in stored],
        hint=how,
    )
