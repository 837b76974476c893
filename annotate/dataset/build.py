"""``build_dataset``: annotated documents → a Hugging Face dataset folder (README.md card + parquet).

The folder is written next to its destination and swapped in only when complete, so a failed
build (bad input is reported with what and where) never destroys the previous dataset; what a
killed build leaves behind, the next one cleans up (:mod:`annotate.dataset.staging`).
"""

from __future__ import annotations

import functools
import gc
import shutil
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import ParamSpec, TypeVar

from annotate.dataset.card import GENERATED_MARKER, LABEL_STUDIO, MQM_TSV, CardContext, render_card
from annotate.dataset.checks import COMPLETED, DatasetBuildError
from annotate.dataset.esa_rows import ESAInput, ESASummary, write_esa_configs
from annotate.dataset.features import CLAIMS, CONFIG_NAMES, DOCUMENTS, NER, SEGMENTS, SYSTEMS, TRANSLATION, WORD_QE
from annotate.dataset.rows import RowBuilder, reference_names, scoring_pairs
from annotate.dataset.score_cache import ScoreCache
from annotate.dataset.scores import choose_workers, scored_in_order
from annotate.dataset.splits import SPLIT_NAMES, SplitRule, choose_split_rule
from annotate.dataset.spool import SortedDocuments, document_rows
from annotate.dataset.staging import remove_stale_builds, staging_dir, swap_in
from annotate.dataset.writer import DatasetWriter, SplitFile
from annotate.languages import SPANISH_ENGLISH, LanguagePair
from annotate.references import POST_EDITS
from annotate.records import AnnotatedDocument, ExportProblem, count_problems
from annotate.schema import GOOGLE_MQM_WEIGHTS, MQMWeights

DEFAULT_DESCRIPTION = (
    "A bilingual (Spanish→English) news dataset for named-entity recognition, claim detection, "
    "machine translation and translation-quality estimation, with human MQM error annotations and "
    "post-edited references."
)
MQM_TSV_DESCRIPTION = (
    "Human MQM ratings of machine translations from the WMT MQM evaluations (Google's format), as a "
    "typed dataset for translation-quality estimation and metric evaluation."
)
DEFAULT_LICENSE = "other"

# progress(stage, done, total): stage "read" (documents read; total None until all are) or "build"
# (documents turned into rows, of total). Called every PROGRESS_EVERY documents and at the end.
Progress = Callable[[str, int, "int | None"], None]
PROGRESS_EVERY = 200

_EMPTY_CONFIG_REASONS = {
    SEGMENTS: "no document has a machine translation",
    NER: "no document has a completed annotation",
    CLAIMS: "no document has a completed annotation",
    WORD_QE: "no translation was rated",
    TRANSLATION: "no segment has a post-edited reference",
    SYSTEMS: "no document has a machine translation",
}
_NO_ENTITIES = "no annotation marks an entity: the sources were not annotated for entities"
_NO_CLAIMS = "no annotation marks a claim: the sources were not annotated for claims"


@dataclass
class BuildReport:
    """What a build wrote and what it had to adapt (the CLI prints it; nothing here is written)."""

    name: str
    out_dir: Path
    readme: Path
    files: dict[str, dict[str, Path]]  # config → split → parquet file
    counts: dict[str, dict[str, int]]  # config → split → rows
    omitted_configs: dict[str, str]  # config → why it has no rows
    n_documents: int
    annotation_status: dict[str, int]
    ner_conversion: dict[str, int]  # BioStats counts: expanded, overlapping, …
    claim_conversion: dict[str, int]  # the same counts for the claims config's tags
    word_tags: dict[str, int]  # WordTagStats counts: errors, without extent, BAD tokens, …
    split_rule: str
    set_aside: dict[str, int] = field(default_factory=dict)  # kind of export problem → count (see build_dataset)
    # doc_ids whose primary annotation the policy chose among several no reviewer settled (printed as a warning)
    unreviewed: list[str] = field(default_factory=list)
    languages: LanguagePair = SPANISH_ENGLISH
    reference_system: str | None = None  # whose translations were the references (None: post-edits)
    systems: list[str] = field(default_factory=list)  # MT systems, sorted
    # total wall time; sacrebleu CPU time (over all workers); wall time spent waiting for scores
    seconds: dict[str, float] = field(default_factory=dict)
    # sentence-score pairs: asked for, read from the persistent cache, scored (distinct pairs)
    scoring: dict[str, int] = field(default_factory=dict)
    esa: ESASummary | None = None  # the ESA ratings behind the `esa` configs (None: there are none)

    @property
    def expanded_spans(self) -> int:
        """Entity spans widened to token boundaries in the ``ner`` config."""
        return self.ner_conversion["expanded"]

    @property
    def overlapping_spans(self) -> int:
        """Entity spans left out of ``ner`` tags because a longer span covers one of their tokens."""
        return self.ner_conversion["overlapping"]


