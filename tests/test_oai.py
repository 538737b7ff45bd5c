"""OAI-PMH 2.0 endpoint: every verb and error, selective harvesting, tokens, deleted records.

Every response is validated against the OAI-PMH 2.0 and oai_dc schemas (local copies in
tests/data/), and a real harvester (Sickle, over HTTP) pages through resumption tokens.
"""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from django.test import Client
from lxml import etree
from sickle import Sickle

from archive.models import Essay, EssayTombstone
from archive.oai import essay_identifier
from tests.factories import make_author, make_essay, make_source, make_topic

NS = {
    "oai": "http://www.openarchives.org/OAI/2.0/",
    "oai_dc": "http://www.openarchives.org/OAI/2.0/oai_dc/",
    "dc": "http://purl.org/dc/elements/1.1/",
}
DATA = Path(__file__).parent / "data"
# no_network: the schemas import each other from local files only.
PARSER = etree.XMLParser(no_network=True, resolve_entities=False)
SCHEMA = etree.XMLSchema(etree.parse(str(DATA / "oai_harvest.xsd"), PARSER))

pytestmark = pytest.mark.django_db


def harvest_xml(client: Client, method: str = "get", **params) -> etree._Element:
    """Request /oai/ and return the response's root, after validating it against the schemas."""
    response = getattr(client, method)("/oai/", params)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/xml")
    root = etree.fromstring(response.content, PARSER)
    SCHEMA.assertValid(root)
    return root


def error_code(root: etree._Element) -> str | None:
    error = root.find("oai:error", NS)
    return None if error is None else error.get("code")


def set_updated(essay: Essay, when: datetime.datetime) -> None:
    # auto_now would overwrite `updated` on save(); update() writes it as given.
    Essay.objects.filter(pk=essay.pk).update(updated=when)


@pytest.fixture
def archive() -> dict:
    """Seven published essays (two sources, one topic), one draft and one deleted essay."""
    valdai = make_source("Valdai Discussion Club")
    other = make_source("Carnegie Endowment")
    arms = make_topic("Arms Control")
    first, second = make_author("Ellen Tauscher"), make_author("Igor Ivanov")
    published = [
        make_essay(
            f"Essay on deterrence {n}",
            authors=[first, second] if n == 0 else [first],
            source=valdai if n % 2 == 0 else other,
            topics=[arms] if n < 3 else [],
            standfirst="A lead & an <argument>." if n == 0 else "",
        )
        for n in range(7)
    ]
    draft = make_essay("Withdrawn essay", status=Essay.Status.DRAFT, source=valdai)
    doomed = make_essay("Deleted essay", source=valdai)
    doomed_id = doomed.pk
    doomed.delete()
    return {
        "published": published,
        "draft": draft,
        "deleted_id": doomed_id,
        "valdai": valdai,
        "arms": arms,
    }


def test_identify_describes_repository(client: Client, archive: dict) -> None:
    root = harvest_xml(client, verb="Identify")
    identify = root.find("oai:Identify", NS)
    assert identify.findtext("oai:protocolVersion", namespaces=NS) == "2.0"
    assert identify.findtext("oai:deletedRecord", namespaces=NS) == "persistent"
    assert identify.findtext("oai:granularity", namespaces=NS) == "YYYY-MM-DDThh:mm:ssZ"
    assert identify.findtext("oai:baseURL", namespaces=NS) == "http://testserver/oai/"
    assert root.find("oai:request", NS).get("verb") == "Identify"


def test_list_metadata_formats_offers_oai_dc(client: Client, archive: dict) -> None:
    root = harvest_xml(client, verb="ListMetadataFormats")
    prefixes = root.findall(".//oai:metadataPrefix", NS)
    assert [p.text for p in prefixes] == ["oai_dc"]
    one = harvest_xml(
        client,
        verb="ListMetadataFormats",
        identifier=essay_identifier(archive["published"][0].pk),
    )
    assert error_code(one) is None


