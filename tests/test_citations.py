"""Whole citations in every style, as the HTML readers get on the citation page, checked by hand
against the manuals (italics where each manual sets a title or a site in italics)."""

from __future__ import annotations

import datetime
import random

import bleach
import pytest
from citeproc import CitationStylesStyle
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
    """Return {style: (note or in-text citation, bibliography entry)} as the page shows them."""
    csl = citations.essay_to_csl(essay, accessed=ACCESSED, paragraph=paragraph)
    return {
        r.style.key: (r.citation_html, r.bibliography_html)
        for r in citations.render_all(csl, paragraph=paragraph)
    }


@pytest.fixture
def people():
    return [make_author(n) for n in ("Ellen Tauscher", "Igor Ivanov", "Ann Smith", "Bob Jones")]


def test_two_authors_month_date_every_style(people):
    source = make_source("Valdai Discussion Club")
    title = "MAD About You: It’s Time to Turn Mutually Assured Destruction Into Mutually Assured Stability"  # noqa: E501
    essay = make_essay(
        title, authors=people[:2], source=source, published_on=datetime.date(2013, 6, 1),
        date_precision=DatePrecision.MONTH,
    )  # fmt: skip
    url = f"{SITE}/essays/{essay.pk}/"
    assert rendered(essay) == {
        # CMOS 18 14.104 (web page): full names, comma/period inside the quotes (6.9)
        "chicago-notes-bibliography": (
            f"Ellen Tauscher and Igor Ivanov, “{title},” Valdai Discussion Club, June 2013, {url}.",
            f"Tauscher, Ellen, and Igor Ivanov. “{title}.” Valdai Discussion Club, June 2013. {url}.",  # noqa: E501
        ),
        "chicago-author-date": (
            "(Tauscher and Ivanov 2013)",
            f"Tauscher, Ellen, and Igor Ivanov. 2013. “{title}.” Valdai Discussion Club, June. {url}.",  # noqa: E501
        ),
        # APA 7 10.16: initials, ampersand, (Year, Month), the page's title in italics
        "apa": (
            "(Tauscher &amp; Ivanov, 2013)",
            f"Tauscher, E., &amp; Ivanov, I. (2013, June). <i>{title}</i>. Valdai Discussion Club. {url}",  # noqa: E501
        ),
        # MLA 9: in-text names only; the website is the container, in italics
        "modern-language-association": (
            "(Tauscher and Ivanov)",
            f"Tauscher, Ellen, and Igor Ivanov. “{title}.” <i>Valdai Discussion Club</i>, June 2013, {url}.",  # noqa: E501
        ),
        # Cite Them Right: British usage, title and site in italics, (Accessed: 3 May 2024)
        "harvard-cite-them-right": (
            "(Tauscher and Ivanov, 2013)",
            f"Tauscher, E. and Ivanov, I. (2013) <i>{title}</i>, <i>Valdai Discussion Club</i>. "
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
    assert r1["apa"][1] == (
        f"Tauscher, E. (2013, June 17). <i>One Voice</i>. Valdai Discussion Club. {u1}"
    )
    assert r1["modern-language-association"][1] == (
        f"Tauscher, Ellen. “One Voice.” <i>Valdai Discussion Club</i>, 17 June 2013, {u1}."
    )
    # CMOS 18: three or more authors -> "et al." in notes, all names in the bibliography
    assert r3["chicago-notes-bibliography"] == (
        f"Ellen Tauscher et al., “Three Voices,” Valdai Discussion Club, 2013, {u3}.",
        f"Tauscher, Ellen, Igor Ivanov, and Ann Smith. “Three Voices.” Valdai Discussion Club, 2013. {u3}.",  # noqa: E501
    )
    assert r3["apa"] == (
        "(Tauscher et al., 2013)",
        f"Tauscher, E., Ivanov, I., &amp; Smith, A. (2013). <i>Three Voices</i>. "
        f"Valdai Discussion Club. {u3}",
    )
    assert r3["harvard-cite-them-right"][0] == "(Tauscher, Ivanov and Smith, 2013)"
    assert r4["modern-language-association"] == (
        "(Tauscher et al.)",
        f"Tauscher, Ellen, et al. “Four Voices.” <i>Valdai Discussion Club</i>, 17 June 2013, {u4}.",  # noqa: E501
    )
    assert r4["apa"][1] == (
        f"Tauscher, E., Ivanov, I., Smith, A., &amp; Jones, B. (2013, June 17). <i>Four Voices</i>. "  # noqa: E501
        f"Valdai Discussion Club. {u4}"
    )
    # Cite Them Right sets "et al." in italics
    assert r4["harvard-cite-them-right"][0] == "(Tauscher <i>et al.</i>, 2013)"


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
    # APA 7 8.14: a title in the author's place, in italics in the citation too
    assert r["apa"] == (
        "(<i>No Pause for the “Reset”</i>, ca. 2011)",
        f"<i>No Pause for the “Reset”</i>. (ca. 2011). Valdai Discussion Club. {url}",
    )
    assert r["modern-language-association"] == (
        "(“No Pause for the ‘Reset’”)",
        f"“No Pause for the ‘Reset.’” <i>Valdai Discussion Club</i>, Circa 2011, {url}.",
    )
    # Chicago gives a conjectured date as "[2011?]" in both systems (kept from the style).
    assert r["chicago-author-date"] == (
        "(Valdai Discussion Club [2011?])",
        f"Valdai Discussion Club. [2011?]. “No Pause for the ‘Reset.’” {url}.",
    )
    # Cite Them Right: "(c. 2011)"; the title, in italics, takes the author's place.
    assert r["harvard-cite-them-right"] == (
        "(<i>No Pause for the “Reset”</i>, c. 2011)",
        f"<i>No Pause for the “Reset”</i> (c. 2011) <i>Valdai Discussion Club</i>. "
        f"Available at: {url} (Accessed: 3 May 2024).",
    )


def test_no_author_circa_chicago_note_keeps_comma_inside_quotes(people):
    """CMOS 18 14.104: a web-page note separates its elements by commas, also before a
    bracketed uncertain date; the official style loses the comma after the title (see
    `style_corrections._chicago_webpage_uncertain_date_after_comma`)."""
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


def test_essay_without_source_is_cited_on_this_archive(people, settings):
    """Issue 15: no source means the archive itself is the website cited."""
    settings.SITE_NAME = "The Essay Archive"
    essay = make_essay("Россия и Запад: «перезагрузка»", authors=people[1:2], published_on=None,
                       language="ru")  # fmt: skip
    url = f"{SITE}/essays/{essay.pk}/"
    r = rendered(essay)
    assert r["chicago-notes-bibliography"][0] == (
        f"Igor Ivanov, “Россия и Запад: «перезагрузка»,” The Essay Archive, accessed May 3, 2024, {url}."  # noqa: E501
    )
    assert r["apa"] == (
        "(Ivanov, n.d.)",
        f"Ivanov, I. (n.d.). <i>Россия и Запад: «перезагрузка»</i>. The Essay Archive. "
        f"Retrieved May 3, 2024, from {url}",
    )
    assert r["harvard-cite-them-right"][1] == (
        f"Ivanov, I. (no date) <i>Россия и Запад: «перезагрузка»</i>, <i>The Essay Archive</i>. "
        f"Available at: {url} (Accessed: 3 May 2024)."
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


def test_republished_essay_bibliography_entries_carry_the_original(people):
    """Every reference-list entry names the original publication, its date and its URL,
    after the archive's permanent URL (no style renders this itself: see citations.py)."""
    essay = make_essay(
        "MAD About You", authors=people[:2], source=make_source("Valdai Discussion Club"),
        original_publication="Foreign Policy", original_url=f"{FP}?a=1&b=2",
        original_date=datetime.date(2013, 6, 1), original_date_precision=DatePrecision.MONTH,
    )  # fmt: skip
    url, fp = f"{SITE}/essays/{essay.pk}/", f"{FP}?a=1&amp;b=2"
    original = f"Originally published in <i>Foreign Policy</i>, June 2013, {fp}"
    bib = {key: entry for key, (_, entry) in rendered(essay).items()}
    assert bib == {
        "chicago-notes-bibliography": "Tauscher, Ellen, and Igor Ivanov. “MAD About You.” "
        f"Valdai Discussion Club, June 17, 2013. {url}. {original}.",
        "chicago-author-date": "Tauscher, Ellen, and Igor Ivanov. 2013. “MAD About You.” "
        f"Valdai Discussion Club, June 17. {url}. {original}.",
        "apa": "Tauscher, E., &amp; Ivanov, I. (2013, June 17). <i>MAD About You</i>. "
        f"Valdai Discussion Club. {url} ({original})",
        "modern-language-association": "Tauscher, Ellen, and Igor Ivanov. “MAD About You.” "
        f"<i>Valdai Discussion Club</i>, 17 June 2013, {url}. {original}.",
        "harvard-cite-them-right": "Tauscher, E. and Ivanov, I. (2013) <i>MAD About You</i>, "
        f"<i>Valdai Discussion Club</i>. Available at: {url} (Accessed: 3 May 2024). {original}.",
    }
    # the note (and in-text citations) cite the archive's copy only
    assert all("Foreign Policy" not in note for note, _ in rendered(essay).values())


def test_republished_dates_in_each_styles_form(people):
    essay = make_essay("One Voice", authors=people[:1], original_publication="Foreign Policy",
                       original_date=datetime.date(2013, 9, 5))  # fmt: skip
    circa = make_essay("Old Voice", authors=people[:1], original_publication="Foreign Policy",
                       original_date=datetime.date(2010, 1, 1),
                       original_date_precision=DatePrecision.CIRCA)  # fmt: skip
    same = make_essay("Same Day", authors=people[:1], original_publication="Foreign Policy",
                      original_date=datetime.date(2013, 6, 17))  # fmt: skip
    tails = {k: b.rsplit(". Originally", 1)[-1] for k, (_, b) in rendered(essay).items()}
    fp = "<i>Foreign Policy</i>"
    assert tails["chicago-notes-bibliography"] == f" published in {fp}, September 5, 2013."
    assert tails["apa"].endswith(f"(Originally published in {fp}, September 5, 2013)")
    assert tails["modern-language-association"] == f" published in {fp}, 5 Sept. 2013."
    assert tails["harvard-cite-them-right"] == f" published in {fp}, 5 September 2013."
    r = rendered(circa)
    assert r["chicago-author-date"][1].endswith(f"Originally published in {fp}, [2010?].")
    assert r["apa"][1].endswith(f"(Originally published in {fp}, ca. 2010)")
    assert r["harvard-cite-them-right"][1].endswith(f"Originally published in {fp}, c. 2010.")
    # first published the day the copy is dated: the date is said once, not twice
    entry = rendered(same)["chicago-notes-bibliography"][1]
    assert entry.endswith(f"Originally published in {fp}.") and entry.count("2013") == 1
    # an essay that was not republished gets no sentence
    plain = make_essay("Plain", authors=people[:1])
    assert not any("Originally" in b for _, b in rendered(plain).values())


def test_html_rendering_escapes_hostile_titles(people):
    essay = make_essay("</script><script>alert(1)</script> & “Q”", authors=people[:1])
    for r in citations.render_all(citations.essay_to_csl(essay)):
        assert "<script" not in r.bibliography_html + r.citation_html
        assert "&lt;/script&gt;" in r.bibliography_html


def test_citation_page_survives_citeproc_failing(client, people, monkeypatch, caplog):
    """A citeproc-py that breaks (a patch gone wrong, a release we did not expect) costs the
    formatted citations, logged, not the page: the downloads still work."""
    essay = make_essay("One Voice", authors=people[:1])

    def broken(*args, **kwargs):
        raise AttributeError("'Text' object has no attribute '_variable'")

    cache.clear()
    monkeypatch.setattr(citations, "_cite", broken)
    response = client.get(f"/essays/{essay.pk}/cite/")
    assert response.status_code == 200
    assert "The citations cannot be formatted just now" in response.content.decode()
    assert "could not be rendered" in caplog.text
    assert client.get(f"/essays/{essay.pk}/cite.bib").status_code == 200


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


def test_fast_path_renders_what_citeproc_does(people, monkeypatch):
    """The fast path on a loaded style (`citeproc_patches.fast_path`: branch tests, children,
    terms, formatting and affixes read once) changes speed, not output: compared with styles
    parsed anew for every render, on which citeproc-py's own code runs, with and without a
    pinpoint."""
    source = make_source("Club & Co")
    essays = [
        make_essay("Plain", authors=people[:1], source=source),
        make_essay("MAD “About” You: U.S.", authors=people, source=source,
                   original_publication="Foreign Policy", original_url=FP,
                   original_date=datetime.date(2009, 9, 5)),
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
        return [(r.citation_html, r.bibliography_html) for r in rendered]

    assert citeproc_patches.installed()["fast-path"]
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
