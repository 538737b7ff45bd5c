"""Generate a deterministic synthetic corpus of essays, written as the importer's text files.

Word statistics come from `wordfreq` (Zipfian sampling by `word_frequency` over the 20,000
most common words), sprinkled with the archive's domain vocabulary so that benchmark queries
have realistic hits; about 5% of the essays are in Russian. Essay `i` depends only on the seed
and `i`, so any N is generated as a stream and the first 10,000 essays of a 100,000 corpus are
the 10,000 corpus.
"""

from __future__ import annotations

import datetime
import functools
import json
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import accumulate
from pathlib import Path

import wordfreq

GENERATOR_VERSION = 2
DEFAULT_SEED = 20240601
SHARD_SIZE = 1000

DOMAIN_EN = [
    "arms control",
    "nuclear deterrence",
    "missile defense",
    "U.S.-Russia relations",
    "the post-Soviet space",
    "New START",
    "SM3-IIB interceptors",
    "strategic stability",
    "the “reset”",
    "Russia’s foreign policy",
    "the U.S. Senate",
    "mutually assured destruction",
    "NATO enlargement",
    "ballistic missile defense",
    "nuclear non-proliferation",
    "negotiations",
    "negotiating",
    "negotiated",
    "deterrence",
    "deter",
    "the Kremlin",
    "Washington’s allies",
    "tactical nuclear weapons",
    "the INF Treaty",
    "verification measures",
    "confidence-building measures",
    "energy security",
    "sanctions",
    "the Arctic",
    "Central Asia",
    "hypersonic weapons",
    "cyber security",
    "European security",
    "post-Soviet states",
    "strategic offensive arms",
    "the Iranian nuclear program",
]

DOMAIN_RU = [
    "контроль над вооружениями",
    "ядерное сдерживание",
    "ядерного сдерживания",
    "сдерживание",
    "сдерживания",
    "противоракетная оборона",
    "противоракетной обороны",
    "стратегическая стабильность",
    "стратегической стабильности",
    "договор СНВ-3",
    "российско-американские отношения",
    "российско-американских отношений",
    "постсоветское пространство",
    "переговоры",
    "переговоров",
    "нераспространение",
    "расширение НАТО",
    "энергетическая безопасность",
]

TITLE_PHRASES_EN = [
    "Arms Control",
    "Nuclear Deterrence",
    "Missile Defense",
    "U.S.-Russia Relations",
    "the Post-Soviet Space",
    "New START",
    "Strategic Stability",
    "the “Reset”",
    "European Security",
    "NATO Enlargement",
    "Non-Proliferation",
    "Energy Security",
    "Sanctions",
    "the Arctic",
    "Cyber Security",
]

TITLE_PHRASES_RU = [
    "контроль над вооружениями",
    "ядерное сдерживание",
    "стратегическая стабильность",
    "противоракетная оборона",
    "постсоветское пространство",
    "российско-американские отношения",
]

SOURCES = [
    "Valdai Discussion Club",
    "Foreign Policy",
    "Atlantic Council",
    "Russian International Affairs Council",
    "Carnegie Endowment for International Peace",
    "Brookings Institution",
    "Council on Foreign Relations",
    "Chatham House",
    "International Institute for Strategic Studies",
    "RAND Corporation",
    "Center for Strategic and International Studies",
    "Arms Control Association",
    "Bulletin of the Atomic Scientists",
    "War on the Rocks",
    "The National Interest",
    "Russia in Global Affairs",
    "Foreign Affairs",
    "European Leadership Network",
    "PIR Center",
    "Stockholm International Peace Research Institute",
    "Wilson Center",
    "Hoover Institution",
    "Stimson Center",
    "Nuclear Threat Initiative",
    "Survival",
    "The Diplomat",
    "Lawfare",
    "Kommersant",
    "Nezavisimaya Gazeta",
    "Project Syndicate",
]

TOPICS = [
    "Arms Control",
    "Nuclear Deterrence",
    "Missile Defense",
    "U.S.-Russia Relations",
    "Post-Soviet Space",
    "European Security",
    "NATO",
    "Energy",
    "Sanctions",
    "Cyber Security",
    "Arctic",
    "Middle East",
    "Iran",
    "China",
    "Central Asia",
    "Ukraine",
    "Economy",
    "Diplomacy",
    "Non-Proliferation",
    "Terrorism",
    "Space",
    "Conventional Forces",
    "Military Doctrine",
    "Domestic Politics",
    "Elections",
    "International Law",
    "Human Rights",
    "Trade",
    "Climate",
    "Technology",
    "Intelligence",
    "Balkans",
    "Caucasus",
    "Baltic States",
    "Asia-Pacific",
    "Korea",
    "India",
    "Turkey",
    "Africa",
    "Latin America",
]

