"""Raw articles → translations: ingest → segment → translate, composed here and nowhere else.

Every caller goes through this module: ``annotate segment`` and ``annotate translate``
(:mod:`annotate.commands.pipeline`), ``annotate push DIR`` (:mod:`annotate.commands.push`,
which hands the documents to :mod:`annotate.labelstudio.push`: that module only syncs with Label
Studio), the demo (:mod:`annotate.demo`) and the gold check (``scripts/gold.py``). What differs
between them is an option here, not another composition:

* the systems: every usable one (the default: why the others are not comes back in
  ``unavailable``), or those named, each of which must be usable; translator objects are used as
  they are (stand-ins in tests);
* the translation cache: on (the default), or off (the gold check compares the gold files with what
  the systems say now; ``annotate translate --no-cache``);
* progress: ``progress(system, total)`` is called as each system starts and returns the callback
  told how many more segments are done (the rich bars of :mod:`annotate.translate.stage`);
* imported outputs and references (:mod:`annotate.translate.imported`): coverage checked against the
  segments, a name never clashing with a system's or another import's;
* files that cannot be ingested never stop the others: they come back in ``skipped``, and each
  caller says so in its own way (the commands exit 1 after their output, the gold check refuses).

Translations come system by system (in the order the systems were given or registered), then the
imported outputs, then the references, each in segment order.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from annotate.ingest.articles import DEFAULT_PATTERN, IngestError, ingest_dir
from annotate.records import AnnotatedDocument, Article, Segment, Translation
from annotate.ingest.segment import segment_article
from annotate.translate.base import Translator, TranslatorUnavailable, get_translator, probe_translators
from annotate.translate.cache import DEFAULT_BATCH_SIZE, TranslationCache, TranslationRun, translate_segments_run
from annotate.translate.imported import ImportedOutputsError, ImportSpec, import_outputs

# Called with (system name, segments to translate) as a system starts; returns the callback told
# how many more segments are done.
ProgressFactory = Callable[[str, int], Callable[[int], None]]


class PipelineError(Exception):
    """A problem to fix before anything is translated: a missing input, an unknown or unusable
    system, no system at all. ``exit_code``: 2 for the user's input, 1 for this machine."""

    def __init__(self, message: str, exit_code: int = 2) -> None:
        super().__init__(message)
        self.exit_code = exit_code


@dataclass
class SystemRun:
    """One MT system's pass over the segments (with what came from the cache, for summaries)."""

    translator: Translator
    run: TranslationRun


@dataclass
class ImportedRun:
    """The outputs of a system run elsewhere (role ``mt``) or a human reference, read from a file."""

    spec: ImportSpec
    role: str  # "mt" or "reference"
    translations: list[Translation]


@dataclass
class PipelineResult:
    """What the text stages made of the input. ``articles`` is empty when the segments came from
    a pipe (``annotate segment --jsonl | annotate translate``)."""

    articles: list[Article] = field(default_factory=list)
    segments: list[Segment] = field(default_factory=list)  # every article's, article by article
    skipped: list[IngestError] = field(default_factory=list)  # input files that could not be ingested
    runs: list[SystemRun] = field(default_factory=list)
    imported: list[ImportedRun] = field(default_factory=list)  # imported outputs, then references
    unavailable: dict[str, str] = field(default_factory=dict)  # MT system → why it was not used

    @property
    def problems(self) -> list[str]:
        """One ``path: reason`` line per skipped input file."""
        return [f"{error.path}: {error.reason}" for error in self.skipped]

    @property
    def translators(self) -> list[Translator]:
        return [system.translator for system in self.runs]

    @property
    def systems(self) -> list[str]:
        """The systems whose outputs annotators rate: those run here, then the imported ones."""
        return [run.translator.name for run in self.runs] + [i.spec.name for i in self.imported if i.role == "mt"]

    @property
    def translations(self) -> list[Translation]:
        """Every Translation: system by system, then imported outputs and references."""
        return [t for system in self.runs for t in system.run.translations] + [
            t for imported in self.imported for t in imported.translations]

    def segments_by_doc(self) -> dict[str, list[Segment]]:
        """Each article's segments, in order (an article without any has an empty list). Two files
        with the same article (one doc_id: a copy, a link) share one list, each segment once."""
        by_doc: dict[str, dict[int, Segment]] = {article.doc_id: {} for article in self.articles}
        for segment in self.segments:
            by_doc.setdefault(segment.doc_id, {}).setdefault(segment.seg_id, segment)
        return {doc_id: list(segments.values()) for doc_id, segments in by_doc.items()}

    def documents(self) -> list[AnnotatedDocument]:
        """The articles as Label Studio shows them: clean text, sentences, every translation (one
        document per file: the push keeps the first of those sharing a doc_id, and says so)."""
        segments = self.segments_by_doc()
        translations: dict[str, dict[tuple[str, str, int], Translation]] = {a.doc_id: {} for a in self.articles}
        for t in self.translations:
            translations.setdefault(t.doc_id, {}).setdefault((t.system, t.role, t.seg_id), t)
        return [AnnotatedDocument(doc_id=a.doc_id, title=a.title, text=a.text, source_name=a.source_name,
                                  segments=segments[a.doc_id], translations=list(translations[a.doc_id].values()))
                for a in self.articles]


