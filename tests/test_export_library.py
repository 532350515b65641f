"""Exporting from a library: what is chosen (articles, ``tag``, ``since``), the two front doors
(``export_combined``, ``export_to_folder``) and the folder writer they share.

The formats themselves are tested in ``test_export_markdown/json/annotated.py``, file names in
``test_export_filenames.py``, the two-process export in ``test_export_parallel.py``.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from export_support import EXPORTED, Library, build_library
from tuireader.export import (
    ExportError,
    ExportTemplateError,
    FolderReport,
    FolderWriter,
    Recipe,
    Renderer,
    export_combined,
    export_to_folder,
    parse_since,
    select,
    write_folder,
)
from tuireader.export.folder import MANIFEST, Output
from tuireader.library.store import NotFound, Store

RIVERS, EVIL, UNREAD = "3fa2b1c0", "0badc0de", "5eed1234"


@pytest.fixture
def fixed_library(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Library:
    return build_library(tmp_path / "library", monkeypatch)


def _chosen(lib: Library, *ids: str, **filters: str) -> list[tuple[str, list[str]]]:
    """(article id, its highlight ids) as :func:`select` chooses them."""
    with lib.store() as store:
        return [(a.id, sorted(h.id for h in hs)) for a, hs in select(store, ids, **filters)]


def _digest(folder: Path) -> str:
    h = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        h.update(path.relative_to(folder).as_posix().encode())
        h.update(path.read_bytes())
    return h.hexdigest()


# -- what is chosen ----------------------------------------------------------------------------


def test_articles_come_by_date_added_and_those_without_highlights_are_left_out(
    fixed_library: Library,
) -> None:
    chosen = _chosen(fixed_library)
    assert [article for article, _ in chosen] == [RIVERS, EVIL]
    assert [len(highlights) for _, highlights in chosen] == [9, 2]


def test_named_articles_are_kept_even_with_nothing_to_export(fixed_library: Library) -> None:
    # Named by unique prefixes, out of order and twice: each once, by date added.
    chosen = _chosen(fixed_library, "5eed", RIVERS, "3fa2")
    assert chosen[0][0] == RIVERS and chosen[1] == (UNREAD, [])
    assert len(chosen) == 2
    assert _chosen(fixed_library, EVIL, tag="nowhere") == [(EVIL, [])]
    with fixed_library.store() as store, pytest.raises(NotFound):
        select(store, ["ffffffff"])


def test_a_tag_chooses_tagged_highlights_or_every_highlight_of_a_tagged_article(
    fixed_library: Library,
) -> None:
    assert _chosen(fixed_library, tag="idea") == [(RIVERS, ["c0ffee01"])]
    # The tag is taken as the user types it: normalised like stored tags.
    assert _chosen(fixed_library, tag="  X  Y ") == [(EVIL, ["c0ffee10", "c0ffee11"])]
    assert _chosen(fixed_library, tag="nowhere") == []


def test_since_is_compared_in_utc_and_counts_changes(fixed_library: Library) -> None:
    # Highlight n was made at 2024-05-0{n % 9 + 1}T10:00Z: 7 on the 8th, 8 on the 9th.
    assert _chosen(fixed_library, since="2024-05-08") == [(RIVERS, ["c0ffee07", "c0ffee08"])]
    # Midnight at +02:00 is 22:00 UTC the day before: still not highlight 6 (the 7th, 10:00).
    assert _chosen(fixed_library, since="2024-05-08T00:00+02:00") == _chosen(
        fixed_library, since="2024-05-08")
    with Store(fixed_library.path) as store:  # a change counts as much as a creation
        changed = next(h for h in store.highlights(EVIL) if h.id == "c0ffee10")
        changed.note, changed.updated = "Changed later.", "2024-07-01T00:00:00+00:00"
        store.save_highlights([changed])
    assert _chosen(fixed_library, since="2024-06-01") == [(EVIL, ["c0ffee10"])]


def test_parse_since() -> None:
    assert parse_since("2024-05-08") == "2024-05-08T00:00:00+00:00"
    assert parse_since(" 2024-05-08T12:30:15.5Z ") == "2024-05-08T12:30:15+00:00"
    assert parse_since("2024-05-08T02:00+02:00") == "2024-05-08T00:00:00+00:00"
    with pytest.raises(ValueError):
        parse_since("yesterday")


# -- the front doors ---------------------------------------------------------------------------


def test_a_template_renders_each_article_and_the_parts_are_joined(fixed_library: Library) -> None:
    template = "{{ id }}: {{ highlight_count }} highlights\n\n\n"
    with fixed_library.store() as store:
        text = export_combined(store, None, template=template, exported=EXPORTED)
    assert text == f"{RIVERS}: 9 highlights\n\n{EVIL}: 2 highlights\n"


def test_bad_requests_fail_before_anything_is_written(
    fixed_library: Library, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    with fixed_library.store() as store:
        with pytest.raises(ExportError, match="unknown format 'docx'"):
            export_combined(store, None, "docx")
        with pytest.raises(ExportError, match="unknown format"):
            export_to_folder(store, None, out, "docx")
        with pytest.raises(ExportTemplateError, match="line 1"):
            export_to_folder(store, None, out, template="{% for %}")
        with pytest.raises(ValueError):
            export_to_folder(store, None, out, since="yesterday")
    assert not out.exists()


def test_exporting_never_changes_the_library(fixed_library: Library, tmp_path: Path) -> None:
    before = _digest(fixed_library.path)
    with Store(fixed_library.path) as store:  # writable, as the App's store is
        for fmt in ("markdown", "json", "annotated"):
            export_combined(store, None, fmt, exported=EXPORTED)
            export_to_folder(store, None, tmp_path / "notes", fmt, exported=EXPORTED)
    assert _digest(fixed_library.path) == before


def test_only_the_changed_article_is_written_again(
    fixed_library: Library, tmp_path: Path
) -> None:
    out = tmp_path / "notes"
    with fixed_library.store() as store:
        first = export_to_folder(store, None, out, exported=EXPORTED)
    rivers, evil = (next(p for p in first if f"({id_})" in p.name) for id_ in (RIVERS, EVIL))
    with Store(fixed_library.path) as store:
        changed = store.highlights(EVIL)[0]
        changed.note = "A new thought."
        store.save_highlights([changed])
    report = FolderReport()
    with fixed_library.store() as store:
        again = export_to_folder(store, None, out, exported="2031-01-01T00:00:00+00:00",
                                 report=report)
    assert again == first
    assert report.written == [evil] and report.unchanged == [rivers]
    assert "A new thought." in evil.read_text(encoding="utf-8")
    assert "exported: 2031" not in rivers.read_text(encoding="utf-8")


# -- the folder writer -------------------------------------------------------------------------


def _outputs(lib: Library) -> list[Output]:
    renderer = Renderer(Recipe.of("markdown", exported=EXPORTED))
    with lib.store() as store:
        return [Output.of("markdown", article, text)
                for article, text in renderer.render_all(store, select(store))]


def test_writing_in_steps_is_writing_at_once(fixed_library: Library, tmp_path: Path) -> None:
    outputs = _outputs(fixed_library)
    at_once = write_folder(tmp_path / "at-once", outputs)
    writer = FolderWriter(tmp_path / "in-steps")
    writer.write(outputs[:1], durable=False)
    writer.write(outputs[1:], durable=True)
    in_steps = writer.finish()
    assert [p.name for p in in_steps.paths] == [p.name for p in at_once.paths]
    for a, b in zip(at_once.paths, in_steps.paths, strict=True):
        assert a.read_bytes() == b.read_bytes()
    assert (tmp_path / "at-once" / MANIFEST).read_bytes() == (
        tmp_path / "in-steps" / MANIFEST).read_bytes()


def test_a_folder_that_cannot_be_used_is_one_clear_error(
    fixed_library: Library, tmp_path: Path
) -> None:
    outputs = _outputs(fixed_library)
    a_file = tmp_path / "a-file"
    a_file.write_text("not a folder")
    with pytest.raises(ExportError, match="a-file"):
        write_folder(a_file, outputs)
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / MANIFEST).write_text("{not json")
    with pytest.raises(ExportError, match=r"unreadable.*move it away"):
        write_folder(broken, outputs)
    assert sorted(p.name for p in broken.iterdir()) == [MANIFEST]
