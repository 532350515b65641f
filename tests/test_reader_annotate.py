"""Pilot tests of the reader side of keyboard annotation: sentence/word focus, selection by keys
and mouse, highlight drawing (kinds, glyphs, overlaps) and highlight navigation."""

from __future__ import annotations

from rich.style import Style
from textual.app import App, ComposeResult
from textual.binding import Binding

from tuireader.core.document import parse_markdown
from tuireader.core.layout import DocumentLayout
from tuireader.core.model import KINDS
from tuireader.widgets.reader import ReaderView
from tuireader.widgets.reader.overlays import Overlays
from tuireader.widgets.reader.render import offset_at_column, text_margin

MARKDOWN = "\n\n".join(
    [
        "# Title",
        "First one. Second one here. Third of three.",
        "Fourth sentence. Fifth one!",
        "Sixth alone.",
    ]
    + [f"Filler paragraph {i}. It has two sentences." for i in range(60)]
)


class AnnotateApp(App[None]):
    """A ReaderView and an app-level escape binding, to see what the reader lets through."""

    BINDINGS = [Binding("escape", "app_escape", "Escape")]

    def __init__(self, markdown: str = MARKDOWN) -> None:
        super().__init__()
        self.markdown = markdown
        self.messages: list[object] = []
        self.escapes = 0

    def compose(self) -> ComposeResult:
        yield ReaderView(id="reader")

    def on_mount(self) -> None:
        reader = self.query_one(ReaderView)
        reader.load(parse_markdown(self.markdown))
        reader.focus()

    def action_app_escape(self) -> None:
        self.escapes += 1

    def on_reader_view_focus_range_changed(self, message: ReaderView.FocusRangeChanged) -> None:
        self.messages.append(message)

    def on_reader_view_selection_changed(self, message: ReaderView.SelectionChanged) -> None:
        self.messages.append(message)


def focused_text(reader: ReaderView) -> str:
    start, end = reader.focus_range
    return reader.document.plain_text[start:end]


def selected_text(reader: ReaderView) -> str | None:
    if reader.selection is None:
        return None
    start, end = reader.selection
    return reader.document.plain_text[start:end]


def cell_of(reader: ReaderView, offset: int) -> tuple[int, int]:
    """Content (x, y) where plain-text ``offset`` is drawn (plain paragraphs, ASCII text)."""
    layout = reader.text_layout
    row = layout.line_at_offset(offset)
    line = layout.lines[row]
    margin = text_margin(reader.scrollable_content_region.width, layout.width)
    return margin + offset - line.start, row - round(reader.scroll_y)


def cells(reader: ReaderView, y: int) -> list[tuple[str, Style]]:
    """One (character, style) per cell of view row ``y``."""
    out: list[tuple[str, Style]] = []
    for segment in reader.render_line(y):
        out.extend((char, segment.style or Style()) for char in segment.text)
    return out


def bg(reader: ReaderView, component: str) -> object:
    """The background ``component`` is painted with on a plain line (blended with the view's)."""
    return reader.painted_style(component).bgcolor


async def test_sentence_motion_within_and_across_blocks() -> None:
    app = AnnotateApp()
    async with app.run_test(size=(100, 30)) as pilot:
        reader = app.query_one(ReaderView)
        assert reader.focus_unit == "block"
        await pilot.press("right_parenthesis")  # enters the focused block: its first sentence
        assert (reader.focus_unit, focused_text(reader)) == ("sentence", "Title")
        seen = []
        for _ in range(5):
            await pilot.press("right_parenthesis")
            seen.append(focused_text(reader))
        assert seen == [
            "First one.",
            "Second one here.",
            "Third of three.",
            "Fourth sentence.",  # crossed into the next block
            "Fifth one!",
        ]
        assert reader.focus_block == 2
        await pilot.press("left_parenthesis", "left_parenthesis")
        assert focused_text(reader) == "Third of three."
        assert reader.focus_block == 1
        await pilot.pause()
        changes = [m for m in app.messages if isinstance(m, ReaderView.FocusRangeChanged)]
        assert changes[-1].unit == "sentence"
        assert (changes[-1].start, changes[-1].end) == reader.focus_range