def test_list_sets_has_sources_and_topics(client: Client, archive: dict) -> None:
    root = harvest_xml(client, verb="ListSets")
    specs = [s.text for s in root.findall(".//oai:setSpec", NS)]
    assert "source:valdai-discussion-club" in specs
    assert "topic:arms-control" in specs
    assert "source:carnegie-endowment" in specs


def test_get_record_gives_dublin_core(client: Client, archive: dict) -> None:
    essay = archive["published"][0]
    root = harvest_xml(
        client, verb="GetRecord", identifier=essay_identifier(essay.pk), metadataPrefix="oai_dc"
    )
    header = root.find(".//oai:header", NS)
    assert header.get("status") is None
    assert header.findtext("oai:identifier", namespaces=NS) == f"oai:127.0.0.1:essay/{essay.pk}"
    specs = [s.text for s in header.findall("oai:setSpec", NS)]
    assert specs == ["source:valdai-discussion-club", "topic:arms-control"]
    dc = root.find(".//oai_dc:dc", NS)
    assert dc.findtext("dc:title", namespaces=NS) == "Essay on deterrence 0"
    creators = [c.text for c in dc.findall("dc:creator", NS)]
    assert creators == ["Tauscher, Ellen", "Ivanov, Igor"]
    assert dc.findtext("dc:description", namespaces=NS) == "A lead & an <argument>."
    assert dc.findtext("dc:publisher", namespaces=NS) == "Valdai Discussion Club"
    assert dc.findtext("dc:date", namespaces=NS) == "2013-06-17"
    assert dc.findtext("dc:subject", namespaces=NS) == "Arms Control"
    assert dc.findtext("dc:identifier", namespaces=NS) == essay.get_full_permanent_url()


@pytest.mark.parametrize("which", ["draft", "deleted_id"])
def test_unpublished_and_deleted_essays_are_deleted_records(
    client: Client, archive: dict, which: str
) -> None:
    essay_id = archive[which] if which == "deleted_id" else archive[which].pk
    root = harvest_xml(
        client, verb="GetRecord", identifier=essay_identifier(essay_id), metadataPrefix="oai_dc"
    )
    assert root.find(".//oai:header", NS).get("status") == "deleted"
    assert root.find(".//oai:metadata", NS) is None


def test_unpublishing_turns_a_record_into_a_deleted_one(client: Client, archive: dict) -> None:
    essay = archive["published"][1]
    essay.status = Essay.Status.DRAFT
    essay.save()
    root = harvest_xml(
        client, verb="GetRecord", identifier=essay_identifier(essay.pk), metadataPrefix="oai_dc"
    )
    assert root.find(".//oai:header", NS).get("status") == "deleted"


def test_saving_an_essay_again_clears_its_tombstone(archive: dict) -> None:
    assert EssayTombstone.objects.filter(essay_id=archive["deleted_id"]).exists()
    make_essay("Restored", id=archive["deleted_id"])
    assert not EssayTombstone.objects.filter(essay_id=archive["deleted_id"]).exists()


def list_identifiers(client: Client, **params) -> list[str]:
    root = harvest_xml(client, verb="ListIdentifiers", metadataPrefix="oai_dc", **params)
    assert error_code(root) is None, root.findtext("oai:error", namespaces=NS)
    return [h.text for h in root.findall(".//oai:header/oai:identifier", NS)]


def test_list_identifiers_lists_records_then_deleted_ones(client: Client, archive: dict) -> None:
    identifiers = list_identifiers(client)
    expected = {essay_identifier(e.pk) for e in archive["published"]}
    expected |= {essay_identifier(archive["draft"].pk), essay_identifier(archive["deleted_id"])}
    assert sorted(identifiers) == sorted(expected)


