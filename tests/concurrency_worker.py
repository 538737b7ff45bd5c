"""A process of tests/test_concurrency.py: a curator saving essays, or a reader searching.

Run as `python -m tests.concurrency_worker curate SEED OPS` or `… search SEED SECONDS`, with the
installation's settings in the environment. Prints one JSON line of what it did. It saves through
the models (Essay.save(), m2m edits, deletes), as the admin and the importer do.
"""

from __future__ import annotations

import json
import random
import sys
import time

import django
from django.db import transaction

QUERIES = ["arms", "control", "essay", "nuclear", "stability", '"arms control"', "title:essay"]


def curate(seed: int, ops: int) -> dict:
    """Do `ops` random edits (create, edit, publish, unpublish, delete, re-link); count them."""
    from archive.models import Author, Authorship, Essay, Topic

    rng = random.Random(seed)
    done: dict[str, int] = {}
    author = Author.objects.get_or_create(name=f"Curator Number{seed}", slug=f"curator-{seed}")[0]
    topic = Topic.objects.get_or_create(name=f"Topic of curator {seed}", slug=f"topic-{seed}")[0]
    for n in range(ops):
        kinds = ["create"] * 3 + ["edit"] * 2 + ["publish", "unpublish", "delete", "link"]
        kind = rng.choice(kinds)
        mine = list(Essay.objects.filter(title__startswith=f"W{seed} ").values_list("pk", flat=1))
        if kind == "create" or not mine:
            kind = "create"
            status = rng.choice([Essay.Status.PUBLISHED] * 3 + [Essay.Status.DRAFT])
            Essay.objects.create(
                title=f"W{seed} essay {n} on arms control",
                body=f"<p>Process {seed}, operation {n}: strategic stability.</p>",
                status=status,
            )
        else:
            essay = Essay.objects.get(pk=rng.choice(mine))
            if kind == "edit":
                essay.title = f"W{seed} essay {n} edited on nuclear policy"
                essay.save()
            elif kind in ("publish", "unpublish"):
                published = kind == "publish"
                essay.status = Essay.Status.PUBLISHED if published else Essay.Status.DRAFT
                essay.save()
            elif kind == "delete":
                essay.delete()
            else:  # the many-to-many edits the admin makes
                with transaction.atomic():
                    if essay.topics.exists():
                        essay.topics.clear()
                        Authorship.objects.filter(essay=essay).delete()
                    else:
                        essay.topics.add(topic)
                        Authorship.objects.create(essay=essay, author=author, position=0)
        done[kind] = done.get(kind, 0) + 1
    return done


def search(seed: int, seconds: float) -> dict:
    """Run searches through the search view until `seconds` pass; count answers (or crashes)."""
    from django.test import Client

    rng = random.Random(seed)
    client = Client()
    statuses: dict[str, int] = {}
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            response = client.get("/search/", {"q": rng.choice(QUERIES)}, HTTP_HOST="127.0.0.1")
            answer = str(response.status_code)
        except Exception as error:  # a crash is what the test looks for: name it, carry on
            answer = f"{type(error).__name__}: {error}"
        statuses[answer] = statuses.get(answer, 0) + 1
    return statuses


def main(role: str, seed: int, amount: float) -> dict:
    django.setup()
    if role == "search":
        return search(seed, amount)
    return curate(seed, int(amount))


if __name__ == "__main__":
    result = main(sys.argv[1], int(sys.argv[2]), float(sys.argv[3]))
    sys.stdout.write(json.dumps(result) + "\n")
