"""Bring an essay back to a stored version, or back from deletion, through the normal saves.

django-reversion's own revert writes raw rows, which would skip Essay.save() (sanitizing, the
derived text, the slug) and the signals the search index and history listen to. Here every row
is saved the ordinary way, so a restore reaches search, feeds and OAI like any edit, and is
itself a new version that can be undone.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import models, transaction
from django.utils import timezone
from django.utils.formats import date_format
from reversion.models import Version

from archive.history.recording import acting_as
from archive.history.versions import EssaySnapshot
from archive.importing.identity import current_key
from archive.models import Author, Authorship, Essay, Republication, Source, Topic

# Set by Essay.save() from the body, or said by the database, or kept from the essay as it is.
NOT_RESTORED = {"id", "body_text", "word_count", "created", "updated", "import_key"}
NOT_RESTORED |= {"import_checksum", "import_record", "import_fingerprint", "text_fingerprint"}
NOT_RESTORED |= {"source_id", "topics"}
# What the importer knows an essay by, and what its last import held: taken back with a deleted
# essay (unless another essay has its identity since), left as they are on any other restore,
# so that a restored value counts as a curator's edit when its file is imported again.
IMPORT_BOOKKEEPING = ("import_checksum", "import_record", "import_fingerprint")
REPUBLICATION_FIELDS = ("publication", "url", "date", "date_precision", "note")


@dataclass
class Restored:
    """The essay as restored, and what the curator should be told about it."""

    essay: Essay
    recreated: bool
    notes: list[str] = field(default_factory=list)


def describe_version(version: Version) -> str:
    """Return "14 May 2026, 10:32 by alice" for a version."""
    revision = version.revision
    when = date_format(timezone.localtime(revision.date_created), "j F Y, H:i")
    who = revision.user.get_username() if revision.user else "no signed-in user"
    return f"{when} by {who}"


def restore_essay(version: Version, user) -> Restored:
    """Make the essay what `version` holds: fields, byline, topics, republications, id, URL."""
    snapshot = EssaySnapshot.of(version)
    comment = f"Restored the version of {describe_version(version)}."
    with acting_as(user, comment), transaction.atomic():
        essay = Essay.objects.select_for_update().filter(pk=snapshot.essay_id).first()
        restored = Restored(essay or Essay(pk=snapshot.essay_id), recreated=essay is None)
        essay = restored.essay
        for name, value in snapshot.fields.items():
            if name not in NOT_RESTORED:
                setattr(essay, name, value)
        essay.source_id = _revived(Source, snapshot.fields.get("source_id"), restored.notes)
        if restored.recreated:
            _take_back_import_key(essay, snapshot, restored.notes)
        essay.save()
        if restored.recreated:  # auto_now_add stamped it now; it was first saved long before
            Essay.objects.filter(pk=essay.pk).update(created=snapshot.fields["created"])
        _restore_byline(essay, snapshot, restored.notes)
        topic_ids = [_revived(Topic, pk, restored.notes) for pk in snapshot.fields["topics"]]
        essay.topics.set([pk for pk in topic_ids if pk is not None])
        _restore_republications(essay, snapshot)
    return restored


def _take_back_import_key(essay: Essay, snapshot: EssaySnapshot, notes: list[str]) -> None:
    key = current_key(snapshot.fields.get("import_key"))
    holder = Essay.objects.filter(import_key=key).first() if key else None
    if holder is None:
        essay.import_key = key
        for name in IMPORT_BOOKKEEPING:
            setattr(
                essay, name, snapshot.fields.get(name) or Essay._meta.get_field(name).get_default()
            )
    else:
        notes.append(
            f"Its import key “{key}” now belongs to essay #{holder.pk} “{holder.title}”, "
            "so re-importing that file updates the other essay."
        )


def _restore_byline(essay: Essay, snapshot: EssaySnapshot, notes: list[str]) -> None:
    wanted = [_revived(Author, data["author_id"], notes) for data in snapshot.authorships]
    wanted = list(dict.fromkeys(pk for pk in wanted if pk is not None))
    current = list(essay.authorships.order_by("position").values_list("author_id", flat=True))
    if current == wanted:
        return
    essay.authorships.all().delete()
    for position, author_id in enumerate(wanted):
        Authorship(essay=essay, author_id=author_id, position=position).save()


def _restore_republications(essay: Essay, snapshot: EssaySnapshot) -> None:
    wanted = [
        tuple(data[name] for name in REPUBLICATION_FIELDS) for data in snapshot.republications
    ]
    current = [
        tuple(getattr(row, name) for name in REPUBLICATION_FIELDS)
        for row in essay.republications.all()
    ]
    if sorted(wanted, key=repr) == sorted(current, key=repr):
        return
    essay.republications.all().delete()
    for values in wanted:
        Republication(essay=essay, **dict(zip(REPUBLICATION_FIELDS, values, strict=True))).save()


def _revived(model: type[models.Model], pk, notes: list[str]):
    """Return `pk` if that row exists, else bring it back from its last version (or None)."""
    if pk is None or model._default_manager.filter(pk=pk).exists():
        return pk
    last = Version.objects.get_for_object_reference(model, pk).order_by("-pk").first()
    label = model._meta.verbose_name
    if last is None:
        notes.append(f"{label.capitalize()} #{pk} no longer exists and has no history: left out.")
        return None
    row = last._object_version.object
    same_name = model._default_manager.filter(name=row.name).first()
    if same_name is not None:
        notes.append(f"The deleted {label} “{row.name}” is replaced by the existing one.")
        return same_name.pk
    if model._default_manager.filter(slug=row.slug).exists():
        row.slug = ""  # CatalogueEntry.save() makes a free one
    row.save()
    notes.append(f"The {label} “{row.name}”, deleted since, was brought back too.")
    return row.pk
