"""The shapes of plain text, one rule at a time: titles, paragraphs, bylines, dates, notes."""

from __future__ import annotations

import datetime

import pytest

from archive.importing import ImportFailure, Publisher, parse_essay_bytes
from archive.importing.biographies import read_biography
from archive.importing.dates import find_date, parse_date_line
from archive.importing.names import name_key, parse_byline

BODY = [
    "Arms control talks between Washington and Moscow resumed after a long pause this spring.",
    "Both sides discussed missile defense cooperation and the future of strategic stability.",
    "Nothing was agreed, but the negotiators promised to meet again before the summit.",
]
RU_BODY = [
    "Переговоры о контроле над вооружениями возобновились весной после долгого перерыва.",
    "Стороны обсудили сотрудничество в области противоракетной обороны и стабильность.",
    "Договориться не удалось, но переговорщики обещали встретиться снова до саммита.",
]


def parse(text: str, sidecar: dict | None = None, **options):
    return parse_essay_bytes("essay.txt", text.encode(), sidecar, **options)


# --- titles and paragraphs ----------------------------------------------------------------


def test_title_runs_straight_into_the_first_paragraph():
    essay = parse("Talks Resume\n" + "\n".join(BODY))
    assert (essay.title, essay.paragraphs, essay.found["title"]) == (
        "Talks Resume",
        BODY,
        "title line",
    )


@pytest.mark.parametrize(
    "first_line",
    [
        "Arms control talks between Washington and Moscow resumed",  # wrapped: continues below
        "Arms control talks resumed.",  # a sentence
        "Arms control talks resumed, and",
    ],
)
def test_a_first_line_that_is_part_of_a_paragraph_is_not_a_title(first_line):
    with pytest.raises(ImportFailure, match="no title"):
        parse(first_line + "\nafter a long pause this spring.\n\n" + BODY[1])


def test_single_newline_paragraphs_stay_apart_even_when_short():
    short = ["Talks resumed.", "Nothing was agreed.", "They will meet again."]
    assert parse("Talks\n\n" + "\n".join(short)).paragraphs == short


def test_hard_wrapped_paragraphs_are_joined_and_a_short_heading_line_stays_apart():
    text = (
        "Talks\n\nThe record of the past five years suggests a different lesson: sanctions\n"
        "work when they are part of a negotiation, and they fail when they\nreplace one.\n\n"
        "What next\nThe measures imposed since 2014 have cost the economy dearly, but\n"
        "they have not changed policy.\n"
    )
    assert parse(text).paragraphs == [
        "The record of the past five years suggests a different lesson: sanctions work when "
        "they are part of a negotiation, and they fail when they replace one.",
        "What next",
        "The measures imposed since 2014 have cost the economy dearly, but they have not "
        "changed policy.",
    ]


@pytest.mark.parametrize(
    ("encoding", "newline", "label"),
    [
        ("utf-8", "\n", "UTF-8"),
        ("utf-8-sig", "\r\n", "UTF-8 with byte-order mark"),
        ("utf-8", "\r", "UTF-8"),
        ("utf-16", "\r\n", "UTF-16 with byte-order mark"),
        ("cp1251", "\r\n", "Windows-1251"),
        ("koi8_r", "\n", "KOI8-R"),
    ],
)
def test_every_encoding_and_line_ending_reads_the_same(encoding, newline, label):
    text = "Переговоры возобновились\n\nАвтор: Иван Петров\n\n17.06.2013\n\n" + "\n\n".join(RU_BODY)
    essay = parse_essay_bytes("ru.txt", text.replace("\n", newline).encode(encoding), None)
    assert essay.encoding == label
    assert (essay.title, essay.paragraphs) == ("Переговоры возобновились", RU_BODY)
    assert [a.name for a in essay.authors] == ["Иван Петров"]
    assert essay.published_on == datetime.date(2013, 6, 17)


def test_no_break_spaces_and_soft_hyphens_do_not_hide_words_or_dates():
    text = "Talks\n\nJune\u00a017,\u00a02013\n\nThe ne\u00adgo\u00adti\u00adators met again.\n"
    essay = parse(text)
    assert essay.published_on == datetime.date(2013, 6, 17)
    assert essay.paragraphs == ["The negotiators met again."]


