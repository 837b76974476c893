"""ESA (Error Span Annotation, WMT's human evaluation since 2024): the published file formats and
WMT24's scoring.

* :mod:`annotate.esa.records` — :class:`ESARating`, one typed record per rating (and :class:`ESASpan`);
* :mod:`annotate.esa.appraise_csv` — Appraise's ESA CSV (no header, twelve columns), read and write;
* :mod:`annotate.esa.wmt_jsonl` — WMT24's ESA JSON Lines, read and write;
* :mod:`annotate.esa.files` — the reader or writer a file's extension calls for;
* :mod:`annotate.esa.scoring` — WMT24's rules and scores, 95% CIs, Wilcoxon + Stouffer
  significance, rank ranges and clusters (``annotate esa-scores``).
"""

from annotate.esa.files import read_esa_file, write_esa_file
from annotate.esa.records import ESAFormatError, ESARating, ESASpan

__all__ = ["ESAFormatError", "ESARating", "ESASpan", "read_esa_file", "write_esa_file"]
