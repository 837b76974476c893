"""Gold annotations of the seed articles: load them into records, check them, write skeletons.

The gold files (``seeds/gold/<seed file stem>.yaml``, one per seed article, hand-authored) are
anchored on TEXT, not offsets, so they survive small pipeline changes and stay readable::

    doc: 000_ad44c9bdf5348be7.txt        # the seed file name (Article.source_name)
    annotator: gold-annotator-1          # pseudonym, optional (default gold-annotator-1)
    segments:
      - seg: 1                           # Segment.seg_id, 1-based, every segment in order
        source: "Putin acepta invitación de Kim Jong Un para visitar Corea del Norte"
        entities: [[PER, "Putin"], [PER, "Kim Jong Un"], [LOC, "Corea del Norte"]]
        claims: [[Event, "Putin acepta invitación de Kim Jong Un para visitar Corea del Norte"]]
        mt: "Putin accepts invitation of Kim Jong A to visit North Korea"   # exact Apertium output
        errors:                          # [category, severity, anchor in mt, note (optional)]; an omission's anchor: {source: "…"}
          - ["Accuracy/Mistranslation", Major, "Kim Jong A", "name translated word by word"]
        post_edit: "Putin accepts Kim Jong Un's invitation to visit North Korea"
        note: "optional free text: source defects, segmentation problems"

Anchors (entity and claim texts in ``source``; error texts in ``mt``):

* an anchor is an exact, case-sensitive substring of its text that does not cut a word: "his"
  is not found inside "This" (a needle edge that is a space or punctuation may touch anything);
  only a needle with no whole-word occurrence at all matches inside words, for run-on defects
  of the sources such as "Septiembre pasadoEl" (anchor "Septiembre pasado");
* if that substring occurs more than once, the anchor MUST carry an occurrence suffix ``#N``
  (1-based, counting every start position): ``"Kim#2"`` is the second "Kim" of the sentence;
  an unsuffixed ambiguous anchor is an error, never a silent first match;
* a trailing ``#<digits>`` is always read as the suffix, so a text that itself ends in
  ``#<digits>`` is written with an explicit ``#1`` after it;
* an omission is anchored on the SOURCE words the translation lost, as in the labeling UI and
  Google's MQM: ``["Accuracy/Omission", Major, {source: "y cooperación técnica"}, "note"]`` (the
  anchor rules apply within ``source``; only ``schema.SOURCE_SIDE_CATEGORIES`` take a source anchor).
  Only where no source word can be pointed at, it is anchored on the MT words next to the gap, with
  a note saying what is missing (``Accuracy/Omission`` spans are never empty in these files).

Labels, claim types, MQM categories and severities must be values of ``annotate.schema``.
``errors: []`` means "judged, no errors"; a missing or null ``errors`` / ``post_edit`` means "not
annotated yet" and fails ``check``.

**Other systems.** A gold file in a sub-folder named after an MT system
(``seeds/gold/apertium-via-cat/<seed file stem>.yaml``) holds the MQM judgement of that system's
output of the same article, by the same annotator: ``system: apertium-via-cat`` and, per segment,
``seg``, ``source``, ``mt`` (that system's exact output) and ``errors`` only — no entities, claims
or post-edit (those belong to the article, in the main file). Its ratings join the main file's
annotation, as one annotator rating two columns of one Label Studio task.

Commands::

    python scripts/gold.py check      # validate every file and every anchor against the pipeline
    python scripts/gold.py skeleton   # write a skeleton per seed from the current pipeline
    python scripts/gold.py skeleton --system apertium-via-cat   # MQM-only skeletons of another system
    python scripts/gold.py lint       # validate the files on their own (no pipeline run)
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(REPO))

from annotate import schema  # noqa: E402
from annotate.records import (  # noqa: E402
    AnnotatedDocument,
    Article,
    DocumentAnnotation,
    ErrorSpan,
    PostEdit,
    Segment,
    SegmentRating,
    Span,
    Translation,
)

SEEDS_DIR = REPO / "seeds"
GOLD_DIR = SEEDS_DIR / "gold"
GOLD_SYSTEM = "apertium"  # the MT system the gold MQM judgements and error spans refer to
DEFAULT_ANNOTATOR = "gold-annotator-1"
_OCCURRENCE = re.compile(r"^(?P<text>.*)#(?P<n>\d+)$", re.DOTALL)


class GoldError(ValueError):
    """Gold files that do not match the pipeline or the schema; lists every problem found."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__(f"{len(problems)} gold annotation problem(s):\n" + "\n".join(f"  - {p}" for p in problems))


