"""Word-level quality estimation in the WMT QE shared tasks' files (WMT20/21 "Task 2").

Six line-aligned files, one line per rated translation (``NAME.EXT`` under the output folder)::

    NAME.src        source tokens, space-separated
    NAME.mt         MT tokens, space-separated
    NAME.pe         post-edit (reference) tokens, space-separated      } only when the translations
    NAME.hter       HTER of the MT against it, e.g. 0.333333           } have a reference
    NAME.src_tags   OK/BAD per source token
    NAME.tags       OK/BAD per MT token AND per gap, interleaved: gap tok gap … tok gap (2N+1 tags)

plus ``NAME.segments.tsv`` (``doc_id  seg_id  system``, a line per line of the others: not part of
WMT's layout, it says which translation each line is).

Tags are the dataset's ``word_qe`` tags (:class:`annotate.dataset.word_tags.WordTagger`, through
:class:`annotate.dataset.rows.RowBuilder`, so tokens, rules and weighting are the dataset's): a token
is BAD when a target-side error that weighs in MQM covers any of its characters; a source token when
a source-side error does (an omission marked on the words the translation lost). Gaps (WMT: BAD
where words are missing) are BAD where a weighing target-side error *without extent* (start = end,
``<v></v>`` in a WMT MQM file: a position, i.e. something missing there) sits: between two tokens,
the gap there; inside a token, the gap before it. HTER as in WMT QE (TERCOM on the tokenised texts,
case-insensitive, capped at 1): sacrebleu's TER, case-insensitive, on the space-joined tokens.
Translations of a reference system are not exported (they would be scored against themselves), nor
translations whose segment has no reference when the others have one (every line has its .pe).
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field
from pathlib import Path

from annotate.exchange.common import ExchangeError, documents_pair, lines_text, read_lines
from annotate.languages import LanguagePair
from annotate.records import AnnotatedDocument
from annotate.references import choose_references
from annotate.schema import GOOGLE_MQM_WEIGHTS, MQMWeights, mqm_category_names, severity_names

EXTENSIONS: tuple[str, ...] = ("src", "mt", "pe", "src_tags", "tags", "hter")
INDEX_SUFFIX = "segments.tsv"
TAGS: tuple[str, ...] = ("OK", "BAD")


@dataclass
class WmtQeConfig:
    """``name``: the files' stem (``NAME.src`` …); ``pair``: languages (tokenizers; default: the
    documents'); ``reference``: as :func:`annotate.references.choose_references` (the first name is
    the post-edit of the .pe/.hter files); ``weights``: which errors make a token BAD (weight > 0)."""

    name: str = "mqm"
    pair: LanguagePair | None = None
    reference: str | None = None
    weights: MQMWeights = GOOGLE_MQM_WEIGHTS


@dataclass
class QeRow:
    """One line of every file: tokens, tags (``mt_tags`` per MT token, ``gap_tags`` the N+1 gaps),
    the post-edit's tokens and HTER (None without a reference), and which translation it is."""

    doc_id: str
    seg_id: int
    system: str
    src_tokens: list[str]
    mt_tokens: list[str]
    src_tags: list[str]
    mt_tags: list[str]
    gap_tags: list[str]
    pe_tokens: list[str] | None = None
    hter: float | None = None

    @property
    def tags_with_gaps(self) -> list[str]:
        """``gap tok gap … tok gap``: WMT's ``.tags`` line."""
        merged = [self.gap_tags[0]]
        for tag, gap in zip(self.mt_tags, self.gap_tags[1:]):
            merged += [tag, gap]
        return merged


@dataclass
class QeExport:
    """The rows, and what was left out (counted, never silent)."""

    rows: list[QeRow] = field(default_factory=list)
    skipped_reference_system: int = 0
    skipped_without_reference: int = 0
    unrated: int = 0


def qe_rows(docs: list[AnnotatedDocument], config: WmtQeConfig | None = None) -> QeExport:
    """One :class:`QeRow` per rated translation (see the module docstring for what is left out)."""
    from annotate.dataset.features import SEGMENTS, WORD_QE, WORD_TAG_NAMES
    from annotate.dataset.rows import RowBuilder, reference_names
    from annotate.tokens import token_spans

    config = config or WmtQeConfig()
    pair = documents_pair(docs, config.pair)
    choice = choose_references(docs, config.reference)
    reference_system = ",".join(choice.names) or None
    builder = RowBuilder(pair, reference_system, ner=False, claims=False, weights=config.weights)
    categories, severities = mqm_category_names(), severity_names()
    export, candidates = QeExport(), []
    for doc in docs:
        rows = builder.document(doc, "export", {})
        segment_rows = {(row["seg_id"], row["system"]): row for row in rows[SEGMENTS]}
        export.unrated += sum(1 for row in rows[SEGMENTS] if not row["n_raters"])
        for row in rows[WORD_QE]:
            if row["system"] in reference_names(reference_system):
                export.skipped_reference_system += 1
                continue
            segment_row = segment_rows[(row["seg_id"], row["system"])]
            mt = segment_row["mt"]
            spans = token_spans(mt, pair.target)
            if [mt[a:b] for a, b in spans] != row["mt_tokens"]:  # one tokenizer for tags and gaps
                raise ExchangeError(f"{row['system']} {doc.doc_id}#{row['seg_id']}: MT tokens differ from word_qe's")
            gaps = [TAGS[0]] * (len(spans) + 1)
            ends = [end for _, end in spans]
            for error in segment_row["errors"]:
                weighs = config.weights.weight(categories[error["category"]], severities[error["severity"]]) > 0
                if error["side"] == "target" and error["start"] == error["end"] and weighs:
                    gaps[bisect_right(ends, error["start"])] = TAGS[1]
            for name, key in (("source", "src_tokens"), ("MT", "mt_tokens")):
                if any(" " in token for token in row[key]):
                    raise ExchangeError(f"{row['system']} {doc.doc_id}#{row['seg_id']}: a {name} token holds a space")
            candidates.append((QeRow(doc.doc_id, row["seg_id"], row["system"], row["src_tokens"], row["mt_tokens"],
                                     [WORD_TAG_NAMES[t] for t in row["src_tags"]],
                                     [WORD_TAG_NAMES[t] for t in row["tags"]], gaps), segment_row["reference"]))
    with_reference = any(reference is not None for _, reference in candidates)
    memo: dict[tuple[str, str], float] = {}  # systems often agree word for word: TER is the slow part
    for qe_row, reference in candidates:
        if with_reference and reference is None:
            export.skipped_without_reference += 1
            continue
        if reference is not None:
            qe_row.pe_tokens = [reference[a:b] for a, b in token_spans(reference, pair.target)]
            key = (" ".join(qe_row.mt_tokens), " ".join(qe_row.pe_tokens))
            qe_row.hter = memo[key] if key in memo else memo.setdefault(key, hter(qe_row.mt_tokens, qe_row.pe_tokens))
        export.rows.append(qe_row)
    return export


