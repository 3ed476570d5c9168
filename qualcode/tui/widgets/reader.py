"""The transcript reader: turns with speakers, coded passages, coding stripes, a cursor.

The cursor is always a sentence; a selection is any ``[start, end)`` span grown from it
by words or sentences, or made with the mouse (drag, double-click a word, triple-click a
sentence). What gets coded is the selection, or the cursor's sentence when nothing is
selected. The margin shows one stripe per code covering the line, in the code's colour,
like the coding stripes of other QDA programs, and a bar beside every selected line.
The selection is drawn in the theme's foreground colour behind its text: no code's tint
(a code colour blended into the background) can look like it.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.color import Color
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from qualcode.core.pseudonyms import Renderer
from qualcode.services.workbench import OpenDocument, ShownCoding
from qualcode.tui.text_layout import TextLayout, lay_out

STRIPES = 4  # coding stripes in the margin; more codes on a line show as "+"
MARGIN = STRIPES + 1


@dataclass(frozen=True)
class Span:
    start: int
    end: int


def word_at(text: str, offset: int) -> Span:
    """The word holding ``offset`` (letters, digits, inner hyphens and apostrophes)."""
    if not text:
        return Span(0, 0)
    offset = min(max(offset, 0), len(text) - 1)
    if not _wordish(text[offset]):
        return Span(offset, offset + 1)
    start = end = offset
    while start > 0 and _wordish(text[start - 1]):
        start -= 1
    while end < len(text) and _wordish(text[end]):
        end += 1
    return Span(start, end)


def _wordish(character: str) -> bool:
    return character.isalnum() or character in "-'’"


class TranscriptReader(ScrollView, can_focus=True):
    """Shows one document; moves a sentence cursor and grows a selection."""

    ALLOW_SELECT = False  # the mouse makes coding selections here, not Textual's copy selection

    COMPONENT_CLASSES = {"reader--header", "reader--cursor", "reader--selection", "reader--margin"}
    BINDINGS = [
        Binding("down", "sentence(1)", "Next sentence", show=False),
        Binding("up", "sentence(-1)", "Previous sentence", show=False),
        Binding("ctrl+down", "turn(1)", "Next turn", show=False),
        Binding("ctrl+up", "turn(-1)", "Previous turn", show=False),
        Binding("alt+down", "paragraph(1)", "Next paragraph", show=False),
        Binding("alt+up", "paragraph(-1)", "Previous paragraph", show=False),
        Binding("home", "edge(0)", "First sentence", show=False),
        Binding("end", "edge(1)", "Last sentence", show=False),
        Binding("shift+right", "extend_word(1)", "Select word more", show=False),
        Binding("shift+left", "extend_word(-1)", "Select word less", show=False),
        Binding("shift+down", "extend_sentence(1)", "Select sentence more", show=False),
        Binding("shift+up", "extend_sentence(-1)", "Select sentence less", show=False),
        Binding("escape", "clear_selection", "Clear selection", show=False),
    ]

    class FindCode(Message):
        """The coder asked (right-click) for the code finder on the selection."""

    class CursorMoved(Message):
        """The cursor or the selection changed; ``span`` is what a code would cover."""

        def __init__(self, offset: int, span: Span) -> None:
            super().__init__()
            self.offset = offset
            self.span = span

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 - Textual's name
        super().__init__(id=id)
        self.document: OpenDocument | None = None
        self.layout_: TextLayout | None = None
        self.sentence = 0
        self.selection: Span | None = None
        self._sentence_starts: list[int] = []
        self._styles: dict[tuple[str, str], Style] = {}
        self._drawn: tuple[Span, Span | None] | None = None  # cursor and selection last drawn
        self._paint: tuple[Style, Style, Style, Style, Style] | None = None
        self._background = Color(0, 0, 0)
        self._drag_anchor: int | None = None
        self._dragged = False
        # Pseudonymised display: the stored text and its offsets stay as they are; each
        # replaced name is drawn as its replacement where the name begins.
        self.pseudonyms: Renderer | None = None
        self._masks: list[tuple[int, int, str]] = []

    # ------------------------------------------------------------------ content

    def show_pseudonyms(self, renderer: Renderer | None) -> None:
        """Draw names as their pseudonyms (a renderer) or as written (None)."""
        self.pseudonyms = renderer
        self._masks = renderer.spans(self.document.text) if renderer and self.document else []
        self.refresh()

    def shown(self, text: str) -> str:
        """``text`` as the screen shows it: pseudonymised when that is on."""
        return self.pseudonyms.render(text) if self.pseudonyms is not None else text

    def show(self, document: OpenDocument, *, offset: int | None = None) -> None:
        """Display ``document``, keeping the cursor at ``offset`` when given."""
        self.document = document
        self._masks = self.pseudonyms.spans(document.text) if self.pseudonyms is not None else []
        self._sentence_starts = [s.start for s in document.sentences]
        self.selection = None
        self._drawn = None
        self._relayout()
        self.move_to(offset if offset is not None else (self._sentence_starts or [0])[0])

    def refresh_codings(self, document: OpenDocument) -> None:
        """New codings for the same text: keep cursor, selection and scroll position."""
        selection, sentence = self.selection, self.sentence
        self.document = document
        self.sentence, self.selection = sentence, selection
        self.refresh()
        self._drawn = (self.cursor_span(), self.selection)
        self._announce()

    def _relayout(self) -> None:
        if self.document is None:
            return
        width = max(self.scrollable_content_region.width - MARGIN, 20) if self.size.width else 80
        self.layout_ = lay_out(self.document, width)
        self.virtual_size = Size(width + MARGIN, len(self.layout_.lines))
        self.refresh()

    def on_resize(self) -> None:
        if self.document is not None:
            self._relayout()
            self._scroll_to_cursor()

    # ------------------------------------------------------------------ queries

    @property
    def cursor_offset(self) -> int:
        if self.document is None or not self.document.sentences:
            return 0
        return self.document.sentences[self.sentence].start

    def cursor_span(self) -> Span:
        if self.document is None or not self.document.sentences:
            return Span(0, 0)
        s = self.document.sentences[self.sentence]
        return Span(s.start, s.end)

    def target_span(self) -> Span:
        """What a code applies to: the selection, else the cursor's sentence."""
        return self.selection or self.cursor_span()

    def sentences_in(self, span: Span) -> int:
        """How many sentences ``span`` touches (1 for the cursor's sentence)."""
        if self.document is None or not self._sentence_starts:
            return 0
        first = max(bisect_right(self._sentence_starts, span.start) - 1, 0)
        last = max(bisect_right(self._sentence_starts, max(span.end - 1, span.start)) - 1, 0)
        return last - first + 1

    def codings_at_cursor(self) -> list[ShownCoding]:
        if self.document is None:
            return []
        span = self.target_span()
        return [c for c in self.document.codings if c.start < span.end and span.start < c.end]

    # ------------------------------------------------------------------ moving

    def move_to(self, offset: int, end: int | None = None) -> None:
        """Put the cursor on the sentence holding ``offset``; select up to ``end`` if given."""
        if self.document is None or not self._sentence_starts:
            return
        self.sentence = max(bisect_right(self._sentence_starts, offset) - 1, 0)
        self.selection = Span(offset, end) if end is not None and end > offset else None
        self._moved()

    def action_sentence(self, step: int) -> None:
        if self.document is None or not self.document.sentences:
            return
        self.sentence = min(max(self.sentence + step, 0), len(self.document.sentences) - 1)
        self.selection = None
        self._moved()

    def _move_to_unit(self, starts: list[int], step: int) -> None:
        here = self.cursor_offset
        if step > 0:
            following = [s for s in starts if s > here]
            target = following[0] if following else None
        else:
            before = [s for s in starts if s < here]
            target = before[-1] if before else None
        if target is not None:
            self.move_to(target)

    def action_turn(self, step: int) -> None:
        if self.document is not None:
            self._move_to_unit([t.start for t in self.document.turns], step)

    def action_paragraph(self, step: int) -> None:
        if self.document is not None:
            self._move_to_unit([p.start for p in self.document.paragraphs], step)

    def action_edge(self, last: int) -> None:
        if self.document and self.document.sentences:
            self.sentence = len(self.document.sentences) - 1 if last else 0
            self.selection = None
            self._moved()

    def action_extend_word(self, step: int) -> None:
        if self.document is None:
            return
        text = self.document.text
        span = self.target_span()
        end = span.end
        if step > 0:
            position = end
            while position < len(text) and not text[position].isalnum():
                position += 1
            while position < len(text) and (text[position].isalnum() or text[position] in "-'"):
                position += 1
            end = position
        else:
            position = end - 1
            while position > span.start and not text[position - 1].isalnum():
                position -= 1
            while position > span.start and text[position - 1].isalnum():
                position -= 1
            end = max(position, span.start + 1)
            while end > span.start + 1 and text[end - 1] == " ":
                end -= 1
        self.selection = Span(span.start, end)
        self._moved()

    def action_extend_sentence(self, step: int) -> None:
        if self.document is None or not self.document.sentences:
            return
        sentences = self.document.sentences
        span = self.target_span()
        if step > 0:
            following = [s for s in sentences if s.end > span.end]
            end = following[0].end if following else span.end
        else:
            earlier = [s for s in sentences if span.start < s.end < span.end]
            end = earlier[-1].end if earlier else span.end
        self.selection = Span(span.start, end)
        self._moved()

    def action_clear_selection(self) -> None:
        if self.selection is not None:
            self.selection = None
            self._moved()

    def _moved(self) -> None:
        """Redraw what changed: only the lines of the old and new cursor and selection,
        unless the view scrolled (then everything)."""
        top = self.scroll_offset.y
        self._scroll_to_cursor()
        now = (self.cursor_span(), self.selection)
        if self._drawn is None or self.layout_ is None or self.scroll_offset.y != top:
            self.refresh()
        else:
            for span in (*self._drawn, *now):
                if span is not None:
                    lines = self.layout_.lines_between(span.start, span.end)
                    self.refresh(Region(0, lines.start - int(top), self.size.width, len(lines)))
        self._drawn = now
        self._announce()

    def _announce(self) -> None:
        self.post_message(self.CursorMoved(self.cursor_offset, self.target_span()))

    def _scroll_to_cursor(self) -> None:
        if self.layout_ is None:
            return
        span = self.target_span()
        line = self.layout_.line_of(span.end - 1 if self.selection else span.start)
        height = max(self.scrollable_content_region.height, 1)
        top = int(self.scroll_offset.y)
        if line < top + 1:
            self.scroll_to(y=max(line - 2, 0), animate=False)
        elif line >= top + height - 1:
            self.scroll_to(y=line - height + 3, animate=False)

    # ------------------------------------------------------------------ mouse

    def offset_at(self, x: int, y: int, *, nearest: bool = False) -> int | None:
        """The document offset under widget cell (x, y), if it is on text.

        With ``nearest`` (a drag), a cell off the text gives the closest offset: a blank
        line the end of its turn, a header its turn's start, past the end the last line.
        """
        if self.layout_ is None or not self.layout_.lines:
            return None
        index = y + int(self.scroll_offset.y)
        if nearest:
            index = min(max(index, 0), len(self.layout_.lines) - 1)
        if not 0 <= index < len(self.layout_.lines):
            return None
        line = self.layout_.lines[index]
        if line.kind != "text":
            return line.start if line.kind == "header" or nearest else None
        if nearest and x - MARGIN >= line.end - line.start:
            return line.end
        return min(line.start + max(x - MARGIN, 0), max(line.end - 1, line.start))

    def on_mouse_down(self, event: events.MouseDown) -> None:
        """Button 1 starts a drag selection; button 3 asks for the code finder."""
        offset = self.offset_at(event.x, event.y)
        if offset is None or self.document is None:
            return
        self.focus()
        if event.button == 3:
            span = self.selection
            if span is None or not span.start <= offset < span.end:
                self.move_to(offset)
            self.post_message(self.FindCode())
            return
        if event.button == 1 and not event.shift:
            self._drag_anchor = offset
            self._dragged = False
            self.capture_mouse()

    def on_mouse_move(self, event: events.MouseMove) -> None:
        if self._drag_anchor is None or self.document is None:
            return
        if event.y < 0:
            self.scroll_relative(y=-1, animate=False)
        elif event.y >= self.scrollable_content_region.height:
            self.scroll_relative(y=1, animate=False)
        offset = self.offset_at(event.x, event.y, nearest=True)
        if offset is None or (not self._dragged and offset == self._drag_anchor):
            return
        self._dragged = True
        low, high = sorted((self._drag_anchor, offset))
        self.select(low, high + 1)  # both the character pressed on and the one under the mouse

    def on_mouse_up(self, event: events.MouseUp) -> None:
        if self._drag_anchor is not None:
            self._drag_anchor = None
            self.capture_mouse(False)

    def select(self, start: int, end: int) -> None:
        """Select ``[start, end)`` widened to whole words; the cursor goes to its sentence."""
        if self.document is None:
            return
        text = self.document.text
        start = word_at(text, start).start
        last = word_at(text, max(end - 1, start))
        end = max(last.end, start + 1)
        while end > start + 1 and text[end - 1].isspace():
            end -= 1
        while start < end - 1 and text[start].isspace():
            start += 1
        self.sentence = max(bisect_right(self._sentence_starts, start) - 1, 0)
        self.selection = Span(start, end)
        self._moved()

    def on_click(self, event: events.Click) -> None:
        """A click puts the cursor on the sentence clicked, a double-click selects the word,
        a triple-click the sentence; shift+click selects up to the character clicked."""
        if event.button != 1:
            return
        offset = self.offset_at(event.x, event.y)
        if offset is None or self.document is None:
            return
        self.focus()
        if self._dragged:
            self._dragged = False
            return
        if event.shift:
            start = self.target_span().start
            if offset + 1 > start:
                self.selection = Span(start, offset + 1)
                self._moved()
            return
        if event.chain == 2:
            word = word_at(self.document.text, offset)
            self.select(word.start, word.end)
        elif event.chain >= 3:
            self.move_to(offset)
            sentence = self.cursor_span()
            self.selection = Span(sentence.start, sentence.end)
            self._moved()
        else:
            self.move_to(offset)

    # ------------------------------------------------------------------ drawing

    def _tint(self, colour: str) -> Style:
        self._paint_styles()
        background = self._background
        key = (colour, background.hex)
        if key not in self._styles:
            mixed = background.blend(Color.parse(colour), 0.45)
            self._styles[key] = Style(bgcolor=mixed.rich_color, color=mixed.get_contrast_text(0.9).rich_color)
        return self._styles[key]

    def _stripe(self, colour: str) -> Style:
        return Style(color=Color.parse(colour).rich_color, bold=True)

    def render_lines(self, crop: Region) -> list[Strip]:
        self._paint = None  # styles are looked up once per paint, not once per line
        return super().render_lines(crop)

    def _paint_styles(self) -> tuple[Style, Style, Style, Style, Style]:
        """Base, header, cursor, selection and margin styles of the current paint."""
        if self._paint is None:
            self._background = self.background_colors[1]
            self._paint = (self.rich_style, *(self.get_component_rich_style(f"reader--{part}") for part in
                                              ("header", "cursor", "selection", "margin")))
        return self._paint

    def render_line(self, y: int) -> Strip:
        scroll_y = int(self.scroll_offset.y)
        index = y + scroll_y
        width = self.scrollable_content_region.width
        if self.layout_ is None or self.document is None or index >= len(self.layout_.lines):
            return Strip.blank(width, self.rich_style)
        line = self.layout_.lines[index]
        base, header, _, _, _ = self._paint_styles()
        if line.kind == "header":
            return Strip([Segment(" " * MARGIN, base), Segment(self.shown(line.text), base + header)]
                         ).crop_extend(0, width, base)
        if line.kind == "blank":
            return Strip.blank(width, base)
        covering = [c for c in self.document.codings if c.start < line.end and line.start < c.end]
        selected = self.selection is not None and self.selection.start < line.end and line.start < self.selection.end
        segments = [*self._margin(covering, base, selected), *self._text(line.start, line.end, covering, base)]
        return Strip(segments).crop_extend(0, width, base)

    def _margin(self, covering: list[ShownCoding], base: Style, selected: bool = False) -> list[Segment]:
        colours = list(dict.fromkeys(c.colour for c in covering))
        margin_style = base + self._paint_styles()[4]
        cells = [Segment("▌", base + self._stripe(colour)) for colour in colours[:STRIPES]]
        if len(colours) > STRIPES:
            cells[-1] = Segment("+", margin_style)
        cells += [Segment(" ", margin_style)] * (STRIPES - len(cells))
        bar = Segment("┃", base + Style(color=self._paint_styles()[3].bgcolor, bold=True)) if selected \
            else Segment(" ", base)
        return [*cells, bar]

    def _text(self, start: int, end: int, covering: list[ShownCoding], base: Style) -> list[Segment]:
        assert self.document is not None
        text = self.document.text
        cursor = self.cursor_span()
        selection = self.selection
        cuts = {start, end}
        for c in covering:
            cuts.update((max(c.start, start), min(c.end, end)))
        for span in (cursor, selection):
            if span is not None:
                cuts.update((min(max(span.start, start), end), min(max(span.end, start), end)))
        masks = self._masks_between(start, end)
        for mask_start, mask_end, _ in masks:
            cuts.update((max(mask_start, start), min(mask_end, end)))
        points = sorted(cuts)
        _, _, cursor_style, selection_style, _ = self._paint_styles()
        segments = []
        for left, right in zip(points, points[1:], strict=False):
            if left >= right:
                continue
            style = base
            inside = [c for c in covering if c.start <= left and right <= c.end]
            if inside:
                innermost = min(inside, key=lambda c: c.end - c.start)
                style = style + self._tint(innermost.colour)
            if cursor.start <= left and right <= cursor.end:
                style = style + cursor_style
            if selection is not None and selection.start <= left and right <= selection.end:
                style = style + selection_style
            shown = text[left:right]
            for mask_start, mask_end, replacement in masks:
                if mask_start <= left and right <= mask_end:  # part of a name: its pseudonym, drawn once
                    shown = replacement if left == max(mask_start, start) else ""
                    break
            if shown:
                segments.append(Segment(shown, style))
        return segments

    def _masks_between(self, start: int, end: int) -> list[tuple[int, int, str]]:
        """The replaced names that reach into ``[start, end)``."""
        found: list[tuple[int, int, str]] = []
        if not self._masks:
            return found
        for mask in self._masks[max(bisect_right(self._masks, (start,)) - 1, 0):]:
            if mask[0] >= end:
                break
            if mask[1] > start:
                found.append(mask)
        return found
