"""Highlights and libraries from other tools, brought into the library.

:func:`~.apply.plan_import` matches a :class:`~tuireader.core.bridge.ForeignExport`'s works
with the library's articles (reading only); :func:`~.apply.apply_plan` writes (articles,
highlights anchored, metadata merged) and returns an :class:`~.report.ImportReport`.  ``match``
finds the articles, ``place`` anchors quotes with the source's position as a prior, ``build``
makes the records, ``adopt`` moves highlights-only articles onto their text when it arrives
(the store calls it), ``origin`` says where an imported highlight came from.

Nothing is imported here: the store loads ``adopt`` at every start, and the anchoring engine
only an import needs.
"""
