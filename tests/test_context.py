"""A name that bodies of several states share («ГКНБ», "GKNB", «МВД») linked by the state the
article is about, through the linking stage on the real KB and gazetteer; no NER model runs,
so the names come from the dictionary scan, as they do for languages without one."""

from __future__ import annotations

from pathlib import Path

import pytest

from outpost.analyze.context import choose
from outpost.analyze.gazetteer import Gazetteer
from outpost.analyze.link_stage import LinkStage
from outpost.analyze.linking import Linker
from outpost.analyze.pipeline import CleanStage, LanguageStage
from outpost.kb.actors import load_kb
from outpost.records import Doc


@pytest.fixture(scope="module")
def stage(request: pytest.FixtureRequest) -> LinkStage:
    gazetteer = Gazetteer(Path(request.config.cache.mkdir("outpost-gazetteer"))).load()
    kb = load_kb()
    return LinkStage(kb, Linker(kb), gazetteer)


def linked(stage: LinkStage, text: str, lang: str) -> dict[str, tuple[str | None, str]]:
    """Each mention's text -> (KB id, method); the last one wins for a repeated name."""
    doc = LanguageStage()(CleanStage()(Doc(id="t", text=text, lang=lang)))
    return {m.text: (m.kb_id, m.method) for m in stage(doc).mentions}


def every_link(stage: LinkStage, text: str, lang: str) -> dict[str, list[tuple[str | None, str]]]:
    doc = LanguageStage()(CleanStage()(Doc(id="t", text=text, lang=lang)))
    out: dict[str, list[tuple[str | None, str]]] = {}
    for m in stage(doc).mentions:
        out.setdefault(m.text, []).append((m.kb_id, m.method))
    return out


def test_a_kyrgyz_report_links_the_gknb_to_kyrgyzstans_committee(stage: LinkStage) -> None:
    text = (
        "В Бишкеке сотрудники ГКНБ задержали двух граждан, вербовавших молодёжь в интернете. "
        "Как сообщили в ГКНБ, задержанные действовали по указанию эмиссаров из Сирии."
    )
    found = every_link(stage, text, "ru")
    # The second is beside «Сирии», a foreign state: the first, settled, lends it its identity.
    assert found["ГКНБ"] == [("org:gknb-kg", "context"), ("org:gknb-kg", "context")]


def test_a_tajik_report_links_the_gknb_to_tajikistans_committee(stage: LinkStage) -> None:
    text = (
        "Таджикские пограничники и ГКНБ провели операцию на границе с Афганистаном. "
        "По данным ГКНБ, в Хатлонской области задержаны члены запрещённой группировки."
    )
    assert linked(stage, text, "ru")["ГКНБ"] == ("org:gknb-tj", "context")


def test_the_state_right_beside_the_name_outweighs_one_further_off(stage: LinkStage) -> None:
    text = "ГКНБ Таджикистана задержал гражданина Кыргызстана."
    found = linked(stage, text, "ru")
    assert found["ГКНБ"] == ("org:gknb-tj", "context")
    assert found["Таджикистана"] == ("country:TJ", "kb")  # the state stays a mention of its own
    text = "Kyrgyzstan's GKNB said it had detained a citizen of Tajikistan."
    assert linked(stage, text, "en")["GKNB"] == ("org:gknb-kg", "context")


def test_without_a_state_in_the_article_the_name_links_to_none(stage: LinkStage) -> None:
    found = linked(stage, "ГКНБ сообщил о задержании трёх человек.", "ru")
    assert "ГКНБ" not in found  # the scan's name is dropped when nothing settles it


def test_an_article_about_both_states_settles_only_what_it_can(stage: LinkStage) -> None:
    text = (
        "Кыргызстан и Таджикистан договорились о границе.\nГКНБ заявил, что переговоры продолжатся."
    )
    assert "ГКНБ" not in linked(stage, text, "ru")


