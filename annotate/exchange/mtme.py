"""google-research/mt-metrics-eval (MTME): human scores and the test set in its file layout.

Followed: ``README.md`` ("File organization and naming convention") and ``mt_metrics_eval/data.py``
(``EvalSet._ReadDataset``, ``ReadScoreFile``, ``ReadDomainScoreFile``, ``_ReadTextFile``) and
``mt_metrics_eval/score_mqm.py`` of google-research/mt-metrics-eval. Under one test-set folder::

    sources/SRC-TGT.txt                       one source segment per line
    references/SRC-TGT.REF.txt                one file per reference (REF: no '.' or '-', not all/src)
    documents/SRC-TGT.docs                    "DOMAIN DOC" per segment line (documents contiguous)
    system-outputs/SRC-TGT/SYSTEM.txt         one file per system, line-aligned with the source
    human-scores/SRC-TGT.NAME.seg.score       "SYSTEM SCORE": a block per system, a line per segment
    human-scores/SRC-TGT.NAME.doc.score       "SYSTEM SCORE": a block per system, a line per document
    human-scores/SRC-TGT.NAME.domain.score    "DOMAIN SYSTEM SCORE" per domain and system (when the
                                              documents have domains)
    human-scores/SRC-TGT.NAME.sys.score       "SYSTEM SCORE": one line per system

MTME reads every score line with ``line.split()`` (any whitespace; we write tabs, as the text-set
reader :mod:`annotate.testset` also expects for the docs file), so system, document, domain names
hold no whitespace; a score is ``None`` where nobody rated the segment (or a system has no rated
segment in that document or domain). MQM is stored **negated** (higher = better), as MTME's
``score_mqm.py`` writes it: ``-(mean over raters of the summed error weights)``; a system's score is
``-`` its ``annotate mqm-scores`` score (the mean over its rated segments), a document's and a
domain's the same over their rated segments. Scores are written as Python's shortest exact float
(``repr``), so reading them back gives the same floats.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from statistics import fmean

from annotate.exchange.common import (ExchangeError, documents_pair, lines_text, one_line, one_word,
                                      ordered_segments, read_lines)
from annotate.languages import LanguagePair
from annotate.records import AnnotatedDocument
from annotate.references import POST_EDITS, choose_references, post_edits_by_segment
from annotate.schema import GOOGLE_MQM_WEIGHTS, MQMWeights
from annotate.scoring.mqm import score_documents
from annotate.testset import TestSet

LEVELS: tuple[str, ...] = ("sys", "domain", "doc", "seg")
DEFAULT_DOMAIN = "general"  # the docs file needs a domain for every line: documents that have none get this


@dataclass
class MtmeConfig:
    """How to write: ``name`` of the human score (``mqm`` → ``en-de.mqm.seg.score``), the language
    ``pair`` (default: the documents'), the ``reference`` choice (:func:`annotate.references.choose_references`:
    None = every imported reference, else the post-edits; ``"ref"``; ``"post_edits"``), the MQM
    ``weights`` and the domain of documents without one."""

    name: str = "mqm"
    pair: LanguagePair | None = None
    reference: str | None = None
    weights: MQMWeights = GOOGLE_MQM_WEIGHTS
    default_domain: str = DEFAULT_DOMAIN


@dataclass
class MtmeData:
    """One EvalSet as read back: texts by segment line, ``docs`` as ``(domain, doc)`` per line, and
    ``scores[level][system]`` (``domain`` level: one score per domain, in sorted domain order, as
    MTME orders them)."""

    pair: LanguagePair
    sources: list[str]
    docs: list[tuple[str, str]]
    references: dict[str, list[str]]
    systems: dict[str, list[str]]
    scores: dict[str, dict[str, list[float | None]]] = field(default_factory=dict)

    @property
    def domains(self) -> list[str]:
        """Domain names in MTME's canonical (sorted) order."""
        return sorted({domain for domain, _ in self.docs})


def layout(directory: Path, pair: LanguagePair) -> TestSet:
    """The test set's file naming (:class:`annotate.testset.TestSet`'s paths: one convention for
    reading test sets and writing MTME folders)."""
    return TestSet(path=Path(directory), pair=pair, sources=[], references={}, systems={})


