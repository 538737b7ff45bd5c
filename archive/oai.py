"""OAI-PMH 2.0 endpoint: Dublin Core records of the archive's essays for library harvesters.

One view, `oai`, validates the verb and its arguments and dispatches to one function per
verb. Published essays are records; unpublished essays (their own row, status draft) and
deleted essays (an `EssayTombstone`) are deleted records, so harvesters can drop them.
Resumption tokens carry a signed keyset cursor, so nothing is stored between requests.
Spec: https://www.openarchives.org/OAI/openarchivesprotocol.html (section numbers below).
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.core import signing
from django.db.models import Min, Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from archive.models import Essay, EssayTombstone, Source, Topic
from archive.site_url import site_url

METADATA_FORMATS = [
    {
        "prefix": "oai_dc",
        "schema": "http://www.openarchives.org/OAI/2.0/oai_dc.xsd",
        "namespace": "http://www.openarchives.org/OAI/2.0/oai_dc/",
    }
]
TOKEN_SALT = "archive.oai.resumptionToken"
DATESTAMP = "%Y-%m-%dT%H:%M:%SZ"
# §4: the arguments each verb takes (required, optional); resumptionToken is exclusive.
VERB_ARGUMENTS: dict[str, tuple[set[str], set[str]]] = {
    "Identify": (set(), set()),
    "ListMetadataFormats": (set(), {"identifier"}),
    "ListSets": (set(), {"resumptionToken"}),
    "GetRecord": ({"identifier", "metadataPrefix"}, set()),
    "ListIdentifiers": ({"metadataPrefix"}, {"from", "until", "set", "resumptionToken"}),
    "ListRecords": ({"metadataPrefix"}, {"from", "until", "set", "resumptionToken"}),
}
SET_SPEC = re.compile(r"(source|topic)(?::([A-Za-z0-9_-]+))?\Z")
# Characters XML 1.0 forbids; a stray one in a title must not make the response unparseable.
XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


class OAIError(Exception):
    """An OAI-PMH protocol error (§3.6), answered as <error code="…"> with HTTP 200."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


# -- identifiers, datestamps, sets ---------------------------------------------------------


def repository_host() -> str:
    """Return the namespace part of our identifiers: the host of the site's URL."""
    return urlsplit(site_url()).hostname or "localhost"


def essay_identifier(essay_id: int) -> str:
    """Return the OAI identifier of an essay: oai:<host>:essay/<id>."""
    return f"oai:{repository_host()}:essay/{essay_id}"


def parse_identifier(identifier: str) -> int | None:
    """Return the essay id an identifier of ours names, or None."""
    prefix = f"oai:{repository_host()}:essay/"
    rest = identifier[len(prefix) :] if identifier.startswith(prefix) else ""
    return int(rest) if rest.isascii() and rest.isdigit() and len(rest) < 19 else None


def datestamp(value: datetime.datetime) -> str:
    """Return a UTC datestamp at seconds granularity (§3.3)."""
    return value.astimezone(datetime.UTC).strftime(DATESTAMP)


def parse_datestamp(value: str, *, upper: bool) -> tuple[datetime.datetime, str]:
    """Return a from/until bound and its granularity ("day" or "seconds").

    An `until` bound is inclusive at its granularity, so it becomes the exclusive start of
    the next day or second: stored times carry microseconds that datestamps drop.
    """
    for fmt, granularity, step in (
        ("%Y-%m-%d", "day", datetime.timedelta(days=1)),
        (DATESTAMP, "seconds", datetime.timedelta(seconds=1)),
    ):
        try:
            parsed = datetime.datetime.strptime(value, fmt).replace(tzinfo=datetime.UTC)
        except ValueError:
            continue
        if len(value) != len(parsed.strftime(fmt)):  # strptime accepts "2020-1-5"
            break
        return (parsed + step if upper else parsed), granularity
    raise OAIError("badArgument", f"{value!r} is not a UTC datestamp (YYYY-MM-DD[Thh:mm:ssZ]).")


def essay_set_specs(essay: Essay) -> list[str]:
    """Return the sets an essay belongs to: its source and its topics."""
    specs = [f"source:{essay.source.slug}"] if essay.source else []
    return specs + [f"topic:{topic.slug}" for topic in essay.topics.all()]