# ── anchors ───────────────────────────────────────────────────────────────────────────────────


def resolve_anchor(anchor: str, text: str) -> tuple[int, int]:
    """Offsets (start, end) of ``anchor`` in ``text`` (see the module docstring for the ``#N``
    suffix). Raises ValueError saying why an anchor does not resolve or is ambiguous."""
    if not isinstance(anchor, str) or not anchor:
        raise ValueError(f"anchor must be a non-empty string, got {anchor!r}")
    match = _OCCURRENCE.match(anchor)
    needle, wanted = (match["text"], int(match["n"])) if match else (anchor, None)
    if not needle:
        raise ValueError(f"anchor {anchor!r} has an occurrence suffix but no text")
    starts = _occurrences(needle, text)
    if not starts:
        raise ValueError(f"anchor {needle!r} not found (as whole words) in {text!r}")
    if wanted is None:
        if len(starts) > 1:
            raise ValueError(f"anchor {needle!r} occurs {len(starts)} times in {text!r}: add #1…#{len(starts)}")
        wanted = 1
    if not 1 <= wanted <= len(starts):
        raise ValueError(f"anchor {anchor!r}: {needle!r} occurs only {len(starts)} time(s)")
    start = starts[wanted - 1]
    return start, start + len(needle)


def _occurrences(needle: str, text: str) -> list[int]:
    """Start offsets of ``needle`` in ``text`` that do not cut a word: "his" is not found inside
    "This", "Kim" not inside "Kimberly" (an edge of the needle that is not a word character,
    e.g. a space or a comma, may touch anything). Only when there is no such occurrence at all
    are plain substring occurrences used, for run-on source defects like "pasadoEl"."""
    lead = r"(?<!\w)" if re.match(r"\w", needle) else ""
    trail = r"(?!\w)" if re.search(r"\w$", needle) else ""
    whole = [m.start() for m in re.finditer(f"{lead}(?={re.escape(needle)}{trail})", text)]
    return whole or [m.start() for m in re.finditer(f"(?={re.escape(needle)})", text)]


def anchor_for(span_text: str, start: int, text: str) -> str:
    """The shortest anchor that resolves to ``text[start:start+len(span_text)]`` (inverse of
    resolve_anchor; used to write files from offsets)."""
    starts = _occurrences(span_text, text)
    if len(starts) == 1 and not _OCCURRENCE.match(span_text):
        return span_text
    return f"{span_text}#{starts.index(start) + 1}"


# ── reading and validating one file (no pipeline needed) ─────────────────────────────────────


@dataclass
class GoldSegment:
    """One authored segment, anchors already resolved to offsets into its own texts."""

    seg: int
    source: str
    mt: str
    entities: list[Span]  # offsets into ``source``
    claims: list[Span]  # offsets into ``source``
    errors: list[ErrorSpan]  # offsets into ``mt`` (``source`` for side "source")
    post_edit: str
    note: str = ""


@dataclass
class GoldFile:
    """One authored gold file after validation."""

    path: Path
    doc: str  # seed file name
    annotator: str
    segments: list[GoldSegment]
    system: str = "apertium"  # whose output ``mt`` is (GOLD_SYSTEM: the main file of the article)


def _pairs(value: Any, where: str, problems: list[str], arity: tuple[int, ...]) -> list[list[Any]]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, list) and len(v) in arity for v in value):
        problems.append(f"{where}: expected a list of {'/'.join(map(str, arity))}-item lists, got {value!r}")
        return []
    return value


