"""The pages' pictures, drawn on the server as SVG text: a check's recent values, and the lineage graph.

Pure functions of plain values, so their geometry is unit-tested without a browser.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

OUTCOME_COLOURS = {"pass": "#2e7d32", "warn": "#ef6c00", "fail": "#c62828", "error": "#c62828",
                   "not_evaluated": "#c62828", "no_history": "#757575"}
LAYER_COLOURS = {"landing": "#eceff1", "raw": "#fff3e0", "staging": "#e3f2fd", "marts": "#e8f5e9",
                 "exports": "#f3e5f5", "consumer": "#fce4ec"}


def sparkline(points: Sequence[tuple[object, float | None, str]], width: int = 120, height: int = 28) -> str:
    """(day, value, outcome) oldest first, as a line with one dot per day coloured by its outcome; days without a
    measured value get no dot."""
    measured = [(day, float(value), outcome) for day, value, outcome in points if value is not None]
    if not measured:
        return ""
    low, high = min(v for _, v, _ in measured), max(v for _, v, _ in measured)
    span, pad = (high - low) or 1.0, 4
    step = (width - 2 * pad) / max(len(measured) - 1, 1)

    def xy(index: int, value: float) -> tuple[float, float]:
        return round(pad + index * step, 1), round(height - pad - (value - low) / span * (height - 2 * pad), 1)

    coords = [xy(i, v) for i, (_, v, _) in enumerate(measured)]
    line = " ".join(f"{x},{y}" for x, y in coords)
    dots = "".join(f'<circle cx="{x}" cy="{y}" r="2.5" fill="{OUTCOME_COLOURS.get(o, "#000")}">'
                   f"<title>{escape(str(d))}: {v:g} ({escape(o)})</title></circle>"
                   for (x, y), (d, v, o) in zip(coords, measured, strict=True))
    return (f'<svg class="spark" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img">'
            f'<polyline points="{line}" fill="none" stroke="#90a4ae" stroke-width="1.5"/>{dots}</svg>')


def depths(nodes: Sequence[str], edges: Sequence[tuple[str, str]], layer_of) -> dict[str, int]:
    """Each node's longest chain of upstream nodes within its own layer: its sub-column in the layer's band."""
    inside = [(up, down) for up, down in edges if layer_of(up) == layer_of(down)]
    depth = dict.fromkeys(nodes, 0)
    for _ in nodes:  # a DAG settles in at most len(nodes) rounds
        changed = False
        for up, down in inside:
            if depth[down] < depth[up] + 1:
                depth[down], changed = depth[up] + 1, True
        if not changed:
            break
    return depth


def lineage_graph(layers: Sequence[str], columns: Sequence[Sequence[str]], edges: Sequence[tuple[str, str]],
                  box_w: int = 180, box_h: int = 22, gap_x: int = 34, gap_y: int = 8) -> str:
    """One band per layer, left to right in ``layers`` order; inside a band one column per depth (so an edge never
    joins two boxes of one column); each edge a curve from the reader's input to the reader."""
    layer_of = {node: layer for layer, nodes in zip(layers, columns, strict=True) for node in nodes}
    depth = depths(list(layer_of), edges, layer_of.get)
    placed: dict[str, tuple[int, int]] = {}
    column = 0
    for nodes in columns:
        if not nodes:
            continue
        levels = sorted({depth[n] for n in nodes})
        for level in levels:
            for row, node in enumerate(n for n in nodes if depth[n] == level):
                placed[node] = (column, row)
            column += 1
    top = 24
    width = column * (box_w + gap_x) - gap_x + 20
    height = top + max((row for _, row in placed.values()), default=0) * (box_h + gap_y) + box_h + 20

    def box(node: str) -> tuple[int, int]:
        col, row = placed[node]
        return 10 + col * (box_w + gap_x), top + row * (box_h + gap_y)

    paths = []
    for up, down in edges:
        (x1, y1), (x2, y2) = box(up), box(down)
        x1, y1, y2 = x1 + box_w, y1 + box_h // 2, y2 + box_h // 2
        middle = (x1 + x2) / 2
        paths.append(f'<path class="edge" d="M{x1},{y1} C{middle},{y1} {middle},{y2} {x2},{y2}" fill="none" '
                     f'stroke="#78909c" stroke-width="1" marker-end="url(#arrow)">'
                     f"<title>{escape(up)} -&gt; {escape(down)}</title></path>")
    boxes = []
    for node in placed:
        x, y = box(node)
        boxes.append(f'<g class="node" data-node="{escape(node)}"><rect x="{x}" y="{y}" width="{box_w}" '
                     f'height="{box_h}" rx="4" fill="{LAYER_COLOURS.get(layer_of[node], "#fff")}" stroke="#546e7a"/>'
                     f'<text x="{x + 6}" y="{y + 15}" font-size="11">{escape(node.split(".", 1)[-1])}</text>'
                     f"<title>{escape(node)}</title></g>")
    heads = [f'<text x="{min(box(n)[0] for n in nodes)}" y="14" font-size="12" font-weight="bold">'
             f"{escape(layer)}</text>" for layer, nodes in zip(layers, columns, strict=True) if nodes]
    return (f'<svg class="lineage" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
            'xmlns="http://www.w3.org/2000/svg" role="img"><defs><marker id="arrow" viewBox="0 0 10 10" refX="10" '
            'refY="5" markerWidth="6" markerHeight="6" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#78909c"/>'
            f'</marker></defs>{"".join(heads)}{"".join(paths)}{"".join(boxes)}</svg>')