def filter_by_set(essays: QuerySet, spec: str) -> QuerySet:
    """Return the essays in set `spec` ("source", "source:<slug>", "topic", "topic:<slug>")."""
    match = SET_SPEC.match(spec)
    if match is None:
        raise OAIError("badArgument", f"No set {spec!r}: sets are source:<slug> or topic:<slug>.")
    kind, slug = match.groups()
    if kind == "source":
        if slug and not Source.objects.filter(slug=slug).exists():
            raise OAIError("noRecordsMatch", f"There is no set {spec!r}.")
        return essays.filter(source__slug=slug) if slug else essays.exclude(source=None)
    if slug and not Topic.objects.filter(slug=slug).exists():
        raise OAIError("noRecordsMatch", f"There is no set {spec!r}.")
    with_topics = Essay.topics.through.objects.filter(**({"topic__slug": slug} if slug else {}))
    return essays.filter(id__in=with_topics.values("essay_id"))


def xml_text(value: str) -> str:
    """Return `value` without the characters XML 1.0 cannot carry."""
    return XML_ILLEGAL.sub("", value)


# -- records --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Header:
    """What ListIdentifiers shows of an item, and the header of every record."""

    identifier: str
    datestamp: str
    set_specs: list[str]
    deleted: bool
    essay: Essay | None = None


def essay_header(essay: Essay) -> Header:
    return Header(
        identifier=essay_identifier(essay.pk),
        datestamp=datestamp(essay.updated),
        set_specs=essay_set_specs(essay),
        deleted=not essay.is_published,
        essay=essay if essay.is_published else None,
    )


def tombstone_header(tombstone: EssayTombstone) -> Header:
    return Header(essay_identifier(tombstone.essay_id), datestamp(tombstone.deleted_at), [], True)


def dublin_core(essay: Essay) -> list[tuple[str, str]]:
    """Return an essay's simple Dublin Core as (element, value) pairs, in display order."""
    elements = [("title", essay.title)]
    elements += [("creator", author.listed_name) for author in essay.ordered_authors]
    elements += [("subject", topic.name) for topic in essay.topics.all()]
    if essay.standfirst:
        elements.append(("description", essay.standfirst))
    if essay.source:
        elements.append(("publisher", essay.source.name))
    if essay.published_on:
        elements.append(("date", essay.date_iso))
    elements += [("type", "Text"), ("format", "text/html")]
    elements.append(("identifier", essay.get_full_permanent_url()))
    elements.append(("language", essay.language))
    if essay.original_publication:
        elements.append(("source", essay.original_publication))
    if essay.original_url:
        elements.append(("relation", essay.original_url))
    return [(name, xml_text(value)) for name, value in elements]


# -- harvesting lists (§3.3 selective harvesting, §3.5 flow control) -------------------------


@dataclass(frozen=True)
class Harvest:
    """A list request's arguments and where the previous page ended (a keyset cursor)."""

    verb: str
    metadata_prefix: str
    from_: str = ""
    until: str = ""
    set_spec: str = ""
    phase: str = "essays"  # then "tombstones"
    after: tuple[str, int] | None = None  # (ISO time, id) of the last item sent
    cursor: int = 0
    size: int | None = None  # completeListSize, counted on the first page

    def to_token(self) -> str:
        return signing.dumps(self.__dict__, salt=TOKEN_SALT, compress=True)

    @classmethod
    def from_token(cls, token: str, verb: str) -> Harvest:
        try:
            data = signing.loads(token, salt=TOKEN_SALT)
            harvest = cls(**{**data, "after": tuple(data["after"]) if data["after"] else None})
        except (signing.BadSignature, TypeError, KeyError, ValueError):
            raise OAIError("badResumptionToken", "The resumptionToken is invalid.") from None
        if harvest.verb != verb:
            raise OAIError("badResumptionToken", f"The resumptionToken is not one for {verb}.")
        return harvest

    def bounds(self) -> tuple[datetime.datetime | None, datetime.datetime | None]:
        start, start_granularity = (
            parse_datestamp(self.from_, upper=False) if self.from_ else (None, None)
        )
        end, end_granularity = (
            parse_datestamp(self.until, upper=True) if self.until else (None, None)
        )
        if start_granularity and end_granularity and start_granularity != end_granularity:
            raise OAIError("badArgument", "from and until must have the same granularity.")
        return start, end

    def essays(self) -> QuerySet:
        essays = Essay.objects.all()  # drafts too: they are reported as deleted records
        start, end = self.bounds()
        if start:
            essays = essays.filter(updated__gte=start)
        if end:
            essays = essays.filter(updated__lt=end)
        if self.set_spec:
            essays = filter_by_set(essays, self.set_spec)
        return essays.order_by("updated", "id")

    def tombstones(self) -> QuerySet:
        # A tombstone does not know the sets its essay was in; a set harvest gets every
        # tombstone in the date range, and a harvester ignores ids it never held.
        tombstones = EssayTombstone.objects.all()
        start, end = self.bounds()
        if start:
            tombstones = tombstones.filter(deleted_at__gte=start)
        if end:
            tombstones = tombstones.filter(deleted_at__lt=end)
        return tombstones.order_by("deleted_at", "essay_id")

    def page(self, page_size: int) -> tuple[list[Header], Harvest | None]:
        """Return this page's headers and the harvest that continues it (None at the end)."""
        size = (
            self.size
            if self.size is not None
            else self.essays().count() + self.tombstones().count()
        )
        headers: list[Header] = []
        phase, after = self.phase, self.after
        if phase == "essays":
            essays = _after(self.essays(), "updated", "id", after).for_listing()
            batch = list(essays[: page_size + 1])
            headers += [essay_header(essay) for essay in batch[:page_size]]
            if len(batch) > page_size:
                last = batch[page_size - 1]
                return headers, self._next(phase, last.updated, last.pk, page_size, size)
            phase, after = "tombstones", None
        remaining = page_size - len(headers)
        tombstones = _after(self.tombstones(), "deleted_at", "essay_id", after)
        batch = list(tombstones[: remaining + 1])
        headers += [tombstone_header(t) for t in batch[:remaining]]
        if len(batch) > remaining:
            last = batch[remaining - 1] if remaining else None
            key = (last.deleted_at, last.essay_id) if last else None
            return headers, self._next(phase, *(key or (None, None)), page_size, size)
        return headers, None

    def _next(self, phase, time, pk, page_size: int, size: int) -> Harvest:
        after = (time.isoformat(), pk) if time is not None else None
        state = {**self.__dict__, "phase": phase, "after": after}
        return Harvest(**{**state, "cursor": self.cursor + page_size, "size": size})