def read_gold_file(path: Path, *, require_complete: bool = True) -> tuple[GoldFile, list[str]]:
    """Parse and validate one gold file on its own (schema values, anchors, completeness).
    Returns the parsed file and the problems found (each naming file, segment and text)."""
    import yaml  # PyYAML: a dependency of datasets / huggingface_hub

    problems: list[str] = []
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        return GoldFile(path, "", DEFAULT_ANNOTATOR, []), [f"{path.name}: not valid YAML: {exc}"]
    if not isinstance(data, dict) or not isinstance(data.get("doc"), str) or not isinstance(data.get("segments"), list):
        return GoldFile(path, "", DEFAULT_ANNOTATOR, []), [f"{path.name}: needs 'doc' (str) and 'segments' (list)"]
    doc = data["doc"]
    system = data.get("system") or GOLD_SYSTEM
    rating_only = system != GOLD_SYSTEM  # another system's MQM: no entities, claims or post-edits
    entity_labels, claim_types = set(schema.entity_values()), set(schema.claim_type_values())
    categories, severities = set(schema.mqm_category_names()), set(schema.severity_names())
    source_side = {c.name for c in schema.SOURCE_SIDE_CATEGORIES}
    segments: list[GoldSegment] = []
    for index, item in enumerate(data["segments"], 1):
        where = f"{path.name} seg {item.get('seg', '?') if isinstance(item, dict) else '?'}"
        if not isinstance(item, dict) or item.get("seg") != index:
            problems.append(f"{where}: segments must be numbered 1, 2, … in order (entry {index})")
            continue
        source, mt = item.get("source"), item.get("mt")
        if not isinstance(source, str) or not isinstance(mt, str):
            problems.append(f"{where}: 'source' and 'mt' must be strings")
            continue
        if rating_only and any(key in item for key in ("entities", "claims", "post_edit")):
            problems.append(f"{where}: a {system} file holds MQM errors only (entities, claims and the "
                            f"post-edit belong to the article's main file)")
        entities = _spans(item.get("entities"), entity_labels, "entity", source, where, problems)
        claims = _spans(item.get("claims"), claim_types, "claim type", source, where, problems)
        errors: list[ErrorSpan] = []
        raw_errors = item.get("errors")
        if raw_errors is None and require_complete:
            problems.append(f"{where}: no MQM judgement ('errors' missing; write [] for no errors)")
        for entry in _pairs(raw_errors, f"{where} errors", problems, (3, 4)):
            category, severity, anchor = entry[:3]
            note = entry[3] if len(entry) == 4 else ""
            side, text = "target", mt
            if isinstance(anchor, dict) and list(anchor) == ["source"]:  # {source: "words the MT lost"}
                side, text, anchor = "source", source, anchor["source"]
                if category not in source_side:
                    problems.append(f"{where}: {category!r} cannot be marked in the source (only "
                                    f"{', '.join(sorted(source_side))})")
            if category not in categories:
                problems.append(f"{where}: unknown MQM category {category!r}")
            if severity not in severities:
                problems.append(f"{where}: unknown severity {severity!r} for {anchor!r}")
            try:
                start, end = resolve_anchor(anchor, text)
            except (ValueError, TypeError) as exc:
                problems.append(f"{where} {'mt' if side == 'target' else side}: {exc}")
                continue
            if category == "Non-translation!" and (start, end) != (0, len(mt)):
                problems.append(f"{where}: Non-translation! must span the whole MT segment")
            errors.append(ErrorSpan(start, end, category, severity, text[start:end], str(note), side=side))
        post_edit = item.get("post_edit")
        if rating_only:
            post_edit = ""
        elif not isinstance(post_edit, str) or not post_edit.strip():
            if require_complete:
                problems.append(f"{where}: no post-edit")
            post_edit = ""
        elif post_edit != post_edit.strip():
            problems.append(f"{where}: post-edit has leading/trailing whitespace")
        segments.append(GoldSegment(index, source, mt, entities, claims, errors, post_edit, str(item.get("note") or "")))
    annotator = data.get("annotator") or DEFAULT_ANNOTATOR
    if "@" in annotator:
        problems.append(f"{path.name}: annotator must be a pseudonym, not an email")
    return GoldFile(path, doc, annotator, segments, system), problems


