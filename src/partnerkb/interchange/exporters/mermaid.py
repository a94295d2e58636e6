"""mermaid: the network as a Mermaid graph."""

from __future__ import annotations

import re
from typing import Any

from ...errors import InvalidInput
from ...render import safe_text
from .base import (
    Selection,
    exporter,
)
from .network import network, pair_label, sorted_pairs


def _mermaid_id(entity_id: str) -> str:
    return "n_" + re.sub(r"[^A-Za-z0-9]", "_", entity_id)


def _mermaid_label(value: Any) -> str:
    text = " ".join(safe_text(value).split())
    # Mermaid entity codes: nothing in a label can end it or become markup
    text = text.replace("#", "#35;")
    for char, code in (('"', "#quot;"), ("<", "#lt;"), (">", "#gt;"), ("`", "#96;"),
                       ("|", "#124;"), ("[", "#91;"), ("]", "#93;"), ("{", "#123;"),
                       ("}", "#125;")):  # fmt: skip
        text = text.replace(char, code)
    return f'"{text}"'


MERMAID_SHAPES = {"person": ("(", ")"), "organization": ("[", "]"), "country": ("[[", "]]"),
                  "place": ("[/", "/]")}  # fmt: skip


# Mermaid refuses a diagram over `maxTextSize` characters (50,000 by default): the picture then
# says only "Maximum text size in diagram exceeded". A graph that large is refused here instead.
MERMAID_MAX_TEXT = 50_000


@exporter("mermaid", "a Mermaid graph of who met whom (planned meetings dotted) and which "
          "organizations partner; refused over Mermaid's 50,000 characters")  # fmt: skip
def export_mermaid(selection: Selection) -> bytes:
    graph = network(selection)
    ids = {node: _mermaid_id(node) for node in graph.nodes}
    lines = ["graph LR"]
    add = lines.append
    for node_id, entity in graph.nodes.items():
        left, right = MERMAID_SHAPES.get(entity.get("kind", ""), ("(", ")"))
        add(f"  {ids[node_id]}{left}{_mermaid_label(graph.labels[node_id])}{right}")
    met, planned = graph.met, graph.planned
    for a, b in sorted_pairs({**met, **planned}):
        link = "---" if met.get((a, b)) else "-.-"  # only planned: a dotted line
        add(f"  {ids[a]} {link}|{_mermaid_label(pair_label(graph, (a, b)))}| {ids[b]}")
    why_labels: dict[str, str] = {}
    for a, b in sorted_pairs(graph.partners):
        text = "; ".join(graph.partners[a, b])
        label = why_labels.get(text)
        if label is None:
            label = why_labels[text] = f" ===|{_mermaid_label(text)}| "
        add(f"  {ids[a]}{label}{ids[b]}")
    add("")
    text = "\n".join(lines)
    size = len(text.encode("utf-16-le")) // 2  # JavaScript counts UTF-16 code units
    if size > MERMAID_MAX_TEXT:
        raise InvalidInput(
            f"the Mermaid graph would be {size:,} characters ({len(graph.nodes):,} nodes, "
            f"{len(met) + len(planned) + len(graph.partners):,} links); Mermaid draws at most "
            f"{MERMAID_MAX_TEXT:,}",
            hint="narrow it with --entity, --kind, --since or --until, or use --format dot, "
            "gexf or graphml for a graph this size",
        )
    return text.encode("utf-8")
