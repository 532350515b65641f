"""The vault sync: one note per article in an Obsidian or Logseq vault, both ways.

``sync.py`` is the front door (:func:`sync_vault`); ``blocks.py`` and ``logseq.py`` render and find
the regions tuireader owns; ``merge.py`` is the three-way merge of one note; ``scan.py`` finds
the notes by their ``tuireader-id``; the bases live in ``library/vault_base.py``.
"""

from __future__ import annotations

from tuireader.export.vault.sync import FLAVORS, Applier, SyncReport, sync_vault

__all__ = ["FLAVORS", "Applier", "SyncReport", "sync_vault"]
