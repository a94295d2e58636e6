"""partnerkb: a knowledge base of institutional partnerships — who met whom, when, where, about
what, and which source says so.

The library (model, dates, store, queries, search) stands on its own; `partnerkb.cli` is a thin
Typer layer over it and `partnerkb.render` the only place that draws tables.
"""

__version__ = "0.1.0"
