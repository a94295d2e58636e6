"""Recording new knowledge: turning what a user (or a script) says into records, and changing them.

This package owns the write commands' logic, below the CLI: building events, entities, roles and
sources from user input (names resolved to entities, fuzzy dates parsed, sources cited), refusing
duplicates (the same meeting reported by a second article is attached, not added twice), editing,
removing and merging records with their references kept whole, the history of writes and undo,
and creating the user's store from the shipped one on the first write.

Everything happens inside one `store.Transaction`: nothing is written until every change of the
command has been built and validated, and a failure anywhere writes nothing. Like the rest of the
core, it never prints, prompts or exits: it returns `Outcome`s or raises a `partnerkb.errors`
exception whose message names the field at fault.

One module per duty: `drafts` (what a command asks for, and JSON to drafts), `inputs` (typed text
checked), `wording` (English for messages), `stores` (where writes go), `writer` (`Writer`, the
one entry point, composed of `base`, `resolution`, `sources`, `duplicates`, `events`, `roles`,
`entities`, `edit` and `merge`), `references` (who refers to a record), `history` (the history and
undo) and `answers` (answers typed at a prompt). Every public name is importable from here.
"""

from __future__ import annotations

from ..queries import TYPE_OF_TABLE as SINGULAR
from .answers import AnswerCheck
from .base import Reference, WriterBase
from .drafts import (
    EVENT_JSON_FIELDS,
    MISSING_HINTS,
    Duplicate,
    EntityDraft,
    EventDraft,
    NewSource,
    Note,
    Outcome,
    Participant,
    RoleDraft,
    SourceRef,
    WriteOptions,
    event_draft_from_json,
    missing_fields,
    parse_assignment,
    parse_participant,
    participant_from_json,
    source_from_json,
)
from .duplicates import DuplicateCheck, EventIndex
from .edit import EDIT_FIELDS, Editing
from .entities import EntityWrites
from .events import EventWrites
from .history import (
    Undoing,
    describe_changes,
    history_entries,
    history_entry,
    history_rows,
    is_callers,
    last_change_of,
    last_undoable,
    later_dependents,
    newest_first,
    same_entry,
    written_by,
)
from .inputs import checked_text, checked_texts, dedupe, free_id
from .merge import Merging
from .references import map_references, referrers
from .resolution import KIND_WORD, Resolution, near_names, unresolved_participants
from .roles import RoleWrites
from .sources import Citations
from .stores import init_store, prepare_store
from .wording import (
    a,
    about,
    counted,
    not_found_hint,
    or_create_missing,
    plural,
    prefixed,
    search_hint,
    today_note,
)
from .writer import Writer

__all__ = [
    "EDIT_FIELDS", "EVENT_JSON_FIELDS", "KIND_WORD", "MISSING_HINTS", "SINGULAR", "AnswerCheck",
    "Citations", "Duplicate", "DuplicateCheck", "Editing", "EntityDraft", "EntityWrites",
    "EventDraft", "EventIndex", "EventWrites", "Merging", "NewSource", "Note", "Outcome",
    "Participant",
    "Reference", "Resolution", "RoleDraft", "RoleWrites", "SourceRef", "Undoing", "WriteOptions",
    "Writer", "WriterBase", "a", "about", "checked_text", "checked_texts", "counted", "dedupe",
    "describe_changes", "event_draft_from_json", "free_id", "history_entries", "history_entry",
    "history_rows", "init_store", "is_callers", "last_change_of", "last_undoable",
    "later_dependents", "newest_first", "same_entry", "map_references", "missing_fields",
    "near_names", "not_found_hint",
    "or_create_missing", "parse_assignment", "parse_participant", "participant_from_json",
    "plural", "prefixed", "prepare_store", "referrers", "search_hint", "source_from_json",
    "today_note", "unresolved_participants", "written_by",
]  # fmt: skip
