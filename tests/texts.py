"""Paragraphs of the kinds the archive holds, in English and Russian, to compose test essays from.

Written for the tests (not generated): policy prose with the shapes that stress the analyzer and
the index: compounds ("U.S.-Russia", "post-Soviet", "SM-3 IIB"), possessives, numbers and
dates, curly quotes, British and American spellings, Cyrillic with ё, and names in both scripts.
"""

from __future__ import annotations

import random

ENGLISH = [
    "Arms control negotiations between Washington and Moscow resumed in Geneva after a pause of "
    "almost two years; both delegations described the talks as “businesslike”.",
    "The U.S.-Russia reset produced New START, which entered into force on 5 February 2011 and "
    "capped each side at 1,550 deployed strategic warheads.",
    "Missile defence in Europe remains the sticking point: Moscow's objections to the SM-3 IIB "
    "interceptor were never answered in writing.",
    "A post-Soviet generation of diplomats has little memory of the 1987 INF Treaty, and even "
    "less patience for the verification regime it created.",
    "Sanctions on the energy sector hit Gazprom's export programme harder than its domestic "
    "business, while Rosneft's Arctic projects stalled for want of Western drilling technology.",
    "The Kremlin's defense budget grew by a fifth in real terms between 2011 and 2013, most of it "
    "spent on the modernization of the strategic forces.",
    "Confidence-building measures in cyberspace, first proposed at the OSCE in 2012, still lack "
    "an agreed definition of what counts as an attack on critical infrastructure.",
    "NATO's eastern members ask for a permanent presence; Germany and France prefer rotation, "
    "and Turkey's position depends on the week.",
    "Former Secretary of State Madeleine Albright and Igor Ivanov co-chaired the dialogue, which "
    "met four times in Washington, Moscow and Helsinki.",
    "China's growing arsenal changes the arithmetic of any bilateral treaty: a third party that "
    "is not bound by the limits makes parity harder to define.",
    "Non-proliferation in the Middle East depends on Iran's enrichment programme, on Israel's "
    "undeclared arsenal, and on whether Saudi Arabia seeks a hedge of its own.",
    "The Arctic Council's working groups kept meeting through the crisis; search-and-rescue "
    "cooperation between Norway and Russia never stopped.",
]

RUSSIAN = [
    "Переговоры о контроле над вооружениями возобновились в Женеве после почти двухлетнего "
    "перерыва; обе делегации назвали их «деловыми».",
    "Договор СНВ-3 вступил в силу 5 февраля 2011 года и ограничил развёрнутые стратегические "
    "боезаряды сторон уровнем в 1550 единиц.",
    "Противоракетная оборона в Европе остаётся главным камнем преткновения: возражения Москвы "
    "против перехватчика SM-3 IIB так и не получили письменного ответа.",
    "Стратегическая стабильность невозможна без учёта ядерного потенциала Китая и "
    "высокоточного неядерного оружия.",
    "Санкции против энергетического сектора ударили по экспортной программе «Газпрома» сильнее, "
    "чем по его внутреннему бизнесу.",
    "Игорь Иванов и Сергей Лавров неоднократно подчёркивали, что политика сдерживания не "
    "заменяет диалога о мерах доверия.",
    "Арктический совет продолжал работу и во время кризиса; сотрудничество Норвегии и России в "
    "области поиска и спасения не прекращалось.",
    "Ёмкость рынка сжиженного газа в Азии растёт быстрее, чем ожидали эксперты Валдайского "
    "клуба ещё пять лет назад.",
]

TITLES_EN = [
    "No Pause for the Reset",
    "Missile Defence and Its Discontents",
    "After New START: What Comes Next",
    "The Arctic Is Still Cooperative",
    "Sanctions, Energy and the Limits of Pressure",
    "Why Confidence-Building in Cyberspace Fails",
]

TITLES_RU = [
    "Перезагрузка без паузы",
    "Стратегическая стабильность после СНВ-3",
    "Арктика остаётся зоной сотрудничества",
    "Санкции и энергетика",
]

AUTHORS = ["Ellen Tauscher", "Igor Ivanov", "Игорь Иванов", "Sergey Karaganov", "Jane Doe",
           "Тимофей Бордачёв", "Samuel Charap", "Fyodor Lukyanov"]  # fmt: skip
TOPICS = ["arms control", "sanctions", "Arctic", "energy", "cyber", "missile defense"]


def essay_texts(seed: int, count: int) -> list[dict]:
    """Return `count` essays as dicts (title, paragraphs, authors, topics, language), reproducible
    from `seed`: mostly English, a quarter Russian, some mixing both scripts."""
    rng = random.Random(seed)
    essays = []
    for n in range(count):
        russian = rng.random() < 0.25
        pool = RUSSIAN if russian else ENGLISH
        paragraphs = rng.sample(pool, rng.randint(1, min(5, len(pool))))
        if rng.random() < 0.2:  # a quotation in the other script
            paragraphs.append(rng.choice(ENGLISH if russian else RUSSIAN))
        title = rng.choice(TITLES_RU if russian else TITLES_EN)
        essays.append(
            {
                "title": f"{title} ({n})",
                "paragraphs": paragraphs,
                "authors": rng.sample(AUTHORS, rng.randint(0, 3)),
                "topics": rng.sample(TOPICS, rng.randint(0, 2)),
                "language": "ru" if russian else "en",
            }
        )
    return essays
