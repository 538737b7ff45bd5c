"""Search quality a researcher notices (issue 14): prefixes as written, British and American
spellings, names in both scripts, the notes after the body, years, and a graceful answer when
no essay has all the words. Through the real search page over a real Whoosh index."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from lxml import html
from wordfreq import top_n_list

from search.indexing import rebuild
from tests.factories import make_author, make_essay, make_source
from tests.search_pages import search, snippets, titles

pytestmark = pytest.mark.django_db

DISCLAIMER = (
    "The views and opinions expressed here are solely those of the author and do not "
    "necessarily reflect the official position of the Valdai Discussion Club."
)


@pytest.fixture
def library(search_index) -> dict:
    """Essays of many shapes: both scripts, both spellings, names romanized several ways,
    biographies, publication histories and a publisher's disclaimer."""
    valdai = make_source("Valdai Discussion Club", disclaimer=DISCLAIMER)
    carnegie = make_source("Carnegie Endowment")
    cyrillic = make_author("Андрей Щербаков")
    shcherbakov = make_author("Andrei Shcherbakov")
    scherbakov = make_author("Andrei Scherbakov")
    yuri = make_author("Юрий Белозёров")
    essays = {
        "talks": make_essay(
            "Talks in Geneva",
            source=carnegie,
            authors=[shcherbakov],
            published_on=datetime.date(2011, 4, 2),
            paragraphs=[
                "Negotiating teams met in Geneva to count the missiles each side deployed.",
                "Sergey Lavrov said the talks would go on.",
            ],
            author_notes="Andrei Shcherbakov is a senior fellow at IMEMO in Moscow.",
        ),
        "ru-talks": make_essay(
            "Переговоры о стратегической стабильности",
            source=valdai,
            authors=[cyrillic],
            language="ru",
            published_on=datetime.date(2019, 5, 1),
            paragraphs=[
                "Политика сдерживания остаётся основой стратегической стабильности.",
                "Министр иностранных дел Сергей Лавров заявил, что переговоры возможны.",
            ],
            disclaimer=DISCLAIMER,
        ),
        "ru-lavrov": make_essay(
            "Министр и его школа",
            source=valdai,
            authors=[yuri],
            language="ru",
            published_on=datetime.date(2020, 2, 1),
            paragraphs=["Коллеги вспоминают, что Лаврову не раз приходилось уступать."],
            disclaimer=DISCLAIMER,
        ),
        "scherbakov": make_essay(
            "Arctic shipping after the sanctions",
            source=carnegie,
            authors=[scherbakov],
            published_on=datetime.date(2021, 8, 1),
            paragraphs=["Icebreakers escort tankers along the Northern Sea Route."],
        ),
        "defence": make_essay(
            "The Defence Programme of the Baltic States",
            source=carnegie,
            published_on=datetime.date(2016, 3, 1),
            paragraphs=[
                "Estonia's defence budget funds a programme of militarisation on the border.",
                "Grey-zone manoeuvres test the alliance's behaviour.",
            ],
        ),
        "defense": make_essay(
            "A Defense Program for Europe",
            source=carnegie,
            published_on=datetime.date(2017, 3, 1),
            paragraphs=["Congress debated the defense program and the militarization of space."],
        ),
        "nuclear-title": make_essay(
            "Nuclear Futures",
            source=carnegie,
            published_on=datetime.date(2018, 1, 1),
            paragraphs=["What the next decade holds for arsenals."],
        ),
        "nuclear-body": make_essay(
            "Arsenals and budgets",
            source=carnegie,
            published_on=datetime.date(2018, 2, 1),
            paragraphs=["Nuclear spending rose again."],
        ),
        "bio-only": make_essay(
            "A quiet treaty",
            source=carnegie,
            published_on=datetime.date(2015, 6, 1),
            paragraphs=["The treaty lapsed without much notice."],
            author_notes="Maria Lopez was a Fulbright scholar at the Scowcroft Center.",
            original_publication="Foreign Affairs",
        ),
    }
    for name in ("Yury", "Iurii", "Yuri"):
        essays[name] = make_essay(
            f"Interview with {name} Belozerov",
            source=carnegie,
            published_on=datetime.date(2014, 1, 1),
            paragraphs=[f"{name} Belozerov spoke about the Arctic Council."],
        )
    essays["republished"] = make_essay(
        "A treaty revisited", source=carnegie, paragraphs=["Treaties need friends."]
    )
    essays["republished"].republications.create(
        publication="Survival", note="Reprinted with a new afterword by the Ditchley Foundation."
    )
    rebuild()
    return essays