def test_set_selects_source_or_topic(client: Client, archive: dict) -> None:
    valdai = {essay_identifier(e.pk) for e in archive["published"] if e.source == archive["valdai"]}
    valdai |= {essay_identifier(archive["draft"].pk), essay_identifier(archive["deleted_id"])}
    assert set(list_identifiers(client, set="source:valdai-discussion-club")) == valdai
    arms = {essay_identifier(e.pk) for e in archive["published"][:3]}
    arms.add(essay_identifier(archive["deleted_id"]))  # tombstones go to every set harvest
    assert set(list_identifiers(client, set="topic:arms-control")) == arms


def test_from_and_until_at_day_and_seconds_granularity(client: Client, archive: dict) -> None:
    EssayTombstone.objects.update(deleted_at=datetime.datetime(2030, 1, 1, tzinfo=datetime.UTC))
    old, middle, new = archive["published"][:3]
    set_updated(old, datetime.datetime(2020, 1, 1, 23, 59, 59, 500000, tzinfo=datetime.UTC))
    set_updated(middle, datetime.datetime(2020, 1, 2, 12, 0, 0, 250000, tzinfo=datetime.UTC))
    set_updated(new, datetime.datetime(2020, 1, 3, 0, 0, 0, tzinfo=datetime.UTC))
    ids = {e: essay_identifier(e.pk) for e in (old, middle, new)}
    until_day = list_identifiers(client, until="2020-01-02")
    assert set(until_day) == {ids[old], ids[middle]}
    assert list_identifiers(client, **{"from": "2020-01-02", "until": "2020-01-02"}) == [
        ids[middle]
    ]
    exact = {"from": "2020-01-02T12:00:00Z", "until": "2020-01-02T12:00:00Z"}
    assert list_identifiers(client, **exact) == [ids[middle]]
    assert list_identifiers(client, until="2020-01-01T23:59:59Z") == [ids[old]]
    root = harvest_xml(client, verb="ListIdentifiers", metadataPrefix="oai_dc", until="2020-01-02")
    datestamps = [d.text for d in root.findall(".//oai:datestamp", NS)]
    assert datestamps == ["2020-01-01T23:59:59Z", "2020-01-02T12:00:00Z"]


def test_resumption_tokens_page_through_every_item_once(
    client: Client, archive: dict, settings
) -> None:
    settings.OAI_PAGE_SIZE = 4
    seen: list[str] = []
    params = {"verb": "ListRecords", "metadataPrefix": "oai_dc"}
    cursors = []
    while True:
        root = harvest_xml(client, **params)
        seen += [h.text for h in root.findall(".//oai:header/oai:identifier", NS)]
        token = root.find(".//oai:resumptionToken", NS)
        cursors.append((token.get("cursor"), token.get("completeListSize")))
        if not token.text:
            break
        params = {"verb": "ListRecords", "resumptionToken": token.text}
    assert cursors == [("0", "9"), ("4", "9"), ("8", "9")]
    assert len(seen) == len(set(seen)) == 9


