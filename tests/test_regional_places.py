"""The watched region's towns in any script: found by the whole pipeline in plain sentences,
resolved to the right town, the Russian spellings bridged from romanisations, the region as
configuration, and none of its villages taken from ordinary English words."""

from __future__ import annotations

from pathlib import Path

import pytest

import outpost
from outpost.analyze.gazetteer import Gazetteer
from outpost.analyze.gazetteer.build import Builder
from outpost.analyze.gazetteer.entries import Entry
from outpost.analyze.gazetteer.spellings import bridges, russian_from_latin
from outpost.config import SettingsError, load_settings
from outpost.evaluate import coverage


def places(text: str, lang: str) -> list[tuple[str, str, str | None]]:
    doc = outpost.analyze(text, lang=lang)
    return [(p.text, p.name, p.country) for p in doc.places]


@pytest.mark.parametrize(
    ("text", "lang", "written", "town", "country"),
    [
        # the two misses
        ("Police detained four men in the southern city of Osh.", "en", "Osh", "Osh", "KG"),
        ("Стрельба произошла неподалёку от города Пяндж.", "ru", "Пяндж", "Panj", "TJ"),
        ("Стрельба произошла неподалёку от Пянджа.", "ru", "Пянджа", "Panj", "TJ"),
        # an unknown name spaCy reads as a person, after "city of"
        (
            "Four men were detained in the city of Gardez on Tuesday.",
            "en",
            "Gardez",
            "Gardez",
            "AF",
        ),
        ("Тёрт киши Ош шаарында кармалды.", "ky", "Ош", "Osh", "KG"),
        ("Дар шаҳри Панҷакент чор нафар боздошт шуданд.", "tg", "Панҷакент", "Panjakent", "TJ"),
        ("Moʻynoq shahrida toʻrt kishi ushlandi.", "uz", "Moʻynoq", "Mŭynoq", "UZ"),
        # Kazakh's and Kyrgyz's case endings in their front-vowel and voiceless forms
        ("Саммит Душанбеде өтті.", "kk", "Душанбеде", "Dushanbe", "TJ"),
        ("Делегация Мәскеуден оралды.", "kk", "Мәскеуден", "Moscow", "RU"),
        ("Кездесу Ташкентте өтті.", "kk", "Ташкентте", "Toshkent", "UZ"),
        ("Делегация Бишкектен кайтты.", "ky", "Бишкектен", "Bishkek", "KG"),
        ("چهار مرد در شهر زرنج بازداشت شدند.", "fa", "زرنج", "Zaranj", "AF"),
        # a province no town is named after, in Dari
        (
            "نیروهای امنیتی در ولایت بدخشان چهار نفر را بازداشت کردند.",
            "fa",
            "بدخشان",
            "Badakhshān",
            "AF",
        ),
        ("درگیری در هلمند ادامه دارد.", "fa", "هلمند", "Helmand", "AF"),
    ],
)
def test_a_town_of_the_region_is_found_and_resolved_in_its_script(
    text: str, lang: str, written: str, town: str, country: str
) -> None:
    assert (written, town, country) in places(text, lang)


@pytest.mark.parametrize(
    "text",
    [
        "Mangini was transported from the scene by Life Star after firefighters cut the door.",
        "Krystal D. Hall, 19, of Gaston, and Darrell D. Ross, 29, of Columbia, are charged.",
        "Parents learned Nov. 13 that the center would close.",
        "I've never seen anything like it, she said.",
    ],
)
def test_a_village_of_the_region_that_is_also_a_word_is_not_read_in_english(text: str) -> None:
    # Star' (RU), Ross' (BY), Nov (TJ) and Iwye (BY, "Ive") are towns of the watched region
    assert [p for p in places(text, "en") if p[2] in ("RU", "BY", "TJ")] == []


