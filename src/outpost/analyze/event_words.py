"""Event words: the stems that make a sentence an event candidate, and the words that name
an event's kind outright.

Both are regexes over lower-cased text, English word starts and Russian stems, written for
news in general (the labelled set in benchmarks/events measures what they find).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from outpost.records import Label

# Event words, as regexes over lower-cased text: English word starts, Russian stems.
TRIGGERS = re.compile(
    r"\b(attack|assault|ambush|bomb|shell|strik|struck|airstrike|drone|explo|detonat|"
    r"kill|wound|injur|shot|shoot|fire[ds]? on|clash|fight|battl|seiz|captur|overr|"
    r"kidnap|abduct|hostage|hijack|arrest|detain|raid|sentenc|convict|charg|extradit|"
    r"smuggl|traffick|intercept|confiscat|protest|demonstrat|rall(y|ied)|march|riot|strike|"
    r"flee|fled|displac|evacuat|cross|infiltrat|deport|recruit|"
    r"agree|sign|pledg|commit|instruct|decid|adopt|approv|decree|order|"
    r"meet|met|summit|talks|held|hold|visit|host|"
    r"exercis|drill|maneuv|manoeuv|deploy|mobili|reinforc|patrol|"
    r"condemn|sanction|accus|blam|claim|deni|warn|threat|"
    r"earthquake|flood|landslide|avalanche|storm|fire|crash|collaps|outbreak|"
    r"dead|death|died|blew|siege|destr[ou]|crackdown|took over|take[sn]? over|dismantl|"
    r"broke up|releas|freed|occup|martial law|curfew|state of emergency|impos|launch|"
    r"ban(s|ned)?\b|withdr[ae]w|activat|discuss|urg(e|ed|es|ing)\b|call(s|ed|ing)? for|"
    r"reject|denounc|criticiz|criticis|decr(y|ied)|concern|cyclone|hurricane|typhoon|"
    r"tornado|drought|wildfire|homeless|went down|"
    r"напал|атак|обстрел|удар|взорв|взрыв|убит|убил|погиб|ранен|столкнов|бо[йяеи]|"
    r"захват|похит|задерж|арест|изъял|изъят|конфиск|контрабанд|наркотрафик|"
    r"протест|митинг|демонстрац|бежал|беженц|эвакуир|пересек|нарушител|вербов|"
    r"договорил|подписал|соглашени|поручил|поручени|решил|решени|утвердил|приня[лт]|"
    r"встрет|встреч|саммит|переговор|прошл|провел|провёл|состоял|визит|"
    r"учени|маневр|манёвр|развернул|усилил|патрул|"
    r"осудил|санкци|обвинил|заявил|предупредил|угроз|"
    r"землетрясени|наводнени|оползн|лавин|пожар|авари|крушени|эпидеми|"
    r"гибел|погибш|умер|обсуди|обсужд|освобод|запрет|введ|ввел|ураган|циклон|засух|отверг|"
    r"призвал|призыв|обеспокоенност|осужд)"
)
# The same, for text as written: nine times slower than lower-casing first, so kept for the
# rare text whose lower case is longer ("İ" becomes two letters) and would shift the offsets.
TRIGGERS_ANY_CASE = re.compile(TRIGGERS.pattern, re.IGNORECASE)


def first_trigger(text: str) -> re.Match[str] | None:
    """The first event word in `text`, its offsets those of `text` as written."""
    lower = text.lower()
    if len(lower) == len(text):  # every letter lower-cased to one: the offsets agree
        return TRIGGERS.search(lower)
    return TRIGGERS_ANY_CASE.search(text)


WORD_REST = re.compile(r"\w*")  # a trigger stem's word runs to its end: "attack" → "attacked"
# Words that name an event's kind outright. The sentence classifier reads character n-grams
# and spreads its belief over 30+ types; a cue multiplies its types' probabilities by CUE_WEIGHT
# before the best is taken (see `cued`).
CUES: tuple[tuple[re.Pattern[str], frozenset[str]], ...] = tuple(
    (re.compile(pattern), frozenset(types.split()))
    for pattern, types in (
        (
            r"\b(met|meet(s|ing)?|talks|summit|visit(s|ed)?|session|phone call|"
            r"встрет|встреч|переговор|саммит|визит|сесси|телефонн)",
            "MEETING",
        ),
        (
            r"\b(agree(d|ment)|signed|sign(s|ing)? an?|pledged|accord|deal|"
            r"договорил|подписал|соглашени|договор[аеуы]?\b)",
            "AGREEMENT",
        ),
        (r"\b(arrest|detain|apprehend|custody|задерж|арест)", "ARREST"),
        (
            r"\b(protest|rall(y|ied|ies)|demonstrat|march(ed|es)|митинг|протест|демонстрац)",
            "PEACE_PROTEST PROTEST_WITH_INTER FORCE_AGAINST_PROTEST VIOL_DEMONSTR",
        ),
        (
            r"\b(earthquake|flood|cyclone|hurricane|typhoon|storm|landslide|avalanche|drought|"
            r"землетрясени|наводнени|ураган|циклон|оползн|лавин|засух)",
            "NATURAL_DISASTER",
        ),
        (
            r"\b(fle[ed]|flee(ing)?|displac|refugee|evacuat|беженц|бежал|эвакуир|переселен)",
            "DISPLACEMENT",
        ),
        (r"\b(kidnap|abduct|hostage|hijack|похит|заложник)", "ABDUCT_DISSAP"),
        (r"\b(air ?strike|drone strike|bombed from the air|авиаудар|авианалет)", "AIR_STRIKE"),
        (r"\b(suicide bomb|blew (himself|herself|themselves) up|смертник)", "SUIC_BOMB"),
        (
            r"\b(exercises|drills?\b|maneuvers|manoeuvres|учени[яйе]|маневр|манёвр)",
            "MILITARY_EXERCISE",
        ),
        (
            r"\b(condemn|urged?\b|call(s|ed)? (on|for)|demand|sanction|осудил|осужд|призвал|"
            r"потребовал|санкци)",
            "DIPLO",
        ),
        (
            r"\b(claimed responsibility|claims? responsibility|blamed|взял[аи]? на себя "
            r"ответственность|обвинил)",
            "ATTRIB",
        ),
        (
            r"\b(crash(ed)?|collapsed?|derail|explosion at|fire broke out|крушени|авари|обрушени)",
            "MAN_MADE_DISASTER",
        ),
        (
            r"\b(seized|confiscat|smuggl|traffick|drugs?\b|heroin|opium|изъял|изъят|контрабанд|"
            r"наркотик|героин)",
            "DISR_WEAP ORG_CRIME",
        ),
    )
)
# Any cue at all: one search where most sentences would need one per cue (none, four in five).
ANY_CUE = re.compile("|".join(f"(?:{cue.pattern})" for cue, _ in CUES))
CUE_WEIGHT = 3.0


def cued(text: str, ranked: Sequence[Label]) -> tuple[Label, ...]:
    """The classifier's ranking with the types the sentence names outright made likelier."""
    lowered = text.lower()
    if not ANY_CUE.search(lowered):
        return tuple(ranked)
    named = frozenset().union(*(types for cue, types in CUES if cue.search(lowered)))
    if not named or not ranked:
        return tuple(ranked)
    weighted = [
        (label.label, label.score * (CUE_WEIGHT if label.label in named else 1.0))
        for label in ranked
    ]
    total = sum(score for _, score in weighted) + max(
        0.0, 1.0 - sum(label.score for label in ranked)
    )
    return tuple(
        Label(name, round(score / total, 4))
        for name, score in sorted(weighted, key=lambda t: -t[1])
    )