def segment_articles(articles: Sequence[Article], skipped: Sequence[IngestError] = ()) -> PipelineResult:
    """Segment articles already ingested (read from a pipe, or by :func:`ingest_and_segment`)."""
    articles = list(articles)
    segments = [segment for article in articles for segment in segment_article(article)]
    return PipelineResult(articles=articles, segments=segments, skipped=list(skipped))


def ingest_and_segment(path: Path | str, pattern: str = DEFAULT_PATTERN) -> PipelineResult:
    """Ingest a folder of raw articles (or one file) and segment them. Files that cannot be ingested
    are listed in ``skipped``; a missing path is a PipelineError (exit code 2)."""
    try:
        articles, skipped = ingest_dir(path, pattern)
    except FileNotFoundError as exc:
        raise PipelineError(str(exc)) from None
    return segment_articles(articles, skipped)


def choose_translators(systems: Sequence[str | Translator] | None = None) -> tuple[list[Translator], dict[str, str]]:
    """The systems given (a name must be registered and usable here; each is used once), or every
    usable real system when none is; also why the other registered systems are not usable (only
    when choosing them all: a named choice leaves nothing to explain)."""
    if not systems:
        return probe_translators()
    translators: list[Translator] = []
    for system in systems:
        if not isinstance(system, str):
            translators.append(system)
            continue
        if system in [t.name for t in translators]:  # named twice: run once
            continue
        try:
            translators.append(get_translator(system))
        except KeyError as exc:
            raise PipelineError(str(exc.args[0])) from None
        except TranslatorUnavailable as exc:
            raise PipelineError(f"MT system {system!r} is not usable here: {exc}", exit_code=1) from None
    return translators, {}


def import_files(segments: Sequence[Segment], taken: Sequence[str], imports: Sequence[ImportSpec] = (),
                 references: Sequence[ImportSpec] = ()) -> list[ImportedRun]:
    """Read imported outputs, then references, for ``segments`` (coverage checked by
    :func:`~annotate.translate.imported.import_outputs`); a name already ``taken`` by a system or
    another import is an ImportedOutputsError, as two columns must never share a name."""
    names = list(taken)
    imported: list[ImportedRun] = []
    for spec, role in [*((spec, "mt") for spec in imports), *((spec, "reference") for spec in references)]:
        if spec.name in names:
            raise ImportedOutputsError(f"{spec.path}: the name {spec.name!r} is taken (a system or another import)")
        names.append(spec.name)
        imported.append(ImportedRun(spec, role, import_outputs(spec, segments, role=role)))
    return imported


def translate(
    result: PipelineResult,
    systems: Sequence[str | Translator] | None = None,
    *,
    imports: Sequence[ImportSpec] = (),
    references: Sequence[ImportSpec] = (),
    use_cache: bool = True,
    batch_size: int = DEFAULT_BATCH_SIZE,
    progress: ProgressFactory | None = None,
    on_unavailable: Callable[[str, str], None] | None = None,
) -> PipelineResult:
    """Translate ``result``'s segments with each system (see :func:`choose_translators`) through the
    persistent cache, and add the imported outputs and references; returns ``result``, filled in.
    Everything that can be refused is checked before the first sentence is translated: the
    systems (PipelineError when none can run and nothing is imported), then the imports
    (ImportedOutputsError). A failing system raises TranslationError; the batches it finished
    before are in the cache. ``on_unavailable(system, reason)`` is told, before any translating, of
    each system left out because it cannot run here."""
    translators, result.unavailable = choose_translators(systems)
    if not translators and not imports:
        detail = "; ".join(f"{name}: {reason}" for name, reason in result.unavailable.items())
        raise PipelineError(f"no MT system is usable on this machine ({detail})", exit_code=1)
    if on_unavailable is not None:
        for name, reason in result.unavailable.items():
            on_unavailable(name, reason)
    result.imported = import_files(result.segments, [t.name for t in translators], imports, references)
    cache = TranslationCache() if use_cache else None
    try:
        result.runs = [
            SystemRun(translator, translate_segments_run(
                result.segments, translator, cache, batch_size=batch_size,
                progress=progress(translator.name, len(result.segments)) if progress else None))
            for translator in translators
        ]
    finally:
        if cache is not None:
            cache.close()
    return result


def run_pipeline(
    path: Path | str,
    systems: Sequence[str | Translator] | None = None,
    *,
    pattern: str = DEFAULT_PATTERN,
    imports: Sequence[ImportSpec] = (),
    references: Sequence[ImportSpec] = (),
    use_cache: bool = True,
    batch_size: int = DEFAULT_BATCH_SIZE,
    progress: ProgressFactory | None = None,
    on_unavailable: Callable[[str, str], None] | None = None,
) -> PipelineResult:
    """Ingest, segment and translate a folder of raw articles (or one file): :func:`ingest_and_segment`
    then :func:`translate`, with the same options."""
    return translate(ingest_and_segment(path, pattern), systems, imports=imports, references=references,
                     use_cache=use_cache, batch_size=batch_size, progress=progress, on_unavailable=on_unavailable)
