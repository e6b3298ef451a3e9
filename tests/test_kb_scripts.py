"""The region's security services, ministries and groups in the knowledge base, and the
dictionary scan of its names in the region's own scripts, endings and all: real data, no mocks."""

from __future__ import annotations

from pathlib import Path

import pytest

from outpost.analyze.linking import Linker
from outpost.kb.actors import KBError, load_kb, read_kb


@pytest.fixture(scope="module")
def linker() -> Linker:
    return Linker(load_kb())


def scan(linker: Linker, text: str, lang: str) -> list[tuple[str, str]]:
    """(name as written, KB id) for the names of one actor; shared names show all ids."""
    return [(text[s:e], "|".join(ids)) for s, e, ids in linker.find_all(text, lang)]


# --- the data --------------------------------------------------------------------------------
def test_each_state_of_the_region_has_its_services() -> None:
    kb = load_kb()
    for ident in (
        "org:fsb",
        "org:fsb-border-service",
        "org:knb-kz",
        "org:gknb-kg",
        "org:gknb-tj",
        "org:kgb-by",
        "org:nss-am",
        "org:sgb-uz",
        "org:mns-tm",
        "org:nds-af",
        "org:gdi-af",
        "org:isi",
        "org:mss-cn",
        "org:dca-tj",
        "org:mvd-kg",
        "org:mfa-tj",
        "person:bortnikov",
        "person:tashiev",
        "person:yatimov",
        "person:wasiq",
    ):
        assert kb.get(ident) is not None, ident
    isis_k = kb.entities["group:isis-k"]
    assert {"Khorasan branch", "ISKP", "IS-K", "ISIS-K"} <= set(isis_k.names["en"])
    assert {"Вилаят Хорасан", "ИГ-Хорасан"} <= set(isis_k.names["ru"])
    assert "ولایت خراسان" in isis_k.names["fa"]


def test_a_head_is_found_by_the_post_and_the_day() -> None:
    from datetime import date

    kb = load_kb()
    on = date(2023, 6, 1)
    assert kb.holder("Chairman", "org:gknb-kg", on) == kb.entities["person:tashiev"]
    assert kb.holder("Chairman", "org:gknb-kg", date(2025, 6, 1)) is None  # dismissed in 2025
    assert kb.holder("Director", "org:fsb", on) == kb.entities["person:bortnikov"]
    assert kb.holder("Interior Minister", "AF", on) == kb.entities["person:sirajuddin-haqqani"]


def test_a_shared_acronym_belongs_to_bodies_of_different_states() -> None:
    kb = load_kb()
    owners = {e.id for _, alias, e in kb.aliases() if alias == "ГКНБ"}
    assert owners == {"org:gknb-kg", "org:gknb-tj"}
    assert kb.states_speaking("tg") == {"TJ"}
    assert kb.states_speaking("fa") == {"AF", "IR"}
    assert kb.states_speaking("ru") == frozenset()  # read across the region: says nothing


def test_languages_and_clues_belong_to_states_only(tmp_path: Path) -> None:
    bad = tmp_path / "actors.yaml"
    bad.write_text(
        "- id: org:x\n  type: ORG\n  kind: ministry\n  name: X\n  wikidata: null\n"
        "  country: KZ\n  names: {en: [X]}\n  languages: [kk]\n",
        encoding="utf-8",
    )
    with pytest.raises(KBError, match=r"org:x.*only a state"):
        read_kb(bad)


# --- the scan in the region's scripts --------------------------------------------------------
def test_tajik_names_with_ezafe_and_object_endings(linker: Linker) -> None:
    text = (
        "Президенти Ҷумҳурии Тоҷикистон Эмомалӣ Раҳмон раиси Кумитаи давлатии амнияти миллӣ "
        "Саймумин Ятимовро қабул кард. Кумитаи давлатии амнияти миллии кишвар гуфт, ки "
        "Толибонро ва Ҷамоати Ансоруллоҳ таҳдид мешуморад."
    )
    found = scan(linker, text, "tg")
    assert ("Эмомалӣ Раҳмон", "person:rahmon") in found
    assert ("Кумитаи давлатии амнияти миллӣ", "org:gknb-tj") in found
    assert ("Кумитаи давлатии амнияти милли", "org:gknb-tj") in found  # ezafe «-и» left out
    assert ("Саймумин Ятимов", "person:yatimov") in found  # object ending «-ро» left out
    assert ("Толибон", "group:taliban") in found
    assert ("Ҷамоати Ансоруллоҳ", "group:jamaat-ansarullah") in found


def test_uzbek_names_in_latin_and_cyrillic_with_case_endings(linker: Linker) -> None:
    latin = (
        "Prezident Shavkat Mirziyoyev Davlat xavfsizlik xizmati rahbarini qabul qildi. "
        "DXXning maʼlumotiga koʻra, Mirziyoyevga Tolibon bilan chegaradagi vaziyat haqida "
        "axborot berildi."
    )
    found = scan(linker, latin, "uz")
    assert ("Shavkat Mirziyoyev", "person:mirziyoyev") in found
    assert ("Davlat xavfsizlik xizmati", "org:sgb-uz") in found
    assert ("DXX", "org:sgb-uz") in found
    assert ("Mirziyoyev", "person:mirziyoyev") in found
    assert ("Tolibon", "group:taliban") in found
    cyrillic = "Президент Шавкат Мирзиёев Давлат хавфсизлик хизматининг ҳисоботини тинглади."
    found = scan(linker, cyrillic, "uz")
    assert ("Шавкат Мирзиёев", "person:mirziyoyev") in found
    assert ("Давлат хавфсизлик хизмати", "org:sgb-uz") in found


