"""Two replicas, 200 random operations each, synchronised in three rounds in a random order
through the simulated engines: both converge to the same library, and that library is what
applying every operation in the order they happened gives (issue #21)."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest

from sync_support import Machine, clone, engine_sync, files
from tuireader.core.document import parse_markdown
from tuireader.core.model import make_highlight
from tuireader.importers.base import ImportedArticle
from tuireader.library.store import Store

WORDS = ("river", "stone", "harbour", "market", "lantern", "orchard", "meadow", "bridge",
         "thunder", "candle", "willow", "copper")


def _text(rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(60)).capitalize() + "."


class Model:
    """Every operation applied in the order it happened, by the merge rule's meaning."""

    def __init__(self) -> None:
        self.t = 0
        self.articles: dict[str, dict[str, Any]] = {}
        self.highlights: dict[str, dict[str, Any]] = {}

    def tick(self) -> int:
        self.t += 1
        return self.t

    def result(self) -> tuple[dict[str, Any], dict[str, Any]]:
        articles = {aid: (sorted(t for t, (_, on) in a["tags"].items() if on), a["position"][1])
                    for aid, a in self.articles.items()}
        highlights = {}
        for hid, h in self.highlights.items():
            if h["deleted"] is not None and h["deleted"] > h["edited"]:
                continue
            highlights[hid] = (h["article"], h["note"][1],
                               sorted(t for t, (_, on) in h["tags"].items() if on))
        return articles, highlights


def _library(store: Store) -> tuple[dict[str, Any], dict[str, Any]]:
    articles = {a.id: (sorted(a.tags), a.position) for a in store.list_articles()}
    highlights = {h.id: (h.article_id, h.note, sorted(h.tags)) for h in store.all_highlights()}
    return articles, highlights


def _op(rng: random.Random, store: Store, model: Model, texts: dict[str, str]) -> None:
    ids = [a.id for a in store.list_articles()]
    kind = rng.choice(["add", "reimport", "highlight", "highlight", "note", "tag", "delete",
                       "read"] if ids else ["add"])
    local = store.all_highlights() if kind in ("note", "tag", "delete") else []
    if kind in ("note", "tag", "delete") and not local:
        kind = "highlight"
    t = model.tick()
    if kind == "add":
        text = _text(rng)
        aid = store.add_article(ImportedArticle(title=f"A{t}", markdown=text)).article.id
        texts[aid] = text
        model.articles[aid] = {"tags": {}, "position": (t, 0)}
    elif kind == "reimport":
        aid = rng.choice(ids)
        tag = rng.choice(["later", "keep", "work"])
        if tag not in (store.get_article(aid).tags or []):  # type: ignore[union-attr]
            model.articles[aid]["tags"][tag] = (t, True)
        store.add_article(ImportedArticle(title="again", markdown=texts[aid]), tags=[tag])
    elif kind == "highlight":
        aid = rng.choice(ids)
        plain = parse_markdown(store.read_markdown(aid)).plain_text
        start = rng.randrange(0, len(plain) - 20)
        h = make_highlight(aid, plain, start, start + rng.randint(5, 20))
        store.add_highlight(h)
        model.highlights[h.id] = {"article": aid, "note": (t, ""), "tags": {}, "edited": t,
                                  "deleted": None}
    elif kind == "note":
        h = rng.choice(local)
        h.note = f"note {t}"
        store.save_highlights([h])
        m = model.highlights[h.id]
        m["note"], m["edited"] = (t, h.note), t
    elif kind == "tag":
        h = rng.choice(local)
        tag = rng.choice(["idea", "quote", "todo"])
        on = tag not in h.tags
        h.tags = [*h.tags, tag] if on else [x for x in h.tags if x != tag]
        store.save_highlights([h])
        m = model.highlights[h.id]
        m["tags"][tag], m["edited"] = (t, on), t
    elif kind == "delete":
        h = rng.choice(local)
        store.delete_highlight(h)
        model.highlights[h.id]["deleted"] = t
    else:  # read
        aid = rng.choice(ids)
        article = store.get_article(aid)
        assert article is not None
        article.position = rng.randrange(1, 200)
        # the reader's save, or a metadata save that carries the position
        rng.choice([store.save_reading, store.update_article])(article)
        model.articles[aid]["position"] = (t, article.position)


@pytest.mark.parametrize("seed", [1, 2])
def test_two_replicas_converge_to_every_operation(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch,
                                                  seed: int) -> None:
    rng = random.Random(seed)
    a, b = Machine("a", tmp_path, monkeypatch), Machine("b", tmp_path, monkeypatch)
    with a.store():
        pass
    clone(a.library, b.library)
    model, texts = Model(), {}
    base = files(a.library)
    for _ in range(3):
        with a.on():
            store_a = Store(a.library)
        with b.on():
            store_b = Store(b.library)
        plan = [a] * 67 + [b] * 67
        rng.shuffle(plan)
        for machine in plan:  # the two machines' operations, interleaved in time
            with machine.on():
                _op(rng, store_a if machine is a else store_b, model, texts)
        store_a.close()
        store_b.close()
        made = engine_sync(a.library, b.library, base,
                           naming=rng.choice(["syncthing", "dropbox"]),
                           newer=rng.choice(["a", "b", None]))
        # Reading positions live in one file per machine: never a conflict copy of one.
        assert not [n for n in made if n.startswith("reading/")], made
        base = files(a.library)
        for machine in rng.sample([a, b], 2):  # merged in a random order
            with machine.store():
                pass
    expected = model.result()
    for machine in (a, b):
        with machine.store() as store:
            got = _library(store)
        for part, name in ((0, "articles"), (1, "highlights")):
            wrong = {k: (got[part].get(k), expected[part].get(k))
                     for k in set(got[part]) | set(expected[part])
                     if got[part].get(k) != expected[part].get(k)}
            assert not wrong, f"{machine.name}: {name} (got, expected): {wrong}"
