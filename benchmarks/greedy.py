"""The benchmark's baseline: top N by score, then greedy swaps that repair the quotas.

Not part of the optimiser: it may break quotas and is rarely optimal. ``benchmarks/optimiser.py``
compares the optimiser with it.
"""

from __future__ import annotations

import numpy as np

from selection.optimiser import Problem
from selection.optimiser.model import _Model, _plain_selection


def greedy_top_n_repair(problem: Problem) -> list[str]:
    """Baseline: top-N by score, then repair violated quota bounds greedily by swaps.

    Each swap fixes one violated bound with the smallest score loss among swaps that break no
    bound that currently holds; a bound with no such swap is given up. The result may violate
    quotas, and is rarely optimal - it is the benchmark's point of comparison.
    """
    model = _Model(problem)
    x = _plain_selection(model)
    if model.hard_conflicts():
        return [model.ids[k] for k in np.flatnonzero(x)]
    n_q = len(model.quotas)
    member = np.array(model.masks, dtype=bool).reshape(n_q, model.n)
    counts = member.astype(np.int64) @ x.astype(np.int64)
    mins = [q.min for q in model.quotas]
    maxs = [q.max for q in model.quotas]
    given_up: set[tuple[int, str]] = set()
    for _ in range(4 * model.size * max(1, n_q)):
        violated = next(
            (
                (j, kind)
                for j in range(n_q)
                for kind in ("min", "max")
                if (j, kind) not in given_up
                and (
                    (kind == "min" and mins[j] is not None and counts[j] < mins[j])
                    or (kind == "max" and maxs[j] is not None and counts[j] > maxs[j])
                )
            ),
            None,
        )
        if violated is None:
            break
        g, kind = violated
        # Conservative checks so a swap never breaks a bound that holds now.
        can_in = model.available & ~x
        can_out = x & ~model.included
        for j in range(n_q):
            if maxs[j] is not None and counts[j] >= maxs[j]:
                can_in &= ~member[j]
            if mins[j] is not None and counts[j] <= mins[j]:
                can_out &= ~member[j]
        if kind == "min":
            can_in &= member[g]
            can_out &= ~member[g]
        else:
            can_out &= member[g]
            can_in &= ~member[g]
        ins = np.flatnonzero(can_in)
        outs = np.flatnonzero(can_out)
        if ins.size == 0 or outs.size == 0:
            given_up.add(violated)
            continue
        # Canonical order: first index scores best, last scores worst.
        k_in, k_out = int(ins[0]), int(outs[-1])
        x[k_in], x[k_out] = True, False
        counts += member[:, k_in].astype(np.int64) - member[:, k_out].astype(np.int64)
    return [model.ids[k] for k in np.flatnonzero(x)]