def test_kyrgyz_and_kazakh_acronyms_take_their_endings(linker: Linker) -> None:
    kyrgyz = (
        "УКМКнын маалыматы боюнча, Камчыбек Ташиев Садыр Жапаров менен жолукту. "
        "Ички иштер министрлигинин кызматкерлери да катышты."
    )
    found = scan(linker, kyrgyz, "ky")
    assert ("УКМК", "org:gknb-kg") in found
    assert ("Камчыбек Ташиев", "person:tashiev") in found
    assert ("Садыр Жапаров", "person:sadyr-japarov") in found
    assert ("Ички иштер министрлиги", "org:mvd-kg") in found
    kazakh = "ҰҚК-ның хабарлауынша, Ұлттық қауіпсіздік комитеті Қасым-Жомарт Тоқаевқа баяндады."
    found = scan(linker, kazakh, "kk")
    assert ("ҰҚК", "org:knb-kz") in found
    assert ("Ұлттық қауіпсіздік комитеті", "org:knb-kz") in found
    assert ("Қасым-Жомарт Тоқаев", "person:tokayev") in found


def test_pashto_and_persian_names_in_any_spelling_of_the_letters(linker: Linker) -> None:
    pashto = (
        "د طالبانو ویاند ذبیح الله مجاهد وویل چې د داعش خراسان ډلې پر ضد عملیات روان دي. "
        "سراج الدین حقاني هم خبرې وکړې."
    )
    found = scan(linker, pashto, "ps")
    assert ("طالبان", "group:taliban") in found  # the oblique plural «طالبانو»
    assert ("ذبیح الله مجاهد", "person:mujahid") in found
    assert ("داعش خراسان", "group:isis-k") in found
    assert ("سراج الدین حقاني", "person:sirajuddin-haqqani") in found  # Arabic ي for ی
    persian = "ذبیح‌الله مجاهد، سخنگوی طالبان، گفت ولایت خراسان مسئول حمله است."
    found = scan(linker, persian, "fa")
    assert ("ذبیح\u200cالله مجاهد", "person:mujahid") in found  # the joiner inside the name
    assert ("طالبان", "group:taliban") in found
    assert ("ولایت خراسان", "group:isis-k") in found


def test_a_recognisers_name_with_an_ending_links_to_the_name_without_it(
    linker: Linker,
) -> None:
    # The Kazakh tagger's spans hold the endings: «Владимир Путинмен», "with Vladimir Putin".
    def linked(text: str, kind: str, lang: str) -> str | None:
        found = linker.link(text, kind, lang)
        return found[0].id if found else None

    assert linked("Владимир Путинмен", "PER", "kk") == "person:putin"
    assert linked("Ауғанстандағы", "LOC", "kk") == "country:AF"
    assert linked("ҰҚК-ның", "ORG", "kk") == "org:knb-kz"
    assert linked("Mirziyoyevga", "PER", "uz") == "person:mirziyoyev"
    # only where the language puts endings on names
    assert linked("Владимир Путинмен", "PER", "en") is None


def test_the_alliance_and_its_members_actors_in_persian(linker: Linker) -> None:
    expected = {
        ("سازمان پیمان امنیت جمعی", "org:csto"),
        ("قاسم ژومارت توکایف", "person:tokayev"),
        ("الکساندر لوکاشنکو", "person:lukashenko"),
        ("وزارت امور خارجه روسیه", "org:mfa-ru"),
        ("لاوروف", "person:lavrov"),
        ("شوکت میرضیایف", "person:mirziyoyev"),
        ("کمیته دولتی امنیت ملی تاجیکستان", "org:gknb-tj"),
        ("وزارت کشور قرقیزستان", "org:mvd-kg"),
    }
    summit = (
        "سران سازمان پیمان امنیت جمعی در دوشنبه گرد هم آمدند. قاسم ژومارت توکایف و الکساندر "
        "لوکاشنکو سخن گفتند. وزارت امور خارجه روسیه اعلام کرد که لاوروف با شوکت میرضیایف "
        "دیدار خواهد کرد. کمیته دولتی امنیت ملی تاجیکستان و وزارت کشور قرقیزستان هم بودند."
    )
    assert expected <= set(scan(linker, summit, "fa"))


def test_an_ending_is_never_read_into_another_word(linker: Linker) -> None:
    # «Толибонҳо» is Толибон + plural; «Раҳмонов» is not Раҳмон with an ending.
    found = scan(linker, "Раҳмонов ва Толибонҳо.", "tg")
    assert found == [("Толибон", "group:taliban")]
    # Russian has no endings list: its case forms come from the morphology.
    assert scan(linker, "ГКНБнын", "ru") == []


def test_english_names_of_the_khorasan_branch(linker: Linker) -> None:
    text = "The Islamic State's Khorasan branch (ISKP), also called IS-K, claimed the attack."
    found = scan(linker, text, "en")
    assert ("Khorasan branch", "group:isis-k") in found
    assert ("ISKP", "group:isis-k") in found
    assert ("IS-K", "group:isis-k") in found
