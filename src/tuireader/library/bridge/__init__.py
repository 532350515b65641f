"""Highlights and libraries from other tools, brought into the library.

:func:`plan_import` matches a :class:`~tuireader.core.bridge.ForeignExport`'s works with the
library's articles (reading only); :func:`apply_plan` writes (articles, highlights anchored,
metadata merged) and returns an :class:`ImportReport`.  ``match`` finds the articles, ``place``
anchors quotes with the source's position as a prior, ``build`` makes the records, ``adopt``
moves highlights-only articles onto their text when it arrives.
"""

from __future__ import annotations

from tuireader.library.bridge.apply import ImportPlan, WorkPlan, apply_plan, plan_import
from tuireader.library.bridge.report import ImportReport

__all__ = ["ImportPlan", "ImportReport", "WorkPlan", "apply_plan", "plan_import"]
