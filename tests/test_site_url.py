"""Absolute URLs are right wherever the site runs: in development (SITE_URL unset) they follow
the address a request came to, port included; in production SITE_URL rules."""

from __future__ import annotations

import re
from pathlib import Path

import feedparser
import pytest
from django.core import checks

from tests.factories import make_author, make_essay

pytestmark = pytest.mark.django_db
BASE_DIR = Path(__file__).resolve().parent.parent


def absolute_links(client, essay, host: str) -> dict[str, list[str]]:
    """Every absolute URL of `essay` that reaches a reader or a client, served on `host`."""
    page = client.get(essay.get_absolute_url(), HTTP_HOST=host).content.decode()
    cite = client.get(f"/essays/{essay.pk}/cite/", HTTP_HOST=host).content.decode()
    export = client.get(f"/essays/{essay.pk}/cite.ris", HTTP_HOST=host).content.decode()
    feed = feedparser.parse(client.get("/feeds/latest.atom", HTTP_HOST=host).content)
    oai = client.get(
        "/oai/", {"verb": "ListIdentifiers", "metadataPrefix": "oai_dc"}, HTTP_HOST=host
    ).content.decode()
    return {
        "canonical": re.findall(r'<link rel="canonical" href="([^"]+)"', page),
        "citation_public_url": re.findall(r'name="citation_public_url" content="([^"]+)"', page),
        "permanent link shown": re.findall(r"<dd><a href=\"[^\"]+\">(http[^<]+)</a></dd>", page),
        "citation": re.findall(r"(http://[^ ]+?/essays/\d+/)\.", cite)[:1],
        "RIS": re.findall(r"UR  - (\S+)", export),
        "feed id": [entry.id for entry in feed.entries],
        "OAI identifier": re.findall(r"<identifier>oai:([^:]+):", oai),
    }


def test_development_links_follow_the_address_served(client, settings):
    """`PORT=8123 make run`: every permanent link says 8123 (it said 8000)."""
    settings.SITE_URL = ""
    essay = make_essay("One Voice", authors=[make_author("Ann Smith")])
    links = absolute_links(client, essay, "127.0.0.1:8123")
    permanent = f"http://127.0.0.1:8123/essays/{essay.pk}/"
    assert links == {
        "canonical": [f"http://127.0.0.1:8123{essay.get_absolute_url()}"],
        "citation_public_url": [permanent],
        "permanent link shown": [permanent],
        "citation": [permanent],
        "RIS": [permanent],
        "feed id": [permanent],
        "OAI identifier": ["127.0.0.1"],
    }
    other = absolute_links(client, essay, "localhost:9000")
    assert other["RIS"] == [f"http://localhost:9000/essays/{essay.pk}/"]


def test_production_site_url_rules_whatever_the_host(client, settings):
    settings.SITE_URL = "https://archive.example.org"
    settings.ALLOWED_HOSTS = ["archive.example.org", "10.0.0.5"]
    essay = make_essay("One Voice")
    links = absolute_links(client, essay, "10.0.0.5:8000")
    permanent = f"https://archive.example.org/essays/{essay.pk}/"
    assert links["citation_public_url"] == links["RIS"] == links["feed id"] == [permanent]
    assert links["OAI identifier"] == ["archive.example.org"]


def test_outside_a_request_links_use_the_development_servers_address(settings):
    settings.SITE_URL, settings.LOCAL_SITE_URL = "", "http://127.0.0.1:8123"
    essay = make_essay("One Voice")
    assert essay.get_full_permanent_url() == f"http://127.0.0.1:8123/essays/{essay.pk}/"


def test_the_env_make_run_writes_leaves_site_url_unset():
    lines = (BASE_DIR / ".env.example").read_text().splitlines()
    assert not [line for line in lines if line.strip().startswith("SITE_URL")]


def test_deploy_check_warns_without_site_url(settings):
    settings.SITE_URL = ""
    found = checks.run_checks(include_deployment_checks=True)
    assert "archive.W001" in {message.id for message in found}
    settings.SITE_URL = "https://archive.example.org"
    found = checks.run_checks(include_deployment_checks=True)
    assert "archive.W001" not in {message.id for message in found}
