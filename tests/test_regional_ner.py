"""Persian/Dari and Kazakh names: the shipped CRF models, through the entity stage, on real
weights read from the package (no network, no mocks)."""

from __future__ import annotations

from pathlib import Path

import pytest

from outpost.analyze import regional_ner
from outpost.analyze.pipeline import Pipeline
from outpost.evaluate import kaznerd, ner_sets, peyma
from outpost.evaluate.run import TASKS, MissingDataError, floors, run
from outpost.records import Doc

DATA = Path("../shared/data")
PERSIAN = (
    "به گزارش خبرگزاری ایرنا، محمدجواد ظریف وزیر امور خارجه ایران روز دوشنبه در تهران "
    "با دبیرکل سازمان ملل متحد دیدار و گفت‌وگو کرد."
)
KAZAKH = (
    "Денсаулық сақтау министрлігінің мәліметінше, Алматы облысында жаңа аурухана ашылды. "
    "Бұл туралы министр Ерлан Қосанов Астанада өткен баспасөз мәслихатында айтты."
)


@pytest.fixture(scope="module")
def pipeline() -> Pipeline:
    return Pipeline.load(stages=("clean", "language", "entities"))


def names(pipeline: Pipeline, text: str, lang: str | None = None) -> set[tuple[str, str, str]]:
    doc = pipeline(Doc(id="t", text=text, lang=lang))
    for m in doc.mentions:
        assert text[m.start : m.end] == m.text
    assert not [n for n in doc.notes if "no NER model" in n]
    return {(m.text, m.type, m.method) for m in doc.mentions}


def test_a_persian_news_paragraph_names_people_organisations_and_places(
    pipeline: Pipeline,
) -> None:
    found = names(pipeline, PERSIAN)
    assert ("محمدجواد ظریف", "PER", "bilstm-crf-fa") in found
    assert ("خبرگزاری ایرنا", "ORG", "bilstm-crf-fa") in found
    assert ("تهران", "LOC", "bilstm-crf-fa") in found
    assert ("سازمان ملل متحد", "ORG", "bilstm-crf-fa") in found


def test_dari_is_read_by_the_persian_model() -> None:
    text = (
        "به گزارش طلوع‌نیوز، سخنگوی طالبان روز سه‌شنبه در کابل گفت که هیئتی از وزارت خارجه "
        "به دوحه سفر می‌کند و با نمایندگان سازمان ملل متحد دیدار خواهد کرد."
    )
    # no language stage: the article is said to be Dari (prs) and every paragraph with it
    found = names(Pipeline.load(stages=("clean", "entities")), text, lang="prs")
    assert ("طالبان", "ORG", "bilstm-crf-fa") in found
    assert ("کابل", "LOC", "bilstm-crf-fa") in found
    assert ("سازمان ملل متحد", "ORG", "bilstm-crf-fa") in found


def test_a_kazakh_news_paragraph_names_people_organisations_and_places(
    pipeline: Pipeline,
) -> None:
    found = names(pipeline, KAZAKH)
    assert ("Ерлан Қосанов", "PER", "bilstm-crf-kk") in found
    assert ("Астанада", "LOC", "bilstm-crf-kk") in found
    assert ("Денсаулық сақтау министрлігінің", "ORG", "bilstm-crf-kk") in found


def test_kazakh_cue_words_reach_the_words_around_them() -> None:
    lexicon = regional_ner.read_lexicon(["ORG министрлі", "LOC облыс", "PER+ мырза", "ORG партия"])
    assert lexicon.kinds("министрлігінің", "министрлігі") == ["ORG"]  # by its beginning
    assert lexicon.kinds("министр", "министр") == []
    words = ["Денсаулық", "сақтау", "министрлігінің", ",", "«", "Нұр", "Отан", "»", "партиясы"]
    found = regional_ner.features("kk", words, frozenset(), lexicon)
    assert "ORG>2X" in found[0] and "ORG>1x" in found[1] and "cORG" in found[2]
    assert "ORG<1" in found[3] and not [f for f in found[4] if f.startswith("ORG<")]  # a comma
    # «Нұр Отан» партиясы: the party's cue word is after the closing quote
    assert "ORG>3X" in found[5] and "qk=ORG" in found[5] and "inq" in found[6]
    plain = regional_ner.features("kk", words, frozenset())
    assert all(row == more[: len(row)] for row, more in zip(plain, found, strict=True))


def test_kazakh_guesses_reach_the_word_and_its_neighbours() -> None:
    guesses = regional_ner.read_guesses(["аста LOC3", "ерла PER2", "бол O", ""])
    lexicon = regional_ner.Lexicon(regional_ner.read_lexicon([]).cues, guesses)
    words = ["Ерлан", "Астанада", "болды", "деді"]
    stems = [regional_ner.kazakh_stem(regional_ner.normal(w)) for w in words]
    assert stems[1:3] == ["аста", "бол"]
    found = regional_ner.features("kk", words, frozenset(), lexicon)
    assert "k0=LOC3" in found[1] and "1k0=O" in found[1] and "2k0=" not in " ".join(found[1])
    assert "1k0=LOC3" in found[0] and "2k0=O" in found[0] and "-2k0=LOC3" in found[3]
    assert not [f for f in found[0] if f.startswith("k0=")]  # its stem, «ерл», is not guessed
    folder = Path(regional_ner.__file__).parent / "ner_weights"
    shipped = (folder / "kk.guesses.txt").read_text(encoding="utf-8").splitlines()
    assert len(regional_ner.read_guesses(shipped)) > 50_000