def _after(items: QuerySet, time_field: str, id_field: str, after) -> QuerySet:
    """Return the items that come after the keyset position `after` (None: all of them)."""
    if after is None:
        return items
    time = datetime.datetime.fromisoformat(after[0])
    return items.filter(
        Q(**{f"{time_field}__gt": time}) | Q(**{time_field: time, f"{id_field}__gt": after[1]})
    )


# -- the verbs (§4) --------------------------------------------------------------------------


def identify(request: HttpRequest, args: dict[str, str]) -> tuple[str, dict]:
    earliest = [
        Essay.objects.aggregate(t=Min("updated"))["t"],
        EssayTombstone.objects.aggregate(t=Min("deleted_at"))["t"],
    ]
    known = [t for t in earliest if t is not None]
    return "archive/oai/identify.xml", {
        "repository_name": settings.SITE_NAME,
        "admin_email": settings.OAI_ADMIN_EMAIL,
        "earliest": datestamp(min(known)) if known else "1970-01-01T00:00:00Z",
        "sample_identifier": essay_identifier(1),
        "host": repository_host(),
    }


def list_metadata_formats(request: HttpRequest, args: dict[str, str]) -> tuple[str, dict]:
    if "identifier" in args:
        _find(args["identifier"])
    return "archive/oai/list_metadata_formats.xml", {"formats": METADATA_FORMATS}


def list_sets(request: HttpRequest, args: dict[str, str]) -> tuple[str, dict]:
    if "resumptionToken" in args:  # every set fits on one page, so we never issue one
        raise OAIError("badResumptionToken", "This repository issues no tokens for ListSets.")
    sets = [("source", "Sources (publishers)"), ("topic", "Topics")]
    sets += [(f"source:{s.slug}", s.name) for s in Source.objects.order_by("slug")]
    sets += [(f"topic:{t.slug}", t.name) for t in Topic.objects.order_by("slug")]
    return "archive/oai/list_sets.xml", {"sets": [(spec, xml_text(name)) for spec, name in sets]}


def get_record(request: HttpRequest, args: dict[str, str]) -> tuple[str, dict]:
    _check_prefix(args["metadataPrefix"])
    header = _find(args["identifier"])
    return "archive/oai/get_record.xml", {"record": _record(header)}


def list_identifiers(request: HttpRequest, args: dict[str, str]) -> tuple[str, dict]:
    headers, token = _list(args, "ListIdentifiers")
    return "archive/oai/list_identifiers.xml", {"headers": headers, **token}


def list_records(request: HttpRequest, args: dict[str, str]) -> tuple[str, dict]:
    headers, token = _list(args, "ListRecords")
    records = [_record(header) for header in headers]
    return "archive/oai/list_records.xml", {"records": records, **token}


VERBS: dict[str, Callable[[HttpRequest, dict[str, str]], tuple[str, dict]]] = {
    "Identify": identify,
    "ListMetadataFormats": list_metadata_formats,
    "ListSets": list_sets,
    "GetRecord": get_record,
    "ListIdentifiers": list_identifiers,
    "ListRecords": list_records,
}


