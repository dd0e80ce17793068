"""The network diagram's text: feature names left of the inputs, class or target names right of the
outputs, and a caption under every layer — fitted to the view's size in pixels.

Text keeps its size in pixels while the diagram scales, so the layout is computed in pixels for
the current view size (again after every resize):
- layer captions come first: neighbouring captions never overlap; when the layers are too close
  for "hidden 1 / 8 neurons", captions get shorter ("hidden 1 / 8", then "h1 / 8");
- the names get the margins left and right, sized from their widths (at most MAX_NAME_SHARE of
  the width each), and are elided ("sepal len…") to what fits; hovering shows the full name;
- where neurons are closer than a line of text, only every k-th name is shown.
"""

import math

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetricsF, QTextOption

NODE_RADIUS = 6          # px (the nodes are 11 px wide)
NAME_GAP = 5             # px between a neuron and its name
CAPTION_GAP = 8          # px between neighbouring captions
EDGE = 3                 # px kept free at the view's edges
MIN_LAYER_SPACING = 40   # px between layers, whatever the captions, so the connections stay visible
MIN_NAME_WIDTH = 64      # px of name (about ten characters) before captions may use a longer form
MAX_NAME_SHARE = 0.3     # the names of one side take at most this share of the width
NODES_HALF_HEIGHT = 0.85  # the neurons lie between y = ±0.85 (diagram units)
TEXT_COLOR = "#333333"


def caption_forms(l, n_layers, n, n_shown):
    """The texts layer ``l`` (of ``n``, ``n_shown`` drawn) can be captioned with, longest first."""
    title = "input" if l == 0 else "output" if l == n_layers - 1 else f"hidden {l}"
    short = "in" if l == 0 else "out" if l == n_layers - 1 else f"h{l}"
    shown = f"\n({n_shown} shown)" if n_shown < n else ""
    return (f"{title}\n{n} neuron{'s' if n > 1 else ''}{shown}", f"{title}\n{n}{shown}",
            f"{short}\n{n}" + (f"\n({n_shown})" if n_shown < n else ""))


def _text_item(text, anchor, tip):
    item = pg.TextItem(text, color=TEXT_COLOR, anchor=anchor)
    item.textItem.document().setDocumentMargin(1)   # the default 4 px margin would be wasted room
    item.setToolTip(tip)
    item.textItem.setToolTip(tip)    # the child item is what the mouse is over
    return item