# --- bylines and dates -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "names"),
    [
        ("By Jane Doe and John Roe", ["Jane Doe", "John Roe"]),
        ("By Jane Doe, John Roe, and Ann Smith", ["Jane Doe", "John Roe", "Ann Smith"]),
        ("Jane Doe, John Roe", ["Jane Doe", "John Roe"]),
        ("Jane Doe and Michael O'Hanlon", ["Jane Doe", "Michael O'Hanlon"]),
        ("Автор: Иван Иванов", ["Иван Иванов"]),
        ("Авторы: Ирина Соколова, Андрей Белов", ["Ирина Соколова", "Андрей Белов"]),
        ("Иван Иванов и Пётр Петров", ["Иван Иванов", "Пётр Петров"]),
        ("By Dr. Helen Marsh", ["Helen Marsh"]),
        ("Андрей Белов, директор Центра энергетической политики", ["Андрей Белов"]),
    ],
)
def test_bylines_name_the_authors_in_order(line, names):
    essay = parse(f"Talks\n\n{line}\n\n" + "\n\n".join(BODY))
    assert [a.name for a in essay.authors] == names
    assert {a.found_in for a in essay.authors} == {"byline"}
    assert essay.paragraphs == BODY


@pytest.mark.parametrize(
    "line", ["Nuclear Deterrence in Europe", "New START Treaty", "The Limits of Deterrence"]
)
def test_capitalised_phrases_are_not_bylines(line):
    assert parse_byline(line) is None


def test_byline_and_date_on_one_line():
    essay = parse("Talks\n\nBy Jane Doe | March 12, 2019\n\n" + "\n\n".join(BODY))
    assert [a.name for a in essay.authors] == ["Jane Doe"]
    assert (essay.published_on, essay.date_precision) == (datetime.date(2019, 3, 12), "day")


@pytest.mark.parametrize(
    ("printed", "day", "precision"),
    [
        ("June 17, 2013", datetime.date(2013, 6, 17), "day"),
        ("17 June 2013", datetime.date(2013, 6, 17), "day"),
        ("17.06.2013", datetime.date(2013, 6, 17), "day"),
        ("2013-06-17", datetime.date(2013, 6, 17), "day"),
        ("17 июня 2013 г.", datetime.date(2013, 6, 17), "day"),
        ("17 июня 2013 года", datetime.date(2013, 6, 17), "day"),
        ("Monday, June 17, 2013", datetime.date(2013, 6, 17), "day"),
        ("Published 17 June 2013", datetime.date(2013, 6, 17), "day"),
        ("Опубликовано 17.06.2013", datetime.date(2013, 6, 17), "day"),
        ("Sept. 14, 2016", datetime.date(2016, 9, 14), "day"),
        ("июнь 2013", datetime.date(2013, 6, 1), "month"),
        ("Июнь 2013 г.", datetime.date(2013, 6, 1), "month"),
        ("June 2013", datetime.date(2013, 6, 1), "month"),
        ("Москва, июнь 2013 г.", datetime.date(2013, 6, 1), "month"),
    ],
)
def test_printed_dates_and_their_precision(printed, day, precision):
    found = parse_date_line(printed)
    assert (found.date, str(found.precision)) == (day, precision)


@pytest.mark.parametrize(
    "line", ["March", "2013", "Spring 2013", "31.02.2013", "May 2013 was hard", "17.06.2313"]
)
def test_lines_that_are_not_dates(line):
    assert parse_date_line(line) is None


def test_a_date_at_the_end_and_one_inside_a_note():
    essay = parse(
        "Talks\n\n"
        + "\n\n".join(RU_BODY)
        + "\n\nВпервые опубликовано в газете «Ведомости» 17 июня 2013 г.\n\nИюнь 2013 г.\n"
    )
    assert (essay.published_on, essay.date_precision) == (datetime.date(2013, 6, 1), "month")
    original = essay.original_publication
    assert (original.name, original.date) == ("Ведомости", datetime.date(2013, 6, 17))
    assert find_date("as reported on 5 March 2014, the talks").date == datetime.date(2014, 3, 5)


# --- notes after the essay ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("closing", "names"),
    [
        (["Jane Doe is a senior fellow at the Brookings Institution."], ["Jane Doe"]),
        (
            ["Jane Doe, a senior fellow at Brookings, is the author of Russia's Last Empire."],
            ["Jane Doe"],
        ),
        (["Jane Doe and John Roe are fellows at the Wilson Center."], ["Jane Doe", "John Roe"]),
        (
            ["Jane Doe is a fellow at Chatham House. John Roe is a professor at King's College."],
            ["Jane Doe", "John Roe"],
        ),
        (
            ["Jane Doe is a fellow at Chatham House.", "John Roe is a professor at LSE."],
            ["Jane Doe", "John Roe"],
        ),
        (["About the authors", "Jane Doe is a fellow at Chatham House."], ["Jane Doe"]),
        (["About the author: Dr Jane Doe is a fellow at Chatham House."], ["Jane Doe"]),
        (["Иван Иванов — ведущий научный сотрудник ИМЭМО РАН."], ["Иван Иванов"]),
        (["Иван Иванов - доцент МГИМО."], ["Иван Иванов"]),
        (["Об авторе: Иван Иванов — профессор НИУ ВШЭ."], ["Иван Иванов"]),
        (
            ["Об авторах", "Иван Иванов и Пётр Петров — эксперты РСМД."],
            ["Иван Иванов", "Пётр Петров"],
        ),
    ],
)
def test_closing_biographies_name_the_authors_and_leave_the_body(closing, names):
    essay = parse("Talks\n\n" + "\n\n".join(BODY + closing))
    assert [a.name for a in essay.authors] == names
    assert {a.found_in for a in essay.authors} == {"biography"}
    assert essay.paragraphs == BODY
    assert essay.author_notes.endswith(closing[-1].split(": ", 1)[-1])  # a heading is not kept


