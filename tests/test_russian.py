"""Russian names: natasha plus the rules of `russian` and `russian_context`, on real models."""

from __future__ import annotations

import pytest

from outpost.analyze import russian_context
from outpost.analyze.entities import _russian_letters
from outpost.analyze.pipeline import Pipeline
from outpost.analyze.russian_context import Name
from outpost.records import Doc


@pytest.fixture(scope="module")
def pipeline() -> Pipeline:
    return Pipeline.load(stages=("clean", "language", "entities", "linking"))


def names(pipeline: Pipeline, text: str) -> set[tuple[str, str]]:
    doc = next(iter(pipeline.pipe([Doc(id="t", text=text, lang="ru")])))
    for m in doc.mentions:
        assert text[m.start : m.end] == m.text
    return {(m.text, m.type) for m in doc.mentions if m.method != "role"}


def test_a_name_stops_at_brackets_bullets_and_commas(pipeline: Pipeline) -> None:
    found = names(pipeline, "Сегодня тренер Юрген Клопп (Jürgen Klopp) назвал состав команды.")
    assert {("Юрген Клопп", "PER"), ("Jürgen Klopp", "PER")} <= found
    found = names(pipeline, "В отборе участвуют: Франция • Испания • Португалия • Италия")
    assert {("Испания", "LOC"), ("Португалия", "LOC")} <= found


def test_common_abbreviations_and_designations_are_not_organisations(
    pipeline: Pipeline,
) -> None:
    assert not names(pipeline, "По сообщению российских СМИ, переговоры продолжатся.")
    found = names(pipeline, "Корабль «Союз МС-22» стартовал по графику, сообщили в ООО.")
    assert not {kind for _, kind in found} & {"ORG"}


def test_vehicles_in_quotes_are_not_organisations(pipeline: Pipeline) -> None:
    text = "Шаттл «Индевор» вернулся на Землю. После «Индевора» полетов больше не будет."
    assert not {n for n in names(pipeline, text) if n[1] == "ORG"}


def test_a_place_adjective_belongs_to_the_organisation(pipeline: Pipeline) -> None:
    found = names(pipeline, "Глава японского МИДа заявил, что Токио готов к переговорам.")
    assert ("японского МИДа", "ORG") in found
    found = names(pipeline, "Мигранты из Африки направляются в страны западной Европы.")
    assert ("западной Европы", "LOC") in found


def test_the_quoted_name_after_a_kind_of_organisation(pipeline: Pipeline) -> None:
    found = names(pipeline, "Институт «Открытая экономика» опубликовал доклад о бедности.")
    assert ("Открытая экономика", "ORG") in found
    assert ("Институт", "ORG") not in found
    text = "В парламент прошла партия «Народная воля», заявил наблюдатель."
    assert ("Народная воля", "ORG") in names(pipeline, text)
    found = russian_context.apply(text, [])  # without the model's names
    assert [(text[n.start : n.end], n.type) for n in found] == [("Народная воля", "ORG")]


def test_latin_spellings_sources_and_abbreviations(pipeline: Pipeline) -> None:
    text = "Всемирная организация здравоохранения (World Health Organization) сообщила о вспышке."
    assert ("World Health Organization", "ORG") in names(pipeline, text)
    assert ("fontanka.ru", "ORG") in names(pipeline, "Как сообщает fontanka.ru, митинг прошёл.")
    found = names(pipeline, "Как сообщило агентство France-Presse, акции продолжились.")
    assert ("France-Presse", "ORG") in found
    found = names(pipeline, "Девиз турнира (GENS UNA SUMUS) знают все, а FIDE молчит.")
    assert ("FIDE", "ORG") in found and ("UNA", "ORG") not in found


def test_a_name_found_once_is_found_again(pipeline: Pipeline) -> None:
    text = (
        "Концерт группы «Аквариум» прошёл в Петербурге. Сегодня 40-летний «Аквариум» "
        "выпускает новый альбом."
    )
    doc = next(iter(pipeline.pipe([Doc(id="t", text=text, lang="ru")])))
    assert [m.type for m in doc.mentions if m.text == "Аквариум"] == ["ORG", "ORG"]
    # the rule alone, given one name: the other form is found whatever the model does
    at = text.index("Аквариум")
    found = russian_context.apply(text, [Name(at, at + len("Аквариум"), "ORG")])
    assert [text[n.start : n.end] for n in found] == ["Аквариум", "Аквариум"]


def test_the_kb_decides_organisation_or_place(pipeline: Pipeline) -> None:
    found = names(
        pipeline, "Евросоюз ввёл новые санкции против Белоруссии, ЕС также осудил выборы."
    )
    assert {("Евросоюз", "ORG"), ("ЕС", "ORG"), ("Белоруссии", "LOC")} <= found


def test_a_longer_kb_name_replaces_the_pieces_ner_found(pipeline: Pipeline) -> None:
    text = "Об этом корреспонденту «Голоса Америки» сообщил депутат. Голос Америки: Спасибо!"
    doc = next(iter(pipeline.pipe([Doc(id="t", text=text, lang="ru")])))
    found = [(m.text, m.type, m.kb_id) for m in doc.mentions]
    assert ("Голоса Америки", "ORG", "org:voa") in found
    assert ("Голос Америки", "ORG", "org:voa") in found
    assert not [m for m in doc.mentions if m.text == "Америки"]


def test_a_short_paragraph_in_russian_letters_is_read_as_russian(pipeline: Pipeline) -> None:
    # language identification guesses Bulgarian for the list; its letters say Russian
    text = (
        "Матч обслужат арбитры из разных стран мира, сообщила пресс-служба федерации.\n\n"
        "• Жозе Алмейда (Португалия) • Томас Берг (Норвегия) • Лукас Ферро (Аргентина)"
    )
    found = names(pipeline, text)
    assert {("Жозе Алмейда", "PER"), ("Томас Берг", "PER"), ("Португалия", "LOC")} <= found
    assert _russian_letters("• Жозе Алмейда (Португалия)")
    assert not _russian_letters("Ўзбекистон Республикаси Президенти")  # Uzbek: ў
    assert not _russian_letters("Україна і світ")  # Ukrainian: і
    assert not _russian_letters("Tashkent and Moscow")


def test_an_airport_is_a_place() -> None:
    text = "Самолёт сел в аэропорту «Пулково», а не во Внуковском аэропорту."
    spans = [(text.index("Пулково"), "Пулково"), (text.index("Внуковском"), "Внуковском аэропорту")]
    found = russian_context.apply(text, [Name(s, s + len(n), "ORG") for s, n in spans])
    assert {(text[n.start : n.end], n.type) for n in found} == {
        ("Пулково", "LOC"),
        ("Внуковском аэропорту", "LOC"),
    }
    text = "Управление аэропорта сообщило о задержках."
    found = russian_context.apply(text, [Name(0, len("Управление аэропорта"), "ORG")])
    assert [n.type for n in found] == ["ORG"]