def score_path(directory: Path, pair: LanguagePair, name: str, level: str) -> Path:
    """``DIR/human-scores/SRC-TGT.NAME.LEVEL.score``."""
    return Path(directory) / "human-scores" / f"{pair}.{name}.{level}.score"


def format_score(value: float | None) -> str:
    """A penalty as MTME stores it: negated (higher = better), shortest exact float, or ``None``."""
    return "None" if value is None else repr(0.0 - value)  # 0.0 - 0.0 is 0.0, never "-0.0"


def mtme_files(docs: list[AnnotatedDocument], config: MtmeConfig | None = None) -> dict[str, str]:
    """The files of one MTME EvalSet, ``{path relative to the test-set folder: text}``. Raises
    :class:`ExchangeError` for names or texts the layout cannot hold, and ValueError for an unknown
    reference or an MQM category without a weight."""
    config = config or MtmeConfig()
    pair = documents_pair(docs, config.pair)
    one_word(config.name, "score name")
    if "." in config.name:
        raise ExchangeError(f"score name {config.name!r}: no '.' (MTME reads NAME.LEVEL.score)")
    paths = layout(Path("."), pair)
    segments = ordered_segments(docs)
    if not segments:
        raise ExchangeError("no segments to write")
    mqm = score_documents(docs, weights=config.weights)
    systems = list(dict.fromkeys([t.system for doc in docs for t in doc.translations if t.role == "mt"]
                                 + list(mqm.systems)))
    for system in systems:
        one_word(system, "system name")
        if "/" in system:
            raise ExchangeError(f"system name {system!r} contains '/', which a file name cannot hold")
    files: dict[str, str] = {}
    files[str(paths.source_path)] = lines_text(
        one_line(s.text, f"source of {doc.doc_id}#{s.seg_id}") for doc, s in segments)
    domains = {doc.doc_id: doc.domain or config.default_domain for doc in docs}
    files[str(paths.docs_path)] = lines_text(
        f"{one_word(domains[doc.doc_id], 'domain')}\t{one_word(doc.doc_id, 'document id')}" for doc, _ in segments)
    texts = {(t.system, t.doc_id, t.seg_id): t.mt for doc in docs for t in doc.translations if t.role == "mt"}
    for system in systems:
        files[str(paths.system_path(system))] = lines_text(
            one_line(texts.get((system, doc.doc_id, s.seg_id), ""), f"{system} {doc.doc_id}#{s.seg_id}")
            for doc, s in segments)
    for name, lines in _references(docs, segments, config.reference).items():
        files[str(paths.reference_path(name))] = lines_text(lines)
    by_segment = {(seg.system, seg.doc_id, seg.seg_id): seg.score for seg in mqm.segments}
    rated = [system for system in systems if system in mqm.systems]
    seg_lines, doc_lines, domain_lines = [], [], []
    doc_ids = list(dict.fromkeys(doc.doc_id for doc, _ in segments))
    for system in rated:
        seg_lines += [f"{system}\t{format_score(by_segment.get((system, doc.doc_id, s.seg_id)))}" for doc, s in segments]
        doc_lines += [f"{system}\t{format_score(mqm.documents.get(doc_id, {}).get(system))}" for doc_id in doc_ids]
        in_domain: dict[str, list[float]] = defaultdict(list)
        for doc, s in segments:
            score = by_segment.get((system, doc.doc_id, s.seg_id))
            if score is not None:
                in_domain[domains[doc.doc_id]].append(score)
        domain_lines += [f"{domain}\t{system}\t{format_score(fmean(in_domain[domain]) if in_domain[domain] else None)}"
                         for domain in sorted(set(domains.values()))]
    files[str(score_path(Path("."), pair, config.name, "seg"))] = lines_text(seg_lines)
    files[str(score_path(Path("."), pair, config.name, "doc"))] = lines_text(doc_lines)
    if any(doc.domain for doc in docs):
        files[str(score_path(Path("."), pair, config.name, "domain"))] = lines_text(domain_lines)
    files[str(score_path(Path("."), pair, config.name, "sys"))] = lines_text(
        f"{system}\t{format_score(mqm.systems[system])}" for system in rated)
    return files


