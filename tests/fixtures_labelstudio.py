"""Session fixtures for the Label Studio integration: a REAL local server.

A fresh data folder costs ~1–3 minutes of migrations, so it is initialised ONCE as a template
(``label-studio init``) and kept in pytest's cache folder (``.pytest_cache/…``, keyed by the
Label Studio version), then copied for each server (~4–20 s start). One server is shared by the
session; tests that kill or reconfigure a server get their own copy.
"""

from __future__ import annotations

import contextlib
import fcntl
import importlib.metadata
import os
import shutil
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from annotate.records import (
    AnnotatedDocument,
    DocumentAnnotation,
    ErrorSpan,
    PostEdit,
    Segment,
    SegmentRating,
    Span,
    Translation,
)


def _label_studio_version() -> str | None:
    try:
        return importlib.metadata.version("label-studio")
    except importlib.metadata.PackageNotFoundError:
        return None


@pytest.fixture(scope="session")
def ls_template(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An initialised ``labelstudio/`` state folder (data + credentials) to copy servers from."""
    version = _label_studio_version()
    if version is None:
        pytest.skip("label-studio is not installed (pip install 'annotate[server]')")
    from annotate.labelstudio.server import init_data_dir

    cache = getattr(request.config, "cache", None)  # absent with -p no:cacheprovider: build per session
    name = f"annotate-labelstudio-template-{version}"
    cache_root = Path(cache.mkdir(name)) if cache is not None else tmp_path_factory.mktemp(name)
    template = cache_root / "labelstudio"
    with open(cache_root / ".lock", "w") as lock:  # parallel sessions build it once
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (template / "data" / "label_studio.sqlite3").exists():
            building = cache_root / "building"
            shutil.rmtree(building, ignore_errors=True)
            built = init_data_dir(building)
            shutil.rmtree(template, ignore_errors=True)
            os.replace(built, template)
            shutil.rmtree(building, ignore_errors=True)
    return template


@contextlib.contextmanager
def running_server(state: Path, template: Path) -> Iterator:
    """A server on its own copy of the template; stopped (by pid) afterwards."""
    from annotate.labelstudio.server import ensure_server, stop_server

    conn = ensure_server(state=state, template=template)
    try:
        yield conn
    finally:
        stop_server(state=state)


@pytest.fixture(scope="session")
def ls_state(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """State folder of the shared session server."""
    return tmp_path_factory.mktemp("ls-session-state")


@pytest.fixture(scope="session")
def ls_server(ls_state: Path, ls_template: Path):  # -> annotate.labelstudio.Connection
    """The session's shared Label Studio (never the user's: no URL/token env in tests)."""
    with running_server(ls_state, ls_template) as conn:
        yield conn


@pytest.fixture
def fresh_ls_server(tmp_path: Path, ls_template: Path):
    """A private server for a test that kills or reconfigures it."""
    with running_server(tmp_path / "state", ls_template) as conn:
        yield conn


# ── the same server on PostgreSQL ─────────────────────────────────────────────────────────────


def _postgres_major() -> str | None:
    import glob

    majors = sorted(Path(p).parts[-3] for p in glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return majors[-1] if majors else None


@pytest.fixture(scope="session")
def ls_pg_template(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A ``labelstudio/`` folder whose PostgreSQL cluster (stopped) Label Studio has migrated: built
    once per machine (~35 s), cached like :func:`ls_template`, copied per server (~5 s start)."""
    version, major = _label_studio_version(), _postgres_major()
    if version is None:
        pytest.skip("label-studio is not installed (pip install 'annotate[server]')")
    if major is None:
        pytest.skip("PostgreSQL is not installed (scripts/setup.sh installs Debian's postgresql)")
    from annotate.labelstudio.postgres import init_postgres_template

    cache = getattr(request.config, "cache", None)
    name = f"annotate-labelstudio-pg{major}-template-{version}"
    cache_root = Path(cache.mkdir(name)) if cache is not None else tmp_path_factory.mktemp(name)
    template = cache_root / "labelstudio"
    with open(cache_root / ".lock", "w") as lock:  # parallel sessions build it once
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (template / "database.json").exists():
            building = cache_root / "building"
            shutil.rmtree(building, ignore_errors=True)
            built = init_postgres_template(building)
            shutil.rmtree(template, ignore_errors=True)
            os.replace(built, template)
            shutil.rmtree(building, ignore_errors=True)
    return template


