"""Test sets in WMT's plain-text layout (annotate.testset) and ``annotate score --testset``: the
scores equal the sacrebleu command line's on the same files, coverage errors are refused with the
file and both line counts, and the documents carry the right ids, roles and versions."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO
from typer.testing import CliRunner

from annotate.cli import app
from annotate.commands import scoring
from annotate.languages import LanguagePair
from annotate import testset as testsets  # its testset_* functions would look like tests if imported by name
from annotate.testset import TestSetError, choose_testset_references, read_testset

SACREBLEU = Path(sys.executable).parent / "sacrebleu"
runner = CliRunner()

# (source, refA, refB) per line; documents: (domain, doc_id, number of lines)
EN_DE = [
    ("The city council approved the new budget on Monday evening.",
     "Der Stadtrat hat den neuen Haushalt am Montagabend genehmigt.",
     "Am Montagabend billigte der Stadtrat den neuen Haushalt."),
    ("Most of the money will go to schools and public transport.",
     "Der Großteil des Geldes fließt in Schulen und den öffentlichen Nahverkehr.",
     "Das meiste Geld geht an Schulen und an den öffentlichen Verkehr."),
    ("Energy prices have risen by almost twenty percent since January.",
     "Die Energiepreise sind seit Januar um fast zwanzig Prozent gestiegen.",
     "Seit Januar haben sich die Energiepreise um beinahe zwanzig Prozent erhöht."),
    ("Many families say they can no longer pay their heating bills.",
     "Viele Familien sagen, dass sie ihre Heizkosten nicht mehr bezahlen können.",
     "Viele Familien geben an, ihre Heizrechnungen nicht mehr zahlen zu können."),
    ("The mayor promised a support fund for low-income households.",
     "Der Bürgermeister versprach einen Hilfsfonds für Haushalte mit geringem Einkommen.",
     "Die Bürgermeisterin kündigte einen Unterstützungsfonds für einkommensschwache Haushalte an."),
    ("Critics argue that the fund is far too small.",
     "Kritiker meinen, dass der Fonds viel zu klein sei.",
     "Kritiker halten den Fonds für deutlich zu klein."),
    ("“We need a long-term solution,” said one opposition member.",
     "„Wir brauchen eine langfristige Lösung“, sagte ein Mitglied der Opposition.",
     "„Wir brauchen eine dauerhafte Lösung“, erklärte ein Oppositionspolitiker."),
    ("The regional utility plans to build two new wind farms.",
     "Der regionale Versorger plant den Bau von zwei neuen Windparks.",
     "Das regionale Versorgungsunternehmen will zwei neue Windparks errichten."),
    ("Construction is expected to start next spring.",
     "Der Baubeginn ist für das nächste Frühjahr geplant.",
     "Mit dem Bau soll im kommenden Frühjahr begonnen werden."),
    ("Residents near the site have raised concerns about noise.",
     "Anwohner in der Nähe des Geländes haben Bedenken wegen des Lärms geäußert.",
     "Anwohner des Standorts sorgen sich wegen des Lärms."),
    ("A public hearing will take place in March.",
     "Im März findet eine öffentliche Anhörung statt.",
     "Eine öffentliche Anhörung ist für März angesetzt."),
    ("The council will vote on the plans after the hearing.",
     "Nach der Anhörung wird der Rat über die Pläne abstimmen.",
     "Der Rat stimmt nach der Anhörung über die Pläne ab."),
    ("The home team won the derby 3-1 on Saturday.",
     "Die Heimmannschaft gewann das Derby am Samstag mit 3:1.",
     "Am Samstag siegte die Heimmannschaft im Derby mit 3:1."),
    ("Their striker scored twice in the first half.",
     "Ihr Stürmer traf in der ersten Halbzeit zweimal.",
     "Ihr Mittelstürmer erzielte vor der Pause zwei Tore."),
    ("The visitors had more possession but few real chances.",
     "Die Gäste hatten mehr Ballbesitz, aber kaum echte Chancen.",
     "Die Gästemannschaft hatte mehr vom Spiel, jedoch wenige klare Torchancen."),
    ("A late penalty decided the match.",
     "Ein später Elfmeter entschied das Spiel.",
     "Ein Strafstoß in der Schlussphase brachte die Entscheidung."),
    ("The coach praised the fans for their support.",
     "Der Trainer lobte die Fans für ihre Unterstützung.",
     "Der Trainer dankte den Anhängern für ihre Unterstützung."),
    ("With this win, the team moves up to third place.",
     "Mit diesem Sieg rückt die Mannschaft auf den dritten Platz vor.",
     "Durch den Sieg klettert das Team auf Rang drei."),
    ("The next game is away against the league leaders.",
     "Das nächste Spiel findet auswärts gegen den Tabellenführer statt.",
     "Als Nächstes geht es auswärts gegen den Spitzenreiter."),
    ("Tickets for that match sold out within hours.",
     "Die Karten für dieses Spiel waren innerhalb weniger Stunden ausverkauft.",
     "Die Tickets für die Partie waren binnen Stunden vergriffen."),
    ("Just got back from Lisbon and I already miss it!",
     "Bin gerade aus Lissabon zurück und vermisse es schon!",
     "Gerade aus Lissabon zurückgekommen und ich vermisse es jetzt schon!"),
    ("The old tram through the hills is a must.",
     "Die alte Straßenbahn durch die Hügel ist ein Muss.",
     "Mit der alten Tram durch die Hügel zu fahren, ist Pflicht."),
    ("We ate grilled sardines almost every night.",
     "Wir haben fast jeden Abend gegrillte Sardinen gegessen.",
     "Fast jeden Abend gab es bei uns gegrillte Sardinen."),
    ("Does anyone know a quiet beach near the city?",
     "Kennt jemand einen ruhigen Strand in der Nähe der Stadt?",
     "Weiß jemand einen ruhigen Strand nahe der Stadt?"),
    ("The museum was closed on Monday, which was a shame.",
     "Das Museum war am Montag geschlossen, was schade war.",
     "Leider hatte das Museum am Montag geschlossen."),
    ("Our hotel had a great view of the river.",
     "Unser Hotel hatte einen tollen Blick auf den Fluss.",
     "Von unserem Hotel aus hatten wir eine super Aussicht auf den Fluss."),
    ("Next time I want to see Porto too.",
     "Nächstes Mal möchte ich auch Porto sehen.",
     "Beim nächsten Mal will ich auch nach Porto."),
    ("The trains between the two cities are cheap and fast.",
     "Die Züge zwischen den beiden Städten sind günstig und schnell.",
     "Zwischen den beiden Städten fahren billige und schnelle Züge."),
    ("Bring comfortable shoes, the streets are steep.",
     "Nehmt bequeme Schuhe mit, die Straßen sind steil.",
     "Packt bequeme Schuhe ein, die Gassen sind steil."),
    ("Thanks for all your tips before the trip!",
     "Danke für all eure Tipps vor der Reise!",
     "Vielen Dank für eure ganzen Tipps vor der Reise!"),
]
EN_DE_DOCS = [("news", "news-energy", 12), ("sport", "news-derby", 8), ("social", "social-lisbon", 10)]

ES_EN = [
    ("Las lluvias de esta semana han provocado inundaciones en el sur del país.",
     "This week's rains have caused flooding in the south of the country.",
     "Rain this week has led to floods in the country's south."),
    ("Cientos de personas tuvieron que abandonar sus casas.",
     "Hundreds of people had to leave their homes.",
     "Hundreds of people were forced to abandon their houses."),
    ("El Gobierno ha declarado el estado de emergencia en tres provincias.",
     "The government has declared a state of emergency in three provinces.",
     "A state of emergency has been declared by the government in three provinces."),
    ("Los servicios meteorológicos prevén más tormentas para el fin de semana.",
     "The weather services forecast more storms for the weekend.",
     "Forecasters expect further storms over the weekend."),
    ("Varias carreteras siguen cortadas por el barro.",
     "Several roads remain closed because of the mud.",
     "A number of roads are still blocked by mud."),
    ("Los agricultores temen perder gran parte de la cosecha.",
     "Farmers fear losing a large part of the harvest.",
     "Farmers are afraid they will lose much of their crop."),
    ("«Nunca habíamos visto algo así», dijo una vecina de Alcira.",
     "\"We had never seen anything like this,\" said a resident of Alzira.",
     "\"We've never seen anything like it,\" a woman from Alzira said."),
    ("Los bomberos rescataron a una familia atrapada en su coche.",
     "Firefighters rescued a family trapped in their car.",
     "Fire crews rescued a family who were stuck in their car."),
    ("Las clases se han suspendido hasta el miércoles.",
     "Classes have been suspended until Wednesday.",
     "School has been cancelled until Wednesday."),
    ("Los expertos relacionan estos episodios con el cambio climático.",
     "Experts link these episodes to climate change.",
     "Experts connect these events with climate change."),
    ("En los últimos años, las lluvias torrenciales se han vuelto más frecuentes.",
     "In recent years, torrential rains have become more frequent.",
     "Torrential downpours have grown more frequent in recent years."),
    ("El ayuntamiento ha abierto un polideportivo para acoger a los afectados.",
     "The town council has opened a sports centre to shelter those affected.",
     "The city hall opened a sports hall to house the people affected."),
    ("Voluntarios de toda la región han llegado para ayudar.",
     "Volunteers from all over the region have arrived to help.",
     "Volunteers have come from across the region to lend a hand."),
    ("Las aseguradoras estiman daños por valor de millones de euros.",
     "Insurers estimate damage worth millions of euros.",
     "Insurance companies put the damage at millions of euros."),
    ("La limpieza podría durar varias semanas.",
     "The clean-up could take several weeks.",
     "Cleaning up may last several weeks."),
    ("El viejo pescador miraba el mar cada mañana.",
     "The old fisherman looked at the sea every morning.",
     "Every morning the old fisherman would gaze at the sea."),
    ("Desde la muerte de su mujer, apenas hablaba con nadie.",
     "Since his wife's death, he hardly spoke to anyone.",
     "Since his wife had died, he barely talked to anybody."),
    ("Un día apareció en la playa un perro sin collar.",
     "One day a dog without a collar appeared on the beach.",
     "One day, a dog with no collar turned up on the beach."),
    ("El perro lo siguió hasta la puerta de su casa.",
     "The dog followed him to the door of his house.",
     "The dog followed him all the way to his front door."),
    ("Al principio, el pescador intentó ahuyentarlo.",
     "At first, the fisherman tried to chase it away.",
     "At first the fisherman tried to drive it off."),
    ("Pero el animal volvía cada noche y se tumbaba junto a la barca.",
     "But the animal came back every night and lay down next to the boat.",
     "But every night the animal returned and lay beside the boat."),
    ("Con el tiempo, empezó a dejarle restos de pescado.",
     "Over time, he began to leave it scraps of fish.",
     "Eventually he started leaving fish scraps for it."),
    ("Los niños del pueblo lo llamaban Capitán.",
     "The village children called it Captain.",
     "The children in the village named him Captain."),
    ("Una tarde de tormenta, la barca se soltó del amarre.",
     "One stormy afternoon, the boat broke loose from its mooring.",
     "On a stormy afternoon the boat came loose from its moorings."),
    ("El perro ladró hasta que el viejo salió a la playa.",
     "The dog barked until the old man came out onto the beach.",
     "The dog kept barking until the old man went out to the beach."),
    ("Juntos consiguieron arrastrar la barca hasta la arena.",
     "Together they managed to drag the boat onto the sand.",
     "Together they succeeded in pulling the boat up onto the sand."),
    ("Esa noche, el pescador dejó la puerta abierta.",
     "That night, the fisherman left the door open.",
     "That night the fisherman left his door open."),
    ("El perro entró y se durmió junto a la chimenea.",
     "The dog came in and fell asleep by the fireplace.",
     "The dog walked in and went to sleep beside the fire."),
    ("A la mañana siguiente, salieron juntos a mirar el mar.",
     "The next morning, they went out together to look at the sea.",
     "The following morning they went out together to watch the sea."),
    ("Desde entonces, nadie vio al viejo solo otra vez.",
     "From then on, no one ever saw the old man alone again.",
     "After that, nobody saw the old man on his own again."),
]
ES_EN_DOCS = [("news", "noticias-lluvias", 15), ("literary", "cuento-perro", 15)]

WRONG_WORDS = {"de": ["Sache", "dort", "immer", "Bank"], "en": ["thing", "there", "always", "bank"],
               "zh": ["东西", "那里", "总是", "银行"]}


def _light_edits(reference: str, line: int) -> str:
    """online-A: a good system that drops a word now and then and swaps two words."""
    words = reference.split()
    if line % 3 == 0 and len(words) > 4:
        del words[len(words) // 2]
    if line % 5 == 0 and len(words) > 3:
        words[1], words[2] = words[2], words[1]
    return " ".join(words)


def _heavy_edits(reference: str, source: str, line: int, target: str) -> str:
    """online-B: a weak system: wrong words, lost case, one line untranslated, one empty."""
    if line == 7:
        return source
    if line == 11:
        return ""
    words = reference.split()
    for k in range(line % 3 + 1):
        words[(k * 3 + line) % len(words)] = WRONG_WORDS[target][(k + line) % 4]
    text = " ".join(words)
    return text.lower() if line % 4 == 1 else text


def write_pair(root: Path, pair: str, rows: list[tuple[str, str, str]], docs: list[tuple[str, str, int]] | None,
               crlf_system: str = "online-B") -> None:
    """One pair of a fixture test set in WMT's layout: 2 references, 3 systems (one of them a copy
    of refB, byte for byte, as WMT ships it), documents when ``docs`` is given."""
    target = pair.split("-")[1]
    sources, ref_a, ref_b = (list(column) for column in zip(*rows))
    files = {
        root / "sources" / f"{pair}.txt": sources,
        root / "references" / f"{pair}.refA.txt": ref_a,
        root / "references" / f"{pair}.refB.txt": ref_b,
        root / "system-outputs" / pair / "online-A.txt": [_light_edits(r, n) for n, r in enumerate(ref_a, 1)],
        root / "system-outputs" / pair / "online-B.txt": [_heavy_edits(r, s, n, target)
                                                         for n, (s, r) in enumerate(zip(sources, ref_a), 1)],
        root / "system-outputs" / pair / "refB.txt": ref_b,
    }
    if docs is not None:
        files[root / "documents" / f"{pair}.docs"] = [f"{domain}\t{doc}" for domain, doc, n in docs for _ in range(n)]
    for path, lines in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        newline = "\r\n" if path.stem == crlf_system else "\n"  # Windows line breaks in one file
        path.write_bytes("".join(line + newline for line in lines).encode("utf-8"))


@pytest.fixture
def testset(tmp_path: Path) -> Path:
    """en-de and es-en, 30 lines each, 3 systems, 2 references, documents in 2–3 domains."""
    root = tmp_path / "wmt-txt"
    write_pair(root, "en-de", EN_DE, EN_DE_DOCS)
    write_pair(root, "es-en", ES_EN, ES_EN_DOCS)
    return root


def sacrebleu_scores(root: Path, pair: str, references: list[str], systems: list[str]) -> dict[str, dict[str, str]]:
    """The sacrebleu command line's scores (2 decimals, as printed) by system name."""
    refs = [str(root / "references" / f"{pair}.{name}.txt") for name in references]
    hyps = [str(root / "system-outputs" / pair / f"{name}.txt") for name in systems]
    run = subprocess.run([str(SACREBLEU), *refs, "-i", *hyps, "-m", "bleu", "chrf", "ter", "--chrf-word-order", "2",
                          "-l", pair, "-f", "json", "-w", "2"], capture_output=True, text=True, check=True)
    entries = json.loads(run.stdout)
    if "system" not in entries[0]:  # one system: a list of one entry per metric
        return {systems[0]: {e["name"]: f"{e['score']:.2f}" for e in entries}
                | {f"{e['name']} signature": e["signature"] for e in entries}}
    return {Path(e["system"]).stem: {m: e[m] for m in ("BLEU", "chrF2++", "TER")} for e in entries}


