"""Persistent sentence-score cache: rebuilding a dataset after a new pull scores only new
(hypothesis, reference) pairs.

One SQLite file under ``state_dir()`` (``sentence-scores.sqlite``), keyed by (metric namespace,
pair hash). The namespace is every metric signature (they include sacrebleu's version) plus
:data:`STATS_FORMAT` and the Python version, so a changed metric setting or an upgrade never reads
old numbers. Values are ``marshal`` bytes: exact floats, ints kept as ints, and read back several
times faster than JSON (a warm build reads every pair; the file is the user's own state, never
input from elsewhere). Each chunk is committed at once (WAL journal): a build killed midway keeps
what it scored. Several builds may share the file at once, and an unusable file raises
:class:`ScoreCacheError` (see annotate.sqlite_store).
"""

from __future__ import annotations

import hashlib
import marshal
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path

from annotate.dataset.checks import DatasetBuildError
from annotate.dataset.scores import SegmentScores
from annotate.sqlite_store import CacheDatabase, CacheError, CacheSpec

CACHE_FILE_NAME = "sentence-scores.sqlite"
# Bump when SegmentScores or the statistics' layout changes.
STATS_FORMAT = f"segment-scores-v2 marshal {marshal.version} python {sys.version_info[0]}.{sys.version_info[1]}"
_SQL_VARIABLES = 500  # well below SQLite's limit on bound parameters per statement

_SCHEMA = """
CREATE TABLE IF NOT EXISTS sentence_scores (
    namespace BLOB NOT NULL,  -- blake2b-128 of STATS_FORMAT + the metric signatures
    pair_hash BLOB NOT NULL,  -- blake2b-128 of the length-prefixed hypothesis + reference
    scores BLOB NOT NULL,     -- marshal (bleu, chrf, ter, bleu stats, chrf stats, ter stats)
    PRIMARY KEY (namespace, pair_hash)
) WITHOUT ROWID
"""

Pair = tuple[str, str]  # (hypothesis, reference)


class ScoreCacheError(CacheError, DatasetBuildError):
    """The sentence-score cache file cannot be used (damaged, not a cache, locked too long).

    A DatasetBuildError, which ``annotate build`` prints as one line as it is.
    """


_SPEC = CacheSpec(
    description="sentence-score cache",
    table="sentence_scores",
    schema=_SCHEMA,
    bypass="`annotate build --no-score-cache`",
    error=ScoreCacheError,
)


def pair_hash(hypothesis: str, reference: str | tuple[str, ...]) -> bytes:
    """A 16-byte key for one pair (the length prefix makes the split point unambiguous; several
    references are each length-prefixed, and their count is in the namespace's signatures)."""
    if isinstance(reference, tuple):
        reference = "".join(f"{len(text)}:{text}" for text in reference)
    return hashlib.blake2b(f"{len(hypothesis)}:{hypothesis}{reference}".encode(), digest_size=16).digest()


def _encode(scores: SegmentScores) -> bytes:
    return marshal.dumps((scores.bleu, scores.chrf, scores.ter, scores.stats))


def _decode(data: bytes) -> SegmentScores:
    bleu, chrf, ter, stats = marshal.loads(data)
    return SegmentScores(bleu=bleu, chrf=chrf, ter=ter, stats=stats)


class ScoreCache:
    """Sentence scores of (hypothesis, reference) pairs for one metric ``namespace``; use as a
    context manager or call close().

    Raises :class:`ScoreCacheError` (one line: the file and what to do) when the file is not a
    usable cache, on opening or on any later read or write.
    """

    def __init__(self, namespace: str, path: Path | str | None = None) -> None:
        from annotate.config import state_dir

        self.namespace = namespace
        # stored in every row: a 16-byte hash, not the ~500-character signatures
        self._namespace_key = hashlib.blake2b(f"{STATS_FORMAT}|{namespace}".encode(), digest_size=16).digest()
        self.path = Path(path) if path is not None else state_dir() / CACHE_FILE_NAME
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = CacheDatabase(self.path, _SPEC)

    def get_many(self, pairs: Iterable[Pair]) -> dict[Pair, SegmentScores]:
        """The cached scores of those ``pairs`` that have some."""
        by_hash = {pair_hash(*pair): pair for pair in pairs}
        hashes = list(by_hash)
        found: dict[Pair, SegmentScores] = {}
        for start in range(0, len(hashes), _SQL_VARIABLES):
            chunk = hashes[start : start + _SQL_VARIABLES]
            rows = self._db.query(
                f"SELECT pair_hash, scores FROM sentence_scores WHERE namespace = ? "
                f"AND pair_hash IN ({','.join('?' * len(chunk))})",
                (self._namespace_key, *chunk),
            )
            for key, data in rows:
                found[by_hash[key]] = _decode(data)
        return found

    def put_many(self, scores: Mapping[Pair, SegmentScores]) -> None:
        """Store scores and commit at once."""
        self._db.write_many(  # one transaction
            "INSERT OR REPLACE INTO sentence_scores VALUES (?, ?, ?)",
            [(self._namespace_key, pair_hash(*pair), _encode(value)) for pair, value in scores.items()],
        )

    def count(self) -> int:
        """How many pairs are cached for this namespace."""
        return self._db.query("SELECT COUNT(*) FROM sentence_scores WHERE namespace = ?",
                              (self._namespace_key,))[0][0]

    def close(self) -> None:
        """Close the database connection."""
        self._db.close()

    def __enter__(self) -> ScoreCache:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