def test_english_and_an_adjective_for_the_state(stage: LinkStage) -> None:
    text = "Kyrgyz security officials said the GKNB had detained a recruiter in Osh."
    assert linked(stage, text, "en")["GKNB"] == ("org:gknb-kg", "context")
    text = "Сотрудники киргизского ГКНБ задержали вербовщика."
    assert linked(stage, text, "ru")["ГКНБ"] == ("org:gknb-kg", "context")


def test_the_language_of_the_article_is_a_clue(stage: LinkStage) -> None:
    # Tajik text, with no state named: Tajik is Tajikistan's own language.
    text = "Вазорати корҳои дохилӣ ва GKNB дар бораи ҳамла хабар доданд."
    assert linked(stage, text, "tg")["GKNB"] == ("org:gknb-tj", "context")


def test_a_generic_ministry_goes_to_the_state_of_its_sentence(stage: LinkStage) -> None:
    text = (
        "Глава МИД России Сергей Лавров встретился с коллегой из Узбекистана.\n"
        "В Ташкенте МИД Узбекистана заявил о новых мерах. МИД отметил рост угроз с юга."
    )
    found = every_link(stage, text, "ru")
    assert found["МИД"] == [("org:mfa-ru", "context")] + [("org:mfa-uz", "context")] * 2


def test_choose_needs_a_clear_winner_among_all_states() -> None:
    kb = load_kb()
    candidates = ((kb.entities["org:mfa-ru"], 1.0), (kb.entities["org:mfa-kz"], 1.0))
    assert choose(candidates, {"RU": 4.0, "KZ": 1.0})[0].id == "org:mfa-ru"  # type: ignore[index]
    assert choose(candidates, {"RU": 4.0, "KZ": 3.0}) is None
    assert choose(candidates, {"JP": 4.0, "RU": 1.0}) is None  # Japan's ministry, not Russia's
    assert choose(candidates, {}) is None


# --- the region's scripts, where the dictionary scan is the only reader ----------------------
@pytest.mark.parametrize(
    ("lang", "text", "expected"),
    [
        (
            "tg",
            "Президенти Тоҷикистон Эмомалӣ Раҳмон бо роҳбарони Кумитаи давлатии амнияти миллӣ "
            "дар бораи вазъи сарҳад бо Афғонистон ва хатари Толибон машварат кард.",
            {"Эмомалӣ Раҳмон": "person:rahmon", "Кумитаи давлатии амнияти миллӣ": "org:gknb-tj"},
        ),
        (
            "uz",
            "Prezident Shavkat Mirziyoyev Davlat xavfsizlik xizmati rahbariyati bilan "
            "Afgʻoniston bilan chegaradagi vaziyatni muhokama qildi.",
            {"Shavkat Mirziyoyev": "person:mirziyoyev", "Davlat xavfsizlik xizmati": "org:sgb-uz"},
        ),
        (
            "ky",
            "Улуттук коопсуздук мамлекеттик комитети Баткен облусунда Садыр Жапаров менен "
            "жолугушуу өткөрдү.",
            {
                "Улуттук коопсуздук мамлекеттик комитети": "org:gknb-kg",
                "Садыр Жапаров": "person:sadyr-japarov",
            },
        ),
        (
            "ps",
            "د طالبانو ویاند ذبیح الله مجاهد وویل چې طالبان به په افغانستان کې د داعش خراسان "
            "پر ضد عملیاتو ته دوام ورکړي.",
            {
                "طالبان": "group:taliban",
                "ذبیح الله مجاهد": "person:mujahid",
                "داعش خراسان": "group:isis-k",
            },
        ),
    ],
)
def test_people_and_organisations_in_the_regions_scripts(
    stage: LinkStage, lang: str, text: str, expected: dict[str, str]
) -> None:
    found = linked(stage, text, lang)
    for name, kb_id in expected.items():
        assert found[name] == (kb_id, "kb"), name  # `method`: found by the dictionary scan