# Prefixes as written ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query, expected",
    [
        ("negotiat*", {"Talks in Geneva"}),  # "negotiating" stems to "negoti"
        ("missile*", {"Talks in Geneva"}),  # "missiles" stems to "missil"
        ("сдержива*", {"Переговоры о стратегической стабильности"}),
        ("title:nuc*", {"Nuclear Futures"}),  # not the essay with "nuclear" only in its body
        ("nuc*", {"Nuclear Futures", "Arsenals and budgets"}),
        (
            "militari*",
            {"The Defence Programme of the Baltic States", "A Defense Program for Europe"},
        ),
    ],
)
def test_a_prefix_matches_words_as_written(client, library, query, expected):
    response = search(client, q=query)
    assert set(titles(response)) == expected
    assert "search-prefix-cut" not in response.content.decode()


def test_the_page_says_when_the_bound_cut_a_prefix(client, search_index):
    words = [w for w in top_n_list("en", 30_000) if w.startswith("con") and w.isalpha()][:90]
    for n in range(0, 90, 15):
        make_essay(f"Glossary {n}", paragraphs=[" ".join(words[n : n + 15]) + "."])
    rebuild()
    response = search(client, q="con*")
    page = html.fromstring(response.content)
    notes = page.xpath('//*[contains(@class, "search-prefix-cut")]')
    assert len(notes) == 1 and "con*" in notes[0].text_content()
    assert "64" in notes[0].text_content()
    assert response.context["total"] > 0
    assert not search(client, q="conf*").context["prefixes_cut"]


# British and American spellings --------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    ["defence programme", "defense program", "title:defence", "title:program", "militarisation"],
)
def test_either_spelling_finds_both(client, library, query):
    expected = {"The Defence Programme of the Baltic States", "A Defense Program for Europe"}
    assert set(titles(search(client, q=query))) == expected


def test_variant_spellings_are_marked_in_snippets(client, library):
    response = search(client, q="grey zone maneuvers behavior")
    assert titles(response) == ["The Defence Programme of the Baltic States"]
    snippet = snippets(response)[0]
    for word in ("Grey-zone", "manoeuvres", "behaviour"):
        assert f"<mark>{word}</mark>" in snippet


# Names in both scripts --------------------------------------------------------------------------


@pytest.mark.parametrize("query", ["Shcherbakov", "Scherbakov", "Щербаков", "author:Shcherbakov"])
def test_a_name_is_found_in_either_script_and_romanization(client, library, query):
    found = titles(search(client, q=query))
    assert set(found) == {
        "Talks in Geneva",
        "Arctic shipping after the sanctions",
        "Переговоры о стратегической стабильности",
    }


def test_exact_script_matches_rank_above_transliterated_ones(client, library):
    found = titles(search(client, q="Щербаков"))
    assert found[0] == "Переговоры о стратегической стабильности"
    found = titles(search(client, q="Shcherbakov"))
    assert found.index("Talks in Geneva") < found.index("Переговоры о стратегической стабильности")


@pytest.mark.parametrize("given", ["Yuri", "Yury", "Iurii", "Yuriy", "Юрий"])
def test_every_romanization_of_a_first_name_finds_the_others(client, library, given):
    found = set(titles(search(client, q=f"{given} Belozerov")))
    assert {"Interview with Yury Belozerov", "Interview with Iurii Belozerov"} <= found
    assert "Interview with Yuri Belozerov" in found
    assert "Министр и его школа" in found  # by Юрий Белозёров


def test_a_declined_russian_name_is_found_in_latin_and_marked(client, library):
    response = search(client, q="Lavrov")
    found = titles(response)
    assert set(found) == {
        "Talks in Geneva",
        "Переговоры о стратегической стабильности",
        "Министр и его школа",  # "Лаврову"
    }
    assert found[0] == "Talks in Geneva"
    marked = dict(zip(found, snippets(response), strict=True))
    assert "<mark>Лаврову</mark>" in marked["Министр и его школа"]
    assert "<mark>Lavrov</mark>" in marked["Talks in Geneva"]


def test_a_cyrillic_name_finds_the_latin_spelling(client, library):
    found = titles(search(client, q="Лавров"))
    assert found[0] == "Переговоры о стратегической стабильности"  # "Лавров" as typed
    assert "Talks in Geneva" in found


# Everything a reader sees ---------------------------------------------------------------------


def test_a_word_only_in_a_biography_is_found_with_a_snippet_from_there(client, library):
    response = search(client, q="Scowcroft")
    assert titles(response) == ["A quiet treaty"]
    snippet = snippets(response)[0]
    assert "About the author" in snippet
    assert "<mark>Scowcroft</mark>" in snippet


