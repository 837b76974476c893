"""The source side of the data flow: raw article files → :class:`~annotate.records.Article`
(:mod:`annotate.ingest.articles`, page chrome removed by :mod:`annotate.ingest.chrome` with the
rules of :mod:`annotate.ingest.chrome_rules`) → sentences (:mod:`annotate.ingest.segment`).
:mod:`annotate.pipeline` composes them with translation."""