def test_russian_spellings_are_read_back_from_romanisations_and_local_letters() -> None:
    assert russian_from_latin("Pyandzh") == "Пяндж"
    assert russian_from_latin("Kurgan-Tyube") == "Курган-Тюбе"
    assert russian_from_latin("Baykonur") == "Байконур"
    assert russian_from_latin("Nal'chik") == "Нальчик"
    assert russian_from_latin("Yekaterinburg") == "Екатеринбург"
    assert bridges(["Panj", "Pyandzh", "Панҷ"]) == ["Пандж", "Пяндж"]
    assert bridges(["Osh", "Ош"]) == []  # nothing it has already


def test_the_watched_region_is_configuration() -> None:
    assert load_settings({}).watched_region[:6] == ("AM", "BY", "KZ", "KG", "RU", "TJ")
    assert "CN-XJ" in load_settings({}).watched_region
    assert load_settings({"OUTPOST_WATCHED_REGION": "kz, PK-KP"}).watched_region == (
        "KZ",
        "PK-KP",
    )
    with pytest.raises(SettingsError, match="watched_region"):
        load_settings({"OUTPOST_WATCHED_REGION": "Kazakhstan"})
    town = Entry("Osh", 40.5, 72.8, "KG", "KG-GO", 1527534, 322164, "city")
    province = Entry("Peshawar", 34.0, 71.6, "PK", "PK-KP", 1168197, 1218773, "city")
    assert Builder(("KG",)).watched(town) and not Builder(("KZ",)).watched(town)
    assert Builder(("PK-KP",)).watched(province) and not Builder(("PK-BA",)).watched(province)
    # each region has its own index: changing it rebuilds rather than reads another's
    assert Gazetteer(Path("c"), ("KG",)).cache_path != Gazetteer(Path("c"), ("KZ",)).cache_path


def test_the_coverage_cases_are_each_spelling_of_the_towns_in_a_sentence() -> None:
    chosen = [c for c in coverage.cases(("TJ",)) if c.lat == pytest.approx(40.28256, abs=0.01)]
    scripts = {c.script for c in chosen}  # Khujand
    assert {"en", "ru", "cyrillic", "arabic"} <= scripts
    for case in chosen:
        start, end = case.span
        assert case.sentence[start:end] == case.name


def test_the_coverage_row_scores_the_pipeline() -> None:
    metrics = coverage.evaluate(limit=60)
    assert metrics["cases"] == 60
    assert 0.8 <= metrics["resolved"] <= metrics["found"] <= 1.0


def test_rivers_and_border_crossings_are_places() -> None:
    found = places("Militants crossed the Panj River near the Friendship Bridge.", "en")
    assert [(name, country) for _, name, country in found] == [
        ("Panj River", None),
        ("Friendship Bridge", "UZ"),
    ]
    found = places("Боевики переправились через Амударью у Шерхан-Бандара.", "ru")
    assert [name for _, name, _ in found] == ["Amu Darya", "Shir Khan Bandar"]


@pytest.mark.parametrize(
    ("text", "lang", "kind"),
    [
        ("Fighting broke out in the city of Kandahar.", "en", "city"),
        ("Fighting broke out in Kandahar province.", "en", "admin1"),
        ("Бои идут в городе Кандагар.", "ru", "city"),
        ("Бои идут в провинции Кандагар.", "ru", "admin1"),
    ],
)
def test_the_words_around_a_name_tell_a_town_from_its_province(
    text: str, lang: str, kind: str
) -> None:
    doc = outpost.analyze(text, lang=lang)
    assert [(p.name[:4], p.kind) for p in doc.places] == [("Kand", kind)]


def test_the_output_says_which_method_found_each_name() -> None:
    from outpost.serialize import doc_json

    doc = outpost.analyze("Four men were detained in the city of Gardez, the NDS said.", lang="en")
    methods = {e["text"]: e["method"] for e in doc_json(doc)["entities"]}
    assert methods["Gardez"] == "gazetteer"  # spaCy's PERSON, made a place by "city of"
    assert all(methods.values())


def test_in_persian_script_a_small_town_that_is_a_word_needs_a_word_for_a_place() -> None:
    # Sangin (Helmand) is «سنگین», "heavy"; Tver is «تور», "tour"
    assert places("این یک بار سنگین برای اقتصاد است.", "fa") == []
    assert places("او در یک تور اروپایی شرکت کرد.", "fa") == []
    assert [name for _, name, _ in places("درگیری در ولسوالی سنگین ادامه دارد.", "fa")] == [
        "Sangīn"
    ]


