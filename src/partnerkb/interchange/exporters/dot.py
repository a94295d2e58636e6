"""dot: the network for Graphviz."""

from __future__ import annotations

from typing import Any

from ...render import safe_text
from .base import (
    Selection,
    exporter,
)
from .network import network, pair_label, sorted_pairs


def _dot_string(value: Any) -> str:
    text = safe_text(value).replace("\\", "\\\\").replace('"', '\\"')
    return '"' + " ".join(text.split()) + '"'


DOT_SHAPES = {"person": "ellipse", "organization": "box", "country": "box3d", "place": "note"}


# Graphviz's force-directed `sfdp` lays out the corpus (1,693 nodes, 3,464 edges) in seconds; the
# hierarchical `dot` and `splines=true` (routing every edge around the nodes) took many minutes.
# `layout=sfdp` makes any Graphviz command (`dot -Tsvg` too) use it.
DOT_LAYOUT = "sfdp"


@exporter(
    "dot",
    "Graphviz (lay out with sfdp; the file says layout=sfdp): who met whom, "
    "weighted by events that happened, planned ones dashed; which organizations partner",
)
def export_dot(selection: Selection) -> bytes:
    graph = network(selection)
    quoted = {node: _dot_string(node) for node in graph.nodes}
    lines = [f"graph {_dot_string(selection.title)} {{", f"  layout={DOT_LAYOUT};",
             "  overlap=prism;", "  outputorder=edgesfirst;",
             "  node [fontname=\"Helvetica\"];",
             "  edge [fontname=\"Helvetica\", fontsize=9];"]  # fmt: skip
    add = lines.append
    for node_id, entity in graph.nodes.items():
        shape = DOT_SHAPES.get(entity.get("kind", ""), "ellipse")
        add(f"  {quoted[node_id]} [label={_dot_string(graph.labels[node_id])}, shape={shape}];")
    # the pairs are unique: sorting them sorts the edges; an edge's attributes are written once
    # for each (events met, events planned)
    met, planned = graph.met, graph.planned
    attributes: dict[tuple[int, int], str] = {}
    for a, b in sorted_pairs({**met, **planned}):
        key = (met.get((a, b), 0), planned.get((a, b), 0))
        attrs = attributes.get(key)
        if attrs is None:
            extra = f", weight={key[0]}, penwidth={_pen_width(key[0])}" if key[0] else ""
            if not key[0]:
                extra = ", style=dashed"
            attrs = attributes[key] = f" [label={_dot_string(pair_label(graph, (a, b)))}{extra}];"
        add(f"  {quoted[a]} -- {quoted[b]}{attrs}")
    why_labels: dict[str, str] = {}
    for a, b in sorted_pairs(graph.partners):
        text = "; ".join(graph.partners[a, b])
        label = why_labels.get(text)
        if label is None:
            label = why_labels[text] = f" [label={_dot_string(text)}, style=bold, color=blue];"
        add(f"  {quoted[a]} -- {quoted[b]}{label}")
    add("}")
    add("")
    return "\n".join(lines).encode("utf-8")


def _pen_width(events: int) -> str:
    """A line's width in points for an edge of `events` events: 1 for one, growing slowly."""
    import math

    return f"{1 + math.log2(events):.2g}"