GIVEN_NAMES = (
    "Ellen Igor Sergey Anna Michael Olga Thomas Dmitri Sarah Alexei Rose Andrei Linda Pavel "
    "James Natalia Robert Elena William Ivan Susan Mikhail Richard Tatiana David Yuri Karen "
    "Nikolai Steven Irina Paul Vladimir Laura Boris Mark Svetlana George Oksana Daniel Fyodor "
    "Rebecca Alexander Catherine Viktor Jonathan Marina Samuel Galina Peter Ekaterina Frank "
    "Ludmila Henry Konstantin Joan Arkady Brian Vera Kenneth Lev Nancy Grigory Charles Sofia "
    "Edward Ruslan Deborah Anatoly Gregory Yekaterina Walter Maxim Heather Oleg"
).split()
FAMILY_NAMES = (
    "Tauscher Ivanov Karaganov Gottemoeller Arbatov Pifer Trenin Kortunov Rojansky Lukyanov "
    "Miller Kuchins Graham Baev Sokov Ryabkov Pomper Kimball Lewis Acton Podvig Kristensen "
    "Woolf Bunn Mizin Dvorkin Esin Oznobishchev Weiss Goldgeier McFaul Legvold Stent Tsygankov "
    "Hill Zagorski Kofman Sushentsov Timofeev Bordachev Suslov Kramer Sestanovich Rumer Charap "
    "Colton Kupchan Kroenig Narang Talmadge Vaddi Arnold Schneider Perkovich Ford Payne Roberts "
    "Brooks Thielmann Collina Reif Davenport Mount Pavlov Koldunov Petrov Smirnov Kuznetsov "
    "Popov Volkov Sokolov Lebedev Kozlov Novikov Morozov Orlov Zaitsev Fedorov Baker Clarke "
    "Harris Nelson Carter Mitchell Turner Parker Evans Edwards Collins Stewart Morris Murphy"
).split()
N_AUTHORS = 3000


@dataclass
class GeneratedEssay:
    """One synthetic essay with the metadata a sidecar carries."""

    number: int
    title: str
    paragraphs: list[str]
    language: str
    authors: list[str]
    source: str
    date: datetime.date
    date_precision: str
    topics: list[str] = field(default_factory=list)

    @property
    def title_in_sidecar(self) -> bool:
        return self.number % 4 == 3

    @property
    def stem(self) -> str:
        return f"essay-{self.number:06d}"

    @property
    def relative_dir(self) -> str:
        return f"{self.number // SHARD_SIZE:03d}"


class _Vocabulary:
    """Words of one language with cumulative frequency weights for Zipfian sampling."""

    def __init__(self, lang: str, size: int) -> None:
        words = [w for w in wordfreq.top_n_list(lang, size) if w.isalpha()]
        self.words = words
        self.cum_weights = list(accumulate(wordfreq.word_frequency(w, lang) for w in words))
        # Title words: mid-frequency content words, not "the" or "of".
        self.title_words = [w for w in words[150:4000] if len(w) > 3]

    def sample(self, rng: random.Random, k: int) -> list[str]:
        return rng.choices(self.words, cum_weights=self.cum_weights, k=k)


@functools.cache
def _vocabulary(lang: str) -> _Vocabulary:
    return _Vocabulary(lang, 20000)


@functools.cache
def author_pool(seed: int = DEFAULT_SEED) -> list[str]:
    """Return the few thousand author names, most prolific first (Zipfian use)."""
    rng = random.Random(f"authors-{seed}")
    names = [f"{g} {f}" for g in GIVEN_NAMES for f in FAMILY_NAMES]
    rng.shuffle(names)
    return names[:N_AUTHORS]


@functools.cache
def _author_cum_weights() -> list[float]:
    return list(accumulate(1 / (rank + 1) ** 0.8 for rank in range(N_AUTHORS)))


@functools.cache
def _source_cum_weights() -> list[float]:
    return list(accumulate(1 / (rank + 1) ** 0.7 for rank in range(len(SOURCES))))


def _sentences(
    rng: random.Random, vocab: _Vocabulary, domain: list[str], n_words: int
) -> list[str]:
    """Return sentences totalling about `n_words` words, some carrying a domain phrase."""
    words = vocab.sample(rng, n_words)
    themes = rng.sample(domain, 2)
    sentences, i = [], 0
    while i < len(words):
        length = rng.randint(8, 26)
        chunk = words[i : i + length]
        i += length
        if rng.random() < 0.4:
            phrase = rng.choice(themes) if rng.random() < 0.6 else rng.choice(domain)
            chunk.insert(rng.randrange(len(chunk) + 1), phrase)
        if len(chunk) > 10 and rng.random() < 0.3:
            chunk[rng.randrange(3, len(chunk) - 2)] += ","
        sentence = " ".join(chunk)
        sentences.append(sentence[:1].upper() + sentence[1:] + ".")
    return sentences


