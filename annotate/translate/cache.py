"""Persistent translation cache and the cached, batched translation stage.

The cache is one SQLite file under ``state_dir()`` keyed by (system, version, settings, source):
re-running translates nothing already done, and since each batch is committed as soon as it is
translated (WAL journal), a run killed midway resumes where it stopped. Several runs may share the
file at once, and an unusable file raises :class:`TranslationCacheError` (see annotate.sqlite_store).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from annotate.records import Segment, Translation
from annotate.sqlite_store import CacheDatabase, CacheError, CacheSpec
from annotate.translate.base import TranslationError, TranslationOutput, Translator
from annotate.text import plural

CACHE_FILE_NAME = "translations.sqlite"
DEFAULT_BATCH_SIZE = 1024  # distinct sentences per system call and per cache commit
_SQL_VARIABLES = 500  # stay well below SQLite's limit on bound parameters per statement

_SCHEMA = """
CREATE TABLE IF NOT EXISTS translations (
    system TEXT NOT NULL,
    version TEXT NOT NULL,
    settings TEXT NOT NULL,
    source TEXT NOT NULL,
    mt TEXT NOT NULL,
    unknown_words TEXT NOT NULL,  -- JSON list
    created_at REAL NOT NULL,
    PRIMARY KEY (system, version, settings, source)
) WITHOUT ROWID
"""


class TranslationCacheError(CacheError, TranslationError):
    """The translation cache file cannot be used (damaged, not a cache, locked too long).

    A TranslationError, which ``annotate translate`` prints as one line, and a ValueError, which
    ``annotate push`` (it translates through the cache too) prints the same way.
    """


_SPEC = CacheSpec(
    description="translation cache",
    table="translations",
    schema=_SCHEMA,
    bypass="`annotate translate --no-cache`",
    error=TranslationCacheError,
)


class TranslationCache:
    """SQLite store of system outputs; use as a context manager or call close().

    Raises :class:`TranslationCacheError` (one line: the file and what to do) when the file is
    not a usable cache, on opening or on any later read or write.
    """

    def __init__(self, path: Path | str | None = None) -> None:
        from annotate.config import state_dir

        self.path = Path(path) if path is not None else state_dir() / CACHE_FILE_NAME
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = CacheDatabase(self.path, _SPEC)

    def get_many(
        self, system: str, version: str, settings: str, sources: Iterable[str]
    ) -> dict[str, TranslationOutput]:
        """Cached outputs for those of ``sources`` that have one."""
        found: dict[str, TranslationOutput] = {}
        unique = list(dict.fromkeys(sources))
        for start in range(0, len(unique), _SQL_VARIABLES):
            chunk = unique[start : start + _SQL_VARIABLES]
            rows = self._db.query(
                "SELECT source, mt, unknown_words FROM translations WHERE system = ? AND version = ? "
                f"AND settings = ? AND source IN ({','.join('?' * len(chunk))})",
                (system, version, settings, *chunk),
            )
            for source, mt, unknown in rows:
                found[source] = TranslationOutput(mt=mt, unknown_words=json.loads(unknown))
        return found

    def put_many(
        self, system: str, version: str, settings: str, outputs: dict[str, TranslationOutput]
    ) -> None:
        """Store outputs (source → output) and commit at once, so finished work survives a crash."""
        now = time.time()
        self._db.write_many(  # one transaction
            "INSERT OR REPLACE INTO translations VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (system, version, settings, source, out.mt, json.dumps(out.unknown_words, ensure_ascii=False), now)
                for source, out in outputs.items()
            ],
        )

    def count(self, system: str | None = None) -> int:
        """How many outputs are cached (for one system, or in total)."""
        if system is None:
            return self._db.query("SELECT COUNT(*) FROM translations")[0][0]
        return self._db.query("SELECT COUNT(*) FROM translations WHERE system = ?", (system,))[0][0]

    def close(self) -> None:
        """Close the database connection."""
        self._db.close()

    def __enter__(self) -> TranslationCache:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


@dataclass
class TranslationRun:
    """What one translate_segments run did: the records plus where they came from."""

    translations: list[Translation]
    cached: int  # distinct sources found in the cache
    translated: int  # distinct sources sent to the system
    seconds: float


ProgressCallback = Callable[[int], None]  # called with how many more segments are done


def translate_segments_run(
    segments: list[Segment],
    translator: Translator,
    cache: TranslationCache | None = None,
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    progress: ProgressCallback | None = None,
) -> TranslationRun:
    """Translate segments with cache hits first and misses in batches; see translate_segments."""
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    started = time.perf_counter()
    settings = getattr(translator, "settings_key", "")
    sources = list(dict.fromkeys(segment.text for segment in segments))  # each distinct text once
    done = cache.get_many(translator.name, translator.version, settings, sources) if cache else {}
    cached = len(done)
    segments_per_source: dict[str, int] = {}
    for segment in segments:
        segments_per_source[segment.text] = segments_per_source.get(segment.text, 0) + 1
    if progress and cached:
        progress(sum(segments_per_source[source] for source in done))

    missing = [source for source in sources if source not in done]
    for start in range(0, len(missing), batch_size):
        batch = missing[start : start + batch_size]
        outputs = translator.translate_batch(batch)
        if len(outputs) != len(batch):
            raise TranslationError(
                f"{translator.name} returned {plural(len(outputs), 'output')} for a batch of {plural(len(batch), 'sentence')}"
            )
        new = dict(zip(batch, outputs))
        if cache is not None:
            cache.put_many(translator.name, translator.version, settings, new)
        done.update(new)
        if progress:
            progress(sum(segments_per_source[source] for source in batch))

    translations = [
        Translation(
            doc_id=segment.doc_id,
            seg_id=segment.seg_id,
            system=translator.name,
            system_version=translator.version,
            source=segment.text,
            mt=done[segment.text].mt,
            unknown_words=list(done[segment.text].unknown_words),
        )
        for segment in segments
    ]
    return TranslationRun(translations, cached, len(missing), time.perf_counter() - started)


def translate_segments(
    segments: list[Segment],
    translator: Translator,
    cache: TranslationCache | None = None,
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    progress: ProgressCallback | None = None,
) -> list[Translation]:
    """One Translation per segment, in order. Cached outputs (same system, version, settings and
    source text) skip the model; the rest go to ``translator.translate_batch`` ``batch_size``
    distinct sentences at a time, each batch stored in ``cache`` as soon as it is done."""
    return translate_segments_run(
        segments, translator, cache, batch_size=batch_size, progress=progress
    ).translations