def _check_prefix(prefix: str) -> None:
    if prefix not in {f["prefix"] for f in METADATA_FORMATS}:
        raise OAIError("cannotDisseminateFormat", f"Format {prefix!r} is not offered; use oai_dc.")


def _find(identifier: str) -> Header:
    essay_id = parse_identifier(identifier)
    if essay_id is not None:
        essay = Essay.objects.filter(pk=essay_id).for_listing().first()
        if essay is not None:
            return essay_header(essay)
        tombstone = EssayTombstone.objects.filter(essay_id=essay_id).first()
        if tombstone is not None:
            return tombstone_header(tombstone)
    raise OAIError("idDoesNotExist", f"No item has the identifier {identifier!r}.")


def _record(header: Header) -> dict:
    return {"header": header, "dc": dublin_core(header.essay) if header.essay else None}


def _list(args: dict[str, str], verb: str) -> tuple[list[Header], dict]:
    if "resumptionToken" in args:
        harvest = Harvest.from_token(args["resumptionToken"], verb)
    else:
        _check_prefix(args["metadataPrefix"])
        harvest = Harvest(
            verb=verb,
            metadata_prefix=args["metadataPrefix"],
            from_=args.get("from", ""),
            until=args.get("until", ""),
            set_spec=args.get("set", ""),
        )
    page_size = settings.OAI_PAGE_SIZE
    headers, following = harvest.page(page_size)
    if not headers and harvest.cursor == 0:
        raise OAIError("noRecordsMatch", "No records match these arguments.")
    if following is None and harvest.cursor == 0:
        return headers, {}  # a complete list needs no token (§3.5)
    return headers, {
        # The last page carries an empty token, as §3.5 requires of an incomplete list's end.
        "token": following.to_token() if following else "",
        "cursor": harvest.cursor,
        "complete_list_size": following.size if following else harvest.size,
        "has_token": True,
    }


# -- the view ---------------------------------------------------------------------------------


def _arguments(request: HttpRequest) -> tuple[str, dict[str, str]]:
    """Return the verb and its arguments, or raise badVerb/badArgument (§3.1, §4)."""
    query = request.POST if request.method == "POST" else request.GET
    verbs = query.getlist("verb")
    if len(verbs) != 1 or verbs[0] not in VERBS:
        raise OAIError("badVerb", "The verb is missing, repeated or not an OAI-PMH verb.")
    verb = verbs[0]
    args: dict[str, str] = {}
    for key in query:
        if key == "verb":
            continue
        values = query.getlist(key)
        if len(values) != 1:
            raise OAIError("badArgument", f"The argument {key!r} is repeated.")
        args[key] = values[0]
    required, optional = VERB_ARGUMENTS[verb]
    unknown = set(args) - required - optional
    if unknown:
        raise OAIError("badArgument", f"{verb} does not take {', '.join(sorted(unknown))}.")
    if "resumptionToken" in args:
        if len(args) > 1:
            raise OAIError("badArgument", "resumptionToken is an exclusive argument.")
    elif required - set(args):
        missing = ", ".join(sorted(required - set(args)))
        raise OAIError("badArgument", f"{verb} requires {missing}.")
    return verb, args


@csrf_exempt  # §3.1.1.2: harvesters POST without a CSRF token, and the endpoint changes nothing
def oai(request: HttpRequest) -> HttpResponse:
    """Answer one OAI-PMH request (GET or POST) with an XML response or a protocol error."""
    if request.method not in ("GET", "HEAD", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    context = {
        "response_date": datestamp(timezone.now()),
        "base_url": request.build_absolute_uri(reverse("oai")),
        "request_args": [],
    }
    try:
        verb, args = _arguments(request)
        context["request_args"] = sorted([("verb", verb), *args.items()])
        template, verb_context = VERBS[verb](request, args)
        context.update(verb_context)
    except OAIError as error:
        template = "archive/oai/error.xml"
        context["errors"] = [error]
        if error.code in ("badVerb", "badArgument"):
            context["request_args"] = []  # §3.6: the arguments were not valid, so echo none
    body = render_to_string(template, context, request=None)
    return HttpResponse(body, content_type="text/xml; charset=utf-8")


def record_tombstone(sender: type[Essay], instance: Essay, **kwargs) -> None:
    """Remember a deleted essay so harvesters are told to drop it (post_delete receiver)."""
    EssayTombstone.objects.update_or_create(
        essay_id=instance.pk, defaults={"deleted_at": timezone.now()}
    )


def clear_tombstone(sender: type[Essay], instance: Essay, **kwargs) -> None:
    """Forget the tombstone of an essay saved again under its old id (post_save receiver)."""
    EssayTombstone.objects.filter(essay_id=instance.pk).delete()
