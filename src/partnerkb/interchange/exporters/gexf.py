"""gexf: the network for Gephi (GEXF 1.2, written by networkx): node kinds, edge weights
(events that happened), planned meetings, and each link's first and last day as its time span."""

from __future__ import annotations

import io
import re

from ...render import safe_text
from .base import Selection, exporter
from .network import graph_of


@exporter("gexf", "GEXF for Gephi: who met whom, weighted by events that happened, planned "
          "ones apart, node kinds, each link's first and last day")  # fmt: skip
def export_gexf(selection: Selection) -> bytes:
    import networkx as nx

    # start/end make the graph dynamic in Gephi (timeformat date): a link shows from its first
    # event to its last
    graph = graph_of(selection, dates_as=("start", "end"))
    graph.graph["name"] = safe_text(selection.title)
    out = io.BytesIO()
    selection.stage("writing GEXF")
    nx.write_gexf(graph, out, encoding="utf-8", prettyprint=True, version="1.2draft")
    # networkx stamps today's date: the store's last change instead, so that exports of one
    # state are identical
    return re.sub(
        rb'lastmodifieddate="[0-9-]*"',
        f'lastmodifieddate="{selection.stamp[:10]}"'.encode(),
        out.getvalue(),
        count=1,
    )