def test_publication_history_is_searchable(client, library):
    assert titles(search(client, q="Ditchley")) == ["A treaty revisited"]
    assert titles(search(client, q='"Foreign Affairs"')) == ["A quiet treaty"]
    snippet = snippets(search(client, q="Ditchley"))[0]
    assert "Publication history" in snippet and "<mark>Ditchley</mark>" in snippet


def test_the_body_outweighs_the_notes(client, library):
    # IMEMO is in one essay's biography, and (below) another essay's body.
    make_essay("IMEMO at seventy", paragraphs=["IMEMO turned seventy with a conference."])
    rebuild()
    found = titles(search(client, q="IMEMO"))
    assert found == ["IMEMO at seventy", "Talks in Geneva"]


def test_the_publishers_disclaimer_is_not_indexed(client, library):
    for word in ("solely", "necessarily", "opinions"):
        assert search(client, q=word, as_typed="1").context["total"] == 0
    assert search(client, q="Valdai").context["total"] == 2  # the source itself still is


# Years, and queries no essay answers whole -------------------------------------------------------


def test_a_year_typed_as_a_word_finds_the_essays_of_that_year(client, library):
    assert titles(search(client, q="Geneva 2011")) == ["Talks in Geneva"]
    assert titles(search(client, q="treaty 2015")) == ["A quiet treaty"]


def test_no_essay_with_every_word_lists_those_with_most_of_them(client, library):
    response = search(client, q="Geneva Lavrov Zanzibar")
    assert response.context["all_words"] == 0
    assert response.context["some_words"]
    found = titles(response)
    assert found[0] == "Talks in Geneva"  # two of the three words; the others have one
    assert set(found[1:]) == {"Переговоры о стратегической стабильности", "Министр и его школа"}
    count = html.fromstring(response.content).xpath('//*[@class="search-count"]')[0]
    assert count.text_content().startswith("0 essays have all of the words; 3 have some")
    # Operators say what the reader wants: no fallback.
    assert search(client, q="negotiating AND Zanzibar").context["total"] == 0


# Did you mean ---------------------------------------------------------------------------------


@pytest.fixture
def misspelt(search_index) -> None:
    """Essays where a near word is tempting but wrong together with the rest of the query."""
    paragraphs = {
        "Sanctions and schools": ["Secondary schools taught students about sanctions policy."],
        "A second round": ["A second round of sanctions hit the banks."],
        "Weapons conventions": ["The chemical weapons convention bans stockpiles."],
        "Oil": ["Sanctions on oil exports were tightened."],
        "A typo in print": ["The sanctons were lifted in spring."],  # as printed
        "Negotiators": ["Negotiators met twice; the negotiator for Moscow stayed home."],
    }
    for title, text in paragraphs.items():
        make_essay(title, paragraphs=text)
    rebuild()


def test_a_query_is_corrected_as_a_whole_so_its_words_occur_together(client, misspelt):
    # Both words are corrected, and "secondary" and "sanctions" occur together in an essay.
    response = search(client, q="secondry sanctions", as_typed="1")
    assert response.context["spelling"].text == "secondary sanctions"
    assert response.context["spelling"].hits == 1
    response = search(client, q="chemcial weapns", as_typed="1")
    assert response.context["spelling"].text == "chemical weapons"


def test_a_correction_is_never_a_combination_no_essay_has(client, search_index):
    make_essay("Schools", paragraphs=["Secondary schools reopened."])
    make_essay("Banks", paragraphs=["A second round of sanctions hit the banks."])
    rebuild()
    spelling = search(client, q="secondry sanctions", as_typed="1").context["spelling"]
    assert spelling.text == "second sanctions" and spelling.hits == 1


def test_a_suggestion_that_finds_more_is_offered_beside_the_results_as_typed(client, misspelt):
    response = search(client, q="sanctons")
    assert titles(response) == ["A typo in print"]  # the words as typed still find it
    assert response.context["spelling"].text == "sanctions"
    page = html.fromstring(response.content)
    offer = page.xpath('//*[contains(@class, "search-suggestion")]')[0].text_content()
    assert "Did you mean sanctions?" in offer and "It finds 3 essays." in offer


def test_no_suggestion_unless_it_finds_more_essays(client, misspelt):
    # "negotiators" is rare as written, but "negotiator" finds the same essays.
    response = search(client, q="negotiators")
    assert response.context["spelling"].text is None
    assert "search-suggestion" not in response.content.decode()
    # Nothing near enough: no suggestion, and the page says nothing matched.
    response = search(client, q="xylophonic")
    assert response.context["spelling"].text is None and response.context["total"] == 0


