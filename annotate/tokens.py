"""Word tokens of a text, shared by the dataset (BIO tags, word-level QE tags) and the scorers (post-edit
alignment): spaCy's rule-based tokenizer of the text's language (``spacy.blank``: no model download),
whitespace tokens dropped, each token as its (start, end) code-point offsets in the text."""

from __future__ import annotations

import functools


@functools.cache
def tokenizer_language(language: str) -> str:
    """The spaCy language whose rule-based tokenizer tokenises ``language``: itself, or ``xx``
    (spaCy's multi-language rules) where spaCy has no class for it or its tokenizer needs a package
    that is not installed (Japanese needs SudachiPy, Korean mecab-ko)."""
    import spacy  # heavy: imported on first use only

    try:
        spacy.blank(language)
    except Exception:  # ImportError (missing package or unknown code) and spaCy's own errors
        return "xx"
    return language


# spaCy keeps every new word it meets in its vocabulary (~370 bytes each, never freed): the build of
# a 500 MB export meets hundreds of thousands (numbers, names). Past this many words the tokenizer is
# loaded afresh (0.1–0.3 s); its tokens do not depend on what it has seen.
VOCAB_LIMIT = 50_000


@functools.cache
def spacy_tokenizer(language: str):
    """One rule-based spaCy tokenizer per language and process (loading one costs 0.1–0.3 s; its
    output does not depend on what it tokenised before). No model download: ``spacy.blank``; see
    :func:`tokenizer_language` for languages spaCy cannot tokenise here."""
    import spacy

    return spacy.blank(tokenizer_language(language)).tokenizer


def token_spans(text: str, language: str) -> list[tuple[int, int]]:
    """(start, end) of each non-whitespace token of ``text``. Read as one array (no per-token Python
    objects: tokenising is the hot part of the build's ``ner`` and ``word_qe`` rows)."""
    from spacy.attrs import IDX, IS_SPACE, LENGTH

    tokenizer = spacy_tokenizer(language)
    rows = tokenizer(text).to_array([IDX, LENGTH, IS_SPACE]).tolist()
    if len(tokenizer.vocab) > VOCAB_LIMIT:  # memory that stays flat: a fresh tokenizer, same tokens
        spacy_tokenizer.cache_clear()
    return [(start, start + length) for start, length, space in rows if not space]