class DiagramLabels:
    """Owns the text items of one diagram; ``fit(width, height)`` places them and returns the view's
    (x range, y range) in diagram units, where layer l is at x = l and the neurons at |y| ≤ 0.85."""

    def __init__(self, plot_item, sizes, shown, ys, input_names=(), output_names=()):
        n_layers = len(sizes)
        self.forms = [caption_forms(l, n_layers, n, len(shown[l])) for l, n in enumerate(sizes)]
        self.captions = []
        for l, forms in enumerate(self.forms):
            caption = _text_item("", (0.5, 0), forms[0].replace("\n", " "))
            caption.textItem.document().setDefaultTextOption(QTextOption(Qt.AlignmentFlag.AlignHCenter))
            self.captions.append(caption)
        self.names = []    # per side: (layer, anchor, [(item, full name, y)])
        for names, l, anchor in ((input_names, 0, (1, 0.5)), (output_names, n_layers - 1, (0, 0.5))):
            if names and len(names) == sizes[l]:
                shown_names = [str(names[i]) for i in shown[l]]
                self.names.append((l, anchor, [(_text_item(name, anchor, name), name, y)
                                               for name, y in zip(shown_names, ys[l])]))
        self.metrics = QFontMetricsF(self.captions[0].textItem.font())
        for item in self.items():
            plot_item.addItem(item)

    def items(self):
        return self.captions + [item for _, _, labels in self.names for item, _, _ in labels]

    def fit(self, width, height):
        forms, left, right, spacing = self._horizontal_layout(width)
        for caption, text in zip(self.captions, forms):
            if caption.toPlainText() != text:
                caption.setText(text)
                caption.textItem.setTextWidth(self._width(text))   # lines centre within this width
                caption.updateTextPos()
        y_scale, caption_top = self._vertical_layout(height)
        for l, caption in enumerate(self.captions):
            caption.setPos(l, -NODES_HALF_HEIGHT - caption_top / y_scale)
        self._place_names(left, right, spacing, y_scale)
        n = len(self.captions)
        bottom = (caption_top + self._caption_height() + EDGE) / y_scale
        top = (NODE_RADIUS + EDGE) / y_scale
        return (-left / spacing, n - 1 + right / spacing), (-NODES_HALF_HEIGHT - bottom, NODES_HALF_HEIGHT + top)

    # --- horizontal -----------------------------------------------------------------------------

    def _width(self, text):
        return max(self.metrics.horizontalAdvance(line) for line in text.split("\n")) + 2   # + the 1 px margins

    def _name_need(self, side):
        """Margin (px) that shows this side's names in full."""
        widths = [self._width(name) for name in self._side_names(side)]
        return NODE_RADIUS + EDGE + (NAME_GAP + max(widths) if widths else 0)

    def _side_names(self, side):
        layer = 0 if side == 0 else len(self.captions) - 1
        return [name for l, _, labels in self.names if l == layer for _, name, _ in labels]

    def _horizontal_layout(self, width):
        """(caption texts, left margin, right margin, px between layers): the longest captions that
        leave the names MIN_NAME_WIDTH (or what they need, if less); else the shortest (where the loop ends)."""
        n = len(self.captions)
        for choice in range(3):
            texts = [forms[choice] for forms in self.forms]
            widths = [self._width(t) for t in texts]
            spacing = max([MIN_LAYER_SPACING] + [(a + b) / 2 + CAPTION_GAP for a, b in zip(widths, widths[1:])])
            floors = (widths[0] / 2 + EDGE, widths[-1] / 2 + EDGE)   # the outer captions stay inside
            wanted = [max(floor, min(self._name_need(side), MAX_NAME_SHARE * width))
                      for side, floor in enumerate(floors)]
            room = width - (n - 1) * spacing
            margins = _shrink(wanted, floors, room)
            least = NODE_RADIUS + EDGE + NAME_GAP + MIN_NAME_WIDTH
            names_fit = all(m >= min(w, least) for m, w in zip(margins, wanted))
            if names_fit and sum(floors) <= room:
                break
        spacing = (width - sum(margins)) / (n - 1)
        return texts, margins[0], margins[1], spacing

    def _place_names(self, left, right, spacing, y_scale):
        """Elide each side's names to its margin, and show every k-th where neurons are closer than a line."""
        line = self.metrics.height() + 2
        for l, anchor, labels in self.names:
            room = (left if l == 0 else right) - NODE_RADIUS - NAME_GAP - EDGE - 2
            offset = (NODE_RADIUS + NAME_GAP) / spacing
            x = l - offset if l == 0 else l + offset
            step = abs(labels[0][2] - labels[1][2]) * y_scale if len(labels) > 1 else line
            every = math.ceil(line / max(step, 1e-9))
            for i, (item, name, y) in enumerate(labels):
                text = self.metrics.elidedText(name, Qt.TextElideMode.ElideRight, max(room, 0) + 0.5)
                item.setText(text)
                item.setPos(x, y)
                item.setVisible(i % every == 0 and text not in ("", "…"))

    # --- vertical ---------------------------------------------------------------------------------

    def _caption_height(self):
        return max(c.textItem.boundingRect().height() for c in self.captions)

    def _vertical_layout(self, height):
        """(px per diagram unit vertically, px from the lowest neurons down to the captions)."""
        caption_top = max(NODE_RADIUS, (self.metrics.height() + 2) / 2) + 2   # below the lowest name, too
        nodes = height - caption_top - self._caption_height() - NODE_RADIUS - 2 * EDGE
        return max(nodes, 10.0) / (2 * NODES_HALF_HEIGHT), caption_top


def _shrink(wanted, floors, room):
    """Margins as ``wanted``, their parts above ``floors`` shrunk in proportion to fit ``room``."""
    if sum(wanted) <= room:
        return list(wanted)
    extra = [w - f for w, f in zip(wanted, floors)]
    ratio = max(room - sum(floors), 0.0) / sum(extra) if sum(extra) > 0 else 0.0
    return [f + e * ratio for f, e in zip(floors, extra)]
