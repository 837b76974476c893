"""Opening and using the tool's SQLite cache files safely: shared by the translation cache
(annotate.translate.cache) and the sentence-score cache (annotate.dataset.score_cache).

Two promises:

* A file that is not a usable cache (random bytes, a truncated or damaged database, another
  program's database, a table of another layout) raises a :class:`CacheError` whose one-line
  message names the file and what to do, never a raw ``sqlite3`` traceback.
* Several processes may open, create and write the same file at once (two ``annotate translate``
  runs, two builds): the journal is WAL (readers never wait for a writer), every connection waits
  up to :data:`BUSY_TIMEOUT_SECONDS` for a lock, the table is created inside ``BEGIN IMMEDIATE``
  (one creator, the others then see the table), each write takes the write lock up front
  (``BEGIN IMMEDIATE``, so a transaction never has to upgrade a read lock, which SQLite refuses
  at once instead of waiting), and the few "busy" results SQLite returns without waiting (e.g.
  while another connection switches a brand-new file to WAL) are retried until the same deadline.
"""

from __future__ import annotations

import random
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

BUSY_TIMEOUT_SECONDS = 60.0  # how long to wait for another process's lock before giving up
_RETRY_PAUSE_SECONDS = (0.01, 0.1)  # random pause between retries, so waiting processes spread out
_BUSY_CODES = frozenset({sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED})

Result = TypeVar("Result")


class CacheError(ValueError):
    """A cache file that cannot be used; the one-line message names the file and the remedy.

    A ValueError like the project's other bad-input errors, so commands that print those cleanly
    print this one too. Each cache raises its own subclass (see :attr:`CacheSpec.error`).
    """

    def __init__(self, message: str, path: Path) -> None:
        super().__init__(message)
        self.path = path


@dataclass(frozen=True)
class CacheSpec:
    """What one kind of cache file holds and how to tell the user about it."""

    description: str  # e.g. "translation cache": starts every error message
    table: str  # the one table the cache keeps
    schema: str  # CREATE TABLE IF NOT EXISTS statement of ``table``
    bypass: str  # how to run without the cache, e.g. "`annotate translate --no-cache`"
    error: type[CacheError] = CacheError  # the exception type raised for this cache
    columns: tuple[tuple[str, str, int], ...] = field(init=False)  # (name, type, primary-key position)

    def __post_init__(self) -> None:
        # the expected layout comes from the schema itself, so the two can never disagree
        with closing(sqlite3.connect(":memory:")) as scratch:
            scratch.execute(self.schema)
            object.__setattr__(self, "columns", _table_columns(scratch, self.table))


class CacheDatabase:
    """One connection to a cache file, checked (or created) on opening.

    Every method raises ``spec.error`` (a :class:`CacheError`) instead of a ``sqlite3`` error.
    """

    def __init__(self, path: Path, spec: CacheSpec) -> None:
        self.path = path
        self.spec = spec
        self._db = self._retrying(self._open)

    def query(self, sql: str, parameters: Sequence[Any] = ()) -> list[tuple]:
        """All rows of one SELECT (fetched inside the error handling: a damaged page may only
        show up while rows are read)."""
        return self._retrying(lambda: self._db.execute(sql, parameters).fetchall())

    def write_many(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        """Run ``sql`` for every row in one transaction, committed at once."""
        rows = list(rows)  # a retry must see the same rows again
        self._retrying(lambda: self._write(sql, rows))

    def close(self) -> None:
        """Close the connection."""
        self._db.close()

    # --- internals -----------------------------------------------------------------------------

    def _open(self) -> sqlite3.Connection:
        # isolation_level=None: no implicit transactions; this class issues BEGIN IMMEDIATE itself
        db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None)
        try:
            db.execute("PRAGMA journal_mode=WAL")  # readers never block a writer, nor it them
            # a process killed midway never loses a commit; only a power cut may lose the last ones
            db.execute("PRAGMA synchronous=NORMAL")
            with _immediate_transaction(db):
                self._check_or_create_table(db)
        except BaseException:
            db.close()
            raise
        return db

    def _check_or_create_table(self, db: sqlite3.Connection) -> None:
        """Create the table in an empty database; refuse another program's database or an
        older/other layout of the table (rather than mixing rows or failing later)."""
        tables = [name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                                                 "AND name NOT LIKE 'sqlite%' ORDER BY name")]
        if self.spec.table not in tables:
            if tables:
                raise self._error(f"it is not a {self.spec.description}: it has no {self.spec.table} table "
                                  f"(its tables: {', '.join(tables)})")
            db.execute(self.spec.schema)
            return
        found = _table_columns(db, self.spec.table)
        if found != self.spec.columns:
            raise self._error(f"its {self.spec.table} table has another layout (columns "
                              f"{_describe(found)}; expected {_describe(self.spec.columns)})")

    def _write(self, sql: str, rows: list[Sequence[Any]]) -> None:
        with _immediate_transaction(self._db):
            self._db.executemany(sql, rows)

    def _retrying(self, operation: Callable[[], Result]) -> Result:
        """Run ``operation``, retrying while the file is busy (until the deadline), and turn
        sqlite3 errors into ``spec.error``."""
        deadline = time.monotonic() + BUSY_TIMEOUT_SECONDS
        while True:
            try:
                return operation()
            except CacheError:
                raise
            except sqlite3.ProgrammingError:  # misuse of the API (e.g. a closed cache): a bug, not the file
                raise
            except sqlite3.DatabaseError as exc:
                busy = (getattr(exc, "sqlite_errorcode", 0) & 0xFF) in _BUSY_CODES or "locked" in str(exc)
                if not busy:
                    raise self._error(_reason(exc)) from exc
                if time.monotonic() >= deadline:
                    raise self.spec.error(
                        f"{self.spec.description} {self.path} stayed locked by another process for "
                        f"{BUSY_TIMEOUT_SECONDS:g} s; retry once that process is done, or bypass the cache "
                        f"with {self.spec.bypass}", self.path) from exc
                time.sleep(random.uniform(*_RETRY_PAUSE_SECONDS))

    def _error(self, problem: str) -> CacheError:
        return self.spec.error(
            f"{self.spec.description} {self.path} cannot be used: {problem}; delete the file (the next run "
            f"starts a new cache) or bypass the cache with {self.spec.bypass}", self.path)


def _reason(exc: sqlite3.DatabaseError) -> str:
    """Say what SQLite's error means for a cache file, keeping SQLite's own words."""
    text = str(exc)
    if "not a database" in text:
        return f"it is not an SQLite database ({text})"
    if "malformed" in text or "corrupt" in text:
        return f"it is damaged, e.g. truncated ({text})"
    return text


def _table_columns(db: sqlite3.Connection, table: str) -> tuple[tuple[str, str, int], ...]:
    # PRAGMA table_info rows: (cid, name, type, notnull, default, pk)
    return tuple((name, kind.upper(), pk) for _, name, kind, _, _, pk in db.execute(f"PRAGMA table_info({table})"))


def _describe(columns: tuple[tuple[str, str, int], ...]) -> str:
    return ", ".join(name for name, _, _ in columns) or "none"


@contextmanager
def _immediate_transaction(db: sqlite3.Connection) -> Iterator[None]:
    """A transaction holding the write lock from its start; rolled back on any exception."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield
        db.execute("COMMIT")
    except BaseException:
        if db.in_transaction:
            try:
                db.execute("ROLLBACK")
            except sqlite3.Error:  # the original error matters more; closing the connection rolls back
                pass
        raise