async def test_previous_sentence_from_a_block_is_its_last() -> None:
    app = AnnotateApp()
    async with app.run_test(size=(100, 30)) as pilot:
        reader = app.query_one(ReaderView)
        await pilot.press("j", "left_parenthesis")
        assert focused_text(reader) == "Third of three."


async def test_word_motion_and_back_to_blocks() -> None:
    app = AnnotateApp()
    async with app.run_test(size=(100, 30)) as pilot:
        reader = app.query_one(ReaderView)
        await pilot.press("j", "w")
        assert (reader.focus_unit, focused_text(reader)) == ("word", "First")
        await pilot.press("w", "w")
        assert focused_text(reader) == "Second"
        await pilot.press("e")
        assert focused_text(reader) == "one"
        # Across a block boundary, both ways.
        for _ in range(6):
            await pilot.press("w")
        assert focused_text(reader) == "three"
        await pilot.press("w")
        assert (reader.focus_block, focused_text(reader)) == (2, "Fourth")
        await pilot.press("e")
        assert (reader.focus_block, focused_text(reader)) == (1, "three")
        # From a word, "(" goes to the start of its sentence (as in Vim).
        await pilot.press("left_parenthesis")
        assert focused_text(reader) == "Third of three."
        # From a sentence, "w" enters it.
        await pilot.press("w")
        assert focused_text(reader) == "Third"
        # j / k go back to blocks.
        await pilot.press("j")
        assert reader.focus_unit == "block"
        assert reader.focus_block == 2
        assert focused_text(reader) == "Fourth sentence. Fifth one!"
        await pilot.press("w", "k")
        assert (reader.focus_unit, reader.focus_block) == ("block", 1)


async def test_focus_unit_is_drawn_on_exactly_its_span() -> None:
    app = AnnotateApp()
    async with app.run_test(size=(100, 30)) as pilot:
        reader = app.query_one(ReaderView)
        await pilot.press("j", "right_parenthesis", "right_parenthesis")
        start, end = reader.focus_range
        assert focused_text(reader) == "Second one here."
        x0, y = cell_of(reader, start)
        row = cells(reader, y)
        underlined = [i for i, (_, style) in enumerate(row) if style.underline]
        assert underlined == list(range(x0, x0 + end - start))
        # The block keeps its margin bar.
        margin = text_margin(reader.scrollable_content_region.width, reader.text_layout.width)
        assert row[margin - 2][0] == "▎"


async def test_selection_extends_forwards_and_backwards() -> None:
    app = AnnotateApp()
    async with app.run_test(size=(100, 30)) as pilot:
        reader = app.query_one(ReaderView)
        await pilot.press("j", "right_parenthesis", "right_parenthesis")  # "Second one here."
        await pilot.press("v")
        assert selected_text(reader) == "Second one here."
        await pilot.press("right_parenthesis")
        assert selected_text(reader) == "Second one here. Third of three."
        await pilot.press("left_parenthesis", "left_parenthesis")
        assert focused_text(reader) == "First one."
        assert selected_text(reader) == "First one. Second one here."
        await pilot.press("w")  # words extend too
        assert selected_text(reader) == "First one. Second one here."
        await pilot.press("j")  # and paragraphs: into the next block
        assert selected_text(reader) == (
            "Second one here. Third of three.\n\nFourth sentence. Fifth one!"
        )
        assert reader.annotation_range() == reader.selection
        await pilot.pause()
        assert any(isinstance(m, ReaderView.SelectionChanged) for m in app.messages)


async def test_escape_cancels_only_while_selecting() -> None:
    app = AnnotateApp()
    async with app.run_test(size=(100, 30)) as pilot:
        reader = app.query_one(ReaderView)
        await pilot.press("escape")
        assert app.escapes == 1  # not consumed by the reader
        await pilot.press("j", "v", "right_parenthesis")
        assert reader.selection is not None
        await pilot.press("escape")
        assert reader.selection is None and not reader.selecting
        assert app.escapes == 1
        # After cancelling, motions no longer select.
        await pilot.press("right_parenthesis")
        assert reader.selection is None
        await pilot.press("escape")
        assert app.escapes == 2
        # v twice drops the selection too.
        await pilot.press("v", "v")
        assert reader.selection is None
        await pilot.pause()
        last = [m for m in app.messages if isinstance(m, ReaderView.SelectionChanged)][-1]
        assert last.selection is None


