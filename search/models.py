"""The durable queue of index changes: written with each change, applied after commit."""

from __future__ import annotations

from django.db import models


class PendingIndexChange(models.Model):
    """An essay whose search document must be brought up to date (updated, added or removed).

    Written in the same transaction as the change itself, so a change the database keeps is never
    lost by the index; deleted once the index has taken it (issue 6). No foreign key: the row of
    a deleted essay must outlive the essay so that its document gets removed.
    """

    essay_id = models.BigIntegerField(db_index=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"essay {self.essay_id} (queued {self.created:%Y-%m-%d %H:%M:%S})"
