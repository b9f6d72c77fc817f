"""Layouts of the process map (a procedure's flowchart) and of the process interaction map.

A layout is plain geometry in pixels (y grows downwards): shapes, texts and paths. The browser gets
it as inline SVG (templates/processes/_map.html), the Word export as a PNG drawn with matplotlib
(qms/exports/map_image.py) — the same picture, without JavaScript, a CDN or system binaries.

The flowchart is a layered layout with one step per layer in the steps' order: the arrow to the
following step goes straight down; any other arrow (a jump, a loop back, a branch) runs in its own
lane beside the column of boxes.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from qms.models.processes import Process, ProcessLink, Step, StepKind
from qms.services.processes import successors

FONT = 13
SMALL = 11
CHAR = 0.58  # average glyph width of DejaVu Sans, in em
LINE = 1.3

RESP_W = 190
TIME_W = 90
BOX_W = 300
LANE = 16
GAP = 40
PAD = 8
HEADER_H = 34


@dataclass
class Shape:
    kind: str  # "rect", "diamond", "terminal"
    x: float
    y: float
    w: float
    h: float
    css: str = "step"
    ref: str = ""

    @property
    def cx(self) -> float:
        return self.x + self.w / 2

    @property
    def cy(self) -> float:
        return self.y + self.h / 2

    @property
    def points(self) -> str:
        """The diamond's corners, for SVG."""
        return (
            f"{self.cx},{self.y} {self.x + self.w},{self.cy} {self.cx},{self.y + self.h} {self.x},{self.cy}"
        )


@dataclass
class Text:
    x: float
    y: float  # baseline of the first line
    lines: list[str]
    size: int = FONT
    anchor: str = "middle"  # "start", "middle", "end"
    weight: str = "normal"
    css: str = ""

    @property
    def line_height(self) -> float:
        return self.size * LINE


@dataclass
class Path:
    points: list[tuple[float, float]]
    arrow: bool = True
    css: str = "edge"
    curve: bool = False  # four points: a cubic Bézier curve

    @property
    def d(self) -> str:
        (x0, y0), *rest = self.points
        if self.curve:
            (x1, y1), (x2, y2), (x3, y3) = rest
            return f"M{x0:.1f},{y0:.1f} C{x1:.1f},{y1:.1f} {x2:.1f},{y2:.1f} {x3:.1f},{y3:.1f}"
        return f"M{x0:.1f},{y0:.1f} " + " ".join(f"L{x:.1f},{y:.1f}" for x, y in rest)


@dataclass
class Layout:
    width: float
    height: float
    shapes: list[Shape] = field(default_factory=list)
    texts: list[Text] = field(default_factory=list)
    paths: list[Path] = field(default_factory=list)
    title: str = ""


def wrap(text: str, width_px: float, size: int = FONT, max_lines: int | None = None) -> list[str]:
    chars = max(8, int(width_px / (size * CHAR)))
    lines = textwrap.wrap(text, chars, break_long_words=True) or [""]
    if max_lines and len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = lines[-1][: max(0, chars - 1)].rstrip() + "…"
    return lines


def _days(value: Decimal, decimal_sep: str = ".") -> str:
    text = f"{Decimal(value):.1f}"
    return (text[:-2] if text.endswith(".0") else text).replace(".", decimal_sep)


@dataclass
class _Node:
    shape: Shape
    step: Step | None = None
    bottom_used: bool = False
    right_used: bool = False
    entries: dict[str, int] = field(default_factory=dict)

    def exit(self, side: str) -> tuple[float, float]:
        s = self.shape
        if side == "bottom":
            return s.cx, s.y + s.h
        return (s.x + s.w, s.cy) if side == "right" else (s.x, s.cy)

    def entry(self, side: str) -> tuple[float, float]:
        s = self.shape
        n = self.entries.get(side, 0)
        self.entries[side] = n + 1
        if side == "top":
            return s.cx, s.y
        offset = min(n * 8, s.h / 2 - 4) if s.kind != "diamond" else 0
        x = s.x + s.w if side == "right" else s.x
        if s.kind == "diamond" and n:
            # Later arrows into a diamond meet its upper edges.
            frac = min(0.45, 0.2 * n)
            x = s.cx + (s.w / 2) * (1 - frac) * (1 if side == "right" else -1)
            return x, s.cy - (s.h / 2) * frac
        return x, s.cy - offset