def _reported(docs: Iterable[AnnotatedDocument], progress: Progress) -> Iterator[AnnotatedDocument]:
    for done, doc in enumerate(docs, 1):
        if done % PROGRESS_EVERY == 0:
            progress("read", done, None)
        yield doc


@dataclass
class _Facts:
    """What the build must know of ALL documents before writing the first row; gathered while they
    are read (one pass, nothing kept per document)."""

    pairs: dict[LanguagePair, str] = field(default_factory=dict)  # language pair → first doc_id in it
    systems: set[str] = field(default_factory=set)
    entities: bool = False  # some completed annotation marks an entity: the sources were annotated
    claims: bool = False  # some completed annotation marks a claim
    mqm_files: set[str] = field(default_factory=set)  # WMT MQM TSV files documents were imported from
    other_sources: bool = False  # some document was not imported from a WMT MQM TSV file
    imported_references: dict[str, None] = field(default_factory=dict)  # role="reference" names, in order

    def observe(self, docs: Iterable[AnnotatedDocument]) -> Iterator[AnnotatedDocument]:
        """Pass the documents through, noting what the build needs."""
        for doc in docs:
            self.pairs.setdefault(LanguagePair(doc.source_language, doc.target_language), doc.doc_id)
            self.systems.update(t.system for t in doc.translations)
            self.imported_references.update((t.system, None) for t in doc.translations if t.role == "reference")
            completed = [a for a in doc.annotations if a.status == COMPLETED]
            self.entities = self.entities or any(a.entities for a in completed)
            self.claims = self.claims or any(a.claims for a in completed)
            # import-mqm's documents: named after the file, every segment keeps its file-wide number
            if doc.source_name.endswith(".tsv") and all(s.global_seg_id is not None for s in doc.segments):
                self.mqm_files.add(doc.source_name)
            else:
                self.other_sources = True
            yield doc

    @property
    def from_mqm_tsv(self) -> bool:
        """Every document was imported from a WMT MQM TSV file."""
        return bool(self.mqm_files) and not self.other_sources

    def languages(self) -> LanguagePair:
        """The one language pair of the documents (Spanish→English when there is none); raises
        DatasetBuildError when it is unknown or several are mixed."""
        if not self.pairs:
            return SPANISH_ENGLISH
        if len(self.pairs) > 1:
            mixed = ", ".join(f"{pair if pair.known else 'unknown'} (e.g. {doc_id})"
                              for pair, doc_id in self.pairs.items())
            raise DatasetBuildError(f"the documents are in more than one language pair: {mixed}; "
                                    "a dataset holds one pair (build one dataset per pair)")
        (pair, doc_id), = self.pairs.items()
        if not pair.known:
            raise DatasetBuildError(f"the languages of the documents (e.g. {doc_id}) are not known: "
                                    "pass them, e.g. `annotate build FILE.tsv OUT --languages en-de`")
        return pair


def _check_replaceable(out_dir: Path) -> None:
    if not out_dir.exists():
        return
    if not out_dir.is_dir():
        raise DatasetBuildError(f"{out_dir} exists and is not a directory")
    if not any(out_dir.iterdir()):
        return
    readme = out_dir / "README.md"
    if not (readme.is_file() and GENERATED_MARKER in readme.read_text(encoding="utf-8", errors="replace")):
        raise DatasetBuildError(
            f"refusing to replace {out_dir}: it is not empty and is not a dataset built by `annotate build`"
        )


_Params = ParamSpec("_Params")
_Result = TypeVar("_Result")