def test_offsets_point_into_the_original_text_with_non_joiners_and_arabic_letters() -> None:
    text = "رئیس‌جمهور آمريكا در  نشست ناتو   سخنراني كرد."  # Arabic ي/ك, double spaces
    tagger = regional_ner.tagger("fa")
    for start, end, _ in tagger.spans(text):
        assert text[start:end].strip() == text[start:end] and text[start:end]
    assert [t.text for t in regional_ner.tokens("رئیس‌جمهور")] == ["رئیس", "جمهور"]
    assert regional_ner.normal("آمريكا") == "آمریکا"


def test_the_weights_are_package_data_and_load_offline() -> None:
    folder = Path(regional_ner.__file__).parent / "ner_weights"
    shipped = {
        "fa": ("lstm.pt", "lstm.json"),
        "kk": ("lstm.pt", "lstm.json", "crfsuite", "cues.txt", "guesses.txt"),
    }
    for lang, kinds in shipped.items():
        for kind in (*kinds, "places.txt", "md"):  # md: the model card
            assert (folder / f"{lang}.{kind}").is_file(), f"{lang}.{kind}"
    assert regional_ner.tagger("fa").method == "bilstm-crf-fa"
    assert regional_ner.tagger("prs") is regional_ner.tagger("fa")
    assert regional_ner.tagger("kk").method == "bilstm-crf-kk"
    assert regional_ner.crf("kk", frozenset()).model.labels()


def test_a_token_per_line_set_becomes_text_with_spans() -> None:
    sentence = ner_sets.Sentence(
        ("خبرگزاری", "مهر", "،", "سعید", "پورعلی"), ("B-ORG", "I-ORG", "O", "B-PER", "I-PER")
    )
    markup = ner_sets.markup(sentence)
    assert [markup.text[s:e] for s, e, _ in markup.spans] == ["خبرگزاری مهر", "سعید پورعلی"]
    found = ner_sets.counts([(0, 12, "ORG"), (15, 26, "PER")], [(0, 12, "ORG"), (15, 19, "PER")])
    scores = ner_sets.scores(found)
    assert scores["ORG F1"] == 1.0 and scores["PER precision"] == 0.0
    assert scores["overall precision"] == 0.5


def test_the_eval_rows_run_on_a_few_sentences() -> None:
    results = {r.task.name: r.metrics for r in run(DATA, ("peyma", "kaznerd"), limit=40)}
    for name in ("peyma", "kaznerd"):
        assert results[name]["sentences"] == 40
        assert 0.5 < results[name]["overall F1"] <= 1
    assert {"peyma", "kaznerd"} <= set(floors())
    assert {t.name for t in TASKS} >= {"peyma", "kaznerd"}
    assert peyma.kept("DAT") is None and kaznerd.TYPES["GPE"] == "LOC"


def test_a_missing_set_is_the_same_one_line_error(tmp_path: Path) -> None:
    (tmp_path / "fa").mkdir()
    with pytest.raises(MissingDataError) as caught:
        run(tmp_path, ("peyma", "kaznerd"))
    message = str(caught.value)
    assert message.startswith("Persian NER (PEYMA dev): no dev set at ") and "\n" not in message
    (tmp_path / "fa" / "peyma_dev.txt").write_text("", encoding="utf-8")
    with pytest.raises(MissingDataError, match=r"^Kazakh NER \(KazNERD, last 20% block\)"):
        run(tmp_path, ("peyma", "kaznerd"))


def test_an_ensemble_sums_its_members_scores_and_loads_from_a_list_of_weights(
    tmp_path: Path,
) -> None:
    import shutil

    import torch

    from outpost.analyze import ner_lstm

    folder = Path(regional_ner.__file__).parent / "ner_weights"
    for name in ("kk.lstm.json", "kk.places.txt"):
        shutil.copy(folder / name, tmp_path / name)
    state = torch.load(folder / "kk.lstm.pt", weights_only=True)
    places = regional_ner.read_places((tmp_path / "kk.places.txt").read_text().splitlines())
    # two copies of one net: every score doubled, transitions too, so the same best paths
    torch.save([state, state], tmp_path / "kk.lstm.pt")
    twice = ner_lstm.load("kk", tmp_path, places)
    assert len(twice.nets) == 2
    single = regional_ner.tagger("kk")
    assert twice.spans(KAZAKH) == single.spans(KAZAKH) != []
    # a member whose transitions lead only to O outvotes the other, as a sum of scores
    # must: the ensemble finds no name past a sentence's first word, where the net does
    silent = {k: v.clone() for k, v in state.items()}
    outside = json_tags(tmp_path).index("O")
    silent["transitions"] = torch.full_like(state["transitions"], -1e4)
    silent["transitions"][:, outside] = 0
    torch.save([state, silent], tmp_path / "kk.lstm.pt")
    vetoed = {KAZAKH[s:e] for s, e, _ in ner_lstm.load("kk", tmp_path, places).spans(KAZAKH)}
    found = {KAZAKH[s:e] for s, e, _ in single.spans(KAZAKH)}
    assert {"Алматы облысында", "Ерлан Қосанов"} & found
    assert not {"Алматы облысында", "Ерлан Қосанов", "Алматы", "Астанада"} & vetoed


def json_tags(folder: Path) -> list[str]:
    import json

    return list(json.loads((folder / "kk.lstm.json").read_text(encoding="utf-8"))["tags"])