async def test_annotation_range_and_clear_selection() -> None:
    app = AnnotateApp()
    async with app.run_test(size=(100, 30)) as pilot:
        reader = app.query_one(ReaderView)
        await pilot.press("j")
        block = reader.document.blocks[1]
        assert reader.annotation_range() == (block.start, block.end)
        await pilot.press("right_parenthesis")
        assert reader.annotation_range() == reader.focus_range
        await pilot.press("v", "right_parenthesis")
        assert reader.annotation_range() == reader.selection != reader.focus_range
        reader.clear_selection()
        assert reader.selection is None
        assert reader.annotation_range() == reader.focus_range
        await pilot.press("right_parenthesis")
        assert reader.selection is None  # clear_selection also stopped extending


async def test_mouse_drag_selects_the_text_under_the_pointer() -> None:
    app = AnnotateApp()
    async with app.run_test(size=(100, 30)) as pilot:
        reader = app.query_one(ReaderView)
        text = reader.document.plain_text
        begin = text.index("one here")
        finish = text.index("Fifth") + len("Fifth")  # in the next block
        await pilot.mouse_down(reader, offset=cell_of(reader, begin))
        middle = text.index("Third")
        await pilot.hover(reader, offset=cell_of(reader, middle))
        assert selected_text(reader) == "one here."
        await pilot.hover(reader, offset=cell_of(reader, finish))
        await pilot.mouse_up(reader, offset=cell_of(reader, finish))
        assert selected_text(reader) == "one here. Third of three.\n\nFourth sentence. Fifth"
        assert reader.annotation_range() == (begin, finish)
        # Dragging backwards selects the same way.
        await pilot.mouse_down(reader, offset=cell_of(reader, finish))
        await pilot.hover(reader, offset=cell_of(reader, begin))
        await pilot.mouse_up(reader, offset=cell_of(reader, begin))
        assert reader.selection == (begin, finish)
        # Textual's own screen selection stayed out of it.
        assert not app.screen.selections


async def test_mouse_drag_snaps_to_whole_words() -> None:
    """A drag that starts or ends inside a word takes the whole word, as the keys' units do
    (a saved quote began "ccounts of")."""
    app = AnnotateApp()
    async with app.run_test(size=(100, 30)) as pilot:
        reader = app.query_one(ReaderView)
        text = reader.document.plain_text
        inside_one = text.index("one here") + 1  # the "n" of "one"
        inside_fifth = text.index("Fifth") + 3  # between "Fif" and "th"
        await pilot.mouse_down(reader, offset=cell_of(reader, inside_one))
        await pilot.hover(reader, offset=cell_of(reader, inside_fifth))
        await pilot.mouse_up(reader, offset=cell_of(reader, inside_fifth))
        assert selected_text(reader) == "one here. Third of three.\n\nFourth sentence. Fifth"
        # Backwards, and within one word.
        inside_third = text.index("Third") + 2
        await pilot.mouse_down(reader, offset=cell_of(reader, inside_third))
        await pilot.hover(reader, offset=cell_of(reader, inside_one))
        await pilot.mouse_up(reader, offset=cell_of(reader, inside_one))
        assert selected_text(reader) == "one here. Third"
        await pilot.mouse_down(reader, offset=cell_of(reader, inside_third))
        await pilot.hover(reader, offset=cell_of(reader, inside_third + 1))
        await pilot.mouse_up(reader, offset=cell_of(reader, inside_third + 1))
        assert selected_text(reader) == "Third"
        assert reader.annotation_range() == reader.selection


async def test_mouse_drag_on_a_scrolled_view() -> None:
    app = AnnotateApp()
    async with app.run_test(size=(100, 20)) as pilot:
        reader = app.query_one(ReaderView)
        await pilot.press("pagedown")
        assert reader.scroll_y > 0
        text = reader.document.plain_text
        begin = reader.position
        begin = text.index("It has", begin)
        finish = begin + len("It has two")
        await pilot.mouse_down(reader, offset=cell_of(reader, begin))
        await pilot.hover(reader, offset=cell_of(reader, finish))
        await pilot.mouse_up(reader, offset=cell_of(reader, finish))
        assert selected_text(reader) == "It has two"