@pytest.mark.parametrize(
    ("text", "found"),
    [
        # «دوشنبه» is Monday and Dushanbe; «آوریل», April, is spelt as Orël is
        ("وزیر خارجه روز دوشنبه گفت که نشست آینده برگزار می‌شود.", []),
        ("وی دوشنبه در یک نشست خبری گفت که مذاکرات ادامه دارد.", []),
        ("از دوشنبه آینده مرز بسته می‌شود.", []),
        ("در دوشنبه گذشته سه نفر کشته شدند.", []),
        ("وی دوشنبه ۱۲ مهر گفت که مرز باز است.", []),
        ("این نشست در ۱۲ آوریل برگزار شد.", []),
        ("چهار مرد در شهر دوشنبه بازداشت شدند.", ["Dushanbe"]),
        ("او برای دیدار با رئیس جمهور به دوشنبه سفر کرد.", ["Dushanbe"]),
        ("دوشنبه، پایتخت تاجیکستان، میزبان نشست بود.", ["Dushanbe", "Tajikistan"]),
    ],
)
def test_in_persian_script_a_days_or_months_name_is_a_place_only_where_words_say_so(
    text: str, found: list[str]
) -> None:
    assert [name for _, name, _ in places(text, "fa")] == found


@pytest.mark.parametrize(
    ("text", "lang", "found"),
    [
        # a capitalised day or month with the word for "day" or "month" after it is a date
        ("Juma kuni prezident Toshkentda chiqish qildi.", "uz", ["Toshkent"]),
        ("Payshanba kuni chegarada otishma boʻldi.", "uz", []),
        ("Қазан айында Астанада саммит өтті.", "kk", ["Astana"]),
        ("Anna güni Aşgabatda maslahat geçirildi.", "tk", ["Aşgabat"]),
        # and the towns stay towns
        ("Juma shahrida toʻrt kishi ushlandi.", "uz", ["Juma Shahri"]),
        ("Қазан қаласында саммит өтті.", "kk", ["Kazan"]),
        ("Дар Душанбе нишаст баргузор шуд.", "tg", ["Dushanbe"]),
    ],
)
def test_in_a_cased_script_a_day_said_as_a_day_is_no_town(
    text: str, lang: str, found: list[str]
) -> None:
    assert [name for _, name, _ in places(text, lang)] == found


def test_in_kazakh_a_capital_at_a_sentences_start_is_no_town_the_tagger_did_not_see() -> None:
    # «Егер» ("if") is Eger in Hungary, «Міне» ("here is") Al Minya; the tagger tags Astana
    text = "Егер келісім жасалса, жұмыс басталады. Міне, осылай. Астана бұл шешімді қолдады."
    assert [name for _, name, _ in places(text, "kk")] == ["Astana"]


@pytest.mark.parametrize(
    "text",
    [
        "مقام‌های وزارت داخله افغانستان روز چهارشنبه گفتند.",  # «داخله», "interior": Dakhla
        "این یک بحران مالی جدی برای دولت است.",  # «مالی», "financial": Mali
        "قیمت‌ها به آستانه بحران رسید.",  # «آستانه», "threshold": Astana
        # a far town's name inside a club's: the club, not the town
        "بازیکن بوروسیا مونشن گلادباخ گل زد.",
    ],
)
def test_in_persian_a_name_the_tagger_did_not_read_as_a_place_is_none_without_a_cue(
    text: str,
) -> None:
    assert [p.name for p in outpost.analyze(text, lang="fa").places] == []


def test_a_day_and_the_town_of_the_same_name_in_one_sentence() -> None:
    text = "لاوروف روز دوشنبه در دوشنبه با رحمان دیدار کرد."
    town = text.index("در دوشنبه") + len("در ")
    doc = outpost.analyze(text, lang="fa")
    assert [(p.start, p.name) for p in doc.places] == [(town, "Dushanbe")]
