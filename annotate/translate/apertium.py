"""Apertium (rule-based, offline): ``spa-eng`` directly, and through Catalan (``spa-cat`` then
``cat-eng``) or Galician (``es-gl`` then ``gl-en``); one ``apertium`` process per mode per chunk.

Alignment. Apertium's plain-text mode treats newlines as ordinary blanks, so with one sentence per
line its multiword and transfer rules reach across lines ("la casa\\nblanca" → "The white\\nhouse").
Instead we run the pipeline in null-flush mode (``apertium -z -f none``: each NUL-terminated block
is translated on its own, as Apertium-APy does) and do the text "deformatting" ourselves, exactly
like ``apertium-destxt``: stream-format characters are backslash-escaped, other whitespace becomes
a superblank, and each block ends in ``.[]`` (the sentence end destxt adds and retxt removes).

Parallelism. A batch of ``2 * MIN_CHUNK`` or more non-blank sentences is cut into up to ``jobs``
contiguous chunks, each run by its own process chain in a thread. Default ``jobs``: one chain per
``CPUS_PER_CHAIN`` CPUs, as one mode's ~10 pipeline stages already keep two cores busy (on 2 cores
a second chain was 5-15 % slower). Only the direct path splits: the pivot taggers keep state across
blocks (apertium-tagger's ``find_similar_ambiguity_class`` overwrites the open class whenever an
ambiguity class is missing from the ``.prob``), so chunks would change their outputs.

Unknown words. We run once with marks: ``*word`` (not in the Spanish dictionary) and ``@word`` (not
in the bilingual dictionary) are source words left untranslated and go to ``unknown_words``; ``#``
(generation failure) is just dropped, like ``apertium -u`` does. To tell marks from real ``*``,
``#``, ``@`` in the source, those characters are sent inside superblanks (``[*]``), which every
Apertium stage passes through verbatim; so an unbracketed mark character in the output is a mark.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import unicodedata
from bisect import bisect_left
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from itertools import accumulate

from annotate.translate.base import TranslationError, TranslationOutput, TranslatorUnavailable, register_translator
from annotate.text import plural

PAIR = "spa-eng"
DATA_PACKAGE = "apertium-eng-spa"
_ESCAPED = frozenset("\\[]^$/<>{}")  # reserved in the Apertium stream format (as apertium-destxt)
_AS_SUPERBLANK = frozenset("*#@~")  # mark characters, and ~ (post-generation trigger)
_UNKNOWN_MARKS = frozenset("*@")
_MARKS = frozenset("*@#")
_BLOCK_END = ".[]"  # destxt's sentence end: makes the tagger/transfer close the last sentence
MIN_CHUNK = 64  # sentences per chunk, at ~1 ms each, to pay for a chain start (0.35-0.85 s)
CPUS_PER_CHAIN = 2  # CPUs one process chain keeps busy on its own (see Parallelism above)


def deformat(sentence: str) -> str:
    """Encode plain text as an Apertium stream block (what ``apertium-destxt -n`` would emit)."""
    out: list[str] = []
    for char in sentence:
        if char == "\0":  # NUL ends a block in null-flush mode: never let one through
            out.append(" ")
        elif char in _ESCAPED:
            out.append("\\" + char)
        elif char in _AS_SUPERBLANK or (char.isspace() and char != " "):
            out.append(f"[{char}]")
        else:
            out.append(char)
    return "".join(out)


def reformat(block: str) -> TranslationOutput:
    """Decode one translated stream block: unescape, open superblanks, strip and collect marks."""
    text: list[str] = []
    unknown: list[str] = []
    i, n = 0, len(block)
    while i < n:
        char = block[i]
        if char == "\\" and i + 1 < n and block[i + 1] in _MARKS:
            i += 1  # an escaped mark is a mark too (gl-en writes \@word); real ones are superblanks
        elif char == "\\" and i + 1 < n:
            text.append(block[i + 1])
            i += 2
        elif char == "." and block.startswith("[]", i + 1):
            i += 3  # the sentence end we appended (apertium-retxt drops it the same way)
        elif char == "[":
            i += 1
            while i < n and block[i] != "]":
                if block[i] == "\\" and i + 1 < n:
                    i += 1
                text.append(block[i])
                i += 1
            i += 1
        elif char in _MARKS:
            j = i + 1
            while j < n and not block[j].isspace() and block[j] not in "[]\\" and block[j] not in _MARKS:
                j += 1
            word = _strip_punctuation(block[i + 1 : j])
            if char in _UNKNOWN_MARKS and word:
                unknown.append(word)
            i += 1  # drop only the mark; the word itself is copied as ordinary text
        else:
            text.append(char)
            i += 1
    return TranslationOutput(mt="".join(text), unknown_words=unknown)


def _strip_punctuation(token: str) -> str:
    start, end = 0, len(token)
    while start < end and unicodedata.category(token[start]).startswith("P"):
        start += 1
    while end > start and unicodedata.category(token[end - 1]).startswith("P"):
        end -= 1
    return token[start:end]


def _apertium_modes(executable: str) -> list[str]:
    listing = subprocess.run([executable, "-l"], capture_output=True, text=True, timeout=30)
    return listing.stdout.split()


def _package_version(package: str) -> str:
    """``apertium-eng-spa 0.8.1-2`` from dpkg; a clear placeholder where dpkg does not know it."""
    if shutil.which("dpkg-query"):
        query = subprocess.run(
            ["dpkg-query", "-W", "-f=${Version}", package], capture_output=True, text=True, timeout=30
        )
        if query.returncode == 0 and query.stdout.strip():
            return f"{package} {query.stdout.strip()}"
    return f"{package} (version unknown: not a Debian package)"


@dataclass(frozen=True)
class ApertiumPath:
    """A built-in Apertium system: a chain of modes (one for direct MT, two through a pivot
    language) and the Debian data packages that provide them."""

    name: str
    modes: tuple[str, ...]
    packages: tuple[str, ...]
    parallel: bool = True  # False where blocks are not translated independently (tagger state)

    @property
    def install_hint(self) -> str:
        return f"install it with: sudo apt-get install -y apertium {' '.join(self.packages)}"


# Direct spa→eng, and two real, different rule-based systems through a pivot language. (The
# Esperanto path is broken in Debian: its .bin files are missing.)
PATHS: tuple[ApertiumPath, ...] = (
    ApertiumPath("apertium", (PAIR,), (DATA_PACKAGE,)),
    ApertiumPath("apertium-via-cat", ("spa-cat", "cat-eng"), ("apertium-spa-cat", "apertium-eng-cat"), False),
    ApertiumPath("apertium-via-glg", ("es-gl", "gl-en"), ("apertium-es-gl", "apertium-en-gl"), False),
)


class ApertiumTranslator:
    """Spanish→English with Apertium, directly or through a pivot language; construct with
    :func:`apertium_translator`. Each mode of the chain runs as ONE process per chunk (``jobs``
    chunks at most, run concurrently); between two modes the text is re-encoded (so the first
    mode's unknown-word marks never reach the second as text: piped raw, ``*Xyzzyq`` would come out
    ``**Xyzzyq``)."""

    is_test_fixture = False
    settings_key = ""  # chunks run only where they cannot change the output: not a setting

    def __init__(self, executable: str, version: str, pair: str = PAIR, *, name: str = "apertium",
                 modes: tuple[str, ...] | None = None, jobs: int = 1) -> None:
        self.executable = executable
        self.version = version
        self.name = name
        self.modes = modes or (pair,)
        self.pair = self.modes[0] if len(self.modes) == 1 else "|".join(self.modes)
        self.jobs = max(1, jobs)

    def translate_batch(self, sentences: list[str]) -> list[TranslationOutput]:
        """Translate all ``sentences`` (one process per mode per chunk); blank sentences give ""."""
        outputs = [TranslationOutput(mt="") for _ in sentences]
        todo = [i for i, s in enumerate(sentences) if s.strip()]
        chunks = _split(todo, [len(sentences[i]) for i in todo], min(self.jobs, len(todo) // MIN_CHUNK))
        with ThreadPoolExecutor(len(chunks), thread_name_prefix="apertium") as pool:
            # Threads suffice: the work is in the subprocesses. map() re-raises a chunk's error.
            results = list(pool.map(self._run_chain, [[sentences[i] for i in chunk] for chunk in chunks]))
        for chunk, result in zip(chunks, results):
            for index, output in zip(chunk, result):
                outputs[index] = output
        return outputs

    def _run_chain(self, sentences: list[str]) -> list[TranslationOutput]:
        """All modes of the chain, one after the other, over one chunk."""
        outputs = [TranslationOutput(mt=text) for text in sentences]
        for mode in self.modes:
            step = self._run_mode(mode, [output.mt for output in outputs])
            outputs = [TranslationOutput(mt=new.mt, unknown_words=_merge(old.unknown_words, new.unknown_words))
                       for old, new in zip(outputs, step)]
        return outputs

    def _run_mode(self, mode: str, sentences: list[str]) -> list[TranslationOutput]:
        todo = [i for i, s in enumerate(sentences) if s.strip()]  # a pivot output may be blank
        outputs = [TranslationOutput(mt="") for _ in sentences]
        if not todo:
            return outputs
        stream = "".join(deformat(sentences[i]) + _BLOCK_END + "\0" for i in todo)
        process = subprocess.run([self.executable, "-z", "-f", "none", mode], input=stream.encode("utf-8"),
                                 capture_output=True)
        if process.returncode != 0:
            raise TranslationError(
                f"apertium {mode} exited with {process.returncode}: "
                f"{process.stderr.decode('utf-8', 'replace').strip()[:500]}"
            )
        blocks = process.stdout.decode("utf-8").split("\0")
        # Stages flush a few extra NULs at end of input: only empty blocks may follow ours.
        if len(blocks) < len(todo) or any(block.strip() for block in blocks[len(todo) :]):
            raise TranslationError(
                f"apertium {mode} returned {plural(sum(1 for b in blocks if b), 'block')} for "
                f"{plural(len(todo), 'sentence')}: output is not aligned with the input"
            )
        for index, block in zip(todo, blocks):
            outputs[index] = reformat(block)
        return outputs


def _split(items: list[int], sizes: list[int], parts: int) -> list[list[int]]:
    """Cut ``items`` into at most ``parts`` (at least 1) contiguous, non-empty runs of about equal
    total size (text length, not count: no chunk should be left running alone at the end)."""
    middles = [end - size / 2 for end, size in zip(accumulate(sizes), sizes)]  # cut nearest the target
    cuts = [0, *(bisect_left(middles, sum(sizes) * k / parts) for k in range(1, parts)), len(items)]
    return [items[a:b] for a, b in zip(cuts, cuts[1:]) if a < b] or [items]


def _merge(first: list[str], second: list[str]) -> list[str]:
    """Unknown words of two chained modes: every occurrence the first mode marked (one entry per
    occurrence, as for a single mode), then the second mode's words that the first did not mark
    (a source word unknown to the first mode is copied through and usually marked again)."""
    return [*first, *(word for word in second if word not in first)]


def apertium_translator(path: ApertiumPath = PATHS[0], *, jobs: int | None = None) -> ApertiumTranslator:
    """The Apertium translator for ``path`` (direct spa-eng by default) running up to ``jobs``
    chunks at once (default: one per ``CPUS_PER_CHAIN`` CPUs where ``path.parallel``, else 1), or
    TranslatorUnavailable saying what is missing."""
    executable = shutil.which("apertium")
    if executable is None:
        raise TranslatorUnavailable(f"the `apertium` command is not installed; {path.install_hint}")
    modes = _apertium_modes(executable)
    missing = [mode for mode in path.modes if mode not in modes]
    if missing:
        raise TranslatorUnavailable(
            f"apertium has no {', '.join(missing)} mode ({' / '.join(path.packages)} missing); {path.install_hint}")
    version = " + ".join(_package_version(package) for package in path.packages)
    if jobs is None:
        jobs = (os.cpu_count() or 1) // CPUS_PER_CHAIN if path.parallel else 1
    return ApertiumTranslator(executable, version, name=path.name, modes=path.modes, jobs=jobs)


for _path in PATHS:
    register_translator(_path.name, functools.partial(apertium_translator, _path))
