"""Relevance measures of one ranked list against graded judgments, and their averages.

Known-item queries (the reader wants one essay, graded 3) are scored by success@1 and the
reciprocal rank of the first such essay in the top ten (0 when it is not there); topical
queries by nDCG@10 with gains 2^grade − 1 and the ideal ranking built from every judged essay
(Järvelin and Kekäläinen 2002, the form TREC's trec_eval computes).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from statistics import fmean

DEPTH = 10
TARGET_GRADE = 3


def targets(judgments: Mapping[str, int]) -> set[str]:
    """Return the essays a known-item query looks for: those graded 3."""
    return {essay for essay, grade in judgments.items() if grade >= TARGET_GRADE}


def success_at_1(ranked: Sequence[str], judgments: Mapping[str, int]) -> float:
    """Return 1.0 if the first result is a target essay, else 0.0."""
    return 1.0 if ranked[:1] and ranked[0] in targets(judgments) else 0.0


def reciprocal_rank(ranked: Sequence[str], judgments: Mapping[str, int]) -> float:
    """Return 1/rank of the first target essay in the top ten, or 0.0 if none is there."""
    wanted = targets(judgments)
    for rank, essay in enumerate(ranked[:DEPTH], start=1):
        if essay in wanted:
            return 1.0 / rank
    return 0.0


def dcg(grades: Iterable[int]) -> float:
    """Return the discounted cumulative gain of grades in rank order."""
    return sum((2**grade - 1) / math.log2(rank + 1) for rank, grade in enumerate(grades, 1))


def ndcg_at_10(ranked: Sequence[str], judgments: Mapping[str, int]) -> float:
    """Return nDCG@10 of `ranked`; unjudged essays count as grade 0."""
    ideal = dcg(sorted(judgments.values(), reverse=True)[:DEPTH])
    if ideal == 0:
        return 0.0
    return dcg(judgments.get(essay, 0) for essay in ranked[:DEPTH]) / ideal


def score(kind: str, ranked: Sequence[str], judgments: Mapping[str, int]) -> dict[str, float]:
    """Return the measures of one query: success@1 and RR if known-item, else nDCG@10."""
    if kind == "known":
        return {
            "success@1": success_at_1(ranked, judgments),
            "rr": reciprocal_rank(ranked, judgments),
        }
    return {"ndcg@10": ndcg_at_10(ranked, judgments)}


def averages(scores: Iterable[Mapping[str, float]]) -> dict[str, float | None]:
    """Return the mean of each measure over the queries that have it (MRR is mean RR)."""
    scores = list(scores)
    out: dict[str, float | None] = {}
    for measure, name in (("success@1", "success@1"), ("rr", "mrr"), ("ndcg@10", "ndcg@10")):
        values = [s[measure] for s in scores if measure in s]
        out[name] = fmean(values) if values else None
    return out
