"""Symbolic links in an input folder (issue #20, point 5): a dangling link or a link loop is a
listed skipped file with its reason — by ``ingest``, ``segment``, ``translate``, push's folder
reading and a test set —, never a traceback and never silently left out; a folder link back to
a folder holding it is never followed round; a link to a real file is read like the file."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from annotate.ingest.articles import IngestError, ingest_dir, input_entries, input_files, link_problem, read_article
from annotate.cli import app
from annotate.translate.base import TranslationOutput

REPO = Path(__file__).resolve().parent.parent
SEED = REPO / "seeds" / "000_ad44c9bdf5348be7.txt"
WIDE = {"COLUMNS": "500"}  # long tmp paths on one line: rich folds at the terminal width
ARTICLE = "Un titular corto\n\nEl cuerpo del artículo tiene una frase. Y otra frase más.\n"


def _one_line(text: str) -> str:
    """Rich wraps long lines at the terminal width; compare messages with the breaks undone."""
    return " ".join(text.split())


@pytest.fixture
def linked_dir(tmp_path: Path) -> Path:
    """A folder with one real article, a link to it, a dangling link, a two-link loop and a
    self-loop, all named ``*.txt``; a real article outside the folder is linked in too."""
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "a_real.txt").write_text(ARTICLE, encoding="utf-8")
    outside = tmp_path / "elsewhere.txt"
    outside.write_text(ARTICLE.replace("corto", "largo"), encoding="utf-8")
    (folder / "b_outside.txt").symlink_to(outside)
    (folder / "c_dangling.txt").symlink_to("gone.txt")
    (folder / "d_loop.txt").symlink_to("e_loop.txt")
    (folder / "e_loop.txt").symlink_to("d_loop.txt")
    (folder / "f_self.txt").symlink_to("f_self.txt")
    return folder


EXPECTED = {
    "c_dangling.txt": "dangling symbolic link to gone.txt (no such file)",
    "d_loop.txt": "symbolic link loop (d_loop.txt → e_loop.txt → d_loop.txt)",
    "e_loop.txt": "symbolic link loop (e_loop.txt → d_loop.txt → e_loop.txt)",
    "f_self.txt": "symbolic link loop (f_self.txt → f_self.txt)",
}


def test_link_problem_names_dangling_links_and_loops(linked_dir: Path) -> None:
    for name, reason in EXPECTED.items():
        assert link_problem(linked_dir / name) == reason
    assert link_problem(linked_dir / "a_real.txt") is None  # no link
    assert link_problem(linked_dir / "b_outside.txt") is None  # a link that works


def test_dangling_links_and_loops_are_listed_skipped_files(linked_dir: Path) -> None:
    articles, errors = ingest_dir(linked_dir)
    # a link to a real file is read (the user's choice), under the link's name
    assert [a.source_name for a in articles] == ["a_real.txt", "b_outside.txt"]
    assert {e.path.name: e.reason for e in errors} == EXPECTED
    assert all(e.path.parent == linked_dir for e in errors)  # the link as listed, not its target
    assert [p.name for p in input_files(linked_dir)] == ["a_real.txt", "b_outside.txt"]


def test_read_article_names_a_broken_link(linked_dir: Path) -> None:
    with pytest.raises(IngestError) as info:
        read_article(linked_dir / "c_dangling.txt")
    assert info.value.reason == EXPECTED["c_dangling.txt"]
    with pytest.raises(IngestError) as info:
        read_article(linked_dir / "d_loop.txt")
    assert info.value.reason == EXPECTED["d_loop.txt"]


def test_a_chain_ending_nowhere_shows_every_hop(tmp_path: Path) -> None:
    (tmp_path / "a.txt").symlink_to("b.txt")
    (tmp_path / "b.txt").symlink_to(tmp_path / "missing" / "c.txt")
    assert link_problem(tmp_path / "a.txt") == f"dangling symbolic link to b.txt → {tmp_path}/missing/c.txt (no such file)"


def test_the_input_itself_a_dangling_link_is_named(tmp_path: Path) -> None:
    (tmp_path / "gone").symlink_to(tmp_path / "nowhere")
    with pytest.raises(FileNotFoundError, match="dangling symbolic link to"):
        input_entries(tmp_path / "gone")
    result = CliRunner().invoke(app, ["ingest", str(tmp_path / "gone")], env=WIDE)
    assert result.exit_code == 2
    assert f"dangling symbolic link to {tmp_path}/nowhere (no such file)" in _one_line(result.stderr)


def test_a_folder_link_back_to_its_parent_is_listed_and_never_followed(tmp_path: Path) -> None:
    """``--glob '*/*.txt'`` goes through folder links: one pointing back up would read the same
    articles again under other names (and, followed recursively, never end)."""
    folder = tmp_path / "articles"
    (folder / "2024").mkdir(parents=True)
    (folder / "2024" / "a.txt").write_text(ARTICLE, encoding="utf-8")
    (folder / "2024" / "up").symlink_to("..")  # 2024/up → articles: holds 2024 itself
    (folder / "self").symlink_to(".")  # articles/self → articles
    (folder / "other").mkdir()
    (folder / "other" / "b.txt").write_text(ARTICLE.replace("corto", "largo"), encoding="utf-8")
    (folder / "linked").symlink_to("other")  # a folder link that is no loop: read through
    for pattern in ("*/*.txt", "*/*/*.txt", "*/*/*/*.txt"):
        articles, errors = ingest_dir(folder, pattern)
        reasons = {str(e.path.relative_to(folder)): e.reason for e in errors}
        assert all(reason.startswith("symbolic link loop") and "not followed" in reason for reason in reasons.values())
        if pattern == "*/*.txt":  # the loops hold no match at this depth: nothing to list
            assert sorted(a.source_name for a in articles) == ["a.txt", "b.txt", "b.txt"] and not reasons
        else:  # deeper, every match would go through a loop: none is read, each loop is listed once
            assert not articles
            # self/2024/a.txt at depth 3; 2024/up/2024/a.txt (and self/self/…) at depth 4
            assert set(reasons) == ({"self"} if pattern == "*/*/*.txt" else {"self", "2024/up"})
            assert reasons["self"] == "symbolic link loop (self → ., a folder that holds it; not followed)"
    result = CliRunner().invoke(app, ["ingest", str(folder), "--glob", "*/*/*/*.txt", "--jsonl"], env=WIDE)
    assert result.exit_code == 1
    assert "symbolic link loop (up → .., a folder that holds it; not followed)" in _one_line(result.stderr)


def test_ingest_and_segment_cli_list_the_links_and_exit_1(linked_dir: Path) -> None:
    runner = CliRunner()
    for command in (["ingest", str(linked_dir), "--jsonl"], ["segment", str(linked_dir), "--jsonl"]):
        result = runner.invoke(app, command, env=WIDE)
        assert result.exit_code == 1, result.output
        assert result.exception is None or isinstance(result.exception, SystemExit)  # no traceback
        stderr = _one_line(result.stderr)
        assert "4 files could not be ingested" in stderr
        for name, reason in EXPECTED.items():
            assert f"{linked_dir / name}: {reason}" in stderr
        names = {json.loads(line).get("source_name") or json.loads(line)["doc_id"]
                 for line in result.stdout.splitlines()}
        assert names  # the good articles are still written
    ingested = runner.invoke(app, ["ingest", str(linked_dir), "--jsonl"])
    assert [json.loads(line)["source_name"] for line in ingested.stdout.splitlines()] == ["a_real.txt", "b_outside.txt"]


class _EchoTranslator:
    """A stand-in MT system: push's folder reading is under test, not translation."""

    name = "echo"
    version = "1"
    is_test_fixture = True
    settings_key = ""

    def translate_batch(self, sentences: list[str]) -> list[TranslationOutput]:
        return [TranslationOutput(mt=sentence.upper()) for sentence in sentences]