def test_post_requests_are_answered_without_csrf_token(archive: dict) -> None:
    client = Client(enforce_csrf_checks=True)
    root = harvest_xml(client, "post", verb="ListIdentifiers", metadataPrefix="oai_dc")
    assert len(root.findall(".//oai:header", NS)) == 9


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({}, "badVerb"),
        ({"verb": "Explode"}, "badVerb"),
        ({"verb": ["Identify", "Identify"]}, "badVerb"),
        ({"verb": "Identify", "extra": "1"}, "badArgument"),
        ({"verb": "ListRecords"}, "badArgument"),
        ({"verb": "GetRecord", "metadataPrefix": "oai_dc"}, "badArgument"),
        ({"verb": "ListRecords", "metadataPrefix": ["oai_dc", "oai_dc"]}, "badArgument"),
        ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "yesterday"}, "badArgument"),
        ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2020-1-5"}, "badArgument"),
        (
            {
                "verb": "ListRecords",
                "metadataPrefix": "oai_dc",
                "from": "2020-01-01",
                "until": "2021-01-01T00:00:00Z",
            },
            "badArgument",
        ),
        ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "set": "no such set"}, "badArgument"),
        (
            {"verb": "ListRecords", "metadataPrefix": "oai_dc", "resumptionToken": "x"},
            "badArgument",
        ),
        ({"verb": "ListRecords", "metadataPrefix": "marc21"}, "cannotDisseminateFormat"),
        (
            {
                "verb": "GetRecord",
                "metadataPrefix": "marc21",
                "identifier": "oai:127.0.0.1:essay/1",
            },
            "cannotDisseminateFormat",
        ),
        (
            {"verb": "GetRecord", "metadataPrefix": "oai_dc", "identifier": "oai:x:essay/1"},
            "idDoesNotExist",
        ),
        (
            {
                "verb": "GetRecord",
                "metadataPrefix": "oai_dc",
                "identifier": "oai:127.0.0.1:essay/999999",
            },
            "idDoesNotExist",
        ),
        ({"verb": "ListMetadataFormats", "identifier": "nope"}, "idDoesNotExist"),
        (
            {"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2999-01-01"},
            "noRecordsMatch",
        ),
        (
            {"verb": "ListIdentifiers", "metadataPrefix": "oai_dc", "set": "topic:nothing-here"},
            "noRecordsMatch",
        ),
        ({"verb": "ListRecords", "resumptionToken": "forged"}, "badResumptionToken"),
        ({"verb": "ListSets", "resumptionToken": "anything"}, "badResumptionToken"),
    ],
)
def test_protocol_errors(client: Client, archive: dict, params: dict, code: str) -> None:
    root = harvest_xml(client, **params)
    assert error_code(root) == code
    request = root.find("oai:request", NS)
    if code in ("badVerb", "badArgument"):
        assert dict(request.attrib) == {}  # §3.6: echo no arguments for these two


def test_token_for_one_verb_is_refused_by_another(client: Client, archive: dict, settings) -> None:
    settings.OAI_PAGE_SIZE = 2
    root = harvest_xml(client, verb="ListIdentifiers", metadataPrefix="oai_dc")
    token = root.find(".//oai:resumptionToken", NS).text
    assert error_code(harvest_xml(client, verb="ListIdentifiers", resumptionToken=token)) is None
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert error_code(harvest_xml(client, verb="ListRecords", resumptionToken=token)) == (
        "badResumptionToken"
    )
    assert error_code(harvest_xml(client, verb="ListIdentifiers", resumptionToken=tampered)) == (
        "badResumptionToken"
    )


def test_hostile_characters_stay_well_formed(client: Client) -> None:
    essay = make_essay('Title </dc:title> & \x0b "quoted" ]]>')
    root = harvest_xml(
        client, verb="GetRecord", identifier=essay_identifier(essay.pk), metadataPrefix="oai_dc"
    )
    assert root.findtext(".//dc:title", namespaces=NS) == 'Title </dc:title> &  "quoted" ]]>'


@pytest.mark.django_db(transaction=True)
def test_sickle_harvests_every_published_essay_once(live_server, archive: dict, settings) -> None:
    settings.OAI_PAGE_SIZE = 3
    sickle = Sickle(live_server.url + "/oai/", max_retries=0)
    records = list(sickle.ListRecords(metadataPrefix="oai_dc", ignore_deleted=False))
    live = [r for r in records if not r.deleted]
    deleted = {r.header.identifier for r in records if r.deleted}
    live_ids = [r.header.identifier for r in live]
    assert sorted(live_ids) == sorted(essay_identifier(e.pk) for e in archive["published"])
    assert len(live_ids) == len(set(live_ids))
    assert deleted == {
        essay_identifier(archive["draft"].pk),
        essay_identifier(archive["deleted_id"]),
    }
    titles = {r.metadata["title"][0] for r in live}
    assert titles == {e.title for e in archive["published"]}
    headers = list(sickle.ListIdentifiers(metadataPrefix="oai_dc", set="topic:arms-control"))
    assert len(headers) == 4  # three essays in the topic and the tombstone
