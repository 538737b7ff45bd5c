"""Record a version of an essay, author, source or topic whenever one changes, on every path.

django-reversion stores the versions (one Revision per object, with its user, date and comment;
an essay's version also holds its ordered authorships and republications, through `follow`, and
its topics). It records only inside its own revision blocks, so this module decides when: every
save, authorship, republication and topic change marks the object, and once the transaction
commits the object is stored as committed: the admin, its actions, the importer, an upload and
the shell all take this one path, and an essay's byline is whole even when it was written with
bulk_create. A deletion is recorded in its own transaction, just before the rows go, so a deleted
essay can be brought back. Whoever made the change comes from the request (HistoryMiddleware);
outside a request the comment names the command that ran.
"""

from __future__ import annotations

import json
import logging
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import partial

import reversion
from django.contrib.admin.models import LogEntry
from django.db import models, transaction
from django.db.models import signals
from django.http import HttpRequest, HttpResponse
from reversion.models import Version

from archive.models import Author, Authorship, Essay, Republication, Source, Topic

log = logging.getLogger(__name__)

# Objects with a history of their own; authorships and republications live in their essay's.
TRACKED: tuple[type[models.Model], ...] = (Essay, Author, Source, Topic)
DELETED = "Deleted."
BASELINE = "As it was before its first recorded change."


@dataclass(frozen=True)
class Actor:
    """Who is changing things in this context, and how it should read in the history."""

    user: object | None
    comment: str


_actor: ContextVar[Actor | None] = ContextVar("archive_history_actor", default=None)
_local = threading.local()  # pending changes of this thread's connection, until it commits


def register() -> None:
    """Put the archive's models under django-reversion (called once, from AppConfig.ready)."""
    if reversion.is_registered(Essay):
        return
    reversion.register(Essay, follow=("authorships", "republications"))
    for model in (Authorship, Republication, Author, Source, Topic):
        reversion.register(model)
    for signal, receiver, sender in _receivers():
        signal.connect(
            receiver, sender=sender, dispatch_uid=f"history-{receiver.__name__}-{sender}"
        )


def _receivers() -> Iterator[tuple]:
    for model in TRACKED:
        yield signals.pre_save, _record_baseline, model
        yield signals.post_save, _object_saved, model
        yield signals.pre_delete, _object_deleted, model
    for model in (Authorship, Republication):
        yield signals.post_save, _part_changed, model
        yield signals.post_delete, _part_changed, model
    yield signals.m2m_changed, _topics_changed, Essay.topics.through


# --- who and why -----------------------------------------------------------------------


def current_actor() -> Actor:
    """Return the user and default comment for changes made now."""
    return _actor.get() or Actor(None, _process_description())


def _process_description() -> str:
    argv = sys.argv
    if len(argv) > 1 and argv[0].endswith("manage.py"):
        return f"Saved by manage.py {argv[1]}."
    return "Saved outside the admin."


@contextmanager
def acting_as(user, comment: str) -> Iterator[None]:
    """Attribute the changes made inside the block to `user`, with `comment`."""
    token = _actor.set(Actor(user, comment))
    try:
        yield
    finally:
        _actor.reset(token)


class HistoryMiddleware:
    """Attribute every change a request makes to its user (after AuthenticationMiddleware)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        where = "in the admin" if request.path.startswith("/admin/") else "on the site"
        with acting_as(getattr(request, "user", None), f"Saved {where} ({request.path})."):
            return self.get_response(request)


def describe(obj: models.Model, message: str | list) -> None:
    """Set the comment of `obj`'s pending version (an admin change message, list or text)."""
    key, pending = (type(obj), obj.pk), _pending()
    if key in pending and message:
        if not isinstance(message, str):
            message = json.dumps(message)
        text = LogEntry(change_message=message).get_change_message()
        pending[key] = Actor(pending[key].user, text or pending[key].comment)


# --- marking changes, writing versions after commit -----------------------------------------


def _pending() -> dict:
    if not hasattr(_local, "pending"):
        _local.pending = {}
    return _local.pending


def mark_changed(model: type[models.Model], pks: Iterable) -> None:
    """Record a version of these objects once the current transaction commits.

    One callback per mark, each taking its object out of the thread's pending map: the first
    writes the committed state, later ones in the same commit find nothing to do, and a rolled-
    back transaction's callbacks are discarded by Django without writing anything.
    """
    pending, actor = _pending(), current_actor()
    for pk in pks:
        if pk is not None:
            pending[(model, pk)] = actor
            transaction.on_commit(partial(_write_pending, model, pk))


def _write_pending(model: type[models.Model], pk) -> None:
    actor = _pending().pop((model, pk), None)
    if actor is None:  # already written in this commit
        return
    obj = model._default_manager.filter(pk=pk).first()
    if obj is None:  # deleted since: its last version was written as it went
        return
    try:
        write_version(obj, actor)
    except Exception:  # the change itself is committed; say loudly that its version is not
        log.exception("No history version written for %s %s", model.__name__, pk)


def write_version(obj: models.Model, actor: Actor, date=None) -> None:
    """Store `obj` as it is in the database now, with its parts, as one revision."""
    with reversion.create_revision():
        user = actor.user if getattr(actor.user, "is_authenticated", False) else None
        reversion.set_user(user)
        reversion.set_comment(actor.comment)
        if date is not None:
            reversion.set_date_created(date)
        reversion.add_to_revision(obj)


def _has_versions(model: type[models.Model], pk) -> bool:
    return Version.objects.get_for_object_reference(model, pk).exists()


# --- receivers --------------------------------------------------------------------------------


def _record_baseline(sender, instance, raw: bool = False, **kwargs) -> None:
    """Before the first recorded change of an object saved before history began, keep its state."""
    if raw or instance.pk is None or _has_versions(sender, instance.pk):
        return
    stored = sender._default_manager.filter(pk=instance.pk).first()
    if stored is not None:
        write_version(stored, Actor(None, BASELINE), date=getattr(stored, "updated", None))


def _object_saved(sender, instance, raw: bool = False, **kwargs) -> None:
    if not raw:
        mark_changed(sender, [instance.pk])


def _object_deleted(sender, instance, **kwargs) -> None:
    # Written now, in the deleting transaction, while the essay's authorships still exist.
    write_version(instance, Actor(current_actor().user, DELETED))
    if sender is Topic:  # its essays lose the topic without an m2m signal
        mark_changed(Essay, instance.essays.values_list("pk", flat=True))


def _part_changed(sender, instance, raw: bool = False, **kwargs) -> None:
    if not raw:
        mark_changed(Essay, [instance.essay_id])


def _topics_changed(sender, instance, action: str, reverse: bool, pk_set, **kwargs) -> None:
    if action == "pre_clear" and reverse:  # a topic's links are about to go: whose were they?
        mark_changed(Essay, instance.essays.values_list("pk", flat=True))
    elif action in ("post_add", "post_remove", "post_clear"):
        mark_changed(Essay, (pk_set or []) if reverse else [instance.pk])
