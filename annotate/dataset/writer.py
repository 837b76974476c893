"""Streaming parquet output: rows are buffered per (config, split) and written in fixed-size row
groups, so memory stays bounded by the buffer, not by the dataset. Fixed row-group boundaries and
no timestamps keep the files byte-reproducible."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from annotate.dataset.features import ALL_CONFIG_NAMES, arrow_schema
from annotate.languages import SPANISH_ENGLISH, LanguagePair
from annotate.dataset.splits import SPLIT_NAMES

ROWS_PER_ROW_GROUP = 2048


def data_file_name(config: str, split: str) -> str:
    """Path of a config's split file, relative to the dataset folder (HF's naming)."""
    return f"{config}/{split}-00000-of-00001.parquet"


@dataclass(frozen=True)
class SplitFile:
    """One written parquet file: where, how many rows, and its Arrow size (card's num_bytes)."""

    relative_path: str
    num_examples: int
    num_bytes: int
    file_size: int


class _Sink:
    def __init__(self, path: Path, config: str, languages: LanguagePair) -> None:
        self.path = path
        self.schema = arrow_schema(config, languages)
        self.buffer: list[dict[str, Any]] = []
        self.writer = None
        self.num_examples = 0
        self.num_bytes = 0

    def extend(self, rows: list[dict[str, Any]]) -> None:
        self.buffer.extend(rows)
        while len(self.buffer) >= ROWS_PER_ROW_GROUP:
            self._write(self.buffer[:ROWS_PER_ROW_GROUP])
            del self.buffer[:ROWS_PER_ROW_GROUP]

    def _write(self, rows: list[dict[str, Any]]) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.Table.from_pylist(rows, schema=self.schema)
        if self.writer is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.writer = pq.ParquetWriter(self.path, self.schema)
        self.writer.write_table(table)
        self.num_examples += table.num_rows
        self.num_bytes += table.nbytes

    def close(self) -> None:
        if self.buffer:
            self._write(self.buffer)
            self.buffer = []
        if self.writer is not None:
            self.writer.close()


class DatasetWriter:
    """Writes rows to ``<root>/<config>/<split>-00000-of-00001.parquet``; only splits that got rows
    get a file (``load_dataset`` cannot load an empty split)."""

    def __init__(self, root: Path, languages: LanguagePair = SPANISH_ENGLISH) -> None:
        self.root = root
        self.languages = languages
        self._sinks: dict[tuple[str, str], _Sink] = {}

    def write(self, config: str, split: str, rows: list[dict[str, Any]]) -> None:
        """Queue rows of one config and split (written once a row group is full)."""
        if not rows:
            return
        key = (config, split)
        if key not in self._sinks:
            self._sinks[key] = _Sink(self.root / data_file_name(config, split), config, self.languages)
        self._sinks[key].extend(rows)

    def close(self) -> dict[str, dict[str, SplitFile]]:
        """Flush everything; returns the written files by config and split (in ALL_CONFIG_NAMES and
        SPLIT_NAMES order)."""
        written: dict[str, dict[str, SplitFile]] = {}
        rank = {name: index for index, name in enumerate((*ALL_CONFIG_NAMES, *SPLIT_NAMES))}
        for config, split in sorted(self._sinks, key=lambda key: (rank[key[0]], rank[key[1]])):
            sink = self._sinks[(config, split)]
            sink.close()
            written.setdefault(config, {})[split] = SplitFile(
                relative_path=data_file_name(config, split),
                num_examples=sink.num_examples,
                num_bytes=sink.num_bytes,
                file_size=sink.path.stat().st_size,
            )
        return written
