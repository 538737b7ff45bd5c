"""Write the corpus's Word documents (*.docx) from the texts below, with python-docx.

The .docx files are committed; run this only to change them:
`.venv/bin/python tests/data/essays/make_docx.py`. Each document uses the styles curators'
Word files use (Title, Subtitle, Heading 1/2, List Bullet/Number, Quote), emphasis, links,
and document properties, so the importer is tested on what Word really writes.
"""

from __future__ import annotations

import datetime
from pathlib import Path

import docx
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.oxml import OxmlElement
from docx.oxml.ns import qn

HERE = Path(__file__).resolve().parent

CHATHAM_DISCLAIMER = (
    "Chatham House, the Royal Institute of International Affairs, is an independent body which "
    "promotes the rigorous study of international questions and does not express opinions of "
    "its own. The opinions expressed in this publication are the responsibility of the "
    "author(s)."
)
CARNEGIE_DISCLAIMER = (
    "Carnegie does not take institutional positions on public policy issues; the views "
    "represented herein are those of the author(s) and do not necessarily reflect the views of "
    "Carnegie, its staff, or its trustees."
)
CSIS_DISCLAIMER = (
    "This commentary is produced by the Center for Strategic and International Studies (CSIS), "
    "a private, tax-exempt institution focusing on international public policy issues. Its "
    "research is nonpartisan and nonproprietary. CSIS does not take specific policy positions. "
    "Accordingly, all views, positions, and conclusions expressed in this publication should be "
    "understood to be solely those of the author(s)."
)
ECFR_DISCLAIMER = (
    "The European Council on Foreign Relations does not take collective positions. ECFR "
    "publications only represent the views of their individual authors."
)
VALDAI_RU_DISCLAIMER = (
    "Мнения, выраженные в материалах, являются мнениями отдельных членов и авторов Клуба, "
    "а не Клуба в целом, если явно не указано иное."
)


def add_link(paragraph, text: str, url: str) -> None:
    """Append a hyperlink run to `paragraph` (python-docx has no public API for links)."""
    part = paragraph.part
    rel_id = part.relate_to(url, RELATIONSHIP_TYPE.HYPERLINK, is_external=True)
    link = OxmlElement("w:hyperlink")
    link.set(qn("r:id"), rel_id)
    run = OxmlElement("w:r")
    text_element = OxmlElement("w:t")
    text_element.text = text
    text_element.set(qn("xml:space"), "preserve")
    run.append(text_element)
    link.append(run)
    paragraph._p.append(link)


def paragraph(document, *parts, style: str | None = None):
    """Add a paragraph of plain strings, ("i", text) italics, ("b", text) bold, ("a", text, url)."""
    para = document.add_paragraph(style=style)
    for part in parts:
        if isinstance(part, str):
            para.add_run(part)
        elif part[0] == "a":
            add_link(para, part[1], part[2])
        else:
            run = para.add_run(part[1])
            run.italic = part[0] == "i"
            run.bold = part[0] == "b"
    return para


def properties(document, *, title: str = "", author: str = "", created: datetime.datetime):
    core = document.core_properties
    core.title, core.author, core.created = title, author, created
    core.modified = created
    core.last_modified_by = author or "Editor"


def chatham_arctic_shipping():
    d = docx.Document()
    properties(
        d,
        title="Shipping Through the Arctic Will Not Wait for Politics",
        author="Helen Marsh",
        created=datetime.datetime(2019, 10, 8, 16, 30),
    )
    d.add_paragraph("Shipping Through the Arctic Will Not Wait for Politics", style="Title")
    d.add_paragraph(
        "Traffic on the Northern Sea Route is growing whatever happens to relations between "
        "Russia and the West. The rules for it are being written now.",
        style="Subtitle",
    )
    paragraph(d, "By Helen Marsh")
    paragraph(d, "9 October 2019")
    paragraph(
        d,
        "Ten years ago the ",
        ("i", "Northern Sea Route"),
        " carried a few dozen voyages a season. Last year cargo on the route passed twenty "
        "million tonnes, most of it liquefied gas from the Yamal peninsula, and Moscow has set "
        "a target of eighty million tonnes by 2024.",
    )
    d.add_paragraph("Three routes, one bottleneck", style="Heading 1")
    paragraph(
        d,
        "Whatever the target, the route depends on a small number of ports, icebreakers and "
        "rescue stations. Three kinds of traffic compete for them:",
    )
    d.add_paragraph("gas carriers serving Russian export projects;", style="List Bullet")
    d.add_paragraph(
        "bulk carriers and tankers on the way between Europe and Asia;", style="List Bullet"
    )
    d.add_paragraph("supply ships for the settlements along the coast.", style="List Bullet")
    d.add_paragraph(
        "The Arctic does not forgive improvisation: a ship in trouble off Taymyr is days away "
        "from help.",
        style="Quote",
    )
    paragraph(
        d,
        "The International Maritime Organization's ",
        ("a", "Polar Code", "https://www.imo.org/en/OurWork/Safety/Pages/polar-code.aspx"),
        " already sets standards for ships. What is missing is cooperation between coast "
        "guards, and it should not be held hostage to sanctions.",
    )
    d.add_paragraph("About the author", style="Heading 1")
    paragraph(
        d,
        "Dr Helen Marsh is a research fellow in the Russia and Eurasia Programme at Chatham House.",
    )
    paragraph(d, CHATHAM_DISCLAIMER)
    return d


