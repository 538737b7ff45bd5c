"""The OpenSearch description document: parses, and its search template leads to results."""

from __future__ import annotations

import pytest
from django.test import Client
from lxml import etree

NS = {"os": "http://a9.com/-/spec/opensearch/1.1/"}
PARSER = etree.XMLParser(no_network=True, resolve_entities=False)

pytestmark = pytest.mark.django_db


def description(client: Client) -> etree._Element:
    response = client.get("/opensearch.xml")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/opensearchdescription+xml")
    return etree.fromstring(response.content, PARSER)


def test_description_document_parses_with_required_elements(client: Client) -> None:
    root = description(client)
    assert root.tag == "{http://a9.com/-/spec/opensearch/1.1/}OpenSearchDescription"
    short_name = root.findtext("os:ShortName", namespaces=NS)
    assert 0 < len(short_name) <= 16  # the spec's limit
    assert root.findtext("os:Description", namespaces=NS)


def test_html_template_url_answers_a_search(client: Client) -> None:
    root = description(client)
    html = root.find("os:Url[@type='text/html']", NS)
    template = html.get("template")
    assert template == "http://testserver/search/?q={searchTerms}"
    response = client.get(
        template.replace("http://testserver", "").replace("{searchTerms}", "arms")
    )
    assert response.status_code == 200


def test_every_page_links_the_description(client: Client) -> None:
    page = client.get("/").content.decode()
    assert 'rel="search"' in page
    assert 'type="application/opensearchdescription+xml"' in page
    assert 'href="/opensearch.xml"' in page


def test_atom_template_url_gives_a_search_feed(client: Client, search_index) -> None:
    atom = description(client).find("os:Url[@type='application/atom+xml']", NS)
    assert atom.get("template") == "http://testserver/search/feed.atom?q={searchTerms}"
    response = client.get("/search/feed.atom?q=arms")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
