"""Datasets in other language pairs: a WMT MQM TSV file → a Hugging Face dataset labelled with its
own languages, tokenised with its languages' rules, with a reference system instead of post-edits."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import SHARED_MQM
from typer.testing import CliRunner

from annotate.cli import app
from annotate.dataset import DatasetBuildError, build_dataset
from annotate.tokens import tokenizer_language
from annotate.dataset.synthetic import synthetic_documents
from annotate.languages import LanguagePair, language_name, pair_from_file_name, parse_pair
from annotate.mqm_tsv import read_mqm_tsv

runner = CliRunner()
TED_ENDE = SHARED_MQM / "mqm_ted_ende.tsv"


@pytest.mark.parametrize(("text", "pair"), [
    ("en-de", LanguagePair("en", "de")),
    (" ZH-en ", LanguagePair("zh", "en")),
    ("es-en", LanguagePair("es", "en")),
    ("haw-en", LanguagePair("haw", "en")),
])
def test_parse_pair(text, pair):
    assert parse_pair(text) == pair


@pytest.mark.parametrize("text", ["ende", "en_de", "en-en", "english-german", "", "en-"])
def test_parse_pair_rejects(text):
    with pytest.raises(ValueError, match="SOURCE-TARGET, e.g. en-de"):
        parse_pair(text)


@pytest.mark.parametrize(("name", "pair"), [
    ("mqm_ted_ende.tsv", LanguagePair("en", "de")),
    ("mqm_newstest2020_zhen.tsv", LanguagePair("zh", "en")),
    ("/data/wmt/mqm_generalMT2022_enru.tsv", LanguagePair("en", "ru")),
    ("mqm_ted_ende.avg_seg_scores.tsv", LanguagePair("en", "de")),
    ("corners.tsv", None),  # not Google's naming: nothing is guessed
    ("ted_ende.tsv", None),
    ("mqm_test.tsv", None),
])
def test_pair_from_google_file_names(name, pair):
    assert pair_from_file_name(name) == pair


@pytest.mark.parametrize(("code", "name"), [("es", "Spanish"), ("en", "English"), ("de", "German"),
                                            ("zh", "Chinese"), ("qq", "qq")])
def test_language_names_come_from_spacy(code, name):
    assert language_name(code) == name


def test_a_language_spacy_cannot_tokenise_falls_back_to_multilingual_rules():
    assert tokenizer_language("de") == "de"
    assert tokenizer_language("qq") == "xx"


# Two documents, three segments, two systems and the human reference `ref`, two raters.
TSV_ROWS = [
    ("sysA", "talk.1", 1, 1, "rater1", "The cat sleeps.", "Die Katze <v>schlaeft</v>.", "Fluency/Spelling", "Minor"),
    ("sysA", "talk.1", 2, 2, "rater1", "It is raining, he said.", "Es regnet, sagte er.", "No-error", "No-error"),
    ("sysB", "talk.1", 1, 1, "rater2", "The cat sleeps.", "<v>Der Hund</v> schläft.", "Accuracy/Mistranslation", "Major"),
    # an omission marked where Google's raters mark it: on the source words the translation lost
    ("sysB", "talk.1", 2, 2, "rater2", "It is raining, <v>he said</v>.", "Es regnet.", "Accuracy/Omission", "Minor"),
    ("ref", "talk.1", 1, 1, "rater2", "The cat sleeps.", "Die Katze schläft.", "No-error", "No-error"),
    ("ref", "talk.1", 2, 2, "rater1", "It is raining, he said.", "Es regnet, sagte er.", "No-error", "No-error"),
    ("sysA", "talk.2", 1, 3, "rater2", "Good morning!", "Guten Morgen!", "No-error", "No-error"),
    ("sysB", "talk.2", 1, 3, "rater1", "Good morning!", "Gute Morgen<v>!</v>", "Fluency/Punctuation", "Minor"),
    ("ref", "talk.2", 1, 3, "rater1", "Good morning!", "Guten Morgen!", "No-error", "No-error"),
]


def write_tsv(path: Path) -> Path:
    lines = ["system\tdoc\tdoc_id\tseg_id\trater\tsource\ttarget\tcategory\tseverity\tcomment"]
    lines += ["\t".join(map(str, row)) + "\t" for row in TSV_ROWS]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def load(out: Path, config: str):
    from datasets import load_dataset

    return load_dataset(str(out), config)["test"]


def test_a_wmt_mqm_file_becomes_a_dataset_in_its_own_languages(tmp_path, monkeypatch):
    from sacrebleu.metrics import BLEU

    monkeypatch.chdir(tmp_path)
    tsv = write_tsv(tmp_path / "mqm_demo_ende.tsv")  # Google's naming: en-de read from the name
    out = tmp_path / "ted-demo"
    result = runner.invoke(app, ["build", str(tsv), str(out), "--reference", "ref", "--license", "apache-2.0", "--split", "test"])
    assert result.exit_code == 0, result.output
    assert "English (en) → German (de)" in result.output and "the translations of ref" in result.output
    assert "hint" not in result.output
    assert "config ner left out" in result.output and "ner spans" not in result.output
    assert "config claims left out: no annotation marks a claim" in result.output

    translation = load(out, "translation")
    assert translation.features["translation"].languages == ["en", "de"]
    assert translation[0]["translation"] == {"en": "The cat sleeps.", "de": "Die Katze schläft."}
    assert not (out / "ner").exists() and not (out / "claims").exists()

    segments = load(out, "segments")
    rows = {(r["doc_id"], r["seg_id"], r["system"]): r for r in segments}
    assert len(rows) == 9
    assert rows[("talk.1", 1, "sysB")]["reference"] == "Die Katze schläft."
    assert rows[("talk.1", 1, "sysB")]["mqm"] == 5.0 and rows[("talk.1", 1, "sysB")]["bleu"] is not None
    reference_row = rows[("talk.1", 1, "ref")]
    assert reference_row["bleu"] is None and reference_row["ter"] is None and reference_row["mqm"] == 0.0
    for row in segments:
        for error in row["errors"]:
            assert row["mt" if error["side"] == "target" else "source"][error["start"]:error["end"]] == error["text"]

    systems = {r["system"]: r for r in load(out, "systems")}
    assert systems["ref"]["bleu"] is None and systems["ref"]["n_scored"] == 0 and systems["ref"]["n_rated"] == 3
    for system in ("sysA", "sysB"):
        hypotheses = [rows[key]["mt"] for key in sorted(rows) if key[2] == system]
        references = [rows[key]["mt"] for key in sorted(rows) if key[2] == "ref"]
        assert systems[system]["bleu"] == pytest.approx(BLEU().corpus_score(hypotheses, [references]).score)
    assert systems["sysA"]["mqm"] == pytest.approx(1 / 3) and systems["sysB"]["mqm"] == pytest.approx(6.1 / 3)

    # German tokens by German rules; BAD where an error that weighs covers a token
    word_qe = {(r["doc_id"], r["seg_id"], r["system"]): r for r in load(out, "word_qe")}
    sys_b = word_qe[("talk.1", 1, "sysB")]
    assert sys_b["mt_tokens"] == ["Der", "Hund", "schläft", "."] and sys_b["tags"] == [1, 1, 0, 0]
    assert word_qe[("talk.2", 1, "sysB")]["tags"] == [0, 0, 1]  # Minor punctuation weighs 0.1: BAD
    omitted = word_qe[("talk.1", 2, "sysB")]  # the omission tags the source words, no MT word
    assert all(tag == 0 for key, row in word_qe.items() for tag in row["src_tags"] if key != ("talk.1", 2, "sysB"))
    assert list(zip(omitted["src_tokens"], omitted["src_tags"])) == [
        ("It", 0), ("is", 0), ("raining", 0), (",", 0), ("he", 1), ("said", 1), (".", 0)]
    assert omitted["tags"] == [0, 0, 0] and omitted["mt_tokens"] == ["Es", "regnet", "."]

    card = (out / "README.md").read_text(encoding="utf-8")
    assert "language:\n- en\n- de\n" in card and "license: apache-2.0" in card
    assert "English source segments (`en`) with translations into German (`de`)" in card
    assert "`mqm_demo_ende.tsv`" in card and 'spacy.blank("de")' in card
    assert "the system `ref`" in card and "Spanish" not in card and "seeds/GUIDELINES.md" not in card


def test_import_mqm_records_carry_the_pair_into_a_build(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    tsv = write_tsv(tmp_path / "ratings.tsv")  # a name that says nothing: the user says it
    jsonl = tmp_path / "ratings.jsonl"
    result = runner.invoke(app, ["import-mqm", str(tsv), "-o", str(jsonl), "--languages", "en-de"])
    assert result.exit_code == 0, result.output
    assert {(d["source_language"], d["target_language"])
            for d in map(json.loads, jsonl.read_text(encoding="utf-8").splitlines())} == {("en", "de")}
    result = runner.invoke(app, ["build", str(jsonl), str(tmp_path / "out"), "--split", "test"])
    assert result.exit_code == 0, result.output
    assert "hint: a system is named ref" in result.output and "--reference ref" in result.output
    assert load(tmp_path / "out", "word_qe").features["mt_tokens"].feature.dtype == "string"
    assert "English (en) → German (de)" in result.output and "references: post-edits" in result.output


def test_a_file_whose_languages_nobody_stated_is_refused_with_the_fix(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    tsv = write_tsv(tmp_path / "ratings.tsv")
    out = tmp_path / "out"
    result = runner.invoke(app, ["build", str(tsv), str(out), "--split", "test"])
    assert result.exit_code == 1
    assert "languages of the documents (e.g. talk.1) are not known" in result.output
    assert "--languages en-de" in result.output and not out.exists()
    result = runner.invoke(app, ["build", str(tsv), str(out), "--languages", "english-german", "--split", "test"])
    assert result.exit_code == 1 and "not a language pair" in result.output


def test_an_unknown_reference_system_and_mixed_pairs_are_refused(tmp_path):
    docs = list(read_mqm_tsv(write_tsv(tmp_path / "mqm_demo_ende.tsv")).documents)
    with pytest.raises(DatasetBuildError, match=r"no translations are named 'human'.*there are: ref, sysA, sysB"):
        build_dataset(docs, tmp_path / "a", name="a", reference_system="human")
    spanish = list(synthetic_documents(1, segments=1))
    with pytest.raises(DatasetBuildError, match=r"more than one language pair: en-de \(e\.g\. talk\.1\), es-en"):
        build_dataset(docs + spanish, tmp_path / "b", name="b")
    unstated = read_mqm_tsv(write_tsv(tmp_path / "ratings.tsv")).documents
    with pytest.raises(DatasetBuildError, match=r"more than one language pair: unknown \(e\.g\. talk\.1\), es-en"):
        build_dataset(unstated + spanish, tmp_path / "c", name="c")
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()


@pytest.mark.skipif(not TED_ENDE.exists(), reason=f"the WMT MQM files are not here ({SHARED_MQM} absent): "
                                                  "third-party data, never copied")
def test_ted_ende_dataset_agrees_with_googles_scores_and_the_report(tmp_path):
    from annotate.scoring.mqm import score_documents

    tsv = read_mqm_tsv(TED_ENDE, extra_categories=["Fluency/Display"])
    out = tmp_path / "ted"
    report = build_dataset(tsv.documents, out, name="ted", reference_system="ref", score_cache=False, split="test")
    assert report.languages == LanguagePair("en", "de") and "ner" not in report.counts
    assert report.counts["segments"]["test"] == 14 * 529 and report.counts["translation"]["test"] == 529
    systems = {r["system"]: r for r in load(out, "systems")}
    expected = score_documents(tsv.documents).systems
    assert {name: row["mqm"] for name, row in systems.items()} == pytest.approx(expected, abs=1e-9)
    assert round(systems["Facebook-AI"]["mqm"], 2) == 1.06  # Google's published table: the best MT system
    word_qe = load(out, "word_qe")
    assert len(word_qe) == 14 * 529
    first_ref = next(r for r in word_qe if (r["doc_id"], r["seg_id"], r["system"]) == ("talk.1", 1, "ref"))
    assert first_ref["src_tokens"][:3] == ["I", "want", "to"]
    assert first_ref["mt_tokens"][:3] == ["Bitte", "machen", "Sie"] and "Universum" in first_ref["mt_tokens"]
    # Google's raters marked some omissions in the source: those words, and only those, are BAD there
    segments = {(r["doc_id"], r["seg_id"], r["system"]): r for r in load(out, "segments")}
    weighing = {key for key, row in segments.items()
                if any(e["side"] == "source" and e["severity"] != 2 for e in row["errors"])}  # 2 = Neutral
    tagged = {(r["doc_id"], r["seg_id"], r["system"]) for r in word_qe if any(r["src_tags"])}
    assert tagged == weighing and len(tagged) >= 10
    assert report.word_tags["source_errors"] == 14 and report.word_tags["bad_src_tokens"] > len(tagged)


ZH_ROWS = [
    ("sysA", "news.1", 1, 1, "rater1", "The cat sleeps.", "猫<v>睡</v>觉。", "Accuracy/Omission", "Minor"),
    ("sysA", "news.1", 2, 2, "rater1", "Good morning!", "早上好！", "No-error", "No-error"),
    ("ref", "news.1", 1, 1, "rater1", "The cat sleeps.", "猫在睡觉。", "No-error", "No-error"),
    ("ref", "news.1", 2, 2, "rater1", "Good morning!", "早上好！", "No-error", "No-error"),
]


def test_a_chinese_target_gets_sacrebleus_chinese_tokenizer_in_dataset_and_report(tmp_path):
    from sacrebleu.metrics import BLEU

    from annotate.report import build_report

    path = tmp_path / "mqm_demo_enzh.tsv"
    lines = ["system\tdoc\tdoc_id\tseg_id\trater\tsource\ttarget\tcategory\tseverity"]
    path.write_text("\n".join(lines + ["\t".join(map(str, row)) for row in ZH_ROWS]) + "\n", encoding="utf-8")
    docs = read_mqm_tsv(path).documents
    build_dataset(docs, tmp_path / "zh", name="zh", reference_system="ref", score_cache=False, split="test")
    sys_a = next(r for r in load(tmp_path / "zh", "systems") if r["system"] == "sysA")
    hypotheses, references = ["猫睡觉。", "早上好！"], [["猫在睡觉。", "早上好！"]]
    expected = BLEU(trg_lang="zh").corpus_score(hypotheses, references)
    assert "tok:zh" in sys_a["signatures"]["bleu"]
    # 13a sees one "word" per sentence here: a different (lower) score
    assert sys_a["bleu"] == pytest.approx(expected.score) and expected.score > BLEU().corpus_score(hypotheses, references).score + 10
    word_qe = next(r for r in load(tmp_path / "zh", "word_qe") if r["system"] == "sysA" and r["seg_id"] == 1)
    assert "".join(word_qe["mt_tokens"]) == "猫睡觉。" and len(word_qe["mt_tokens"]) > 1  # spaCy zh: characters
    assert word_qe["tags"][word_qe["mt_tokens"].index("睡")] == 1
    paths = build_report(docs, out_dir=tmp_path / "report", reference="ref", tests=("bs",))
    scores = json.loads(paths.data.read_text(encoding="utf-8"))
    assert "tok:zh" in scores["signatures"]["BLEU"]
    assert scores["systems"]["sysA"]["metrics"]["BLEU"]["score"] == pytest.approx(expected.score)
    assert "**Languages:** English (en) → Chinese (zh)" in paths.markdown.read_text(encoding="utf-8")


def test_bleu_falls_back_to_13a_with_a_warning_where_a_tokenizer_is_missing():
    import importlib.util

    from annotate.scoring.metrics import bleu_language

    assert bleu_language("zh") == "zh" and bleu_language("de") == "de"
    if importlib.util.find_spec("MeCab") is not None:
        pytest.skip("MeCab is installed here: Japanese BLEU tokenises")
    bleu_language.cache_clear()
    with pytest.warns(UserWarning, match="Japanese tokenization requires extra dependencies.*13a"):
        assert bleu_language("ja") == ""


def test_score_and_report_take_the_pair_from_the_command_line(tmp_path):
    path = tmp_path / "ratings.tsv"  # a name that says nothing
    lines = ["system\tdoc\tdoc_id\tseg_id\trater\tsource\ttarget\tcategory\tseverity"]
    path.write_text("\n".join(lines + ["\t".join(map(str, row)) for row in ZH_ROWS]) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["score", str(path), "--reference", "ref", "--json", "--tests", "bs"])
    assert result.exit_code == 0, result.output
    assert "tok:13a" in json.loads(result.output)["signatures"]["BLEU"]
    result = runner.invoke(app, ["score", str(path), "--reference", "ref", "--json", "--tests", "bs",
                                 "--languages", "en-zh"])
    assert result.exit_code == 0, result.output
    assert "tok:zh" in json.loads(result.output)["signatures"]["BLEU"]
    result = runner.invoke(app, ["report", str(path), "-o", str(tmp_path / "r"), "--reference", "ref",
                                 "--languages", "en-zh"])
    assert result.exit_code == 0, result.output
    assert "English (en) → Chinese (zh)" in (tmp_path / "r" / "report.md").read_text(encoding="utf-8")
    result = runner.invoke(app, ["score", str(path), "--languages", "zh"])
    assert result.exit_code == 2 and "not a language pair" in result.output


def test_a_japanese_target_without_mecab_is_scored_with_13a_and_says_so(tmp_path):
    import importlib.util

    from annotate.scoring.evaluate import evaluate
    from annotate.scoring.metrics import bleu_language

    if importlib.util.find_spec("MeCab") is not None:
        pytest.skip("MeCab is installed here: Japanese BLEU tokenises")
    path = tmp_path / "mqm_demo_enja.tsv"
    rows = [(system, "news.1", seg, seg, "rater1", source, target, "No-error", "No-error")
            for system, targets in (("sysA", ["猫が寝る。", "おはよう！"]), ("sysB", ["猫は寝ている。", "おはよう！"]),
                                    ("ref", ["猫が寝ている。", "おはようございます！"]))
            for seg, (source, target) in enumerate(zip(["The cat sleeps.", "Good morning!"], targets), 1)]
    lines = ["system\tdoc\tdoc_id\tseg_id\trater\tsource\ttarget\tcategory\tseverity"]
    path.write_text("\n".join(lines + ["\t".join(map(str, row)) for row in rows]) + "\n", encoding="utf-8")
    bleu_language.cache_clear()
    with pytest.warns(UserWarning, match="Japanese tokenization requires extra dependencies"):
        evaluation = evaluate(read_mqm_tsv(path).documents, reference="ref", tests=("bs", "ar"), ar_trials=50)
    assert "tok:13a" in evaluation.signatures["BLEU"] and evaluation.row("sysB").p_ar["BLEU"] is not None