def _allocate_lanes(spans: list[tuple[float, float]]) -> list[int]:
    """Interval colouring: spans that overlap get different lanes (shortest spans nearest the boxes)."""
    order = sorted(range(len(spans)), key=lambda i: spans[i][1] - spans[i][0])
    lanes: list[list[tuple[float, float]]] = []
    result = [0] * len(spans)
    for i in order:
        lo, hi = spans[i]
        for n, taken in enumerate(lanes):
            if all(hi + 6 < a or lo - 6 > b for a, b in taken):
                taken.append((lo, hi))
                result[i] = n
                break
        else:
            lanes.append([(lo, hi)])
            result[i] = len(lanes) - 1
    return result


def flowchart(
    process: Process,
    *,
    words: dict[str, str],
    problem_step_ids: Iterable[int] = (),
) -> Layout:
    """The process map of a procedure. `words` names start, end, yes, no, responsible, flow, time, days."""
    steps = sorted(process.steps, key=lambda s: s.position)
    problem_ids = set(problem_step_ids)
    # Boxes, top to bottom.
    nodes: dict[object, _Node] = {}
    y = HEADER_H + 16
    start = _Node(Shape("terminal", 0, y, 150, 34, "terminal", "start"))
    nodes["start"] = start
    y += 34 + GAP
    text_of: dict[object, list[Text]] = {"start": [Text(0, 0, [words["start"]], FONT, "middle", "bold")]}
    for step in steps:
        css = "problem" if step.id in problem_ids else ("decision" if step.is_decision else "step")
        label = f"{step.position}. {step.text}"
        if step.kind == StepKind.DECISION:
            body = wrap(label, BOX_W * 0.56, FONT, max_lines=4)
            h = max(84.0, len(body) * FONT * LINE * 2 + 10)
            shape = Shape("diamond", 0, y, BOX_W, h, css, f"step-{step.id}")
            items = [Text(0, 0, body, FONT)]
        else:
            body = wrap(label, BOX_W - 2 * PAD, FONT)
            out = wrap(f"⇒ {step.output}", BOX_W - 2 * PAD, SMALL, max_lines=2) if step.output else []
            h = 2 * PAD + len(body) * FONT * LINE + len(out) * SMALL * LINE + (4 if out else 0)
            shape = Shape("rect", 0, y, BOX_W, max(h, 40.0), css, f"step-{step.id}")
            items = [Text(0, 0, body, FONT)]
            if out:
                items.append(Text(0, 0, out, SMALL, css="output"))
        nodes[step.id] = _Node(shape, step)
        text_of[step.id] = items
        y += shape.h + GAP
    end = _Node(Shape("terminal", 0, y, 150, 34, "terminal", "end"))
    nodes["end"] = end
    text_of["end"] = [Text(0, 0, [words["end"]], FONT, "middle", "bold")]
    height = y + 34 + 20

    # Arrows: straight down to the following box, otherwise in a side lane.
    order = ["start", *[s.id for s in steps], "end"]
    below = {order[i]: order[i + 1] for i in range(len(order) - 1)}
    straight: list[tuple[object, object, str]] = []
    side: list[tuple[object, object, str, str]] = []  # (from, to, branch, side)
    broken: list[tuple[object, str, str]] = []
    straight.append(("start", steps[0].id if steps else "end", ""))
    start.bottom_used = True
    for step in steps:
        node = nodes[step.id]
        for target, branch in successors(step, steps):
            if target is None and branch:
                where = "right" if not node.right_used else "left"
                node.right_used = node.right_used or where == "right"
                broken.append((step.id, branch, where))
                continue
            key = target.id if target is not None else "end"
            if below.get(step.id) == key and not node.bottom_used:
                node.bottom_used = True
                straight.append((step.id, key, branch))
            else:
                where = "right" if not node.right_used else "left"
                node.right_used = node.right_used or where == "right"
                side.append((step.id, key, branch, where))

    # Lanes on each side.
    spans = {"right": [], "left": []}
    for src, dst, _branch, where in side:
        a, b = nodes[src].shape.cy, nodes[dst].shape.cy
        spans[where].append((min(a, b), max(a, b)))
    lane_of = {w: _allocate_lanes(spans[w]) for w in spans}
    n_left = max(lane_of["left"], default=-1) + 1
    n_right = max(lane_of["right"], default=-1) + 1
    if broken:
        n_right = max(n_right, 2)

    box_x = RESP_W + 24 + n_left * LANE + (12 if n_left else 0)
    width = box_x + BOX_W + 24 + n_right * LANE + (12 if n_right else 0) + TIME_W

    layout = Layout(width=width, height=height, title=f"{process.code} — {process.title}")
    sep = words.get("decimal", ".")
    # Column headers and rules.
    flow_mid = (RESP_W + width - TIME_W) / 2
    layout.texts += [
        Text(RESP_W / 2, 22, [words["responsible"]], FONT, "middle", "bold", "header"),
        Text(flow_mid, 22, [words["flow"]], FONT, "middle", "bold", "header"),
        Text(width - TIME_W / 2, 22, [words["time"]], FONT, "middle", "bold", "header"),
    ]
    layout.paths += [
        Path([(0, HEADER_H), (width, HEADER_H)], arrow=False, css="grid"),
        Path([(RESP_W, 0), (RESP_W, height)], arrow=False, css="grid"),
        Path([(width - TIME_W, 0), (width - TIME_W, height)], arrow=False, css="grid"),
    ]

    for key, node in nodes.items():
        s = node.shape
        s.x = box_x + (BOX_W - s.w) / 2
        layout.shapes.append(s)
        items = text_of[key]
        total = sum(len(t.lines) * t.line_height for t in items) + (4 if len(items) > 1 else 0)
        ty = s.cy - total / 2
        for t in items:
            t.x = s.cx
            t.y = ty + t.size * 0.95
            ty += len(t.lines) * t.line_height + 4
            layout.texts.append(t)
        step = node.step
        if step is not None:
            resp = wrap(step.responsible or "—", RESP_W - 16, SMALL, max_lines=4)
            rh = len(resp) * SMALL * LINE
            layout.texts.append(
                Text(8, s.cy - rh / 2 + SMALL * 0.95, resp, SMALL, "start", css="responsible")
            )
            layout.texts.append(
                Text(
                    width - TIME_W / 2,
                    s.cy + SMALL * 0.4,
                    [f"{_days(step.days, sep)} {words['days']}"],
                    SMALL,
                )
            )
            layout.paths.append(Path([(0, s.y + s.h + GAP / 2), (width, s.y + s.h + GAP / 2)], False, "row"))

    def label(text: str, x: float, y: float, anchor: str = "start") -> None:
        layout.texts.append(Text(x, y, [text], SMALL, anchor, "bold", "branch"))

    for src, dst, branch in straight:
        a, b = nodes[src], nodes[dst]
        x0, y0 = a.exit("bottom")
        x1, y1 = b.entry("top")
        layout.paths.append(Path([(x0, y0), (x1, y1)]))
        if branch:
            label(words[branch], x0 + 6, y0 + 14)
    for (src, dst, branch, where), lane in zip(side, _lanes_in_order(side, lane_of), strict=True):
        a, b = nodes[src], nodes[dst]
        x0, y0 = a.exit(where)
        x1, y1 = b.entry(where)
        lx = box_x + BOX_W + 18 + lane * LANE if where == "right" else box_x - 18 - lane * LANE
        layout.paths.append(Path([(x0, y0), (lx, y0), (lx, y1), (x1, y1)]))
        # The branch word sits on the side of the horizontal stroke away from the lane's run.
        if branch and y1 < y0:
            anchor = "start" if where == "right" else "end"
            label(words[branch], x0 + (6 if where == "right" else -6), y0 + 15, anchor)
        elif branch:
            label(
                words[branch],
                x0 + (6 if where == "right" else -6),
                y0 - 5,
                "start" if where == "right" else "end",
            )
    for src, branch, where in broken:
        a = nodes[src]
        x0, y0 = a.exit(where)
        x1 = x0 + (30 if where == "right" else -30)
        layout.paths.append(Path([(x0, y0), (x1, y0)], css="broken"))
        label(
            words[branch],
            x0 + (6 if where == "right" else -6),
            y0 - 5,
            "start" if where == "right" else "end",
        )
        layout.texts.append(
            Text(x1 + (8 if where == "right" else -8), y0 + 5, ["?"], FONT, "middle", "bold", "broken")
        )
    return layout