def score_json(root: Path, *arguments: str) -> dict:
    result = runner.invoke(app, ["score", "--testset", str(root), "--json", *arguments])
    assert result.exit_code == 0, result.stdout + result.stderr
    return json.loads(result.stdout)


# ── scores equal sacrebleu's ──────────────────────────────────────────────────────────────────


@pytest.mark.parametrize("pair", ["en-de", "es-en"])
@pytest.mark.parametrize("references", [["refA", "refB"], ["refA"], ["refB"]])
def test_scores_equal_the_sacrebleu_command_line(testset, pair, references):
    # the system shipped as refB is scored unless refB is a chosen reference (never against itself)
    systems = ["online-A", "online-B"] + ([] if "refB" in references else ["refB"])
    arguments = ["--languages", pair] + (["--reference", ",".join(references)] if len(references) == 1 else [])
    ours = score_json(testset, *arguments)
    assert ours["references"] == references
    assert list(ours["systems"]) == systems  # sorted by name
    theirs = sacrebleu_scores(testset, pair, references, systems)
    assert {s: {m: f"{v:.2f}" for m, v in by_metric.items()} for s, by_metric in ours["systems"].items()} == theirs
    assert ours["systems"]["online-A"]["BLEU"] < 100 and ours["systems"]["online-B"]["TER"] > 10