def _references(docs: list[AnnotatedDocument], segments: list, requested: str | None) -> dict[str, list[str]]:
    """Reference name → one line per segment ("" where it has none); no post-edits at all → no file."""
    choice = choose_references(docs, requested)
    if choice.is_post_edits:
        edits = {(doc.doc_id, seg_id): found[0].text for doc in docs
                 for seg_id, found in post_edits_by_segment(doc).items()}
        if not edits:
            return {}
        streams = {POST_EDITS: edits}
    else:
        streams = {}
        for name in choice.names:
            ordered = [t for doc in docs for t in doc.translations if t.system == name]
            ordered.sort(key=lambda t: t.role == "reference")  # an imported reference wins over a system's row
            streams[name] = {(t.doc_id, t.seg_id): t.mt for t in ordered}
    for name in streams:
        if name in ("all", "src") or "." in name or "-" in name or not name or any(c.isspace() for c in name):
            raise ExchangeError(f"reference name {name!r}: MTME reference names hold no '.', '-' or whitespace "
                                "and are not 'all' or 'src'")
    return {name: [one_line(texts.get((doc.doc_id, s.seg_id), ""), f"reference {name} of {doc.doc_id}#{s.seg_id}")
                   for doc, s in segments] for name, texts in streams.items()}


def read_mtme(directory: Path, pair: LanguagePair | str, name: str = "mqm") -> MtmeData:
    """Read an EvalSet back as MTME reads it (``data.py``): the docs file split on whitespace, each
    score line split on whitespace into two fields (three at domain level), ``None`` for a missing
    score; every level file that exists. Raises :class:`ExchangeError` naming the file and line
    for a malformed line, a system without an output file, or a block of the wrong length."""
    from annotate.languages import parse_pair

    pair = parse_pair(pair) if isinstance(pair, str) else pair
    paths = layout(Path(directory), pair)
    sources = read_lines(paths.source_path)
    docs = []
    for number, line in enumerate(read_lines(paths.docs_path), 1):
        fields = line.split()
        if len(fields) != 2:
            raise ExchangeError(f"{paths.docs_path}:{number}: expected 'DOMAIN DOC', got {line!r}")
        docs.append((fields[0], fields[1]))
    references = {p.name[len(f"{pair}."):-len(".txt")]: read_lines(p)
                  for p in sorted((paths.path / "references").glob(f"{pair}.*.txt"))}
    systems = {p.name[:-len(".txt")]: read_lines(p)
               for p in sorted((paths.path / "system-outputs" / str(pair)).glob("*.txt"))}
    data = MtmeData(pair=pair, sources=sources, docs=docs, references=references, systems=systems)
    for path, lines in [(paths.docs_path, docs), *((paths.reference_path(n), t) for n, t in references.items()),
                        *((paths.system_path(n), t) for n, t in systems.items())]:
        if len(lines) != len(sources):
            raise ExchangeError(f"{path}: {len(lines)} lines, the source has {len(sources)}")
    expected = {"sys": 1, "domain": len(data.domains), "doc": len(dict.fromkeys(d for _, d in docs)),
                "seg": len(sources)}
    for level in LEVELS:
        path = score_path(directory, pair, name, level)
        if path.is_file():
            data.scores[level] = _read_scores(path, level, data.domains)
            for system, scores in data.scores[level].items():
                if system not in systems:
                    raise ExchangeError(f"{path}: system {system!r} has no file under system-outputs/{pair}/")
                if len(scores) != expected[level]:
                    raise ExchangeError(f"{path}: {system} has {len(scores)} scores, expected {expected[level]}")
    return data


def _read_scores(path: Path, level: str, domains: list[str]) -> dict[str, list[float | None]]:
    scores: dict[str, list[float | None]] = {}
    width = 3 if level == "domain" else 2
    for number, line in enumerate(read_lines(path), 1):
        fields = line.split()
        if len(fields) != width:
            form = "DOMAIN SYSTEM SCORE" if width == 3 else "SYSTEM SCORE"
            raise ExchangeError(f"{path}:{number}: expected '{form}', got {line!r}")
        try:
            value = None if fields[-1] == "None" else float(fields[-1])
        except ValueError:
            raise ExchangeError(f"{path}:{number}: score {fields[-1]!r} is not a number or None") from None
        if level == "domain":
            domain, system = fields[0], fields[1]
            if domain not in domains:
                raise ExchangeError(f"{path}:{number}: domain {domain!r} is not in the docs file")
            scores.setdefault(system, [None] * len(domains))[domains.index(domain)] = value
        else:
            scores.setdefault(fields[0], []).append(value)
    return scores