def test_push_folder_reading_lists_the_links_as_skipped_files(linked_dir: Path) -> None:
    from annotate.pipeline import run_pipeline

    prepared = run_pipeline(linked_dir, [_EchoTranslator()])
    assert sorted(d.source_name for d in prepared.documents()) == ["a_real.txt", "b_outside.txt"]
    assert len(prepared.skipped) == 4
    for name, reason in EXPECTED.items():
        assert f"{linked_dir / name}: {reason}" in prepared.problems


def test_translate_lists_the_links(linked_dir: Path) -> None:
    from annotate.translate.stage import read_segments

    result = read_segments(linked_dir)
    assert {s.doc_id for s in result.segments} and len(result.problems) == 4
    assert f"{linked_dir / 'c_dangling.txt'}: {EXPECTED['c_dangling.txt']}" in result.problems


def test_a_testset_with_a_dangling_system_link_is_refused_naming_it(tmp_path: Path) -> None:
    from annotate.testset import TestSetError, read_testset

    for sub in ("sources", "references", "system-outputs/en-de"):
        (tmp_path / sub).mkdir(parents=True)
    (tmp_path / "sources" / "en-de.txt").write_text("One.\nTwo.\n", encoding="utf-8")
    (tmp_path / "references" / "en-de.refA.txt").write_text("Eins.\nZwei.\n", encoding="utf-8")
    (tmp_path / "system-outputs" / "en-de" / "good.txt").write_text("Eins.\nZwo.\n", encoding="utf-8")
    (tmp_path / "system-outputs" / "en-de" / "linked.txt").symlink_to(tmp_path / "system-outputs" / "en-de" / "good.txt")
    assert set(read_testset(tmp_path).systems) == {"good", "linked"}
    (tmp_path / "system-outputs" / "en-de" / "lost.txt").symlink_to("/nonexistent/lost.txt")
    with pytest.raises(TestSetError) as info:  # a system silently missing would change every comparison
        read_testset(tmp_path)
    assert str(info.value) == (f"{tmp_path}/system-outputs/en-de/lost.txt: dangling symbolic link to "
                               "/nonexistent/lost.txt (no such file)")
    os.remove(tmp_path / "system-outputs" / "en-de" / "lost.txt")
    (tmp_path / "references" / "en-de.refB.txt").symlink_to("en-de.refB.txt")
    with pytest.raises(TestSetError, match=r"refB\.txt: symbolic link loop \(en-de\.refB\.txt → en-de\.refB\.txt\)"):
        read_testset(tmp_path)