@pytest.mark.parametrize(("pair", "references"), [("en-de", ["refA", "refB"]), ("es-en", ["refB"])])
def test_signatures_are_sacrebleus(testset, pair, references):
    ours = score_json(testset, "--languages", pair, "--reference", ",".join(references))
    theirs = sacrebleu_scores(testset, pair, references, ["online-A"])["online-A"]
    assert ours["signatures"] == {m: theirs[f"{m} signature"] for m in ("BLEU", "chrF2++", "TER")}
    assert ours["signatures"]["BLEU"] == (f"nrefs:{len(references)}|case:mixed|eff:no|tok:13a|smooth:exp|"
                                          "version:2.6.0")
    assert {m: f"{ours['systems']['online-A'][m]:.2f}" for m in ("BLEU", "chrF2++", "TER")} == {
        m: theirs[m] for m in ("BLEU", "chrF2++", "TER")}


EN_ZH = [
    ("The museum opens at nine in the morning.", "博物馆早上九点开门。", "博物馆于上午九时开放。"),
    ("Tickets are cheaper for students.", "学生票价更便宜。", "学生购票更便宜。"),
    ("Photography is not allowed inside.", "馆内禁止拍照。", "馆内不允许拍照。"),
    ("The new exhibition is about ancient ships.", "新展览是关于古代船只的。", "新的展览介绍古代船舶。"),
    ("Guided tours start every hour.", "导览每小时开始一次。", "每小时有一场导览。"),
    ("The café on the top floor has a view of the harbour.", "顶楼的咖啡馆可以看到港口。", "顶层咖啡厅能俯瞰港口。"),
]


