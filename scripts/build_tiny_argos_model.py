#!/usr/bin/env python3
"""Build a tiny but REAL Spanish→English ``.argosmodel`` in a few seconds, without torch.

It is a genuine Argos Translate package (one top folder with ``metadata.json``, a CTranslate2
``model/`` and a ``sentencepiece.model``) that argostranslate installs and CTranslate2 loads and runs.
Its weights are random, so its output is garbage BY DESIGN: it exists to exercise the real
install → load → tokenise → decode path in tests and benchmarks where no real es→en package can be
downloaded. Its package code is ``tiny-test-fixture`` and its metadata says ``"test_fixture": true``;
annotate.translate labels it as a test fixture and never offers it as a real MT system.

Usage: ``python scripts/build_tiny_argos_model.py [OUT_DIR]`` (prints the path of the file).
"""

from __future__ import annotations

import io
import json
import sys
import tempfile
import zipfile
from pathlib import Path

TEST_FIXTURE_CODE = "tiny-test-fixture"
PACKAGE_VERSION = "0.1"
TOP_FOLDER = f"{TEST_FIXTURE_CODE}-es_en"
MODEL_DIM = 32
FFN_DIM = 64
NUM_HEADS = 2
VOCAB_SIZE = 200
SEED = 20240618
# Logit bonus for </s>: random weights never stop decoding without one; +3 (rather than +4) gives
# outputs of a few tokens at beam 4, so benchmarks measure some real decoding work.
EOS_BIAS = 3.0

# Training text for the SentencePiece model: a little Spanish and English news prose, so the
# vocabulary covers accents, «», digits and the usual punctuation. Unseen characters map to <unk>.
_CORPUS = """\
El presidente de Rusia llegará a Corea del Norte el martes para una visita de dos días.
Durante su estancia, se reunirá con el líder norcoreano para discutir la cooperación militar.
La Agencia Central de Noticias comunicó que la visita tendrá lugar tras una invitación.
«Es la primera vez en 24 años», afirmó el ministro de Asuntos Exteriores, según informes.
Los detalles adicionales no se han revelado, aunque el Gobierno confirmó la noticia.
Existe una creciente preocupación internacional respecto a un posible acuerdo armamentístico.
Según la Organización Mundial de la Salud, 6.700 personas recibieron atención médica en EE.UU.
¿Qué pasará después? ¡Nadie lo sabe! Señor, niño, camión, pingüino, acción, también, música.
The president of Russia will arrive in North Korea on Tuesday for a two-day visit.
During his stay, he will meet the North Korean leader to discuss military cooperation.
The Central News Agency said the visit will take place after an invitation.
"It is the first time in 24 years," the foreign minister said, according to reports.
Further details have not been disclosed, although the government confirmed the news.
There is growing international concern about a possible arms deal between both countries.
According to the World Health Organization, 6,700 people received medical care in the US.
"""


def _train_sentencepiece(model_path: Path) -> list[str]:
    """Train a small unigram SentencePiece model; return its pieces (the vocabulary, in id order)."""
    import sentencepiece as spm

    model_bytes = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(_CORPUS.splitlines()),
        model_writer=model_bytes,
        vocab_size=VOCAB_SIZE,
        hard_vocab_limit=False,  # the corpus is tiny: accept a smaller vocabulary
        character_coverage=1.0,
        model_type="unigram",
        num_threads=1,  # deterministic
        minloglevel=2,
    )
    model_path.write_bytes(model_bytes.getvalue())
    processor = spm.SentencePieceProcessor(model_file=str(model_path))
    # ids 0,1,2 are <unk>, <s>, </s>: the special tokens CTranslate2 expects by default.
    return [processor.id_to_piece(i) for i in range(processor.get_piece_size())]