needs_apertium = pytest.mark.skipif(shutil.which("apertium") is None, reason="apertium not installed")


@needs_apertium
@pytest.mark.server
def test_push_cli_pushes_the_good_articles_and_lists_the_links(ls_server, project_title: str, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "articles"
    folder.mkdir()
    shutil.copy(SEED, folder / SEED.name)
    (folder / "linked.txt").symlink_to(folder / SEED.name)  # the same article again: one task, doc_ids match
    (folder / "x_dangling.txt").symlink_to(tmp_path / "deleted.txt")
    (folder / "y_loop.txt").symlink_to("y_loop.txt")
    monkeypatch.setenv("ANNOTATE_LS_URL", ls_server.url)
    monkeypatch.setenv("ANNOTATE_LS_TOKEN", ls_server.token)
    pushed = CliRunner().invoke(app, ["push", str(folder), "--project", project_title, "--no-predictions"], env=WIDE)
    assert pushed.exit_code == 1, pushed.output
    output = _one_line(pushed.output)
    assert f"{folder}/x_dangling.txt: dangling symbolic link to {tmp_path}/deleted.txt (no such file)" in output
    assert f"{folder}/y_loop.txt: symbolic link loop (y_loop.txt → y_loop.txt)" in output
    assert "2 input file(s) could not be ingested and were not pushed" in output
    assert "1 created" in output  # the good article (and its link, the same doc_id) went in