def _cyclic_gc_paused(function: Callable[_Params, _Result]) -> Callable[_Params, _Result]:
    """``function`` with Python's cyclic garbage collector paused while it runs (its state restored after).

    A build allocates millions of small containers (records, rows, sentence statistics) that
    reference counting frees; none forms a cycle, yet each full collection walks all of them
    again: the collector cost about a quarter of a 2,000-document build's CPU time
    (scripts/bench_build.py) and found ~1,000 objects to free. Forked scoring workers inherit the pause."""

    @functools.wraps(function)
    def paused(*args: _Params.args, **kwargs: _Params.kwargs) -> _Result:
        enabled = gc.isenabled()
        gc.disable()
        try:
            return function(*args, **kwargs)
        finally:
            if enabled:
                gc.enable()

    return paused


@_cyclic_gc_paused
def build_dataset(
    docs: Iterable[AnnotatedDocument],
    out_dir: str | Path,
    *,
    name: str,
    description: str | None = None,
    license: str = DEFAULT_LICENSE,
    split: str = "auto",
    guidelines_path: Path | None = None,
    workers: int | None = None,
    score_cache: bool = True,
    progress: Progress | None = None,
    problems: list[ExportProblem] | None = None,
    reference_system: str | None = None,
    weights: MQMWeights = GOOGLE_MQM_WEIGHTS,
    esa: ESAInput | None = None,
) -> BuildReport:
    """Build ``out_dir`` = README.md (card with ``configs`` and typed ``dataset_info``) + one parquet
    file per config and split, loadable offline with ``datasets.load_dataset(out_dir, config)``.

    ``split``: ``auto`` (hash split from 20 documents, else everything in ``test``), ``hash``, or a
    split name to put everything there. ``guidelines_path``: Markdown copied into the card's
    guidelines section. ``workers``: processes for sentence scores (default: one per CPU for large
    builds, none for small ones; the output is identical either way). ``score_cache``: reuse and
    keep sentence scores in ``state_dir()/sentence-scores.sqlite`` (the output is identical with or
    without it; a rebuild after a new pull scores only new pairs). ``progress``: see
    :data:`Progress`. ``problems``: the export's parts that failed validation and are left out
    (``read_export_documents(..., problems=...)`` fills the list while ``docs`` is read; it is
    counted once every document is read), stated in the card. ``reference_system``: the name of the
    translations that are the references (an imported reference, e.g. ``ref`` in WMT MQM files), or
    ``"post_edits"``, several comma-separated (one sacrebleu reference stream each); None chooses as
    :func:`annotate.references.choose_references` does (every imported reference, else the post-edits).
    ``description``: default :data:`DEFAULT_DESCRIPTION`, or :data:`MQM_TSV_DESCRIPTION` for
    documents imported from WMT MQM TSV files. ``weights``: the MQM weighting of every ``mqm`` value
    and of the ``word_qe`` BAD tags (Google's by default), stated in the card. ``esa``: ESA ratings
    (an export's ESA tasks) written as the ``esa`` and ``esa_systems`` configs (:mod:`annotate.dataset.esa_rows`).

    The dataset's languages are the documents' ``source_language``/``target_language`` (one pair
    per dataset). Raises DatasetBuildError (what and where) on invalid records; the previous
    contents of ``out_dir`` survive any failure. The staging folders of builds of ``out_dir`` that
    were killed are removed first (:mod:`annotate.dataset.staging`).
    """
    started = time.perf_counter()
    # first: a build killed mid-swap leaves the old dataset in its `previous` folder, put back here
    remove_stale_builds(out_dir)
    _check_replaceable(out_dir)
    guidelines = _read_guidelines(guidelines_path)
    facts = _Facts()
    ordered = _read_in_doc_id_order(docs, facts, progress)  # every document read (and checked unique) before any row
    try:
        plan = _plan(ordered, facts, split, reference_system, description)
        builder = RowBuilder(plan.languages, plan.reference_system, ner=facts.entities, claims=facts.claims,
                             weights=weights)
        staging = _fresh_staging(out_dir)
        try:
            written, systems, esa_summary = _write_rows(ordered, plan, builder, staging, workers, score_cache,
                                                        progress, esa)
            omitted = _omitted_configs(written, facts, plan.reference_system)
            card = _Card(name, license, guidelines, guidelines_path, count_problems(problems or []))
            context = _card_context(card, facts, plan, builder, written, omitted, systems, len(ordered))
            context.esa = esa_summary
            (staging / "README.md").write_text(render_card(context), encoding="utf-8")
            swap_in(staging, out_dir)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    finally:
        ordered.close()
    return _build_report(context, out_dir, builder, facts, time.perf_counter() - started)


