"""Person or place: natasha's types of Russian names checked against the gazetteer and the
article's own people (`analyze.retype`), on made-up sentences and the real gazetteer."""

from __future__ import annotations

from pathlib import Path

import pytest

from outpost.analyze.gazetteer import Gazetteer
from outpost.analyze.linking import Linker
from outpost.analyze.retype import retype
from outpost.records import Doc, Mention


@pytest.fixture(scope="module")
def gazetteer(request: pytest.FixtureRequest) -> Gazetteer:
    return Gazetteer(Path(request.config.cache.mkdir("outpost-gazetteer"))).load()


def typed(text: str, names: list[tuple[str, str]], gazetteer: Gazetteer) -> set[tuple[str, str]]:
    """The (name, type) pairs after the rules, given natasha's (name, type) in text order."""
    mentions, at = [], 0
    for name, kind in names:
        start = text.index(name, at)
        at = start + len(name)
        mentions.append(Mention(name, kind, start, at, name, method="natasha"))  # type: ignore[arg-type]
    doc = Doc(id="t", text=text, clean=text, lang="ru")
    return {(m.text, m.type) for m in retype(doc, mentions, gazetteer, Linker.surname_keys)}


def test_a_country_read_as_a_person_is_a_place(gazetteer: Gazetteer) -> None:
    text = "Участники: Перу • Коста Рика • Эфиопия • Виктория"
    found = typed(text, [("Коста Рика", "PER"), ("Эфиопия", "PER"), ("Виктория", "PER")], gazetteer)
    assert {("Коста Рика", "LOC"), ("Эфиопия", "LOC")} <= found
    assert ("Виктория", "PER") in found  # a first name first, though a state of Australia too


def test_a_word_only_the_dictionary_of_places_knows_is_a_place(gazetteer: Gazetteer) -> None:
    found = typed("Вечером гуляли в Коломенском.", [("Коломенском", "PER")], gazetteer)
    assert found == {("Коломенском", "LOC")}


def test_a_place_with_the_surname_of_a_person_in_the_article(gazetteer: Gazetteer) -> None:
    text = "Вчера Олега Варфоломеева избрали в совет. О Варфоломееве говорят много."
    names = [("Олега Варфоломеева", "PER"), ("Варфоломееве", "LOC")]
    assert ("Варфоломееве", "PER") in typed(text, names, gazetteer)
    # a street named after him is still a street
    text = "Олег Варфоломеев живёт на улице Варфоломеева."
    names = [("Олег Варфоломеев", "PER"), ("Варфоломеева", "LOC")]
    assert ("Варфоломеева", "LOC") in typed(text, names, gazetteer)


def test_a_continent_after_champion_and_a_country_in_a_list(gazetteer: Gazetteer) -> None:
    text = "Он стал чемпионом Европы.\n\n• Кувейт • Маврикий • Катар"
    found = typed(text, [("Кувейт", "LOC"), ("Катар", "LOC")], gazetteer)
    assert {("Европы", "LOC"), ("Маврикий", "LOC")} <= found


def test_a_common_word_opening_a_sentence_is_not_a_name(gazetteer: Gazetteer) -> None:
    text = "Новости дня.\n\nСупруга министра дала интервью. Поддержку Ивану Петрову выразили."
    names = [("Супруга", "PER"), ("Поддержку Ивану Петрову", "PER")]
    assert typed(text, names, gazetteer) == {("Ивану Петрову", "PER")}
    # a name found elsewhere in the article stays, even where it is also a word
    text = "Кремль ответил. Пресс-служба Кремля уточнила детали."
    names = [("Кремль", "LOC"), ("Кремля", "LOC")]
    assert ("Кремль", "LOC") in typed(text, names, gazetteer)