def _fill_transformer_weights(spec, vocab_size: int, rng) -> None:  # noqa: ANN001 (ctranslate2 spec)
    """Set every required weight of a TransformerSpec to small random float32 arrays."""
    import numpy as np

    def dense(rows: int, cols: int):  # noqa: ANN202
        return (rng.standard_normal((rows, cols)) * 0.2).astype(np.float32)

    def norm(layer_norm) -> None:  # noqa: ANN001
        layer_norm.gamma = np.ones(MODEL_DIM, dtype=np.float32)
        layer_norm.beta = np.zeros(MODEL_DIM, dtype=np.float32)

    def linear(layer, rows: int, cols: int) -> None:  # noqa: ANN001
        layer.weight = dense(rows, cols)
        layer.bias = np.zeros(rows, dtype=np.float32)

    def ffn(spec_ffn) -> None:  # noqa: ANN001
        norm(spec_ffn.layer_norm)
        linear(spec_ffn.linear_0, FFN_DIM, MODEL_DIM)
        linear(spec_ffn.linear_1, MODEL_DIM, FFN_DIM)

    encoder, decoder = spec.encoder, spec.decoder
    encoder.embeddings[0].weight = dense(vocab_size, MODEL_DIM)
    norm(encoder.layer_norm)
    for layer in encoder.layer:
        norm(layer.self_attention.layer_norm)
        linear(layer.self_attention.linear[0], 3 * MODEL_DIM, MODEL_DIM)  # fused q, k, v
        linear(layer.self_attention.linear[1], MODEL_DIM, MODEL_DIM)
        ffn(layer.ffn)

    decoder.embeddings.weight = dense(vocab_size, MODEL_DIM)
    norm(decoder.layer_norm)
    for layer in decoder.layer:
        norm(layer.self_attention.layer_norm)
        linear(layer.self_attention.linear[0], 3 * MODEL_DIM, MODEL_DIM)
        linear(layer.self_attention.linear[1], MODEL_DIM, MODEL_DIM)
        norm(layer.attention.layer_norm)
        linear(layer.attention.linear[0], MODEL_DIM, MODEL_DIM)  # query
        linear(layer.attention.linear[1], 2 * MODEL_DIM, MODEL_DIM)  # fused k, v (memory)
        linear(layer.attention.linear[2], MODEL_DIM, MODEL_DIM)
        ffn(layer.ffn)
    decoder.projection.weight = dense(vocab_size, MODEL_DIM)
    bias = np.zeros(vocab_size, dtype=np.float32)
    bias[2] = EOS_BIAS  # favour </s> (id 2): random weights would otherwise never stop decoding
    decoder.projection.bias = bias


def build_tiny_argos_model(out_dir: Path | str) -> Path:
    """Build ``tiny-test-fixture-es_en.argosmodel`` in ``out_dir`` and return its path.

    Deterministic for a given SentencePiece/CTranslate2 version; takes a few seconds on one core.
    """
    import ctranslate2
    import numpy as np

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    archive = out_dir / f"{TOP_FOLDER}.argosmodel"
    with tempfile.TemporaryDirectory(prefix="tiny-argos-") as tmp:
        package_dir = Path(tmp) / TOP_FOLDER
        package_dir.mkdir()
        vocabulary = _train_sentencepiece(package_dir / "sentencepiece.model")

        spec = ctranslate2.specs.TransformerSpec.from_config((2, 2), NUM_HEADS)
        _fill_transformer_weights(spec, len(vocabulary), np.random.default_rng(SEED))
        spec.register_source_vocabulary(vocabulary)
        spec.register_target_vocabulary(vocabulary)  # identical → saved as shared_vocabulary.json
        spec.validate()
        (package_dir / "model").mkdir()
        spec.save(str(package_dir / "model"))

        metadata = {
            "package_version": PACKAGE_VERSION,
            "argos_version": "1.11",
            "code": TEST_FIXTURE_CODE,
            "type": "translate",
            "from_code": "es",
            "from_name": "Spanish",
            "to_code": "en",
            "to_name": "English",
            "test_fixture": True,
            "description": "TEST FIXTURE: random weights, garbage output. Not a translation system.",
        }
        (package_dir / "metadata.json").write_text(json.dumps(metadata, indent=2) + "\n")
        (package_dir / "README.md").write_text(
            "# tiny-test-fixture (es → en)\n\nA real Argos Translate package with RANDOM weights, "
            "built by annotate's scripts/build_tiny_argos_model.py for tests. Its output is garbage.\n"
        )
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipf:
            for path in sorted(package_dir.rglob("*")):
                zipf.write(path, path.relative_to(Path(tmp)).as_posix())
    return archive


if __name__ == "__main__":
    print(build_tiny_argos_model(Path(sys.argv[1]) if len(sys.argv) > 1 else Path.cwd()))