def _read_guidelines(guidelines_path: Path | None) -> str | None:
    """The Markdown guidelines the card quotes (None without a file); raises DatasetBuildError
    naming a file that does not exist."""
    if guidelines_path is None:
        return None
    if not guidelines_path.is_file():
        raise DatasetBuildError(f"guidelines file {guidelines_path} does not exist")
    return guidelines_path.read_text(encoding="utf-8")


def _read_in_doc_id_order(docs: Iterable[AnnotatedDocument], facts: _Facts,
                          progress: Progress | None) -> SortedDocuments:
    """Read every document (``facts`` noting what the build needs, ``progress`` told) and hold them
    for iteration in ``doc_id`` order; raises DatasetBuildError on a repeated doc_id or no document."""
    ordered = SortedDocuments(facts.observe(_reported(docs, progress) if progress else docs))
    if progress:
        progress("read", len(ordered), len(ordered))
    return ordered


@dataclass(frozen=True)
class _Plan:
    """What the build decided once every document was read, before writing any row."""

    rule: SplitRule
    languages: LanguagePair
    reference_system: str | None  # None: the post-edits are the references
    description: str


def _plan(ordered: SortedDocuments, facts: _Facts, split: str, reference_system: str | None,
          description: str | None) -> _Plan:
    """The split rule, the language pair, the references and the card's description of the
    documents read (see build_dataset); raises DatasetBuildError saying what does not fit."""
    try:
        rule = choose_split_rule(len(ordered), split)
        languages = facts.languages()
        reference_system = _choose_reference_system(reference_system, facts)
    except (ValueError, DatasetBuildError) as exc:
        raise DatasetBuildError(str(exc)) from None
    if description is None:
        description = MQM_TSV_DESCRIPTION if facts.from_mqm_tsv else DEFAULT_DESCRIPTION
    return _Plan(rule, languages, reference_system, description)


def _choose_reference_system(reference_system: str | None, facts: _Facts) -> str | None:
    """The translations that are the references: the ones asked for (None for ``post_edits``),
    else every imported reference (a stream each), else None (the post-edits); raises
    DatasetBuildError naming references no translation has."""
    if reference_system == POST_EDITS:  # asked for explicitly, even where references were imported
        reference_system = None
    elif reference_system is None and facts.imported_references:  # annotate.references' automatic choice
        reference_system = ",".join(facts.imported_references)  # every one: a stream each
    unknown = [name for name in reference_names(reference_system) if name not in facts.systems]
    if unknown:
        raise DatasetBuildError(f"no translations are named {', '.join(map(repr, unknown))}, so they cannot be the "
                                f"reference (there are: {', '.join(sorted(facts.systems)) or 'none'})")
    return reference_system


def _fresh_staging(out_dir: Path) -> Path:
    """An empty staging folder next to ``out_dir`` (see :mod:`annotate.dataset.staging`)."""
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = staging_dir(out_dir)
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    return staging


_Written = dict[str, dict[str, SplitFile]]  # config → split → the parquet file written


def _write_rows(ordered: SortedDocuments, plan: _Plan, builder: RowBuilder, staging: Path, workers: int | None,
                score_cache: bool, progress: Progress | None,
                esa: ESAInput | None = None) -> tuple[_Written, list[tuple[str, str]], ESASummary | None]:
    """Score and write every document's rows, then the systems rows (and ``esa``'s rows), as parquet
    under ``staging``: the files written (config → split → file), the (system, version) pairs,
    sorted, and what the ESA rows hold (None without ``esa``)."""
    writer = DatasetWriter(staging, plan.languages)
    systems: set[tuple[str, str]] = set()
    n_workers = choose_workers(ordered.n_translations, workers)
    work = ((doc, scoring_pairs(doc, plan.reference_system)) for doc in ordered)
    cache = ScoreCache(builder.scorer.cache_namespace()) if score_cache else None
    try:
        # chunks cut by document rows too: documents with few pairs (e.g. MQM TSV) are not all held
        scored = scored_in_order(work, builder.scorer, n_workers, cache, item_size=document_rows)
        for done, (doc, scores) in enumerate(scored, 1):
            if progress and (done % PROGRESS_EVERY == 0 or done == len(ordered)):
                progress("build", done, len(ordered))
            doc_split = plan.rule.split_of(doc.doc_id)
            for config, rows in builder.document(doc, doc_split, scores).items():
                writer.write(config, doc_split, rows)
            systems.update((t.system, t.system_version) for t in doc.translations)
    finally:
        if cache is not None:
            cache.close()
    for split_name in SPLIT_NAMES:
        writer.write(SYSTEMS, split_name, builder.system_rows(split_name))
    esa_summary = write_esa_configs(writer, esa, plan.rule) if esa is not None else None
    return writer.close(), sorted(systems), esa_summary


