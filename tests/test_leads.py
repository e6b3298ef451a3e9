"""Lead vectors for the region's languages USE does not read: e5's, carried into USE's space.

The texts are written for the test: one report of a seizure on the Tajik-Afghan border in
English, Persian and Kazakh, and one of an earthquake in Badakhshan in English and Persian.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np

from outpost.analyze.leads import MAPPED_LANGS, VECTOR_LANGS, lead_vectors
from outpost.analyze.pipeline import default_pipeline
from outpost.records import Doc
from outpost.warn.sketches import sketches
from outpost.warn.stories import cluster

SEIZURE = {
    "en": "Tajik border guards detained three drug smugglers on the Panj River near the Afghan "
    "border on Monday and seized 120 kilograms of heroin, the State Committee for National "
    "Security said.",
    "fa": "مرزبانان تاجیکستان روز دوشنبه سه قاچاقچی مواد مخدر را در کنار رود پنج در نزدیکی مرز "
    "افغانستان بازداشت کردند و ۱۲۰ کیلوگرم هروئین کشف کردند.",
    "kk": "Тәжікстан шекарашылары дүйсенбі күні Ауғанстан шекарасына жақын Пяндж өзенінің "
    "бойында есірткі тасымалдаған үш адамды ұстап, 120 килограмм героин тәркіледі.",
}
QUAKE = {
    "en": "An earthquake of magnitude 5.8 struck Badakhshan province in northern Afghanistan on "
    "Monday, killing at least 12 people and destroying dozens of houses, officials said.",
    "fa": "زمین‌لرزه‌ای به بزرگی ۵.۸ ریشتر روز دوشنبه ولایت بدخشان در شمال افغانستان را لرزاند و "
    "دست‌کم ۱۲ نفر را کشت و ده‌ها خانه را ویران کرد.",
}
DAY = datetime(2026, 11, 30, 8, tzinfo=UTC)


def docs() -> list[Doc]:
    found = [Doc(f"seizure-{lang}", text, None, None, lang) for lang, text in SEIZURE.items()]
    found += [Doc(f"quake-{lang}", text, None, None, lang) for lang, text in QUAKE.items()]
    return [
        Doc(d.id, d.text, DAY + timedelta(minutes=20 * n), d.title, d.lang)
        for n, d in enumerate(found)
    ]


def test_a_persian_or_kazakh_lead_lands_near_the_english_report_of_its_event() -> None:
    assert {"fa", "prs", "kk", "ky", "uz", "ps"} <= MAPPED_LANGS
    assert not MAPPED_LANGS & VECTOR_LANGS
    given = docs()
    vectors = lead_vectors(given)
    assert len(vectors) == len(given)
    by_id = {d.id: vectors[i] for i, d in enumerate(given)}
    assert all(
        v.shape == (512,) and abs(float(np.linalg.norm(v)) - 1) < 1e-3 for v in vectors.values()
    )
    for lang in ("fa", "kk"):
        mine = by_id[f"seizure-{lang}"]
        assert float(mine @ by_id["seizure-en"]) > float(mine @ by_id["quake-en"]) + 0.1
    mine = by_id["quake-fa"]
    assert float(mine @ by_id["quake-en"]) > float(mine @ by_id["seizure-en"]) + 0.1


def test_reports_in_three_languages_make_one_story_and_another_event_its_own() -> None:
    given = docs()
    analysed = list(default_pipeline().pipe(given))
    assert all(d.vector is not None for d in analysed)
    found = sketches(analysed, ["test"] * len(given), [d.published for d in given])
    stories = cluster(found)
    assert stories["seizure-fa"] == stories["seizure-kk"] == stories["seizure-en"]
    assert stories["quake-fa"] == stories["quake-en"]
    assert stories["quake-en"] != stories["seizure-en"]
