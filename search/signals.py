"""Haystack signal processor: queue every change that affects search, apply it after commit.

Haystack's stock processors miss many-to-many edits (authors, topics changed in the admin), never
remove an unpublished essay, and lose the change when the index is down at save time. This one
records the change durably in the same transaction (search.models.PendingIndexChange) and applies
the queue once the transaction commits (search/indexing.py).
"""

from __future__ import annotations

from django.db.models import signals
from haystack.signals import BaseSignalProcessor

from archive.models import Author, Authorship, Essay, Source, Topic
from search.indexing import queue_essays, schedule_apply


def _queue(essay_ids) -> None:
    queue_essays(essay_ids)
    schedule_apply()


def essay_changed(sender, instance: Essay, **kwargs) -> None:
    if not kwargs.get("raw"):
        _queue([instance.pk])


def authorship_changed(sender, instance: Authorship, **kwargs) -> None:
    if not kwargs.get("raw"):
        _queue([instance.essay_id])


def topics_changed(sender, instance, action: str, reverse: bool, pk_set, **kwargs) -> None:
    """Queue the essays whose topics changed, from either side of the relation."""
    if action not in ("post_add", "post_remove", "post_clear", "pre_clear"):
        return
    if not reverse:
        if action != "pre_clear":
            _queue([instance.pk])
    elif action == "pre_clear":  # the links are about to go: remember whose they were
        _queue(instance.essays.values_list("pk", flat=True))
    elif pk_set:
        _queue(pk_set)


def essays_of(queryset_filter: dict):
    return Essay.objects.published().filter(**queryset_filter).values_list("pk", flat=True)


def author_changed(sender, instance: Author, **kwargs) -> None:
    if not kwargs.get("raw"):
        _queue(essays_of({"authorships__author": instance}))


def source_changed(sender, instance: Source, **kwargs) -> None:
    if not kwargs.get("raw"):
        _queue(essays_of({"source": instance}))


def topic_changed(sender, instance: Topic, **kwargs) -> None:
    if not kwargs.get("raw"):
        _queue(essays_of({"topics": instance}))


class QueuedSignalProcessor(BaseSignalProcessor):
    """Queue index changes in the saving transaction; apply them after it commits."""

    def index_signals(self) -> list[tuple]:
        """Return (signal, receiver, sender) for every change that affects the index."""
        return [
            (signals.post_save, essay_changed, Essay),
            (signals.post_delete, essay_changed, Essay),
            (signals.post_save, authorship_changed, Authorship),
            (signals.post_delete, authorship_changed, Authorship),
            (signals.m2m_changed, topics_changed, Essay.topics.through),
            (signals.post_save, author_changed, Author),
            (signals.post_save, source_changed, Source),
            (signals.post_save, topic_changed, Topic),
            (signals.pre_delete, topic_changed, Topic),
        ]

    def setup(self) -> None:
        for signal, receiver, sender in self.index_signals():
            signal.connect(receiver, sender=sender)

    def teardown(self) -> None:
        for signal, receiver, sender in self.index_signals():
            signal.disconnect(receiver, sender=sender)