def _omitted_configs(written: _Written, facts: _Facts,
                     reference_system: str | None) -> dict[str, str]:
    """Config → why it has no rows, for every config but ``documents`` that has no file."""
    reasons = {**_EMPTY_CONFIG_REASONS,
               **({NER: _NO_ENTITIES} if not facts.entities else {}),
               **({CLAIMS: _NO_CLAIMS} if not facts.claims else {}),
               **({TRANSLATION: f"no segment has a translation by {reference_system}"} if reference_system else {})}
    return {c: reasons[c] for c in CONFIG_NAMES if c not in written and c != DOCUMENTS}


@dataclass(frozen=True)
class _Card:
    """What the caller gave the card: name, license, guidelines, and the export's set-aside parts."""

    name: str
    license: str
    guidelines: str | None
    guidelines_path: Path | None
    set_aside: dict[str, int]  # kind of export problem → count


def _card_context(card: _Card, facts: _Facts, plan: _Plan, builder: RowBuilder,
                  written: _Written, omitted: dict[str, str],
                  systems: list[tuple[str, str]], n_documents: int) -> CardContext:
    """Everything the dataset card states, gathered from the build's decisions and tallies."""
    return CardContext(
        name=card.name,
        description=plan.description,
        license=card.license,
        files=written,
        omitted_configs=omitted,
        split_rule=plan.rule.describe(),
        n_documents=n_documents,
        annotation_status=dict(sorted(builder.status_counts.items())),
        set_aside=card.set_aside,
        n_annotators=len(builder.annotators),
        n_unreviewed=len(builder.unreviewed),
        systems=systems,
        ner_conversion=builder.bio.as_dict(),
        claim_conversion=builder.claim_bio.as_dict(),
        claim_sentences=dict(builder.claim_sentences),
        word_tags=builder.word_tagger.stats.as_dict(),
        sentence_signatures=builder.scorer.sentence_signatures(),
        corpus_signatures=builder.scorer.corpus_signatures(),
        guidelines=card.guidelines,
        guidelines_source=card.guidelines_path.name if card.guidelines_path else None,
        languages=plan.languages,
        reference_system=plan.reference_system,
        origin=MQM_TSV if facts.from_mqm_tsv else LABEL_STUDIO,
        source_files=sorted(facts.mqm_files) if facts.from_mqm_tsv else [],
        entity_layer=facts.entities,
        claim_layer=facts.claims,
        weights=builder.weights,
        post_edits=builder.post_edit_tally,
    )


def _build_report(context: CardContext, out_dir: Path, builder: RowBuilder, facts: _Facts,
                  seconds: float) -> BuildReport:
    """What the build wrote and adapted (for the CLI), from the card's context and the builder."""
    return BuildReport(
        name=context.name,
        out_dir=out_dir,
        readme=out_dir / "README.md",
        files={c: {s: out_dir / f.relative_path for s, f in splits.items()} for c, splits in context.files.items()},
        counts={c: {s: f.num_examples for s, f in splits.items()} for c, splits in context.files.items()},
        omitted_configs=context.omitted_configs,
        n_documents=context.n_documents,
        annotation_status=context.annotation_status,
        unreviewed=list(builder.unreviewed),
        ner_conversion=context.ner_conversion,
        claim_conversion=context.claim_conversion,
        word_tags=context.word_tags,
        split_rule=context.split_rule,
        set_aside=context.set_aside,
        languages=context.languages,
        reference_system=context.reference_system,
        systems=sorted(facts.systems),
        seconds={"total": seconds, "sacrebleu": builder.scorer.seconds, "scoring_wait": builder.scorer.wait_seconds},
        scoring=dict(builder.scorer.counts),
        esa=context.esa,
    )
