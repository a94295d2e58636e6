"""Sources and citations: every fact carries its source.

A record's citations (`citations`), the source a user describes, found among the stored ones
(same url, or same outlet, title and day) or created (`source_for`), and `add-source`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..errors import InvalidInput
from ..model import slugify
from ..ownrecord import is_self
from ..store import Transaction
from ..textfold import fold
from .drafts import MISSING_HINTS, Duplicate, NewSource, Outcome, SourceRef, WriteOptions
from .inputs import checked_text, free_id
from .resolution import Resolution

Json = dict[str, Any]


_STOPWORDS = {"a", "an", "the", "of", "to", "and", "in", "on", "for", "with", "at", "by", "s"}


class Citations(Resolution):
    """The sources a record cites, found or created."""

    def __init__(self, tx: Transaction, options: WriteOptions) -> None:
        super().__init__(tx, options)
        self._source_keys: dict[Any, str] | None = None

    def citations(self, refs: Sequence[SourceRef]) -> list[Json]:
        """The citations of a record: every fact carries its source."""
        if not refs:
            raise InvalidInput(f"source is required: {MISSING_HINTS['source']}")
        cites: list[Json] = []
        for ref in refs:
            locator = checked_text("locator", ref.locator, "locator")
            if ref.new is not None:
                source_id = self.source_for(ref.new)[0]
            else:
                text = checked_text("source", ref.existing, "id", required=True)
                assert text is not None
                if is_self(text):
                    source_id = self.own_record()
                else:
                    source_id = str(self.resolve(text, "sources", "source")["id"])
            cite = {"source": source_id, "locator": locator}
            if cite not in cites:
                cites.append(cite)
        return cites

    def own_record(self) -> str:
        """The id of the caller's own record of today (`--source self`, see `ownrecord`),
        made inside this transaction by the first write of the day that cites it."""
        from ..ownrecord import analyst, find_own_record, new_own_record

        self.refuse_self_shadows()
        user, day = analyst(), self.options.today
        found, base = find_own_record(self.data, user, day)
        if found is not None:
            return str(found["id"])
        record = new_own_record(free_id(self.tx, base), user, day)
        self.tx.insert("sources", record)
        self.created.append(("sources", record["id"], f"source {record['label']}"))
        return str(record["id"])

    def refuse_self_shadows(self) -> None:
        """A stored source that 'self' names too is not passed over in silence: refused."""
        from ..ownrecord import refuse_shadows

        refuse_shadows(self.entity_kb())

    def _source_index(self) -> dict[Any, str]:
        if self._source_keys is None:
            self._source_keys = {}
            for source in self.data.tables["sources"].values():
                self._index_source(source)
        return self._source_keys

    def _index_source(self, source: Json) -> None:
        if self._source_keys is not None:
            _add_keys(self._source_keys, source)

    def _stored_source(
        self, url: str | None, outlet: str | None, title: str | None, published: str | None
    ) -> str | None:
        """The id of the first stored source (in document order) equal to the one described:
        the same url, else (given an outlet and a title) the same outlet, title and day. On an
        engine with indexes, only the sources of that url or title are read."""
        wanted: list[Any] = [("url", url)] if url else []
        if outlet and title:
            wanted.append(("text", fold(outlet), fold(title), published))
        keys = self._sources_like(url, title) if self._source_keys is None else None
        if keys is None:
            keys = self._source_index()
        return next((keys[key] for key in wanted if key in keys), None)

    def _sources_like(self, url: str | None, title: str | None) -> dict[Any, str] | None:
        """The keys of the stored sources of `url` or titled `title`, from the store's indexes;
        None when its engine has none."""
        found: list[Json] = []
        if url:
            by_url = self.data.records_where("sources", url=url)
            if by_url is None:
                return None
            found.extend(by_url)
        if title:
            named = self.data.ids_named(fold(title))
            if named is None:
                return None
            found.extend(s for i in named if (s := self.data.find("sources", i)) is not None)
        keys: dict[Any, str] = {}
        for source in found:
            _add_keys(keys, source)
        return keys

    def source_for(self, new: NewSource, record_id: str | None = None) -> tuple[str, bool]:
        """The id of the source described (an equal stored one, else a new one); True if new."""
        outlet = checked_text("source outlet", new.outlet, "name")
        title = checked_text("source title", new.title, "title")
        url = checked_text("source url", new.url, "url")
        published = self.read_day("source date", new.published)
        if not outlet or not title:
            stored = self._stored_source(url, None, None, None) if url else None
            if stored is not None:
                return stored, False
            missing = "outlet" if not outlet else "title"
            raise InvalidInput(
                f"source {missing} is required to describe a new source",
                hint="give --source-outlet and --source-title, or cite a stored source with "
                "--source ID",
            )
        stored = self._stored_source(url, outlet, title, published)
        if stored is not None:
            return stored, False
        if record_id:
            wanted = checked_text("id", record_id, "id", required=True)
            assert wanted is not None
            if is_self(wanted):
                raise InvalidInput(
                    "id 'self' is how --source names your own record", hint="choose another --id"
                )
            if self.tx.exists(wanted):
                raise InvalidInput(f"id {wanted!r} is taken", hint=f"see: partnerkb show {wanted}")
            source_id = wanted
        else:
            words = [w for w in slugify(title).split("-") if w not in _STOPWORDS][:4]
            outlet_slug = slugify(outlet, 24).replace("-", "")
            base = "-".join(p for p in (outlet_slug, published or "", *words) if p)
            source_id = free_id(self.tx, base)
        record = {
            "id": source_id,
            "outlet": outlet,
            "title": title,
            "published": published,
            "url": url,
            "language": checked_text("source language", new.language, "tag"),
            "note": checked_text("source note", new.note, "note"),
        }
        self.tx.insert("sources", record)
        self._index_source(record)
        self.created.append(("sources", source_id, f"source {outlet}, “{title}”"))
        return source_id, True

    def add_source(self, new: NewSource, record_id: str | None = None) -> Outcome:
        source_id, is_new = self.source_for(new, record_id)
        if not is_new:
            raise Duplicate(
                f"this source is already stored as {source_id} (same url, or same outlet, "
                "title and date)",
                existing=source_id,
                hint=f"cite it with --source {source_id}",
            )
        return Outcome(source_id, "sources", "added")


def _add_keys(keys: dict[Any, str], source: Json) -> None:
    """File `source` under what makes two sources one: its url; its outlet, title and day."""
    if source.get("url"):
        keys.setdefault(("url", source["url"].strip()), source["id"])
    if not source.get("title"):  # a copy without a headline is told apart by its url only
        return
    key = ("text", fold(source["outlet"]), fold(source["title"]), source.get("published"))
    keys.setdefault(key, source["id"])
