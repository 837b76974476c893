"""Exchange formats: a project's human scores and annotations in the field's published layouts.

One small module per format, each with a config dataclass, a writer and a reader (the reader is
what makes the round trip testable), in the manner of Hugging Face datasets'
``packaged_modules/<fmt>/<fmt>.py``:

========================  =====================================================================
module                    layout
========================  =====================================================================
:mod:`.mtme`              google-research/mt-metrics-eval: ``human-scores/SRC-TGT.NAME.LEVEL.score``
                          (``sys``, ``domain``, ``doc``, ``seg``; MQM negated, higher = better)
                          with ``sources/``, ``references/``, ``documents/``, ``system-outputs/``
:mod:`.wmt_qe`            WMT word-level QE: ``.src .mt .pe .src_tags .tags .hter`` (MT tags with
                          gaps: ``gap tok gap … tok gap``), tags from the dataset's ``word_qe`` code
:mod:`.error_spans`       WMT23/24 QE task 2 (error span detection) TSV: character offsets and
                          ``minor``/``major`` per rating, ``-1 -1 no-error`` without errors
:mod:`.marot`             Marot's (Google's MQM viewer) TSV: the MQM TSV with a JSON ``metadata``
                          column instead of the comment
========================  =====================================================================

Every writer takes :class:`~annotate.records.AnnotatedDocument` records (what
``annotate.commands.scoring.load_documents`` reads) and returns the files it would write as
``{relative path: text}``; :func:`annotate.exchange.common.write_files` writes them atomically.
"""

from __future__ import annotations

FORMATS: tuple[str, ...] = ("mtme", "wmt-qe", "error-spans", "marot")
