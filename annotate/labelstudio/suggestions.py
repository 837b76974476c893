"""Which pre-annotations a task gets, and when they are made again.

* :func:`default_suggester`: entities on the source (spaCy + rules), automatic error suggestions on
  each MT output (:mod:`annotate.suggest`) and, with an error memory, the errors annotators marked
  again and again (:mod:`annotate.error_memory`), under one model version that names them all;
* :func:`stale_suggestions`: an un-annotated task whose suggestions came from another version of
  that suggester gets new ones on the next push (the version is recorded in the task's meta);
* :func:`is_held_out`: the hash-chosen share of tasks whose suggestions are withheld (anchoring).
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

from annotate.labelstudio.client import ExistingTask
from annotate.labelstudio.tasks import Suggester, TaskBuildError, entity_results, error_results
from annotate.records import AnnotatedDocument

if TYPE_CHECKING:
    from annotate.error_memory import ErrorMemory

SUGGESTER_NAME = "annotate-suggest"  # the model versions of our suggestions start with it


def default_suggester(memory: ErrorMemory | None = None) -> tuple[Suggester | None, str]:
    """Pre-annotations from :mod:`annotate.suggest` (entities on the source, automatic error
    suggestions on each MT output), plus the errors ``memory`` remembers where no rule suggested
    one, and their model_version; (None, "") if it is unavailable."""
    try:
        from annotate import suggest
    except ImportError:
        return None, ""
    version = f"{SUGGESTER_NAME} {getattr(suggest, 'ENTITY_MODEL_VERSION', 'unknown')}"
    if memory:
        version += f"+{memory.version}"

    def run(doc: AnnotatedDocument, data: dict[str, Any]) -> list[dict]:
        result: list[dict] = []
        spans = list(suggest.suggest_entities(doc.text))
        for span in spans:
            try:  # a suggestion outside every segment (page chrome, gap) is simply not offered
                result += entity_results(data, [span], origin=None, salt=f"{doc.doc_id}:suggest")
            except TaskBuildError:
                continue
        names = {span.text for span in spans if span.label == suggest.PERSON}  # a name part mistranslated
        for translation in doc.translations:
            errors = list(suggest.suggest_errors(translation, names, doc.target_language))
            if memory:
                errors += memory.suggest(translation, taken=[(e.start, e.end) for e in errors])
            if errors:
                result += error_results(data, translation.system, translation.seg_id, errors, origin=None,
                                        salt=f"{doc.doc_id}:suggest")
        return result

    return run, version


def stale_suggestions(task: ExistingTask, suggester: Suggester | None, model_version: str) -> bool:
    """Whether an un-annotated task's suggestions came from another version of our suggester. A
    task without recorded suggestions is left as it is, and so is one holding more predictions than
    the one push writes: another model's are never replaced."""
    versions = task.suggestion_versions
    return (suggester is not None and bool(versions) and model_version not in versions and task.predictions <= 1
            and all(v.startswith(SUGGESTER_NAME) for v in versions))


def is_held_out(doc_id: str, percent: float) -> bool:
    """Is ``doc_id`` among the ``percent`` % of tasks whose suggestions are withheld? A hash of the
    doc_id decides, so a task is held out on every push or on none."""
    if percent <= 0:
        return False
    bucket = int(hashlib.sha256(doc_id.encode("utf-8")).hexdigest()[:8], 16) % 10_000
    return bucket < round(percent * 100)
