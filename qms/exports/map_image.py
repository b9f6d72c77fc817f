"""A map layout (qms/services/process_map.py) drawn as a PNG with matplotlib, for Word documents.

matplotlib's Agg canvas is used directly (no pyplot, no global state), with the DejaVu Sans font its
wheel ships, which has the Vietnamese letters.
"""

from __future__ import annotations

from io import BytesIO

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch, Polygon, Rectangle
from matplotlib.path import Path as MplPath

from qms.services.process_map import Layout

PX = 100  # layout pixels per inch
PT = 72 / PX  # a layout pixel in points

FILL = {
    "step": "#ffffff",
    "decision": "#fff8e1",
    "problem": "#fdecea",
    "terminal": "#e8f0fe",
    "external": "#f4f4f4",
}
STROKE = {"problem": "#c62828", "external": "#888888"}
TEXT = {
    "header": "#333333",
    "output": "#555555",
    "responsible": "#222222",
    "branch": "#1a5fb4",
    "broken": "#c62828",
}


def render_png(layout: Layout, *, dpi: int = 200) -> bytes:
    fig = Figure(figsize=(layout.width / PX, layout.height / PX), dpi=dpi)
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, layout.width)
    ax.set_ylim(layout.height, 0)
    ax.axis("off")
    for path in layout.paths:
        if path.css in ("grid", "row"):
            xs, ys = zip(*path.points, strict=True)
            ax.plot(xs, ys, color="#cfd4da" if path.css == "row" else "#9aa1a8", linewidth=0.6, zorder=1)
            continue
        color = "#c62828" if path.css == "broken" else "#333333"
        style = "--" if path.css == "broken" else "-"
        if path.curve:
            codes = [MplPath.MOVETO, MplPath.CURVE4, MplPath.CURVE4, MplPath.CURVE4]
            mpath = MplPath(path.points, codes)
            ax.add_patch(
                FancyArrowPatch(
                    path=mpath, arrowstyle="-|>", mutation_scale=12, color=color, linewidth=1.1, zorder=2
                )
            )
            continue
        xs, ys = zip(*path.points, strict=True)
        if path.arrow:
            ax.plot(xs[:-1], ys[:-1], color=color, linewidth=1.1, linestyle=style, zorder=2)
            ax.add_patch(
                FancyArrowPatch(
                    path.points[-2],
                    path.points[-1],
                    arrowstyle="-|>",
                    mutation_scale=12,
                    color=color,
                    linewidth=1.1,
                    shrinkA=0,
                    shrinkB=0,
                    zorder=2,
                )
            )
        else:
            ax.plot(xs, ys, color=color, linewidth=1.1, linestyle=style, zorder=2)
    for s in layout.shapes:
        fill = FILL.get(s.css, "#ffffff")
        edge = STROKE.get(s.css, "#333333")
        if s.kind == "diamond":
            corners = [(s.cx, s.y), (s.x + s.w, s.cy), (s.cx, s.y + s.h), (s.x, s.cy)]
            ax.add_patch(
                Polygon(corners, closed=True, facecolor=fill, edgecolor=edge, linewidth=1.2, zorder=3)
            )
        elif s.kind == "terminal":
            ax.add_patch(
                FancyBboxPatch(
                    (s.x, s.y),
                    s.w,
                    s.h,
                    boxstyle=f"round,pad=0,rounding_size={s.h / 2}",
                    facecolor=fill,
                    edgecolor=edge,
                    linewidth=1.2,
                    zorder=3,
                )
            )
        else:
            dashed = "--" if s.css == "external" else "-"
            ax.add_patch(
                Rectangle(
                    (s.x, s.y),
                    s.w,
                    s.h,
                    facecolor=fill,
                    edgecolor=edge,
                    linewidth=1.2,
                    linestyle=dashed,
                    zorder=3,
                )
            )
    for t in layout.texts:
        ha = {"start": "left", "middle": "center", "end": "right"}[t.anchor]
        for i, line in enumerate(t.lines):
            ax.text(
                t.x,
                t.y + i * t.line_height,
                line,
                fontsize=t.size * PT,
                ha=ha,
                va="baseline",
                fontweight=t.weight,
                fontstyle="italic" if t.css == "output" else "normal",
                color=TEXT.get(t.css, "#111111"),
                zorder=4,
                family="DejaVu Sans",
            )
    buffer = BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, facecolor="white")
    return buffer.getvalue()
