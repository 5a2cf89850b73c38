"""Tables: ruled ones from the cells their rulings enclose, unruled ones from rows of
segments whose columns line up.
"""

from __future__ import annotations

from idp.datamodel import BBox, Table, TableCell, Word
from idp.geometry import centre_in, union
from idp.layout.lines import Row, Segment
from idp.layout.rulings import Rulings

EDGE_TOLERANCE = 4.0
"""Cell edges closer than this many points are the same grid line."""
MIN_UNRULED_ROWS = 3
MIN_UNRULED_COLS = 3


def _cluster(values: list[float], tol: float) -> list[float]:
    """Sorted representative values, merging those within ``tol`` of each other."""
    out: list[float] = []
    for v in sorted(values):
        if out and v - out[-1] <= tol:
            continue
        out.append(v)
    return out


def _index(edges: list[float], v: float) -> int:
    return min(range(len(edges)), key=lambda k: abs(edges[k] - v))


def text_in(area: BBox, rows: list[Row], words: list[Word]) -> tuple[str, list[int]]:
    """The words whose centre lies in ``area``, row by row, and their ids."""
    ids: list[int] = []
    lines: list[str] = []
    for row in rows:
        if row.bbox[3] < area[1] or row.bbox[1] > area[3]:
            continue
        inside = [i for i in row.word_ids if centre_in(words[i].bbox, area)]
        if inside:
            ids.extend(inside)
            lines.append(" ".join(words[i].text for i in inside))
    return " ".join(lines), ids


def find_ruled_tables(
    rulings: Rulings, rows: list[Row], words: list[Word], points_per_unit: float
) -> list[Table]:
    """One table per connected ruling grid that has at least two rows and two columns."""
    groups: dict[int, list[BBox]] = {}
    for cell, group in zip(rulings.cells, rulings.cell_groups, strict=True):
        groups.setdefault(group, []).append(cell)
    tol = EDGE_TOLERANCE / points_per_unit
    tables: list[Table] = []
    for cells in groups.values():
        if len(cells) < 4:
            continue
        ys = _cluster([c[1] for c in cells] + [c[3] for c in cells], tol)
        xs = _cluster([c[0] for c in cells] + [c[2] for c in cells], tol)
        n_rows, n_cols = len(ys) - 1, len(xs) - 1
        if n_rows < 2 or n_cols < 2:
            continue
        out_cells = []
        for c in cells:
            r = min(_index(ys, c[1]), n_rows - 1)
            k = min(_index(xs, c[0]), n_cols - 1)
            text, _ = text_in(c, rows, words)
            out_cells.append(TableCell(row=r, col=k, bbox=c, text=text))
        out_cells.sort(key=lambda c: (c.row, c.col))
        tables.append(
            Table(bbox=union(cells), ruled=True, n_rows=n_rows, n_cols=n_cols, cells=out_cells)
        )
    return tables


def find_unruled_tables(
    rows: list[Row], words: list[Word], taken: list[BBox]
) -> list[Table]:
    """Runs of ≥ 3 consecutive rows with the same ≥ 3 segments in overlapping columns."""
    tables: list[Table] = []
    run: list[Row] = []

    def flush() -> None:
        if len(run) >= MIN_UNRULED_ROWS:
            tables.append(_unruled(run))
        run.clear()

    for row in rows:
        segs = row.segments
        if len(segs) < MIN_UNRULED_COLS or any(centre_in(row.bbox, t) for t in taken):
            flush()
            continue
        if run and not _aligned(run[-1], row):
            flush()
        run.append(row)
    flush()
    return tables


def _aligned(prev: Row, row: Row) -> bool:
    if len(prev.segments) != len(row.segments):
        return False
    if row.bbox[1] - prev.bbox[3] > 2.5 * max(prev.height, row.height):
        return False
    for a, b in zip(prev.segments, row.segments, strict=True):
        if min(a.bbox[2], b.bbox[2]) <= max(a.bbox[0], b.bbox[0]):
            return False
    return True


def _unruled(run: list[Row]) -> Table:
    n_cols = len(run[0].segments)
    cells: list[TableCell] = []
    for r, row in enumerate(run):
        seg: Segment
        for k, seg in enumerate(row.segments):
            cells.append(TableCell(row=r, col=k, bbox=seg.bbox, text=seg.text))
    box = union([row.bbox for row in run])
    return Table(bbox=box, ruled=False, n_rows=len(run), n_cols=n_cols, cells=cells)