async def test_click_moves_focus_and_clears_selection() -> None:
    app = AnnotateApp()
    async with app.run_test(size=(100, 30)) as pilot:
        reader = app.query_one(ReaderView)
        await pilot.press("j", "v", "j")
        assert reader.selection is not None
        target = reader.document.blocks[5]
        await pilot.click(reader, offset=cell_of(reader, target.start + 3))
        assert reader.selection is None and not reader.selecting
        assert (reader.focus_block, reader.focus_unit) == (5, "block")


async def test_highlights_draw_kind_styles_and_margin_glyphs() -> None:
    app = AnnotateApp()
    async with app.run_test(size=(100, 30)) as pilot:
        reader = app.query_one(ReaderView)
        text = reader.document.plain_text
        start = text.index("Second")
        end = start + len("Second one")
        reader.set_highlights([(start, end, 2)])
        await pilot.pause()
        x0, y = cell_of(reader, start)
        row = cells(reader, y)
        green = bg(reader, "reader--highlight-2")
        tinted = [i for i, (_, style) in enumerate(row) if style.bgcolor == green]
        assert tinted == list(range(x0, x0 + end - start))
        margin = text_margin(reader.scrollable_content_region.width, reader.text_layout.width)
        assert row[margin - 3][0] == KINDS[2][1] == "▲"
        assert row[margin - 2][0] == " "  # focus is on the title, not here
        # Lines without a highlight have no glyph.
        other = cells(reader, cell_of(reader, reader.document.blocks[3].start)[1])
        assert other[margin - 3][0] == " "
        # The focus bar and the glyph share the gutter.
        await pilot.press("j")
        row = cells(reader, y)
        assert (row[margin - 3][0], row[margin - 2][0]) == ("▲", "▎")


async def test_multi_line_highlight_marks_every_line() -> None:
    long = "Word " * 60 + "end."
    app = AnnotateApp("Intro.\n\n" + long)
    async with app.run_test(size=(60, 20)) as pilot:
        reader = app.query_one(ReaderView)
        block = reader.document.blocks[1]
        reader.set_highlights([(block.start, block.end, 5)])
        await pilot.pause()
        first, end = reader.text_layout.block_lines(1)
        assert end - first > 2
        margin = text_margin(reader.scrollable_content_region.width, reader.text_layout.width)
        glyphs = [cells(reader, row)[margin - 3][0] for row in range(first, end)]
        assert glyphs == ["★"] * (end - first)
        assert cells(reader, first - 1)[margin - 3][0] == " "  # the blank separator line


async def test_overlapping_highlights_shortest_wins() -> None:
    app = AnnotateApp()
    async with app.run_test(size=(100, 30)) as pilot:
        reader = app.query_one(ReaderView)
        block = reader.document.blocks[1]
        text = reader.document.plain_text
        inner = text.index("one here")
        inner_end = inner + len("one here")
        reader.set_highlights([(inner, inner_end, 3), (block.start, block.end, 1)])
        await pilot.pause()
        x0, y = cell_of(reader, block.start)
        row = cells(reader, y)
        yellow, blue = bg(reader, "reader--highlight-1"), bg(reader, "reader--highlight-3")
        for offset in range(block.start, block.end):
            expected = blue if inner <= offset < inner_end else yellow
            assert row[x0 + offset - block.start][1].bgcolor == expected, offset
        margin = text_margin(reader.scrollable_content_region.width, reader.text_layout.width)
        assert row[margin - 3][0] == "●"  # the first highlight starting on the line


async def test_selection_is_drawn_over_highlights() -> None:
    app = AnnotateApp()
    async with app.run_test(size=(100, 30)) as pilot:
        reader = app.query_one(ReaderView)
        block = reader.document.blocks[1]
        reader.set_highlights([(block.start, block.end, 4)])
        await pilot.press("j", "w", "v")
        x0, y = cell_of(reader, block.start)
        row = cells(reader, y)
        selection = bg(reader, "reader--selection")
        assert row[x0][1].bgcolor == selection
        assert row[x0 + len("First ")][1].bgcolor == bg(reader, "reader--highlight-4")


