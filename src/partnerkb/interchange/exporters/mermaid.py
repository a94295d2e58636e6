"""mermaid: the network as a Mermaid graph."""

from __future__ import annotations

import re
from typing import Any

from ...render import safe_text
from .base import (
    Selection,
    exporter,
)
from .network import met_label, network, sorted_pairs


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


@exporter("mermaid", "a Mermaid graph of who met whom and which organizations partner")
def export_mermaid(selection: Selection) -> bytes:
    graph = network(selection)
    ids = {node: _mermaid_id(node) for node in graph.nodes}
    lines = ["graph LR"]
    add = lines.append
    for node_id, entity in graph.nodes.items():
        left, right = MERMAID_SHAPES.get(entity.get("kind", ""), ("(", ")"))
        add(f"  {ids[node_id]}{left}{_mermaid_label(entity.get('name'))}{right}")
    met = graph.met
    met_labels = {n: f" ---|{_mermaid_label(met_label(n))}| " for n in set(met.values())}
    for a, b in sorted_pairs(met):
        add(f"  {ids[a]}{met_labels[met[a, b]]}{ids[b]}")
    why_labels: dict[str, str] = {}
    for a, b in sorted_pairs(graph.partners):
        text = "; ".join(graph.partners[a, b])
        label = why_labels.get(text)
        if label is None:
            label = why_labels[text] = f" ===|{_mermaid_label(text)}| "
        add(f"  {ids[a]}{label}{ids[b]}")
    add("")
    return "\n".join(lines).encode("utf-8")
