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


class KeyTerm(models.Model):
    """One of a published essay's most distinctive indexed words, with its weight (tf × idf).

    Related essays are those sharing the heaviest key terms (search/related.py). Derived from the
    search index, like the index itself derived from the essays: rebuilt with it, refreshed for
    each essay the index takes a change of.
    """

    essay = models.ForeignKey("archive.Essay", on_delete=models.CASCADE, related_name="+")
    term = models.CharField(max_length=100)
    weight = models.FloatField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["essay", "term"], name="key_term_once")]
        # Covering the ranking query (term → essay, weight): no table lookup per shared term.
        indexes = [models.Index(fields=["term", "essay", "weight"], name="key_term_lookup")]

    def __str__(self) -> str:
        return f"{self.term} ({self.weight:.2f}) of essay {self.essay_id}"


class IndexTrouble(models.Model):
    """The search index's latest trouble, shared by every process (a single row, pk 1).

    Written when the index cannot take a change (held by another writer, damaged, down) or a
    rebuild ran on its own; marked resolved by the next change the index takes. The admin and
    /healthz show it.
    """

    LOCKED, FAILED, REBUILT = "locked", "failed", "rebuilt"
    KINDS = [
        (LOCKED, "held by another writer"),
        (FAILED, "could not be written or read"),
        (REBUILT, "rebuilt on its own"),
    ]

    kind = models.CharField(max_length=10, choices=KINDS)
    message = models.TextField()
    happened = models.DateTimeField()
    resolved = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.message}"

    @classmethod
    def record(cls, kind: str, message: str, *, resolved: bool = False) -> None:
        from django.utils import timezone

        now = timezone.now()
        cls.objects.update_or_create(
            pk=1,
            defaults={
                "kind": kind,
                "message": message[:2000],
                "happened": now,
                "resolved": now if resolved else None,
            },
        )

    @classmethod
    def mark_resolved(cls) -> None:
        """Note that the index took a change again (one UPDATE, usually of no row)."""
        from django.utils import timezone

        cls.objects.filter(pk=1, resolved__isnull=True).update(resolved=timezone.now())

    @classmethod
    def latest(cls) -> IndexTrouble | None:
        return cls.objects.filter(pk=1).first()