async def test_bracket_keys_visit_highlights() -> None:
    app = AnnotateApp()
    async with app.run_test(size=(100, 20)) as pilot:
        reader = app.query_one(ReaderView)
        text = reader.document.plain_text
        first = text.index("Fifth")
        far = text.index("Filler paragraph 50")
        ranges = [(far, far + 16, 3), (first, first + 5, 2), (first, first + 10, 1)]
        reader.set_highlights(ranges)
        await pilot.press("right_square_bracket")
        assert (reader.focus_unit, reader.focus_range) == ("range", (first, first + 5))
        assert reader.focus_block == 2
        await pilot.press("right_square_bracket")  # same start, longer: visited next
        assert reader.focus_range == (first, first + 10)
        await pilot.press("right_square_bracket")
        assert reader.focus_range == (far, far + 16)
        row = reader.text_layout.line_at_offset(far)
        assert reader.scroll_y <= row < reader.scroll_y + reader.page_height
        await pilot.press("right_square_bracket")  # none left: stays
        assert reader.focus_range == (far, far + 16)
        await pilot.press("left_square_bracket")
        assert reader.focus_range == (first, first + 10)
        await pilot.press("left_square_bracket", "left_square_bracket")
        assert reader.focus_range == (first, first + 5)
        assert reader.annotation_range() == (first, first + 5)
        await pilot.pause()
        last = [m for m in app.messages if isinstance(m, ReaderView.FocusRangeChanged)][-1]
        assert (last.start, last.end, last.unit) == (first, first + 5, "range")
        # From a focused highlight, sentence motion enters it (the first sentence starting in it),
        # then steps on.
        await pilot.press("right_parenthesis")
        assert focused_text(reader) == "Fifth one!"
        await pilot.press("right_parenthesis")
        assert focused_text(reader) == "Sixth alone."
        # The focused highlight is underlined.
        reader.focus_range_at(first, first + 5)
        x0, y = cell_of(reader, first)
        assert [c[1].underline for c in cells(reader, y)[x0 : x0 + 6]] == [True] * 5 + [None]


async def test_highlights_and_focus_survive_a_measure_change() -> None:
    app = AnnotateApp("Intro.\n\n" + " ".join(f"Sentence number {i} is here." for i in range(40)))
    async with app.run_test(size=(120, 30)) as pilot:
        reader = app.query_one(ReaderView)
        text = reader.document.plain_text
        start = text.index("Sentence number 20")
        end = text.index("Sentence number 22")
        reader.set_highlights([(start, end - 1, 3)])
        await pilot.press("j", *["right_parenthesis"] * 21)
        assert focused_text(reader) == "Sentence number 20 is here."
        before = reader.focus_range
        for measure in (40, 70, 28):
            reader.measure = measure
            await pilot.pause()
            assert reader.text_layout.width == measure
            assert reader.focus_range == before
            x0, y = cell_of(reader, start)
            assert 0 <= y < reader.page_height
            row = cells(reader, y)
            margin = text_margin(reader.scrollable_content_region.width, measure)
            assert row[margin - 3][0] == "■"
            assert row[x0][1].bgcolor == bg(reader, "reader--highlight-3")
            assert row[x0][1].underline  # the focused sentence, drawn at the new width
        await pilot.resize_terminal(70, 24)
        await pilot.pause()
        assert reader.focus_range == before
        await pilot.press("right_parenthesis")
        assert focused_text(reader) == "Sentence number 21 is here."


async def test_loading_resets_focus_and_selection() -> None:
    app = AnnotateApp()
    async with app.run_test(size=(100, 30)) as pilot:
        reader = app.query_one(ReaderView)
        await pilot.press("j", "right_parenthesis", "v", "right_parenthesis")
        reader.set_highlights([(0, 3, 1)])
        reader.load(parse_markdown("Other text. Two."))
        await pilot.pause()
        assert (reader.focus_unit, reader.selection, reader.highlights) == ("block", None, [])
        await pilot.press("right_parenthesis")
        assert focused_text(reader) == "Other text."


def test_offset_at_column_skips_decoration_and_counts_wide_cells() -> None:
    document = parse_markdown("- 日本 text here")
    layout = DocumentLayout(document, 40)
    layout.extend()
    line = layout.lines[0]
    block = document.blocks[0]
    # "• " marker takes 2 cells; each CJK character takes 2.
    assert offset_at_column(document, line, 40, 0) == block.start  # on the marker
    assert offset_at_column(document, line, 40, 2) == block.start  # 日
    assert offset_at_column(document, line, 40, 3) == block.start  # right half of 日
    assert offset_at_column(document, line, 40, 4) == block.start + 1  # 本
    assert offset_at_column(document, line, 40, 7) == block.start + 3  # t
    assert offset_at_column(document, line, 40, 200) == line.end
    assert offset_at_column(document, line, 40, -5) == line.start


