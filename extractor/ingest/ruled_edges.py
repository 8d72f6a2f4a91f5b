"""The ruling edges pdfplumber's table finder works on, exactly as ``TableFinder.get_edges`` makes
them with its default "lines" settings: edges of at least 1 pt, snapped (edges within 3 pt of one
another move to their average position), joined (edges on one line within 3 pt of one another
become one) and kept when at least 3 pt long.

pdfplumber rebuilds each moved or extended edge as a new dict from a tuple of all its items, and
clusters positions through several intermediate lists; on a page of ruled tables that was half
of finding them. Here the same arithmetic, in the same order, on copies made with ``dict``.
"""

from __future__ import annotations

from itertools import groupby

from pdfplumber.table import DEFAULT_JOIN_TOLERANCE, DEFAULT_SNAP_TOLERANCE

from extractor.ingest.text_runs import Obj

_PREFILTER, _MIN_LENGTH = 1, 3  # TableSettings' edge_min_length_prefilter and edge_min_length


def ruled_edges(edges: list[Obj]) -> list[Obj]:
    """``TableFinder(page).get_edges()`` for a page with these ``page.edges``, default settings."""
    vertical = [e for e in edges if e["orientation"] == "v" and e["height"] >= _PREFILTER]
    horizontal = [e for e in edges if e["orientation"] == "h" and e["width"] >= _PREFILTER]
    snapped = _snap(vertical, "x0", _move_x) + _snap(horizontal, "top", _move_y)
    snapped.sort(key=_group)
    joined: list[Obj] = []
    for (orientation, _), group in groupby(snapped, key=_group):
        joined += _join(list(group), orientation)
    return [e for e in joined if e["height" if e["orientation"] == "v" else "width"] >= _MIN_LENGTH]


def _group(edge: Obj) -> tuple[str, float]:
    return ("h", edge["top"]) if edge["orientation"] == "h" else ("v", edge["x0"])


def _snap(objs: list[Obj], attr: str, move) -> list[Obj]:  # noqa: ANN001 - _move_x or _move_y
    """``utils.snap_objects``: clusters of positions chained within the tolerance, in cluster
    order, each object moved to its cluster's mean (summed in the same order)."""
    if not objs:
        return []
    cluster_of: dict[float, int] = {}
    last = None
    for value in sorted({o[attr] for o in objs}):
        # cluster_list: a value not within the tolerance of the previous one starts a cluster
        cluster_of[value] = 0 if last is None else cluster_of[last] + (not value <= last + DEFAULT_SNAP_TOLERANCE)
        last = value
    clusters: list[list[Obj]] = [[] for _ in range(cluster_of[last] + 1)]
    for o in objs:  # input order within a cluster, as the stable sort by cluster leaves it
        clusters[cluster_of[o[attr]]].append(o)
    out: list[Obj] = []
    for cluster in clusters:
        mean = sum(o[attr] for o in cluster) / len(cluster)
        out += [move(o, mean - o[attr]) for o in cluster]
    return out


def _move_x(obj: Obj, value: float) -> Obj:
    """``utils.move_object(obj, "h", value)``."""
    moved = dict(obj)
    moved["x0"], moved["x1"] = obj["x0"] + value, obj["x1"] + value
    return moved


def _move_y(obj: Obj, value: float) -> Obj:
    """``utils.move_object(obj, "v", value)``."""
    moved = dict(obj)
    moved["top"], moved["bottom"] = obj["top"] + value, obj["bottom"] + value
    if "doctop" in obj:
        moved["doctop"] = obj["doctop"] + value
    if "y0" in obj:
        moved["y0"], moved["y1"] = obj["y0"] - value, obj["y1"] - value
    return moved


def _join(edges: list[Obj], orientation: str) -> list[Obj]:
    """``table.join_edge_group``: edges on one line, by start, each overlapping or within the
    tolerance of the previous one extending it."""
    low, high = ("x0", "x1") if orientation == "h" else ("top", "bottom")
    edges.sort(key=lambda e: e[low])
    joined = [edges[0]]
    for e in edges[1:]:
        last = joined[-1]
        if e[low] <= last[high] + DEFAULT_JOIN_TOLERANCE:
            if e[high] > last[high]:
                joined[-1] = _extend(last, high, e[high])
        else:
            joined.append(e)
    return joined


def _extend(obj: Obj, key: str, value: float) -> Obj:
    """``utils.resize_object(obj, key, value)`` for the two ends a join extends (x1, bottom)."""
    resized = dict(obj)
    resized[key] = value
    if key == "x1":
        resized["width"] = value - obj["x0"]
    else:
        diff = value - obj["bottom"]
        resized["height"] = obj["height"] + diff
        if "y0" in obj:
            resized["y0"] = obj["y0"] - diff
    return resized