def gold_paths(gold_dir: Path) -> list[Path]:
    """The main gold files (``*.yaml``), then each other system's (``<system>/*.yaml``)."""
    return sorted(Path(gold_dir).glob("*.yaml")) + sorted(Path(gold_dir).glob("*/*.yaml"))


def gold_systems(gold_dir: Path) -> list[str]:
    """Every MT system the gold judges: GOLD_SYSTEM, then each sub-folder holding gold files."""
    return [GOLD_SYSTEM, *sorted(p.name for p in Path(gold_dir).iterdir() if p.is_dir() and any(p.glob("*.yaml")))]


def _spans(value: Any, allowed: set[str], kind: str, source: str, where: str, problems: list[str]) -> list[Span]:
    spans = []
    for label, anchor in _pairs(value, f"{where} {kind}s", problems, (2,)):
        if label not in allowed:
            problems.append(f"{where}: unknown {kind} {label!r} for {anchor!r} (schema: {sorted(allowed)})")
            continue
        try:
            start, end = resolve_anchor(anchor, source)
        except ValueError as exc:
            problems.append(f"{where} source: {exc}")
            continue
        spans.append(Span(start, end, label, source[start:end]))
    return spans


# ── against the pipeline ──────────────────────────────────────────────────────────────────────


def load_gold(
    gold_dir: Path, articles: list[Article], segments: list[Segment], translations: list[Translation]
) -> list[AnnotatedDocument]:
    """Load every ``*.yaml`` gold file in ``gold_dir`` against the pipeline's current output:
    one AnnotatedDocument per file, with one completed DocumentAnnotation (entities and claims as
    offsets into Article.text, an Apertium SegmentRating per segment with error offsets into its
    MT, a PostEdit per segment). Raises GoldError listing every file/segment/text that no longer
    matches (source sentence, MT output, anchor, label) — nothing is ever dropped silently."""
    by_name = {a.source_name: a for a in articles}
    segs_by_doc: dict[str, list[Segment]] = {}
    for s in segments:
        segs_by_doc.setdefault(s.doc_id, []).append(s)
    trans_by_doc: dict[str, list[Translation]] = {}
    for t in translations:
        trans_by_doc.setdefault(t.doc_id, []).append(t)
    problems: list[str] = []
    documents: dict[str, AnnotatedDocument] = {}
    paths = gold_paths(gold_dir)
    if not paths:
        raise GoldError([f"no *.yaml gold files in {gold_dir}"])
    for path in paths:
        gold, file_problems = read_gold_file(path)
        problems += file_problems
        article = by_name.get(gold.doc)
        if article is None:
            problems.append(f"{path.name}: doc {gold.doc!r} is not among the ingested articles")
            continue
        doc_segments = sorted(segs_by_doc.get(article.doc_id, []), key=lambda s: s.seg_id)
        mts = {t.seg_id: t for t in trans_by_doc.get(article.doc_id, []) if t.system == gold.system}
        document, doc_problems = _document(gold, article, doc_segments, mts, trans_by_doc.get(article.doc_id, []))
        problems += doc_problems
        if gold.system == GOLD_SYSTEM:
            documents[article.doc_id] = document
        elif article.doc_id not in documents:
            problems.append(f"{gold.system}/{path.name}: no main gold file for {gold.doc}")
        else:  # the same annotator's ratings of another column of the same task
            (main,) = documents[article.doc_id].annotations
            (other,) = document.annotations
            if other.annotator != main.annotator:
                problems.append(f"{gold.system}/{path.name}: annotator {other.annotator!r} differs from the "
                                f"main file's {main.annotator!r}")
            main.ratings += other.ratings
    if problems:
        raise GoldError(problems)
    return list(documents.values())