def riac_northern_sea_route():
    d = docx.Document()
    properties(d, author="Андрей Белов", created=datetime.datetime(2021, 2, 10, 11, 0))
    paragraph(d, "Северный морской путь: грузы и ожидания")
    paragraph(
        d,
        "Грузооборот Северного морского пути за последние пять лет вырос в несколько раз, и "
        "правительство ставит всё более амбициозные цели. Однако рост почти целиком "
        "обеспечен вывозом сырья из Арктики, а не транзитом между Европой и Азией.",
    )
    d.add_paragraph("Что мешает транзиту", style="Heading 1")
    paragraph(
        d,
        "Для международных перевозчиков маршрут остаётся рискованным. Навигация длится "
        "несколько месяцев, страховка стоит дорого, а сроки доставки трудно гарантировать. "
        "Чтобы это изменить, нужны три вещи:",
    )
    d.add_paragraph("новые ледоколы и порты-убежища;", style="List Number")
    d.add_paragraph("надёжная спутниковая связь и метеорологические данные;", style="List Number")
    d.add_paragraph("понятные и стабильные правила плавания.", style="List Number")
    paragraph(
        d,
        "Первые два пункта требуют денег и времени, третий — только политической воли. С "
        "него и стоит начинать.",
    )
    paragraph(d, "Мнение автора может не совпадать с позицией РСМД.")
    return d


def carnegie_nuclear_posture():
    d = docx.Document()
    properties(
        d, title="Draft 3", author="Microsoft Office User",
        created=datetime.datetime(2020, 2, 17, 9, 15),
    )  # fmt: skip
    d.add_paragraph("Russia's Nuclear Doctrine Is Less Mysterious Than It Looks", style="Title")
    paragraph(d, "Anna Lindqvist, Mark Feldman")
    paragraph(d, "18 February 2020")
    paragraph(
        d,
        "Western debates about Russian nuclear strategy keep returning to one phrase: ",
        ("b", "escalate to de-escalate"),
        ". The idea that Moscow would use a nuclear weapon early in a conventional war to force "
        "an opponent to back down has shaped NATO planning for a decade.",
    )
    paragraph(
        d,
        "Russian official documents do not contain the phrase. They describe nuclear weapons as "
        "a means of deterrence, to be used in response to a nuclear attack or to a conventional "
        "one that threatens the existence of the state.",
    )
    paragraph(
        d,
        "The gap between the two readings matters. Planning for the worst case is prudent, but "
        "treating it as Russian doctrine risks turning it into a self-fulfilling prophecy.",
    )
    paragraph(
        d,
        "Anna Lindqvist is a senior fellow in the Russia and Eurasia Program at the Carnegie "
        "Endowment for International Peace.",
    )
    paragraph(
        d,
        "Mark Feldman is a nonresident scholar at the Carnegie Endowment, where he works on "
        "European security.",
    )
    paragraph(d, CARNEGIE_DISCLAIMER)
    return d