def hter(mt_tokens: list[str], pe_tokens: list[str]) -> float:
    """TER of the MT against its post-edit on tokenised text, case-insensitive, capped at 1 (WMT
    QE's TERCOM settings), through sacrebleu's public TER."""
    from sacrebleu.metrics import TER

    score = TER(case_sensitive=False).sentence_score(" ".join(mt_tokens), [" ".join(pe_tokens)]).score / 100
    return min(1.0, score)


def format_hter(value: float) -> str:
    """Six decimals, as WMT's ``.hter`` files."""
    return f"{value:.6f}"


def wmt_qe_files(export: QeExport, name: str = "mqm") -> dict[str, str]:
    """``{NAME.EXT: text}``: the six files (four when no row has a reference) and the index."""
    if not export.rows:
        raise ExchangeError("no rated translation to export")
    rows = export.rows
    files = {f"{name}.src": lines_text(" ".join(r.src_tokens) for r in rows),
             f"{name}.mt": lines_text(" ".join(r.mt_tokens) for r in rows)}
    if rows[0].pe_tokens is not None:
        files[f"{name}.pe"] = lines_text(" ".join(r.pe_tokens or []) for r in rows)
        files[f"{name}.hter"] = lines_text(format_hter(r.hter or 0.0) for r in rows)
    files[f"{name}.src_tags"] = lines_text(" ".join(r.src_tags) for r in rows)
    files[f"{name}.tags"] = lines_text(" ".join(r.tags_with_gaps) for r in rows)
    files[f"{name}.{INDEX_SUFFIX}"] = lines_text(f"{r.doc_id}\t{r.seg_id}\t{r.system}" for r in rows)
    return files


def read_wmt_qe(directory: Path, name: str = "mqm") -> list[QeRow]:
    """Read the files back (``.pe``/``.hter`` when present; the index when present, else ids are
    ``""``/line number). Raises :class:`ExchangeError` naming file and line when files are not
    line-aligned, a tag is not OK/BAD, a tag line's length is not the tokens' (2N+1 for ``.tags``),
    or an HTER is not a number in [0, 1]."""
    directory = Path(directory)
    path = {ext: directory / f"{name}.{ext}" for ext in (*EXTENSIONS, INDEX_SUFFIX)}
    lines = {ext: read_lines(p) for ext, p in path.items() if ext in ("src", "mt", "src_tags", "tags") or p.is_file()}
    count = len(lines["mt"])
    for ext, found in lines.items():
        if len(found) != count:
            raise ExchangeError(f"{path[ext]}: {len(found)} lines, {path['mt'].name} has {count}")
    rows = []
    for i in range(count):
        src, mt = lines["src"][i].split(), lines["mt"][i].split()
        src_tags = _tags(lines["src_tags"][i], len(src), path["src_tags"], i + 1)
        tags = _tags(lines["tags"][i], 2 * len(mt) + 1, path["tags"], i + 1)
        doc_id, seg_id, system = "", i + 1, ""
        if INDEX_SUFFIX in lines:
            fields = lines[INDEX_SUFFIX][i].split("\t")
            if len(fields) != 3 or not fields[1].isdigit():
                raise ExchangeError(f"{path[INDEX_SUFFIX]}:{i + 1}: expected 'doc_id<TAB>seg_id<TAB>system'")
            doc_id, seg_id, system = fields[0], int(fields[1]), fields[2]
        row = QeRow(doc_id, seg_id, system, src, mt, src_tags, tags[1::2], tags[0::2])
        if "pe" in lines:
            row.pe_tokens = lines["pe"][i].split()
        if "hter" in lines:
            try:
                row.hter = float(lines["hter"][i])
            except ValueError:
                row.hter = -1.0
            if not 0.0 <= row.hter <= 1.0:
                raise ExchangeError(f"{path['hter']}:{i + 1}: HTER {lines['hter'][i]!r} is not a number in [0, 1]")
        rows.append(row)
    return rows


def _tags(line: str, expected: int, path: Path, number: int) -> list[str]:
    tags = line.split()
    if len(tags) != expected:
        raise ExchangeError(f"{path}:{number}: {len(tags)} tags, expected {expected}")
    bad = [tag for tag in tags if tag not in TAGS]
    if bad:
        raise ExchangeError(f"{path}:{number}: tag {bad[0]!r} is not OK or BAD")
    return tags