def _document(
    gold: GoldFile,
    article: Article,
    doc_segments: list[Segment],
    mts: dict[int, Translation],
    translations: list[Translation],
) -> tuple[AnnotatedDocument, list[str]]:
    problems: list[str] = []
    name = gold.path.name if gold.system == GOLD_SYSTEM else f"{gold.system}/{gold.path.name}"
    system = gold.system
    text = article.text
    if len(gold.segments) != len(doc_segments):
        problems.append(f"{name}: {len(gold.segments)} gold segments but the pipeline has {len(doc_segments)}")
    annotation = DocumentAnnotation(doc_id=article.doc_id, annotator=gold.annotator, status="completed")
    for g, seg in zip(gold.segments, doc_segments):
        where = f"{name} seg {g.seg}"
        if seg.seg_id != g.seg:
            problems.append(f"{where}: pipeline segment id is {seg.seg_id}")
        if seg.text != g.source or text[seg.start : seg.end] != seg.text:
            problems.append(f"{where}: source changed:\n      gold:     {g.source!r}\n      pipeline: {seg.text!r}")
            continue
        translation = mts.get(seg.seg_id)
        if translation is None:
            problems.append(f"{where}: no {system} translation in the pipeline output")
            continue
        if translation.mt != g.mt:
            problems.append(f"{where}: {system} output changed:\n      gold:     {g.mt!r}\n      pipeline: {translation.mt!r}")
            continue
        for spans, target in ((g.entities, annotation.entities), (g.claims, annotation.claims)):
            for sp in spans:
                start, end = seg.start + sp.start, seg.start + sp.end
                assert text[start:end] == sp.text, (where, sp)  # follows from seg.text == text[seg.start:seg.end]
                target.append(Span(start, end, sp.label, sp.text))
        annotation.ratings.append(
            SegmentRating(
                system=system,
                doc_id=article.doc_id,
                seg_id=seg.seg_id,
                rater=gold.annotator,
                source=seg.text,
                target=translation.mt,
                errors=list(g.errors),
                doc=article.source_name,
            )
        )
        if system == GOLD_SYSTEM:
            annotation.post_edits.append(PostEdit(seg.seg_id, g.post_edit))
    document = AnnotatedDocument(
        doc_id=article.doc_id,
        title=article.title,
        text=text,
        source_name=article.source_name,
        segments=doc_segments,
        translations=sorted(translations, key=lambda t: (t.seg_id, t.system)),
        annotations=[annotation],
    )
    return document, problems


# ── the pipeline the gold files are checked against ───────────────────────────────────────────


def run_pipeline(seeds_dir: Path = SEEDS_DIR, systems: list[str] | None = None,
                 ) -> tuple[list[Article], list[Segment], list[Translation]]:
    """Ingest, segment and translate the seed articles through the project's one pipeline
    (annotate.pipeline), with every system the gold judges (``systems``, default
    :func:`gold_systems` of ``seeds_dir/gold``). Stricter than the commands: a seed file that
    cannot be ingested, or a system that cannot run, is a GoldError (never a gold file checked
    against fewer articles or systems than it judges)."""
    from annotate.pipeline import PipelineError
    from annotate.pipeline import run_pipeline as pipeline

    gold_dir = Path(seeds_dir) / "gold"
    names = systems or (gold_systems(gold_dir) if gold_dir.is_dir() else [GOLD_SYSTEM])
    try:
        # Only the *.txt seeds (the default pattern): seeds/ also holds GUIDELINES.md and gold/.
        # No cache: the gold files are checked against what the systems say now.
        result = pipeline(seeds_dir, names, use_cache=False)
    except PipelineError as exc:
        raise GoldError([str(exc)]) from None
    if result.skipped:
        raise GoldError([f"seed article {problem}" for problem in result.problems])
    if not result.articles:
        raise GoldError([f"no *.txt seed articles in {seeds_dir}"])
    return result.articles, result.segments, result.translations