def test_bleu_tokenizes_the_target_as_sacrebleu_l_does(tmp_path):
    """en-zh: BLEU uses sacrebleu's Chinese tokenizer (tok:zh), exactly as ``sacrebleu -l en-zh``."""
    root = tmp_path / "zh"
    write_pair(root, "en-zh", EN_ZH, None)
    ours = score_json(root, "--reference", "refA")
    assert ours["signatures"]["BLEU"] == "nrefs:1|case:mixed|eff:no|tok:zh|smooth:exp|version:2.6.0"
    theirs = sacrebleu_scores(root, "en-zh", ["refA"], ["online-A", "online-B", "refB"])
    assert {s: {m: f"{v:.2f}" for m, v in by_metric.items()} for s, by_metric in ours["systems"].items()} == theirs


def test_worker_processes_give_the_same_scores(testset, monkeypatch):
    single = score_json(testset, "--languages", "en-de")
    monkeypatch.setattr(scoring, "TESTSET_PARALLEL_WORK", 0)  # fork workers even for 30 lines
    assert score_json(testset, "--languages", "en-de") == single


def test_the_real_command_line(testset):
    """``python -m annotate.cli`` (a fresh process) prints the same JSON; the only pair is found."""
    (testset / "sources" / "es-en.txt").unlink()
    run = subprocess.run([sys.executable, "-m", "annotate.cli", "score", "--testset", str(testset), "--json"],
                         capture_output=True, text=True, cwd=REPO, env={**os.environ, "COLUMNS": "200"})
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout) == score_json(testset, "--languages", "en-de")
    assert run.stderr == ""


