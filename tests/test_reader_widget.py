"""Pilot tests of the ReaderView: keys, no lost keys, find, inert markup and control chars."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.app import App, ComposeResult

from tuireader.core.document import parse_markdown
from tuireader.widgets.reader import ReaderView

SHARED = Path(__file__).resolve().parents[1].parent / "shared"


def make_markdown(paragraphs: int = 400) -> str:
    parts = ["# Title", "Intro with *emph* and **strong** and `code`."]
    for i in range(paragraphs):
        if i % 50 == 0:
            parts.append(f"## Section {i // 50}")
        parts.append(f"Paragraph {i}. " + "lorem ipsum dolor sit amet " * (1 + i % 7))
    return "\n\n".join(parts)


class ReaderApp(App[None]):
    def __init__(self, markdown: str, position: int = 0) -> None:
        super().__init__()
        self.markdown = markdown
        self.position = position
        self.messages: list[object] = []

    def compose(self) -> ComposeResult:
        yield ReaderView(id="reader")

    def on_mount(self) -> None:
        reader = self.query_one(ReaderView)
        reader.load(parse_markdown(self.markdown), self.position)
        reader.focus()

    def on_reader_view_find_changed(self, message: ReaderView.FindChanged) -> None:
        self.messages.append(message)

    def on_reader_view_position_changed(self, message: ReaderView.PositionChanged) -> None:
        self.messages.append(message)


def rendered_text(reader: ReaderView) -> str:
    return "\n".join(
        "".join(segment.text for segment in reader.render_line(y))
        for y in range(reader.size.height)
    )


async def test_keys_move_focus_and_scroll() -> None:
    app = ReaderApp(make_markdown())
    async with app.run_test(size=(100, 30)) as pilot:
        reader = app.query_one(ReaderView)
        assert reader.focus_block == 0
        await pilot.press("j", "j")
        assert reader.focus_block == 2
        await pilot.press("k")
        assert reader.focus_block == 1
        page = reader.page_height
        await pilot.press("space")
        assert reader.scroll_y == page
        await pilot.press("pagedown")
        assert reader.scroll_y == 2 * page
        await pilot.press("b")
        assert reader.scroll_y == page
        top_block = reader.focus_block
        assert top_block > 1
        await pilot.press("G")
        assert reader.scroll_y == reader.max_scroll_y
        assert reader.focus_block == len(reader.document.blocks) - 1
        await pilot.press("g")
        assert reader.scroll_y == 0
        assert reader.focus_block == 0


async def test_focus_follows_view_with_j() -> None:
    app = ReaderApp(make_markdown())
    async with app.run_test(size=(100, 20)) as pilot:
        reader = app.query_one(ReaderView)
        await pilot.press(*["j"] * 40)
        assert reader.focus_block == 40
        first, end = reader.text_layout.block_lines(40)
        assert reader.scroll_y <= first and end <= reader.scroll_y + reader.page_height


async def test_fifty_pagedowns_in_a_burst_move_fifty_pages() -> None:
    app = ReaderApp(make_markdown(2000))
    async with app.run_test(size=(100, 30)) as pilot:
        reader = app.query_one(ReaderView)
        page = reader.page_height
        assert reader.max_scroll_y > 60 * page
        await pilot.press(*["pagedown"] * 50)
        assert reader.scroll_y == 50 * page
        await pilot.press(*["pageup"] * 20)
        assert reader.scroll_y == 30 * page


async def test_fifty_pagedowns_with_smooth_scroll() -> None:
    app = ReaderApp(make_markdown(2000))
    async with app.run_test(size=(100, 30)) as pilot:
        reader = app.query_one(ReaderView)
        reader.smooth_scroll = True
        page = reader.page_height
        await pilot.press(*["pagedown"] * 50)
        await pilot.wait_for_animation()
        await pilot.pause()
        assert reader.scroll_y == 50 * page


async def test_load_restores_position() -> None:
    markdown = make_markdown()
    doc = parse_markdown(markdown)
    target = doc.blocks[120]
    app = ReaderApp(markdown, position=target.start)
    async with app.run_test(size=(100, 30)):
        reader = app.query_one(ReaderView)
        assert reader.focus_block == 120
        assert reader.position == target.start


async def test_find_next_previous_and_message() -> None:
    app = ReaderApp(make_markdown())
    async with app.run_test(size=(100, 30)) as pilot:
        reader = app.query_one(ReaderView)
        count = reader.find("section")
        assert count == 8
        assert reader.match_index == 0
        reader.find_next()
        assert reader.match_index == 1
        start = reader.matches[1][0]
        assert reader.document.blocks[reader.focus_block].start <= start
        reader.find_previous()
        reader.find_previous()
        assert reader.match_index == count - 1
        await pilot.pause()
        finds = [m for m in app.messages if isinstance(m, ReaderView.FindChanged)]
        assert finds and finds[-1].count == count and finds[-1].index == count - 1
        assert reader.find("zzzz-not-there") == 0
        assert reader.match_index == -1


async def test_position_changed_is_posted() -> None:
    app = ReaderApp(make_markdown())
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("pagedown")
        await pilot.pause(0.4)
        positions = [m for m in app.messages if isinstance(m, ReaderView.PositionChanged)]
        assert positions
        assert positions[-1].offset > 0 and 0 < positions[-1].progress < 1


async def test_markup_and_control_characters_are_inert() -> None:
    markdown = (
        "Click [@click=app.quit] here [/] and [bold red]not bold[/bold red] [bold\n\n"
        "Raw \x1b[31mred\x1b[0m and OSC \x1b]8;;http://evil\x07link\x1b]8;;\x07 \x9b2J done\n\n"
        "```\nESC in code \x1b[2J\n```"
    )
    app = ReaderApp(markdown)
    async with app.run_test(size=(100, 30)) as pilot:
        reader = app.query_one(ReaderView)
        await pilot.pause()
        text = rendered_text(reader)
        assert "[@click=app.quit]" in text
        assert "[/]" in text
        assert "[bold red]not bold[/bold red] [bold" in text
        assert "␛[31mred" in text
        for y in range(reader.size.height):
            for segment in reader.render_line(y):
                assert not any(ord(c) < 32 or 0x7F <= ord(c) <= 0x9F for c in segment.text)
                assert (
                    segment.style is None
                    or segment.style.meta == {}
                    or not (segment.style.meta or {}).get("@click")
                )
        assert app.is_running  # the click markup did not quit


async def test_highlights_and_measure_change_keep_offsets() -> None:
    app = ReaderApp(make_markdown())
    async with app.run_test(size=(120, 30)) as pilot:
        reader = app.query_one(ReaderView)
        await pilot.press("pagedown", "pagedown")
        position = reader.position
        reader.set_highlights([(position, position + 5, 2)])
        reader.measure = 40
        await pilot.pause()
        assert reader.text_layout.width == 40
        line = reader.text_layout.line_at_offset(position)
        assert reader.scroll_y == min(line, reader.max_scroll_y)


async def test_load_markdown_parses_in_background() -> None:
    markdown = make_markdown(6000)
    assert len(markdown) > 250_000
    app = ReaderApp("")
    async with app.run_test(size=(100, 30)) as pilot:
        reader = app.query_one(ReaderView)
        full = parse_markdown(markdown)
        reader.load_markdown(markdown, position=full.blocks[3000].start)
        assert reader.document.blocks  # first chunk shown at once
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert reader.document.complete
        assert reader.document.plain_text == full.plain_text
        assert reader.focus_block == 3000
        await pilot.press("G")
        assert reader.focus_block == len(full.blocks) - 1


@pytest.mark.corpus
@pytest.mark.skipif(not (SHARED / "corpus").is_dir(), reason="needs ../shared/corpus")
async def test_war_and_peace_loads_and_pages() -> None:
    raw = (SHARED / "corpus/long/war_and_peace.txt").read_text(encoding="utf-8")
    paragraphs = [" ".join(p.split()) for p in raw.split("\n\n") if p.strip()]
    markdown = "\n\n".join(paragraphs[:3000])
    app = ReaderApp(markdown)
    async with app.run_test(size=(120, 40)) as pilot:
        reader = app.query_one(ReaderView)
        await app.workers.wait_for_complete()
        await pilot.press(*["pagedown"] * 30)
        assert reader.scroll_y == 30 * reader.page_height


async def test_scrolling_by_wheel_or_scrollbar_keeps_focus_on_screen() -> None:
    app = ReaderApp(make_markdown())
    async with app.run_test(size=(100, 20)) as pilot:
        reader = app.query_one(ReaderView)
        reader.scroll_to(y=60, animate=False, immediate=True)  # what a wheel burst does
        await pilot.pause()
        assert reader.scroll_y == 60
        first, end = reader.text_layout.block_lines(reader.focus_block)
        assert end > reader.scroll_y and first < reader.scroll_y + reader.page_height


async def test_end_during_load_goes_to_the_end_once_loaded() -> None:
    markdown = make_markdown(6000)
    app = ReaderApp("")
    async with app.run_test(size=(100, 30)) as pilot:
        reader = app.query_one(ReaderView)
        reader.load_markdown(markdown)
        assert reader.still_loading
        reader.action_bottom()  # End before any background chunk has arrived
        assert reader.waiting_for == "end"
        assert "loading" in rendered_text(reader)
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert not reader.still_loading and reader.waiting_for == ""
        assert reader.focus_block == len(reader.document.blocks) - 1
        assert reader.scroll_y == reader.max_scroll_y


async def test_key_while_waiting_for_the_saved_position_is_not_overridden() -> None:
    markdown = make_markdown(6000)
    full = parse_markdown(markdown)
    app = ReaderApp("")
    async with app.run_test(size=(100, 30)) as pilot:
        reader = app.query_one(ReaderView)
        reader.load_markdown(markdown, position=full.blocks[5000].start)
        assert reader.waiting_for == "position"  # no top-then-jump: a "loading" pane
        assert "loading" in rendered_text(reader)
        reader.action_page_down()  # the user's key wins over the pending restore
        assert reader.waiting_for == ""
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert reader.scroll_y == reader.page_height
        assert reader.focus_block < 100


async def test_find_during_load_grows_with_the_document() -> None:
    markdown = make_markdown(6000)
    app = ReaderApp("")
    async with app.run_test(size=(100, 30)) as pilot:
        reader = app.query_one(ReaderView)
        reader.load_markdown(markdown)
        assert reader.find("Paragraph 5999.") == 0
        await pilot.pause()
        first = next(m for m in app.messages if isinstance(m, ReaderView.FindChanged))
        assert first.count == 0 and first.loading
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert reader.match_count == 1 and reader.match_index == 0
        finds = [m for m in app.messages if isinstance(m, ReaderView.FindChanged)]
        assert finds[-1].count == 1 and not finds[-1].loading
        assert reader.find("Paragraph 1") == 1 + 10 + 100 + 1000


async def test_parse_cache_shows_the_saved_position_first(tmp_path: Path) -> None:
    markdown = make_markdown(6000)
    full = parse_markdown(markdown)
    cache = tmp_path / "a.doc"
    position = full.blocks[5000].start
    app = ReaderApp("")
    async with app.run_test(size=(100, 30)) as pilot:
        reader = app.query_one(ReaderView)
        reader.load_markdown(markdown, position=position, cache_path=cache)
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert cache.exists()
        lines = list(reader.text_layout.lines)
        reader.load_markdown(markdown, position=position, cache_path=cache)
        # Everything is there at once: no background parse, no waiting, the place is shown.
        assert not reader.still_loading and reader.waiting_for == ""
        assert reader.focus_block == 5000
        assert reader.text_layout.lines == lines
        assert reader.document.plain_text == full.plain_text
        assert [(b.kind, b.start, b.end, b.spans) for b in reader.document.blocks] == [
            (b.kind, b.start, b.end, b.spans) for b in full.blocks
        ]
        reader.action_bottom()
        assert reader.focus_block == len(full.blocks) - 1
        cache.write_bytes(b"garbage")  # a damaged cache is ignored and rewritten
        reader.load_markdown(markdown, position=position, cache_path=cache)
        assert reader.still_loading
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert reader.focus_block == 5000
        assert cache.read_bytes() != b"garbage"


async def test_next_page_is_rendered_ahead(monkeypatch: pytest.MonkeyPatch) -> None:
    import tuireader.widgets.reader.painter as reader_module

    app = ReaderApp(make_markdown())
    async with app.run_test(size=(100, 30)) as pilot:
        reader = app.query_one(ReaderView)
        await pilot.pause(0.2)  # a frame, then the pages around it are rendered ahead
        before = rendered_text(reader)
        rendered: list[object] = []  # the display lines rendered from now on
        real = reader_module.render_strip

        def counting(document: object, line: object, **kwargs: object) -> object:
            rendered.append(line)
            return real(document, line, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(reader_module, "render_strip", counting)
        await pilot.press("pagedown")
        page = reader.text_layout.lines[reader.page_height : 2 * reader.page_height]
        assert rendered_text(reader) != before
        assert not set(page) & set(rendered)  # the new page came from the cache
        await pilot.pause(0.2)
        rendered.clear()
        await pilot.press("pageup")
        assert rendered_text(reader) == before and not rendered


async def test_cache_without_lines_gets_them_for_the_next_open(tmp_path: Path) -> None:
    from tuireader.library import parse_cache as doccache

    markdown = make_markdown(12000)  # over SYNC_LAYOUT_CHARS: laid out in a worker
    full = parse_markdown(markdown)
    cache = tmp_path / "a.doc"
    doccache.save(cache, doccache.digest(markdown), full.blocks)  # as the importer writes it
    app = ReaderApp("")
    async with app.run_test(size=(100, 30)) as pilot:
        reader = app.query_one(ReaderView)
        position = full.blocks[9000].start
        reader.load_markdown(markdown, position=position, cache_path=cache)
        assert reader.document.complete and reader.focus_block == 9000
        await app.workers.wait_for_complete()
        await pilot.pause()
        cached = doccache.load(cache, doccache.digest(markdown))
        assert cached is not None and cached.width == reader.layout_width
        assert cached.lines == reader.text_layout.lines
        reader.load_markdown(markdown, position=position, cache_path=cache)
        assert not reader.still_loading and reader.focus_block == 9000


def test_layout_width_before_the_first_layout_is_the_measure() -> None:
    """A document loaded before the widget has a size is laid out at the measure (not at the
    16-column minimum, which made the first frame re-wrap)."""
    reader = ReaderView()
    assert reader.size.width == 0
    assert reader.layout_width == reader.measure
    reader.measure = 60
    assert reader.layout_width == 60