# ── skeleton writer ───────────────────────────────────────────────────────────────────────────


def _q(value: str) -> str:
    """A YAML double-quoted scalar (JSON string syntax is valid YAML)."""
    import json

    return json.dumps(value, ensure_ascii=False)


def skeleton_yaml(article: Article, segments: list[Segment], mts: dict[int, str], system: str = GOLD_SYSTEM) -> str:
    """A gold file for one article with sources and MT filled in, everything else to annotate
    (for another system than GOLD_SYSTEM: its MQM errors only)."""
    lines = [f"doc: {_q(article.source_name)}", *([f"system: {system}"] if system != GOLD_SYSTEM else []),
             f"annotator: {DEFAULT_ANNOTATOR}", "segments:"]
    for s in segments:
        lines += [f"  - seg: {s.seg_id}", f"    source: {_q(s.text)}"]
        if system == GOLD_SYSTEM:
            lines += ["    entities: []", "    claims: []"]
        lines += [f"    mt: {_q(mts[s.seg_id])}", "    errors: null"]
        if system == GOLD_SYSTEM:
            lines += ["    post_edit: null"]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """``check`` or ``skeleton``; exit status 0 on success, 1 on problems."""
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=["check", "skeleton", "lint"])
    parser.add_argument("--gold-dir", type=Path, default=GOLD_DIR)
    parser.add_argument("--seeds-dir", type=Path, default=SEEDS_DIR)
    parser.add_argument("--out", type=Path, help="skeleton: write here instead of --gold-dir")
    parser.add_argument("--force", action="store_true", help="skeleton: overwrite existing files")
    parser.add_argument("--system", default=GOLD_SYSTEM, help="skeleton: the MT system to judge (another "
                        "system than apertium goes to a sub-folder named after it)")
    args = parser.parse_args(argv)
    if args.command == "lint":  # the files on their own: schema values and anchors, no pipeline
        problems = [p for path in gold_paths(args.gold_dir) for p in read_gold_file(path)[1]]
        print("\n".join(problems) or "ok", file=sys.stderr if problems else sys.stdout)
        return 1 if problems else 0
    if args.command == "skeleton":
        articles, segments, translations = run_pipeline(args.seeds_dir, [args.system])
        out = args.out or (args.gold_dir if args.system == GOLD_SYSTEM else args.gold_dir / args.system)
        out.mkdir(parents=True, exist_ok=True)
        for article in articles:
            path = out / f"{Path(article.source_name).stem}.yaml"
            if path.exists() and not args.force:  # never lose authored work
                print(f"kept existing {path} (use --force or --out to write elsewhere)")
                continue
            segs = [s for s in segments if s.doc_id == article.doc_id]
            mts = {t.seg_id: t.mt for t in translations if t.doc_id == article.doc_id}
            path.write_text(skeleton_yaml(article, segs, mts, args.system), encoding="utf-8")
            print(f"wrote {path} ({len(segs)} segments)")
        return 0
    articles, segments, translations = run_pipeline(args.seeds_dir)
    try:
        documents = load_gold(args.gold_dir, articles, segments, translations)
    except GoldError as exc:
        print(exc, file=sys.stderr)
        return 1
    annotated = {d.source_name for d in documents}
    missing = sorted(a.source_name for a in articles if a.source_name not in annotated)
    for d in documents:
        a = d.annotations[0]
        errors = Counter(r.system for r in a.ratings for _ in r.errors)
        rated = Counter(r.system for r in a.ratings)
        judged = ", ".join(f"{system}: {rated[system]} rated, {errors[system]} MQM errors" for system in rated)
        print(f"{d.source_name}: {len(d.segments)} segments, {len(a.entities)} entities, "
              f"{len(a.claims)} claims, {len(a.post_edits)} post-edits; {judged}")
    if missing:
        print(f"no gold file for: {', '.join(missing)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