@pytest.mark.parametrize(
    "last",
    [
        "Vladimir Putin is unlikely to change course before the elections.",
        "Nuclear deterrence is the problem.",
        "The United States and Russia are the two largest nuclear powers.",
    ],
)
def test_a_last_paragraph_about_someone_else_stays_in_the_body(last):
    essay = parse("Talks\n\n" + "\n\n".join([*BODY, last]))
    assert essay.paragraphs[-1] == last and essay.authors == [] and essay.author_notes == ""


def test_a_bylines_author_is_described_as_the_author():
    essay = parse(
        "Talks\n\nИван Петров\n\n" + "\n\n".join(RU_BODY) + "\n\nАвтор — профессор МГИМО.\n"
    )
    assert essay.author_notes == "Автор — профессор МГИМО."
    assert read_biography("The author is a fellow at Chatham House.", ["Jane Doe"]) is not None
    assert read_biography("The author is a fellow at Chatham House.", []) is None


@pytest.mark.parametrize(
    ("note", "name"),
    [
        ("This piece was first published on Foreign Policy.", "Foreign Policy"),
        ("First published in The Moscow Times on 17 June 2013.", "The Moscow Times"),
        (
            "Впервые опубликовано в журнале «Россия в глобальной политике».",
            "Россия в глобальной политике",
        ),
        ("Статья впервые опубликована на сайте РСМД.", "РСМД"),
    ],
)
def test_first_published_notes(note, name):
    essay = parse("Talks\n\n" + "\n\n".join(BODY) + "\n\n" + note)
    assert (essay.original_note, essay.original_publication.name) == (note, name)
    assert essay.paragraphs == BODY


@pytest.mark.parametrize(
    "disclaimer",
    [
        "The views expressed in this article are the author's own.",
        "Opinions expressed are those of the author and not of the editors.",
        "Мнение редакции может не совпадать с мнением автора.",
        "Точка зрения автора может не совпадать с позицией редакции.",
    ],
)
def test_generic_disclaimers_are_kept_apart_without_naming_a_source(disclaimer):
    essay = parse("Talks\n\n" + "\n\n".join(BODY) + "\n\n" + disclaimer)
    assert (essay.disclaimer, essay.source, essay.paragraphs) == (disclaimer, None, BODY)


def test_a_publishers_disclaimer_names_the_source_whatever_its_typography():
    chatham = Publisher(
        "Chatham House",
        "https://www.chathamhouse.org/",
        "The opinions expressed in this publication are the responsibility of the author(s).",
        ("The opinions expressed in this publication are the responsibility of the author(s).",),
    )
    printed = "The  opinions expressed in this publication are the responsibility of the AUTHOR(S)."
    essay = parse("Talks\n\n" + "\n\n".join(BODY) + "\n\n" + printed, publishers=[chatham])
    assert (essay.source.name, essay.disclaimer) == ("Chatham House", " ".join(printed.split()))
    assert essay.found["source"] == "its disclaimer"


def test_one_wording_printed_by_two_sources_names_neither():
    wording = "The views expressed are the author's own."
    publishers = [Publisher(name, "", wording, (wording,)) for name in ("Outlet A", "Outlet B")]
    essay = parse("Talks\n\n" + "\n\n".join(BODY) + "\n\n" + wording, publishers=publishers)
    assert essay.source is None and essay.disclaimer == wording
    assert essay.notes == ["the disclaimer is the wording of several sources (Outlet A, Outlet B)"]


def test_names_in_two_scripts_share_a_key_and_different_people_do_not():
    assert name_key("Фёдор Лукьянов") == name_key("Fyodor Lukyanov") == name_key("Fedor Lukianov")
    assert name_key("Дмитрий Тренин") == name_key("Dmitri Trenin")
    assert name_key("Андрей Белов") != name_key("Andrei Bely")
    assert name_key("Иван Петров") != name_key("Ivan Petrenko")


def test_a_date_printed_above_the_title():
    essay = parse("17.06.2013\nTalks Resume\n\n" + "\n\n".join(BODY))
    assert (essay.title, essay.published_on, essay.paragraphs) == (
        "Talks Resume",
        datetime.date(2013, 6, 17),
        BODY,
    )
