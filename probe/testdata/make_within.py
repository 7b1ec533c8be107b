"""Reference for probe.WithinGroups, from scikit-learn's roc_auc_score.

Run with Debian's interpreter from this folder:  /usr/bin/python3 make_within.py
It writes within.json: cases of (scores, labels, groups) with ties, groups
holding one class only, and the per-group AUROC (null for one class) and the
size-weighted mean over the groups holding both classes (null when none),
groups in sorted order.
"""
import json

import numpy as np
import sklearn
from sklearn.metrics import roc_auc_score


def within(scores, labels, groups):
    out, num, den = [], 0.0, 0.0
    for g in sorted(set(groups)):
        idx = [i for i, h in enumerate(groups) if h == g]
        y = [labels[i] for i in idx]
        s = [scores[i] for i in idx]
        auc = None
        if 0 < sum(y) < len(y):
            auc = float(roc_auc_score(y, s))
            num += auc * len(y)
            den += len(y)
        out.append({"group": g, "n": len(y), "hallucinated": int(sum(y)), "auroc": auc})
    return out, (num / den if den > 0 else None)


rng = np.random.default_rng(20261206)
cases = []
for n, ngroups, rounding in [(40, 3, 1), (200, 7, 2), (25, 5, 0), (60, 1, 3)]:
    groups = [f"attr{int(g)}" for g in rng.integers(0, ngroups, n)]
    labels = [int(v) for v in rng.integers(0, 2, n)]
    # a signal that differs by group, rounded so that scores tie
    scores = [round(float(rng.normal() + 0.8 * l * (1 + int(g[4:]) % 3)), rounding) for g, l in zip(groups, labels)]
    cases.append((scores, labels, groups))
# one group with one class only, one with both
cases.append(([0.1, 0.2, 0.3, 0.5, 0.4, 0.4], [1, 1, 1, 0, 1, 0], ["x", "x", "x", "y", "y", "y"]))
# no group holds both classes
cases.append(([0.1, 0.2, 0.3], [1, 0, 0], ["a", "b", "b"]))

out = []
for scores, labels, groups in cases:
    per, mean = within(scores, labels, groups)
    out.append({"scores": scores, "labels": labels, "groups": groups, "per_group": per, "weighted_auroc": mean})
with open("within.json", "w") as f:
    json.dump({"sklearn": sklearn.__version__, "cases": out}, f, indent=1)
    f.write("\n")