def test_table_is_ranked_by_chrf(testset):
    result = runner.invoke(app, ["score", "--testset", str(testset), "--languages", "es-en"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.stderr
    scores = score_json(testset, "--languages", "es-en")["systems"]
    expected = sorted(scores, key=lambda s: -scores[s]["chrF2++"])
    rows = [line.split("│")[1].strip() for line in result.stdout.splitlines() if line.startswith("│")]
    assert rows == expected == ["online-A", "online-B"]  # refB is a reference here, not scored against itself
    row = next(line for line in result.stdout.splitlines() if line.startswith("│ online-B"))
    assert [cell.strip() for cell in row.split("│")[2:5]] == [f"{scores['online-B'][m]:.2f}"
                                                              for m in ("BLEU", "chrF2++", "TER")]
    assert "BLEU: nrefs:2|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0" in result.stdout


# ── coverage and other errors: exit 2, the file named, nothing on stdout ─────────────────────


def _drop_last_line(path: Path) -> None:
    path.write_bytes(b"".join(path.read_bytes().splitlines(keepends=True)[:-1]))


def _replace(old: str, new: str, count: int = 1):
    return lambda path: path.write_bytes(path.read_bytes().replace(old.encode(), new.encode(), count))


def _append(text: str):
    return lambda path: path.write_bytes(path.read_bytes() + text.encode("utf-8"))


@pytest.mark.parametrize(("file", "change", "message"), [
    ("system-outputs/en-de/online-A.txt", _drop_last_line,
     "{file}: has 29 lines, the source en-de.txt has 30; source line 30 has no line here"),
    ("system-outputs/en-de/online-B.txt", _append("Noch eine Zeile.\r\n"),
     "{file}: has 31 lines, the source en-de.txt has 30; line 31 has no source line; "
     "line 11 is empty here, not in the source"),  # online-B's empty output, stated for what it is worth
    ("references/en-de.refB.txt", lambda p: p.write_bytes(b"".join(p.read_bytes().splitlines(keepends=True)[2:])),
     "{file}: has 28 lines, the source en-de.txt has 30; source lines 29–30 have no line here"),
    ("documents/en-de.docs", _append("\n\n"),
     "{file}: has 32 lines, the source en-de.txt has 30; lines 31–32 have no source line "
     "(all empty: blank lines at the end of the file?)"),
    ("system-outputs/en-de/refB.txt", _replace("Gassen", "Gassen\n"),
     "{file}: has 31 lines, the source en-de.txt has 30; line 31 has no source line"),
    ("system-outputs/en-de/online-A.txt",
     _replace("Haushalt am", "Haushalt\n\nam"),
     "{file}: has 32 lines, the source en-de.txt has 30; lines 31–32 have no source line; "
     "line 2 is empty here, not in the source"),
    ("sources/en-de.txt", lambda p: p.unlink(), "{file}: no such file (the source of en-de)"),
    ("sources/en-de.txt", lambda p: p.write_bytes(b""), "{file}: empty (no source segments)"),
    ("system-outputs/en-de/online-A.txt",
     lambda p: p.write_bytes(p.read_bytes().replace("Großteil".encode(), "Großteil".encode("latin-1"))),
     "{file}:2: not UTF-8: byte 0xdf at offset 69 (invalid continuation byte); re-encode the file as UTF-8"),
    ("documents/en-de.docs", _replace("sport\t", "sport "),
     "{file}:13: expected '<domain>\\t<doc_id>', got 'sport news-derby'"),
    ("documents/en-de.docs", _replace("sport\tnews-derby", "news\tnews-derby"),
     "{file}:14: document 'news-derby' has domain 'sport', its earlier lines 'news'"),
    ("documents/en-de.docs", _replace("social\tsocial-lisbon", "news\tnews-energy", -1),
     "{file}:21: document 'news-energy' again (it began at line 1): a document's lines must be consecutive"),
])
def test_errors_name_the_file(testset, file, change, message):
    """Cases above: one system line too few or too many (CRLF), a reference too short, a documents
    file too long, a line broken in two, a missing or empty source, bytes not UTF-8, bad documents."""
    change(testset / file)
    result = runner.invoke(app, ["score", "--testset", str(testset), "--languages", "en-de", "--json"])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == f"error: {message.format(file=testset / file)}\n"


def test_every_uncovered_file_is_listed(testset):
    for name in ("online-A", "online-B"):
        _drop_last_line(testset / "system-outputs" / "es-en" / f"{name}.txt")
    with pytest.raises(TestSetError) as error:
        read_testset(testset, "es-en")
    assert str(error.value).splitlines() == [
        f"{testset}/system-outputs/es-en/online-A.txt: has 29 lines, the source es-en.txt has 30; "
        "source line 30 has no line here",
        # online-B's line 11 is an empty output: a fact the message states, for what it is worth
        f"{testset}/system-outputs/es-en/online-B.txt: has 29 lines, the source es-en.txt has 30; "
        "source line 30 has no line here; line 11 is empty here, not in the source"]


def test_a_line_separator_is_pointed_at(testset):
    """A source line holding U+2028, which a splitlines-based tool broke in two."""
    source = testset / "sources" / "en-de.txt"
    _replace("Monday evening", "Monday\u2028evening")(source)
    system = testset / "system-outputs" / "en-de" / "online-A.txt"
    _replace("Montagabend", "Montag\nabend")(system)
    with pytest.raises(TestSetError, match=re.escape(
            "has 31 lines, the source en-de.txt has 30; line 31 has no source line; "
            "source line 1 contains U+2028 (LINE SEPARATOR), which some tools read as a line break")):
        read_testset(testset, "en-de")


@pytest.mark.parametrize(("arguments", "remove", "message"), [
    ([], None, "{root} has several language pairs (en-de, es-en): name one (annotate score --languages SRC-TGT)"),
    (["--languages", "en-fr"], None, "{root}/sources/en-fr.txt: no such file (the source of en-fr)"),
    (["--languages", "english-german"], None,
     "'english-german' is not a language pair; write the two ISO 639 codes as SOURCE-TARGET, e.g. en-de"),
    (["--languages", "en-de"], "system-outputs",
     "{root}/system-outputs/en-de/<system>.txt: no system output (one file per system expected)"),
    (["--languages", "en-de"], "references",
     "{root}/references/en-de.<refname>.txt: no reference (one file per reference expected)"),
    (["--languages", "en-de", "--reference", "refC"], None,
     "{root} has no reference 'refC' for en-de; its references: refA, refB ({root}/references/en-de.<refname>.txt)"),
    (["--languages", "en-de", "--reference", "post_edits"], None,
     "{root} has no post-edits for en-de; its references: refA, refB ({root}/references/en-de.<refname>.txt)"),
])
def test_setup_errors(testset, arguments, remove, message):
    if remove:
        shutil.rmtree(testset / remove)
    result = runner.invoke(app, ["score", "--testset", str(testset), "--json", *arguments])
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == f"error: {message.format(root=testset)}\n"


@pytest.mark.parametrize(("arguments", "message"), [
    ([], "give SOURCE (annotations) or --testset DIR (a WMT-style test set)"),
    (["annotations.jsonl", "--testset", "DIR"], "give SOURCE (annotations) or --testset DIR (a WMT-style test set), "
                                                 "not both"),
    (["--testset", "DIR", "--baseline", "online-A"], "--baseline: --testset gives corpus scores only, "
                                                      "without paired tests"),
])
def test_source_or_testset(arguments, message):
    result = runner.invoke(app, ["score", *arguments])
    assert (result.exit_code, result.stdout, result.stderr) == (2, "", f"error: {message}\n")


def test_markup_in_a_message_is_printed_as_is(tmp_path):
    root = tmp_path / "[bold]x[/bold]"
    write_pair(root, "en-de", EN_DE[:3], None)
    (root / "references" / "en-de.refA.txt").write_text("Eins.\n", encoding="utf-8")
    result = runner.invoke(app, ["score", "--testset", str(root)])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: {root}/references/en-de.refA.txt: has 1 lines")


# ── reading and documents ─────────────────────────────────────────────────────────────────────


def test_read_testset_keeps_lines_as_written(testset):
    system = testset / "system-outputs" / "en-de" / "online-A.txt"
    lines = system.read_text(encoding="utf-8").split("\n")
    lines[0] = "  Der Stadtrat\that\rden Haushalt genehmigt. "  # inner whitespace and a lone CR are kept
    system.write_text("\n".join(lines[:-1]), encoding="utf-8")  # no final line break
    ts = read_testset(testset, "en-de")
    assert ts.pair == LanguagePair("en", "de")
    assert ts.sources[0] == EN_DE[0][0] and len(ts.sources) == 30
    assert list(ts.references) == ["refA", "refB"] and list(ts.systems) == ["online-A", "online-B", "refB"]
    assert ts.systems["online-A"][0] == "  Der Stadtrat\that\rden Haushalt genehmigt. "
    assert ts.systems["online-A"][29] == _light_edits(EN_DE[29][1], 30)
    assert ts.systems["online-B"][6] == EN_DE[6][0] and ts.systems["online-B"][10] == ""  # CRLF file
    assert ts.systems["refB"] == ts.references["refB"] == [row[2] for row in EN_DE]
    assert ts.docs is not None and ts.docs[12] == ("sport", "news-derby") and len(ts.docs) == 30
    assert choose_testset_references(ts) == ["refA", "refB"]
    assert choose_testset_references(ts, "refB, refA,refB") == ["refB", "refA"]


def test_versions_are_content_hashes(testset):
    ts = read_testset(testset, "en-de")
    data = (testset / "system-outputs" / "en-de" / "online-A.txt").read_bytes()
    assert ts.version("online-A") == "sha256:" + hashlib.sha256(data).hexdigest()[:12]
    assert re.fullmatch(r"sha256:[0-9a-f]{12}", ts.version("online-B"))
    assert ts.version("online-A") != ts.version("online-B")
    assert ts.version("refB") == ts.reference_version("refB") != ts.reference_version("refA")


def test_testset_documents(testset):
    ts = read_testset(testset, "en-de")
    docs = testsets.testset_documents(ts)
    assert [(d.doc_id, d.title, len(d.segments)) for d in docs] == [
        ("news-energy", "news-energy", 12), ("news-derby", "news-derby", 8), ("social-lisbon", "social-lisbon", 10)]
    assert testsets.testset_domains(ts) == {"news-energy": "news", "news-derby": "sport", "social-lisbon": "social"}
    derby = docs[1]
    assert [s.seg_id for s in derby.segments] == list(range(1, 9))
    assert [s.global_seg_id for s in derby.segments] == list(range(13, 21))
    assert derby.text == "\n".join(row[0] for row in EN_DE[12:20])
    assert all(d.text[s.start:s.end] == s.text for d in docs for s in d.segments)
    assert (derby.source_name, derby.source_language, derby.target_language) == ("en-de.txt", "en", "de")
    assert [(t.role, t.system) for t in derby.translations if t.seg_id == 1] == [
        ("mt", "online-A"), ("mt", "online-B"), ("mt", "refB"), ("reference", "refA"), ("reference", "refB")]
    assert len(derby.translations) == 8 * 5
    first = next(t for t in derby.translations if t.system == "online-B" and t.seg_id == 3)
    assert (first.doc_id, first.source, first.mt) == ("news-derby", EN_DE[14][0], ts.systems["online-B"][14])
    versions = {(t.role, t.system): t.system_version for d in docs for t in d.translations}
    assert versions == {("mt", "online-A"): ts.version("online-A"), ("mt", "online-B"): ts.version("online-B"),
                        ("mt", "refB"): ts.version("refB"), ("reference", "refA"): ts.reference_version("refA"),
                        ("reference", "refB"): ts.reference_version("refB")}
    assert versions[("mt", "refB")] == versions[("reference", "refB")] != versions[("mt", "online-A")]
    assert not any(d.annotations for d in docs)


def test_without_documents_file_each_line_is_a_document(tmp_path):
    root = tmp_path / "t"
    write_pair(root, "es-en", ES_EN, None)
    ts = read_testset(root, None)
    docs = testsets.testset_documents(ts)
    assert ts.docs is None and testsets.testset_domains(ts) == {}
    assert [d.doc_id for d in docs[:2]] + [docs[-1].doc_id] == ["line-000001", "line-000002", "line-000030"]
    assert [(s.seg_id, s.global_seg_id, s.start, s.end) for s in docs[29].segments] == [(1, 30, 0, len(ES_EN[29][0]))]
    assert docs[29].text == ES_EN[29][0]
    assert [(t.system, t.mt) for t in docs[0].translations if t.role == "reference"] == [
        ("refA", ES_EN[0][1]), ("refB", ES_EN[0][2])]


def test_benchmark_script_runs(tmp_path):
    """scripts/bench_testset.py on a tiny test set (no timing asserted: the script reports it)."""
    run = subprocess.run([sys.executable, str(REPO / "scripts" / "bench_testset.py"), "--systems", "2",
                          "--segments", "40"], capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "ratio annotate / sacrebleu: wall" in run.stdout and "scores identical to 2 decimals: True" in run.stdout