def valdai_multilateralism():
    d = docx.Document()
    properties(
        d, title="Многосторонность", author="Павел Сорокин",
        created=datetime.datetime(2019, 6, 16, 20, 0),
    )  # fmt: skip
    d.add_paragraph("Многосторонность в эпоху соперничества", style="Title")
    paragraph(d, "Автор: Павел Сорокин")
    paragraph(d, "17 июня 2019 г.")
    paragraph(
        d,
        "Международные организации переживают не лучшие времена. Совет Безопасности ООН "
        "парализован разногласиями постоянных членов, Всемирная торговая организация лишилась "
        "работающего органа по разрешению споров, а региональные объединения всё чаще "
        "становятся ареной соперничества.",
    )
    paragraph(
        d,
        "Однако отказ от многосторонности обходится дороже, чем её несовершенство. Без общих "
        "правил каждая сделка превращается в испытание силы, и выигрывают в нём немногие.",
    )
    d.add_paragraph(
        "Слабые институты лучше, чем их отсутствие: их можно укрепить, а пустое место "
        "занимают сильнейшие.",
        style="Quote",
    )
    paragraph(
        d,
        "Для России многосторонние форматы — способ влиять на правила, а не только "
        "противостоять им. Это стоит помнить и в Москве, и в тех столицах, которые хотели бы "
        "обойтись без неё.",
    )
    paragraph(d, "Впервые опубликовано в журнале «Россия в глобальной политике».")
    paragraph(d, VALDAI_RU_DISCLAIMER)
    return d


def csis_space_security():
    d = docx.Document()
    properties(
        d,
        title="Space Is the New Arms Control Frontier",
        author="CSIS Editorial",
        created=datetime.datetime(2021, 11, 22, 14, 0),
    )
    paragraph(
        d,
        "When Russia destroyed one of its own satellites with a missile last week, it created "
        "more than 1,500 pieces of trackable debris and forced the crew of the International "
        "Space Station to take shelter. It also showed how little the rules of the road in "
        "space have kept up with the technology.",
    )
    paragraph(
        d,
        "Destructive tests of anti-satellite weapons are not new. The United States, China and "
        "India have all conducted them. What is new is the number of satellites at risk, and the "
        "dependence of every modern economy and military on them.",
    )
    paragraph(
        d,
        "A ",
        ("b", "moratorium on destructive tests"),
        ", proposed at the United Nations, would be a modest first step. It would not ban the "
        "weapons, but it would stop the most damaging way of developing them, and the ",
        ("a", "UN working group", "https://www.un.org/disarmament/"),
        " on space threats offers a forum to discuss it.",
    )
    paragraph(
        d,
        "Mark Ellison is a senior fellow with the International Security Program at CSIS. "
        "Laura Chen is an associate fellow with the Missile Defense Project at CSIS.",
    )
    paragraph(d, CSIS_DISCLAIMER)
    return d


def ecfr_belarus():
    d = docx.Document()
    properties(
        d, title="Belarus", author="Katarzyna Nowak",
        created=datetime.datetime(2020, 8, 10, 18, 0),
    )  # fmt: skip
    lead = (
        "The protests after Belarus's presidential election are the largest in the country's "
        "history. Europe's response should be measured by what it does for Belarusians, not by "
        "how loudly it speaks."
    )
    d.add_paragraph("Europe and the Belarus Crisis", style="Title")
    paragraph(d, "By Katarzyna Nowak")
    paragraph(d, "Published 11 August 2020")
    paragraph(d, lead)
    paragraph(d, lead)
    d.add_paragraph("What Europe can do", style="Heading 2")
    paragraph(
        d,
        "Sanctions against those responsible for falsifying the vote and for the violence "
        "against protesters are necessary, but they are the easy part. Harder and more useful "
        "would be visa facilitation for Belarusian citizens, support for independent media and "
        "a clear offer of economic help to a future government chosen in a fair election.",
    )
    paragraph(
        d,
        "Europe should also talk to Moscow. Russia will not abandon Lukashenka easily, but it "
        "has no interest in a prolonged crisis on its western border, and that creates room for "
        "discreet diplomacy.",
    )
    paragraph(d, ECFR_DISCLAIMER)
    return d


DOCUMENTS = {
    "chatham-en-arctic-shipping.docx": chatham_arctic_shipping,
    "riac-ru-severnyy-morskoy-put.docx": riac_northern_sea_route,
    "carnegie-en-nuclear-doctrine.docx": carnegie_nuclear_posture,
    "valdai-ru-mnogostoronnost.docx": valdai_multilateralism,
    "csis-en-space-security.docx": csis_space_security,
    "ecfr-en-belarus-crisis.docx": ecfr_belarus,
}


if __name__ == "__main__":
    for name, build in DOCUMENTS.items():
        build().save(HERE / name)
