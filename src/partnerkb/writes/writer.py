"""`Writer`: one command's changes, built and applied inside one transaction.

The one entry point the write commands, `import` and `ingest` use. It holds no logic of its own:
each duty lives in its own module and `Writer` composes them.

| duty | module | part |
|---|---|---|
| the transaction, options, reading dates | `base` | `WriterBase` |
| names to records, --create-missing, kinds | `resolution` | `Resolution` |
| sources and citations | `sources` | `Citations` |
| the stored event a new one repeats | `duplicates` | `DuplicateCheck` |
| events, --attach-to, --fulfils, derived titles and ids | `events` | `EventWrites` |
| roles | `roles` | `RoleWrites` |
| entities | `entities` | `EntityWrites` |
| edit | `edit` | `Editing` |
| remove and merge | `merge` | `Merging` |
| undo | `history` | `Undoing` |
"""

from __future__ import annotations

from .edit import Editing
from .entities import EntityWrites
from .history import Undoing
from .merge import Merging


class Writer(Editing, EntityWrites, Merging, Undoing):
    """Builds and applies one command's changes inside a transaction."""
