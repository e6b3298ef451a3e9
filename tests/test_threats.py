"""Threat domains: the seeds, Russian, neutral text, evidence sentences, speed."""

from __future__ import annotations

import json
import time

import pytest

from outpost.analyze.threats import ThreatTagger, sentence_spans
from outpost.records import Span, Threat
from tests.conftest import SHARED

SEEDS = SHARED / "seeds"
SEED_000 = (SEEDS / "000_f376804d84136853.txt").read_text(encoding="utf-8")
SEED_002 = (SEEDS / "002_dea19cf7c93b6278.txt").read_text(encoding="utf-8")
FOUND = 0.3  # a domain is reported as found above this
LOW = 0.25  # a neutral article stays under this in every domain

RUSSIAN = (
    "Наркотрафик из Афганистана остаётся главной угрозой для стран ОДКБ. "
    "Пограничники Таджикистана задержали крупную партию героина. "
    "Спецслужбы предупреждают о вербовке молодёжи через интернет и социальные сети "
    "в ряды экстремистских группировок."
)
SPORTS = (
    "Manchester City beat Arsenal 3-1 on Saturday to go top of the Premier League. "
    "Erling Haaland scored twice in the first half, and the coach praised the team's attack "
    "and its defensive shape. City have now won 21 of their 30 league games this season, "
    "and the title race will be decided in the final weeks."
)
BUSINESS = (
    "Shares of the drugmaker rose 5% on Tuesday after the company reported higher quarterly "
    "profit. Investors welcomed the launch of a new drug for diabetes patients, and analysts "
    "raised their price targets. The company also announced a share buyback."
)


@pytest.fixture(scope="module")
def tagger() -> ThreatTagger:
    return ThreatTagger.load()


def found(threats: list[Threat]) -> dict[str, Threat]:
    return {t.domain: t for t in threats if t.score >= FOUND}


def test_seed_000_domains(tagger: ThreatTagger) -> None:
    domains = found(tagger.tag(SEED_000, [], "en"))
    expected = ("terrorism", "extremism", "drug_trafficking", "illegal_migration", "refugees",
                "humanitarian_crisis", "border_security", "armed_conflict")  # fmt: skip
    for domain in expected:
        assert domain in domains, domain
    assert "drug trafficking" in domains["drug_trafficking"].evidence
    assert "refugees" in domains["refugees"].evidence
    assert "Nagorno-Karabakh" in domains["armed_conflict"].evidence


def test_seed_002_domains(tagger: ThreatTagger) -> None:
    domains = found(tagger.tag(SEED_002, [], "en"))
    assert "Islamic State" in domains["terrorism"].evidence
    assert "via the internet and social media" in domains["online_recruitment"].evidence
    assert domains["extremism"].score >= domains["online_recruitment"].score  # its parent
    assert "Afghan drug trafficking" in domains["drug_trafficking"].evidence


def test_evidence_is_a_sentence_of_the_text(tagger: ThreatTagger) -> None:
    threats = tagger.tag(SEED_002, sentence_spans(SEED_002), "en")
    assert threats == sorted(threats, key=lambda t: -t.score)
    for t in threats:
        assert SEED_002[t.start : t.end] == t.evidence
        assert 0.0 <= t.score <= 1.0


def test_russian_inflection(tagger: ThreatTagger) -> None:
    domains = found(tagger.tag(RUSSIAN, [], "ru"))
    assert domains["drug_trafficking"].evidence.startswith("Наркотрафик")
    assert "через интернет" in domains["online_recruitment"].evidence
    assert "extremism" in domains
    assert "border_security" in domains


@pytest.mark.parametrize("text", [SPORTS, BUSINESS])
def test_neutral_articles_stay_low(tagger: ThreatTagger, text: str) -> None:
    assert [t for t in tagger.tag(text, [], "en") if t.score >= LOW] == []


def test_pharmacy_drug_is_not_trafficking(tagger: ThreatTagger) -> None:
    text = "The pharmacy said patients can get the drug without a prescription from Monday."
    assert "drug_trafficking" not in found(tagger.tag(text, [], "en"))


def test_one_event_sentence(tagger: ThreatTagger) -> None:
    start = SEED_000.index("“Our obvious priority")
    end = SEED_000.index("concern Kazakhstan.") + len("concern Kazakhstan.")
    threats = tagger.tag_sentence(SEED_000, start, end, "en")
    assert {"terrorism", "drug_trafficking", "illegal_migration"} <= set(found(threats))
    assert all((t.start, t.end) == (start, end) for t in threats)


def test_given_sentences_are_used(tagger: ThreatTagger) -> None:
    text = "Heroin was seized. Nothing else happened."
    threats = tagger.tag(text, [Span(0, len(text))], "en")
    assert threats[0].evidence == text  # one sentence given, one sentence of evidence


@pytest.mark.parametrize(
    ("text", "domain"),
    [
        ("Шекарашылар заңсыз мигранттарды ұстады.", "border_security"),
        ("Giyohvand moddalar kontrabandasi oldi olindi.", "drug_trafficking"),
        ("Гурезаҳо аз Афғонистон омаданд.", "refugees"),
        ("قاچاق مواد مخدر از افغانستان افزایش یافته است.", "drug_trafficking"),
        ("داعش مسئولیت این حمله را بر عهده گرفت.", "terrorism"),
    ],
)
def test_region_languages(tagger: ThreatTagger, text: str, domain: str) -> None:
    assert domain in found(tagger.tag(text))


def test_every_domain_of_the_brief_is_in_the_taxonomy(tagger: ThreatTagger) -> None:
    assert set(tagger.domains) == {
        "terrorism", "extremism", "online_recruitment", "drug_trafficking", "illegal_migration",
        "refugees", "border_security", "armed_conflict", "humanitarian_crisis",
        "arms_trafficking", "political_instability",
    }  # fmt: skip
    assert tagger.domains["online_recruitment"].parent == "extremism"


def test_speed_on_5000_characters(tagger: ThreatTagger) -> None:
    rows = (SHARED / "data" / "voa" / "voa_stories.jsonl").read_text(encoding="utf-8")
    texts = [json.loads(line)["text"][:5000] for line in rows.splitlines()[:20]]
    start = time.perf_counter()
    for text in texts:
        tagger.tag(text)
    assert (time.perf_counter() - start) / len(texts) < 0.010  # target 5 ms; room for CI