@contextlib.contextmanager
def running_pg_server(state: Path, template: Path) -> Iterator:
    """Label Studio on its own copy of the PostgreSQL template; Label Studio and the cluster are
    stopped (by pid) afterwards."""
    from annotate.labelstudio.postgres import ensure_server_on
    from annotate.labelstudio.server import stop_server

    try:
        yield ensure_server_on("postgresql", state=state, template=template)
    finally:
        stop_server(state=state)


@pytest.fixture(scope="session")
def ls_pg_state(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """State folder of the shared PostgreSQL-backed session server (its cluster is in ``labelstudio/postgres``)."""
    return tmp_path_factory.mktemp("ls-pg-session-state")


@pytest.fixture(scope="session")
def ls_pg_server(ls_pg_state: Path, ls_pg_template: Path):  # -> annotate.labelstudio.Connection
    """The session's shared Label Studio on PostgreSQL (a private loopback cluster). Parametrized
    server fixtures can take it with ``request.getfixturevalue("ls_pg_server")``."""
    with running_pg_server(ls_pg_state, ls_pg_template) as conn:
        yield conn


@pytest.fixture
def project_title(request: pytest.FixtureRequest) -> str:
    """A project title unique to the test (projects are found by title; at most 50 characters)."""
    import hashlib

    digest = hashlib.sha1(request.node.nodeid.encode()).hexdigest()[:8]
    return f"t-{digest} {request.node.name}"[:50]


# ── documents with every text hazard ──────────────────────────────────────────────────────────

TRICKY_TITLE = "Putin 🇷🇺 y Kim 🇰🇵 firman «acuerdo»"
TRICKY_PARAGRAPHS = (
    "El presidente ruso llegó a Pyongyang\r\nel martes. La familia 👩‍👩‍👧‍👦 saludó «con entusiasmo».",
    "Según la agencia KCNA, el acuerdo incluye 6.700 contenedores 📦 y cooperación técnica.",
)


def tricky_document(doc_id: str = "doc-tricky-1", systems: tuple[str, ...] = ("argos", "apertium")) -> AnnotatedDocument:
    """An article with accents, flags, a ZWJ family emoji, «», and a \\r\\n inside a paragraph;
    sentences segmented by hand (offsets into the text), and one output per system."""
    text = "\n\n".join((TRICKY_TITLE, *TRICKY_PARAGRAPHS))
    pieces = [
        (0, TRICKY_TITLE),
        (1, "El presidente ruso llegó a Pyongyang\r\nel martes."),
        (1, "La familia 👩‍👩‍👧‍👦 saludó «con entusiasmo»."),
        (2, "Según la agencia KCNA, el acuerdo incluye 6.700 contenedores 📦 y cooperación técnica."),
    ]
    segments, cursor = [], 0
    for number, (paragraph, sentence) in enumerate(pieces, 1):
        start = text.index(sentence, cursor)
        segments.append(Segment(doc_id, number, paragraph, start, start + len(sentence), sentence))
        cursor = start + len(sentence)
    english = [
        "Putin 🇷🇺 and Kim 🇰🇵 sign «agreement»",
        "The Russian president arrived in Pyongyang on Tuesday.",
        "The family 👩‍👩‍👧‍👦 greeted «with enthusiasm».",
        "According to the KCNA agency, the agreement includes 6.700 containers 📦 and technical cooperation.",
    ]
    translations = [
        Translation(doc_id, seg.seg_id, system, f"{system} 1.0", seg.text,
                    english[i] if k == 0 else english[i].replace("Tuesday", "the Tuesday"))
        for k, system in enumerate(systems) for i, seg in enumerate(segments)
    ]
    return AnnotatedDocument(doc_id=doc_id, title=TRICKY_TITLE, text=text, source_name=f"{doc_id}.txt",
                             segments=segments, translations=translations)


ERROR_NOTE = "«el martes» takes no article in English: “on Tuesday” 🙂"
UI_NOTE = "no article before weekdays: «on Tuesday»"  # typed in the UI by tests/test_browser.py


def gold_annotation(doc: AnnotatedDocument, annotator: str = "annotator-0000beef",
                    status: str = "completed") -> DocumentAnnotation:
    """A complete annotation of :func:`tricky_document`: entities with emoji and flags nearby, a
    claim crossing the \\r\\n sentence boundary, an MQM error, an omission, post-edits."""
    text = doc.text

    def span(needle: str, label: str) -> Span:
        start = text.index(needle)
        return Span(start, start + len(needle), label, needle)

    claim_start = text.index("El presidente")
    claim_end = text.index("».", claim_start) + 2
    second = [t for t in doc.translations if t.system == doc.translations[-1].system and t.seg_id == 2][0]
    bad = second.mt.index("the Tuesday")
    ratings = [SegmentRating(second.system, doc.doc_id, 2, annotator, second.source, second.mt, errors=[
        ErrorSpan(bad, bad + len("the Tuesday"), "Fluency/Grammar", "Minor", "the Tuesday",
                  comment=ERROR_NOTE),
        ErrorSpan(0, 3, "Accuracy/Omission", "Major", second.mt[0:3]),
    ])]
    return DocumentAnnotation(
        doc_id=doc.doc_id, annotator=annotator, status=status,
        entities=[span("Putin", "PER"), span("Kim", "PER"), span("Pyongyang", "LOC"), span("KCNA", "ORG"),
                  span("el martes", "DATE"), span("6.700 contenedores", "QUANTITY")],
        claims=[Span(claim_start, claim_end, "Event", text[claim_start:claim_end])],
        ratings=ratings,
        # segment 2's post-edit IS the first system's (argos) output, which its box starts with: the
        # annotator confirmed it ("Correct as is"), else it would be no post-edit at all
        post_edits=[PostEdit(2, "The Russian president arrived in Pyongyang on Tuesday.", confirmed=True),
                    PostEdit(3, "The family 👩‍👩‍👧‍👦 greeted them «enthusiastically».")],
    )


def gold_with_source_omissions(doc: AnnotatedDocument) -> tuple[DocumentAnnotation, list[tuple[int, ErrorSpan]]]:
    """The gold annotation plus two omissions marked in the source of the apertium output: one
    after an emoji, one across the \\r\\n inside sentence 2."""
    gold = gold_annotation(doc)
    by_seg = {t.seg_id: t for t in doc.translations if t.system == "apertium"}
    lost = by_seg[4].source.index("📦 y cooperación")
    across = by_seg[2].source.index("Pyongyang\r\nel")
    omissions = [
        (4, ErrorSpan(lost, lost + len("📦 y cooperación técnica"), "Accuracy/Omission", "Major",
                      "📦 y cooperación técnica", comment="«y cooperación técnica» is missing", side="source")),
        (2, ErrorSpan(across, across + len("Pyongyang\r\nel"), "Accuracy/Omission", "Minor",
                      "Pyongyang\r\nel", side="source")),
    ]
    for seg_id, error in omissions:
        rated = [r for r in gold.ratings if r.system == "apertium" and r.seg_id == seg_id]
        if rated:
            rated[0].errors.append(error)
        else:
            translation = by_seg[seg_id]
            gold.ratings.append(SegmentRating("apertium", doc.doc_id, seg_id, gold.annotator, translation.source,
                                              translation.mt, errors=[error]))
    return gold, omissions


@pytest.fixture
def tricky_doc() -> AnnotatedDocument:
    return tricky_document()


def with_doc_id(doc: AnnotatedDocument, doc_id: str) -> AnnotatedDocument:
    """The same article under another doc_id (segments and translations follow)."""
    return replace(doc, doc_id=doc_id, segments=[replace(s, doc_id=doc_id) for s in doc.segments],
                   translations=[replace(t, doc_id=doc_id) for t in doc.translations], annotations=[])


def broken_recorded_export(tmp_path: Path) -> Path:
    """The recorded Label Studio export with a mistyped span in one annotation and an MQM error
    without severity in another (see test_labelstudio_export)."""
    import json

    export = json.loads((Path(__file__).parent / "data" / "labelstudio" / "export.json").read_text(encoding="utf-8"))
    tasks = {task["data"]["doc_id"]: task for task in export}
    labeled = tasks["ui-labeled"]["annotations"][0]
    next(i for i in labeled["result"] if i["from_name"] == "entity")["value"]["text"] = "Pyongyangg"
    gold = tasks["ui-gold"]["annotations"][0]
    gold["result"] = [i for i in gold["result"] if not i["from_name"].startswith("severity_")]
    path = tmp_path / "export.json"
    path.write_text(json.dumps(export), encoding="utf-8")
    return path


def esa_span(control: str, start: int, end: int, text: str, label: str) -> dict:
    """An ESA span result item (``esa_span_<key>_<index>``) as Label Studio stores one."""
    return {"id": f"r{start}", "from_name": control, "to_name": control.replace("span", "mt"), "type": "labels",
            "value": {"start": start, "end": end, "text": text, "labels": [label]}}


def esa_score(control: str, number: float) -> dict:
    """An ESA score result item (``esa_score_<key>_<index>``) as Label Studio stores one."""
    return {"id": control, "from_name": control, "to_name": control.replace("score", "mt"), "type": "number",
            "value": {"number": number}}