def _lanes_in_order(side: list[tuple[object, object, str, str]], lane_of: dict[str, list[int]]) -> list[int]:
    counters = {"right": 0, "left": 0}
    result = []
    for *_rest, where in side:
        result.append(lane_of[where][counters[where]])
        counters[where] += 1
    return result


# --- the process interaction map ---------------------------------------------------------------

NODE_W = 230
COL_GAP = 140
ROW_GAP = 36


def interaction_map(
    processes: list[Process], links: list[ProcessLink], *, home_unit_id: int | None = None
) -> Layout:
    """Processes as boxes in layers (a process after those that feed it), links as labelled arrows.

    Each link joins the current versions of its two codes; processes of another unit than
    `home_unit_id` are drawn dashed.
    """
    by_code = {p.code: p for p in processes}
    edges: list[tuple[str, str, str]] = []
    for link in links:
        a, b = link.source.code, link.target.code
        if a in by_code and b in by_code and (a, b, link.label) not in edges:
            edges.append((a, b, link.label))
    codes = sorted(by_code)
    # Layers: longest path from a process nothing feeds, ignoring links that close a loop.
    outgoing: dict[str, list[str]] = {c: [] for c in codes}
    for a, b, _label in edges:
        outgoing[a].append(b)
    back: set[tuple[str, str]] = set()
    state: dict[str, int] = {}

    def visit(code: str) -> None:
        state[code] = 1
        for nxt in outgoing[code]:
            if state.get(nxt) == 1:
                back.add((code, nxt))
            elif nxt not in state:
                visit(nxt)
        state[code] = 2

    for code in codes:
        if code not in state:
            visit(code)
    layer = dict.fromkeys(codes, 0)
    for _round in range(len(codes)):
        changed = False
        for a, b, _label in edges:
            if (a, b) not in back and layer[b] < layer[a] + 1:
                layer[b] = layer[a] + 1
                changed = True
        if not changed:
            break
    columns: dict[int, list[str]] = {}
    for code in codes:
        columns.setdefault(layer[code], []).append(code)

    layout = Layout(width=0, height=0)
    nodes: dict[str, Shape] = {}
    heights = []
    for col, members in sorted(columns.items()):
        y = 20.0
        members.sort(key=lambda c: (by_code[c].unit_id != home_unit_id, by_code[c].unit.code, c))
        for code in members:
            p = by_code[code]
            title = wrap(p.title, NODE_W - 2 * PAD, SMALL, max_lines=4)
            h = 2 * PAD + FONT * LINE + len(title) * SMALL * LINE + SMALL * LINE
            external = home_unit_id is not None and p.unit_id != home_unit_id
            shape = Shape(
                "rect", 20 + col * (NODE_W + COL_GAP), y, NODE_W, h, "external" if external else "step", code
            )
            nodes[code] = shape
            layout.shapes.append(shape)
            ty = y + PAD + FONT * 0.95
            layout.texts.append(Text(shape.cx, ty, [code], FONT, "middle", "bold"))
            ty += FONT * LINE
            layout.texts.append(Text(shape.cx, ty, title, SMALL))
            ty += len(title) * SMALL * LINE
            layout.texts.append(Text(shape.cx, ty, [p.unit.code], SMALL, css="output"))
            y += h + ROW_GAP
        heights.append(y)
    bottom = max(heights, default=60.0)
    # Ports: the arrows leaving (right side) and entering (left side) a box are spread over its height.
    out_count: dict[str, int] = {}
    in_count: dict[str, int] = {}
    for a, b, _label in edges:
        out_count[a] = out_count.get(a, 0) + 1
        in_count[b] = in_count.get(b, 0) + 1
    out_seen: dict[str, int] = {}
    in_seen: dict[str, int] = {}

    def port(shape: Shape, code: str, count: dict[str, int], seen: dict[str, int]) -> float:
        n = seen.get(code, 0)
        seen[code] = n + 1
        return shape.y + shape.h * (n + 1) / (count[code] + 1)

    loops = 0
    for a, b, text in edges:
        s, t = nodes[a], nodes[b]
        p0 = (s.x + s.w, port(s, a, out_count, out_seen))
        p3 = (t.x, port(t, b, in_count, in_seen))
        if layer[b] == layer[a] + 1:
            # Next layer: a curve across the gap, its label in the middle of the gap.
            dx = (p3[0] - p0[0]) / 2
            layout.paths.append(Path([p0, (p0[0] + dx, p0[1]), (p3[0] - dx, p3[1]), p3], curve=True))
            mid = ((p0[0] + p3[0]) / 2, (p0[1] + p3[1]) / 2)
            width = COL_GAP - 40
        else:
            # Skipping a layer or going back: down the gaps and under every box.
            loops += 1
            depth = bottom + loops * 30
            out_x = p0[0] + 14 + 6 * loops
            in_x = p3[0] - 14 - 6 * loops
            layout.paths.append(Path([p0, (out_x, p0[1]), (out_x, depth), (in_x, depth), (in_x, p3[1]), p3]))
            mid = ((out_x + in_x) / 2, depth - 4)
            width = max(COL_GAP, abs(in_x - out_x) - 20)
        lines = wrap(text, width, SMALL, max_lines=4)
        top = mid[1] - (len(lines) - 1) * SMALL * LINE - 2 if layer[b] != layer[a] + 1 else mid[1]
        for i, line in enumerate(lines):
            layout.texts.append(Text(mid[0], top + i * SMALL * LINE, [line], SMALL, css="edge-label"))
    layout.width = 40 + (max(columns, default=0) + 1) * (NODE_W + COL_GAP) - COL_GAP
    layout.height = bottom + loops * 30 + 20
    return layout
