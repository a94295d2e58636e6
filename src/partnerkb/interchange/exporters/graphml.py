"""graphml: the network for Cytoscape, yEd and graph libraries (written by networkx): node
kinds, edge weights (events that happened), planned meetings, each link's first and last day."""

from __future__ import annotations

import io

from .base import Selection, exporter
from .network import graph_of


@exporter("graphml", "GraphML for Cytoscape and graph libraries: who met whom, weighted by "
          "events that happened, planned ones apart, node kinds, first and last day")  # fmt: skip
def export_graphml(selection: Selection) -> bytes:
    import networkx as nx

    graph = graph_of(selection, dates_as=("first_date", "last_date"))
    out = io.BytesIO()
    selection.stage("writing GraphML")
    nx.write_graphml(graph, out, encoding="utf-8", prettyprint=True)
    return out.getvalue()
