"""dot: the network for Graphviz."""

from __future__ import annotations

from typing import Any

from ...render import safe_text
from .base import (
    Selection,
    exporter,
)
from .network import met_label, network, sorted_pairs


def _dot_string(value: Any) -> str:
    text = safe_text(value).replace("\\", "\\\\").replace('"', '\\"')
    return '"' + " ".join(text.split()) + '"'


DOT_SHAPES = {"person": "ellipse", "organization": "box", "country": "box3d", "place": "note"}


@exporter("dot", "Graphviz: who met whom and which organizations partner, labelled")
def export_dot(selection: Selection) -> bytes:
    graph = network(selection)
    quoted = {node: _dot_string(node) for node in graph.nodes}
    lines = [f"graph {_dot_string(selection.title)} {{", "  overlap=false;", "  splines=true;",
             "  node [fontname=\"Helvetica\"];"]  # fmt: skip
    add = lines.append
    for node_id, entity in graph.nodes.items():
        shape = DOT_SHAPES.get(entity.get("kind", ""), "ellipse")
        add(f"  {quoted[node_id]} [label={_dot_string(entity.get('name'))}, shape={shape}];")
    # the pairs are unique: sorting them sorts the edges; a count's label is written once
    met = graph.met
    met_labels = {n: f" [label={_dot_string(met_label(n))}];" for n in set(met.values())}
    for a, b in sorted_pairs(met):
        add(f"  {quoted[a]} -- {quoted[b]}{met_labels[met[a, b]]}")
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