def test_overlays_are_a_plain_object() -> None:
    """Highlights and the selection are kept without a widget: sorted, kinds clamped, empty
    ranges dropped; ``[``/``]`` order is by start, then (start, end) from a highlight."""
    overlays = Overlays()
    overlays.set_highlights([(10, 20, 9), (5, 5, 1), (10, 15, 0)])
    assert overlays.highlights == [(10, 15, 1), (10, 20, 5)]
    assert overlays.next_highlight(0, 3, False, True) == (10, 15, 1)
    assert overlays.next_highlight(10, 15, True, True) == (10, 20, 5)
    assert overlays.next_highlight(10, 20, True, False) == (10, 15, 1)
    assert overlays.next_highlight(10, 15, True, False) is None
    assert not overlays.select((3, 3)) and overlays.selection is None
    assert overlays.select((3, 8)) and not overlays.select((3, 8))


def row_text(reader: ReaderView, y: int) -> str:
    return "".join(char for char, _ in cells(reader, y))


async def test_a_note_shows_as_a_margin_mark_and_under_the_focused_highlight() -> None:
    """A highlight's note: a mark in the right margin where it starts, and the note's first line
    (inert user text) in the blank row after its block while the highlight has the focus; no
    row moves, so offsets, find and the selection are untouched."""
    app = AnnotateApp()
    async with app.run_test(size=(100, 30)) as pilot:
        reader = app.query_one(ReaderView)
        text = reader.document.plain_text
        noted = text.index("Second one")
        plain = text.index("Sixth")
        note = "[bold red]Not markup[/] \x1b[2J and more\nsecond line of the note"
        reader.set_highlights([(noted, noted + len("Second one"), 2, note),
                               (plain, plain + len("Sixth"), 3, "")])
        await pilot.pause()
        height = reader.text_layout.height
        before = [row_text(reader, y) for y in range(reader.size.height)]
        _, y = cell_of(reader, noted)
        margin = text_margin(reader.scrollable_content_region.width, reader.text_layout.width)
        right = margin + reader.text_layout.width + 1  # a column right of the measure
        assert before[y][right] == "✎" and before[y].count("✎") == 1
        assert "✎" not in before[cell_of(reader, plain)[1]]  # an empty note has no mark
        assert not any("Not markup" in row for row in before)  # not focused yet

        await pilot.press("right_square_bracket")  # focus the first highlight
        assert reader.focus_range == (noted, noted + len("Second one"))
        after = [row_text(reader, y) for y in range(reader.size.height)]
        note_row = y + 1  # the blank separator after the block
        assert reader.text_layout.lines[note_row + round(reader.scroll_y)].role == 1
        assert after[note_row].strip() == "✎ [bold red]Not markup[/] ␛[2J and more"
        assert "second line" not in "".join(after)
        # No row moved: the rows <-> offsets mapping, find and a drag across the note row.
        assert reader.text_layout.height == height
        assert [a[margin:] for i, a in enumerate(after) if i != note_row] == [
            b[margin:] for i, b in enumerate(before) if i != note_row]  # (the focus bar moved)
        next_block = reader.document.blocks[2].start
        assert reader.offset_at(*cell_of(reader, next_block)) == (
            next_block, reader.text_layout.line_at_offset(next_block))
        assert reader.find("Not markup") == 0
        assert reader.find("Fourth") == 1
        await pilot.mouse_down(reader, offset=cell_of(reader, text.index("Third")))
        await pilot.hover(reader, offset=cell_of(reader, next_block + len("Fourth")))
        await pilot.mouse_up(reader, offset=cell_of(reader, next_block + len("Fourth")))
        assert selected_text(reader) == "Third of three.\n\nFourth"

        # Focus elsewhere: the note row is a blank line again.
        reader.set_selection(None)
        await pilot.press("right_square_bracket")
        assert reader.focus_range == (plain, plain + len("Sixth"))
        assert not any("Not markup" in row_text(reader, y) for y in range(reader.size.height))
