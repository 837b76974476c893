"""Raw articles → documents ready to push: ingested, segmented, translated by every available
MT system (and imported outputs and references)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from annotate.labelstudio.errors import LabelStudioError
from annotate.records import AnnotatedDocument
from annotate.translate.imported import ImportedOutputsError, ImportSpec, import_outputs


@dataclass
class PreparedDocuments:
    """Articles ingested, segmented and translated by every available system."""

    documents: list[AnnotatedDocument]
    problems: list[str]  # files that could not be ingested, systems that could not run
    systems: list[str]
    skipped_files: int = 0  # of those problems, the input files left out (push exits 1 for them, like ingest)


def documents_from_dir(path: Path | str, translators: Sequence[Any] | None = None, *,
                       imports: Sequence[ImportSpec] = (), references: Sequence[ImportSpec] = ()) -> PreparedDocuments:
    """Ingest a folder of raw articles, segment them and translate every segment with each
    available MT system (through the persistent translation cache); ``imports`` add the outputs
    of other systems and ``references`` human references, from files (annotate.translate.imported:
    coverage checked, an ImportedOutputsError otherwise)."""
    from annotate.articles import ingest_dir
    from annotate.segment import segment_article
    from annotate.translate import TranslationCache, available_translators, translate_segments, unavailable_reasons

    articles, errors = ingest_dir(path)
    problems = [f"{error}" for error in errors]
    if translators is None:
        translators = available_translators()
        problems += [f"MT system {name} unavailable: {why}" for name, why in unavailable_reasons().items()]
    if not translators and not imports:
        raise LabelStudioError("no MT system can run here; " + "; ".join(problems))
    segments = {article.doc_id: segment_article(article) for article in articles}
    every_segment = [segment for article in articles for segment in segments[article.doc_id]]
    translations: dict[str, list] = {article.doc_id: [] for article in articles}
    with TranslationCache() as cache:
        for translator in translators:
            for translation in translate_segments(every_segment, translator, cache):
                translations[translation.doc_id].append(translation)
    names = [t.name for t in translators]
    for spec, role in [*((spec, "mt") for spec in imports), *((spec, "reference") for spec in references)]:
        if spec.name in names:
            raise ImportedOutputsError(f"{spec.path}: the name {spec.name!r} is taken (a system or another import)")
        names.append(spec.name)
        for translation in import_outputs(spec, every_segment, role=role):
            translations[translation.doc_id].append(translation)
    documents = [AnnotatedDocument(doc_id=a.doc_id, title=a.title, text=a.text, source_name=a.source_name,
                                   segments=segments[a.doc_id], translations=translations[a.doc_id])
                 for a in articles]
    return PreparedDocuments(documents=documents, problems=problems,
                             systems=[t.name for t in translators] + [spec.name for spec in imports],
                             skipped_files=len(errors))