def test_the_correction_is_applied_only_when_nothing_has_all_the_words(client, misspelt):
    response = search(client, q="Sanctoins oil")
    assert response.context["spelling"].applied
    assert titles(response) == ["Oil"]
    page = html.fromstring(response.content)
    offer = page.xpath('//*[contains(@class, "search-suggestion")]')[0]
    assert offer.xpath(".//a")[0].text_content() == "Sanctions oil"
    as_typed = offer.xpath('.//a[contains(@class, "search-as-typed")]/@href')[0]
    assert "as_typed=1" in as_typed
    response = client.get(reverse("search:search") + as_typed)
    assert not response.context["spelling"].applied
    assert response.context["some_words"]  # "oil" alone, said so
    assert titles(response) == ["Oil"]


def test_a_british_spelling_is_no_misspelling_where_essays_write_the_american(client, search_index):
    make_essay("Shields", paragraphs=["Missile defense in Europe, and the programs behind it."])
    rebuild()
    assert search(client, q="missile defence programmes").context["spelling"].text is None
    spelling = search(client, q="misile defence", as_typed="1").context["spelling"]
    assert spelling.text == "missile defence" and spelling.hits == 1


def test_snippets_mark_british_spellings_that_begin_otherwise():
    """Snippets analyse only the words that can match (for speed): a British spelling beginning
    with other letters than the American one is still among them."""
    from whoosh import query as wq

    from search.backends.analysis import terms_for
    from search.backends.highlighting import snippet_for

    body = "Winter tyres wore out.\n\nThe foetus and the aesthetic of the anaemia ward."
    for typed, marked in [("tires", "tyres"), ("fetus", "foetus"), ("esthetic", "aesthetic")]:
        parsed = wq.Or([wq.Term("text", t) for t in terms_for(typed, with_parts=True)])
        assert f"<mark>{marked}</mark>" in snippet_for(body, parsed)


def marks_word_by_word(paragraph: str, terms: set[str], words) -> list[tuple[int, int]]:
    """The snippet's marks as they were first written: every word folded and tested alone."""
    from search.backends.analysis import FOLD, is_name_key, terms_for
    from search.backends.variants import openings

    probes = {o for t in terms if t and not is_name_key(t) for o in openings(t.split(".")[0][:2])}
    names = any(is_name_key(t) for t in terms)
    return [
        match.span()
        for match in words.finditer(paragraph)
        if (
            (names and match.group()[0].isupper())
            or any(p in match.group().lower().translate(FOLD) for p in probes)
        )
        and not terms.isdisjoint(terms_for(match.group(), with_parts=True))
    ]


def test_snippet_marks_found_in_one_pass_are_those_of_each_word_tested_alone():
    """Snippets find the words that can match in one pass over the paragraph's words, folded
    together: the marks are those of testing each word alone, in both scripts, with names,
    compounds, quotes, ß, ё, a dotted capital I and combining accents."""
    import random

    from whoosh import query as wq

    from search.backends.analysis import WORD, terms_for
    from search.backends.highlighting import CAPITALIZED, _marks, query_terms
    from tests.texts import ENGLISH, RUSSIAN

    extra = [
        "Straße and Strasse; İstanbul's talks; cafe\u0301 diplomacy, café society, naïve re-entry.",
        "Ёлки и ёжики: Лавров, Lavrov and LAVROV met Ivanov; “arms-control” ’talks’.",
        "U.S.-Russia co-operation, U.S. policy, e.g. the INF, SM-3 IIB and 1,550 warheads.",
    ]
    paragraphs = ENGLISH + RUSSIAN + extra
    rng = random.Random(14)
    compared = marked = 0
    for _ in range(300):
        source = rng.choice(paragraphs)  # words typed from one paragraph, looked for in four
        typed = rng.sample(WORD.findall(source), 2)
        parsed = wq.Or(
            [wq.Term("text", t) for word in typed for t in terms_for(word, with_parts=True)]
        )
        terms = query_terms(parsed)
        for paragraph in [source, *rng.sample(paragraphs, 3)]:
            for words in (WORD, CAPITALIZED):
                expected = marks_word_by_word(paragraph, terms, words)
                assert _marks(paragraph, terms, words) == expected, (paragraph, terms)
                compared += 1
                marked += bool(expected)
    assert marked > compared // 8  # the comparison is not of empty lists only