def _title(rng: random.Random, vocab: _Vocabulary, language: str) -> str:
    words = rng.sample(vocab.title_words, 4)
    if language == "ru":
        phrase = rng.choice(TITLE_PHRASES_RU)
        text = f"{words[0]} {words[1]} и {phrase}"
        return text[:1].upper() + text[1:]
    phrase = rng.choice(TITLE_PHRASES_EN)
    w = [x.capitalize() for x in words]
    pattern = rng.randrange(5)
    if pattern == 0:
        return f"{w[0]} {w[1]} and the Future of {phrase}"
    if pattern == 1:
        return f"Why {phrase} Still {w[0]}"
    if pattern == 2:
        return f"{phrase}: {w[0]} {w[1]} {w[2]}"
    if pattern == 3:
        return f"The {w[0]} of {phrase}"
    return f"{w[0]} {w[1]} {w[2]} {w[3]}"


def _date(rng: random.Random) -> tuple[datetime.date, str]:
    day = datetime.date(2005, 1, 1) + datetime.timedelta(days=rng.randrange(20 * 365))
    roll = rng.random()
    if roll < 0.65:
        return day, "day"
    if roll < 0.85:
        return day.replace(day=1), "month"
    if roll < 0.95:
        return day.replace(month=1, day=1), "year"
    return day.replace(month=1, day=1), "circa"


def make_essay(number: int, seed: int = DEFAULT_SEED) -> GeneratedEssay:
    """Return essay `number` of the corpus for `seed` (independent of every other essay)."""
    rng = random.Random(f"{seed}-{number}")
    language = "ru" if rng.random() < 0.05 else "en"
    vocab = _vocabulary(language)
    domain = DOMAIN_RU if language == "ru" else DOMAIN_EN
    n_words = rng.randint(600, 1500)
    n_paragraphs = rng.randint(8, 20)
    sentences = _sentences(rng, vocab, domain, n_words)
    n_paragraphs = min(n_paragraphs, len(sentences))
    cuts = sorted(rng.sample(range(1, len(sentences)), n_paragraphs - 1))
    paragraphs = [
        " ".join(sentences[a:b]) for a, b in zip([0, *cuts], [*cuts, len(sentences)], strict=True)
    ]
    pool = author_pool(seed)
    n_authors = rng.choices([1, 2, 3], weights=[70, 22, 8])[0]
    authors = list(dict.fromkeys(rng.choices(pool, cum_weights=_author_cum_weights(), k=n_authors)))
    date, precision = _date(rng)
    return GeneratedEssay(
        number=number,
        title=_title(rng, vocab, language),
        paragraphs=paragraphs,
        language=language,
        authors=authors,
        source=rng.choices(SOURCES, cum_weights=_source_cum_weights())[0],
        date=date,
        date_precision=precision,
        topics=sorted(set(rng.sample(TOPICS[:12], 1) + rng.sample(TOPICS, rng.randint(0, 2)))),
    )


def iter_essays(n: int, seed: int = DEFAULT_SEED) -> Iterator[GeneratedEssay]:
    """Yield the corpus's first `n` essays one at a time (nothing is kept in memory)."""
    for number in range(n):
        yield make_essay(number, seed)


def essay_text(essay: GeneratedEssay) -> str:
    """Return the plain-text file in one of the seeds' two shapes.

    Most essays look like seed 000 (title on the first line, paragraphs separated by blank
    lines); every fourth looks like seed 004 (no title line, one paragraph per line).
    """
    if essay.title_in_sidecar:
        return "\n".join(essay.paragraphs) + "\n"
    return essay.title + "\n\n" + "\n\n".join(essay.paragraphs) + "\n"


def _iso(essay: GeneratedEssay) -> str:
    if essay.date_precision == "day":
        return essay.date.isoformat()
    if essay.date_precision == "month":
        return f"{essay.date:%Y-%m}"
    return f"{essay.date.year:04d}"


def essay_sidecar(essay: GeneratedEssay) -> dict:
    """Return the sidecar metadata the text itself lacks, in the seeds' sidecar format."""
    sidecar: dict = {"title": essay.title} if essay.title_in_sidecar else {}
    sidecar.update(
        {
            "authors": [{"name": name} for name in essay.authors],
            "source": essay.source,
            "date": _iso(essay),
            "date_precision": essay.date_precision,
            "language": essay.language,
            "topics": essay.topics,
            "status": "published",
        }
    )
    return sidecar


def write_corpus(n: int, dest: Path, seed: int = DEFAULT_SEED) -> Path:
    """Write `n` essays as .txt + .json files in shards of 1,000 under `dest`; reuse a done one."""
    marker = dest / "corpus.json"
    stamp = {"n": n, "seed": seed, "version": GENERATOR_VERSION}
    if marker.exists() and json.loads(marker.read_text()) == stamp:
        return dest
    for essay in iter_essays(n, seed):
        folder = dest / essay.relative_dir
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{essay.stem}.txt").write_text(essay_text(essay), encoding="utf-8")
        sidecar = json.dumps(essay_sidecar(essay), ensure_ascii=False, indent=1)
        (folder / f"{essay.stem}.json").write_text(sidecar + "\n", encoding="utf-8")
    marker.write_text(json.dumps(stamp))
    return dest
