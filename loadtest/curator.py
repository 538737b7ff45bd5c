"""A curator at work during the load run: edits, publishes, unpublishes, creates and deletes.

Runs in its own process (`python -m loadtest.curator SECONDS RATE`) with the site's settings,
so its saves go through Essay.save() and the index queue exactly as an admin save would.
Prints one JSON line: the operations done and the save latencies in milliseconds.
"""

from __future__ import annotations

import json
import random
import sys
import time

import django


def main(seconds: float, rate: float) -> dict:
    """Save essays at `rate` per second for `seconds`; return the counts and latencies."""
    django.setup()
    from archive.models import Essay

    rng = random.Random(6)
    ids = list(Essay.objects.published().values_list("pk", flat=True))
    created: list[int] = []
    unpublished: list[int] = []
    counts = {"edit": 0, "create": 0, "unpublish": 0, "republish": 0, "delete": 0}
    latencies: list[float] = []
    deadline = time.monotonic() + seconds
    n = 0
    while time.monotonic() < deadline:
        tick = time.monotonic()
        kind = ["edit", "edit", "create", "edit", "unpublish", "edit", "republish", "delete"][n % 8]
        if kind == "create":
            essay = Essay.objects.create(
                title=f"Load run essay {n} on strategic stability",
                body=f"<p>Written during the load run, save {n}, about arms control.</p>",
                status=Essay.Status.PUBLISHED,
            )
            created.append(essay.pk)
        elif kind == "unpublish":
            essay = Essay.objects.get(pk=rng.choice(ids))
            essay.status = Essay.Status.DRAFT
            essay.save()
            unpublished.append(essay.pk)
        elif kind == "republish" and unpublished:
            essay = Essay.objects.get(pk=unpublished.pop(0))
            essay.status = Essay.Status.PUBLISHED
            essay.save()
        elif kind == "delete" and created:
            Essay.objects.filter(pk=created.pop(0)).delete()
        else:
            kind = "edit"
            essay = Essay.objects.get(pk=rng.choice(ids))
            essay.title = f"{essay.title.split(' [rev ')[0]} [rev {n}]"
            essay.save()
        latencies.append((time.monotonic() - tick) * 1000)
        counts[kind] += 1
        n += 1
        time.sleep(max(0.0, 1 / rate - (time.monotonic() - tick)))
    return {"counts": counts, "latencies_ms": latencies}


if __name__ == "__main__":
    result = main(float(sys.argv[1]), float(sys.argv[2]))
    sys.stdout.write(json.dumps(result) + "\n")
