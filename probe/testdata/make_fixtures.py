"""Reference fixtures for package probe, from scikit-learn's liblinear.

Run with Debian's interpreter from this folder:  /usr/bin/python3 make_fixtures.py
It writes small float32 matrices (X_*.npy), 0/1 labels (y_*.npy) and
fixtures.json holding, per case, the liblinear solution (coef, intercept),
its objective computed in float64, the decision values, and AUROC cases
scored with sklearn.metrics.roc_auc_score.

Objective (liblinear with an intercept column of ones, also regularised):
  l1: sum|w| + |b| + C * sum_i log(1 + exp(-y_i (w.x_i + b)))
  l2: 0.5 (sum w^2 + b^2) + C * sum_i log(1 + exp(-y_i (w.x_i + b)))
"""
import json

import numpy as np
import sklearn
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score


def objective(pen, C, X, y, w, b):
    X = X.astype(np.float64)
    m = X @ w + b
    ys = np.where(y == 1, 1.0, -1.0)
    loss = np.logaddexp(0.0, -ys * m).sum()
    if pen == "l1":
        return float(np.abs(w).sum() + abs(b) + C * loss)
    return float(0.5 * (w @ w + b * b) + C * loss)


def dataset(name, rows, cols, informative, seed, scale=1.0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(rows, cols)) * scale
    X[:, 3] = 0.7  # constant column
    X[:, 5] = 0.0  # all-zero column
    beta = np.zeros(cols)
    idx = rng.choice(np.arange(6, cols), informative, replace=False)
    beta[idx] = rng.normal(size=informative) * 2 / scale
    p = 1 / (1 + np.exp(-(X @ beta + 0.3)))
    y = (rng.random(rows) < p).astype(np.int64)
    X = X.astype(np.float32)
    np.save(f"X_{name}.npy", X)
    np.save(f"y_{name}.npy", y)
    return X, y


cases = []
data = {
    "small": dataset("small", 200, 50, 6, 1),
    "wide": dataset("wide", 150, 400, 10, 2, scale=0.5),
}
# Columns on scales from 1e-3 to 1e2 (CETT values are small and uneven).
_X, _y = dataset("scaled", 120, 60, 8, 3)
_X = (_X * (10.0 ** np.random.default_rng(4).uniform(-3, 2, 60))).astype(np.float32)
np.save("X_scaled.npy", _X)
data["scaled"] = (_X, _y)
for name, pen, C in [("small", "l1", 0.05), ("small", "l1", 0.5), ("small", "l2", 1.0),
                     ("wide", "l1", 0.2), ("wide", "l1", 1.0), ("wide", "l2", 0.1),
                     ("scaled", "l1", 1.0), ("scaled", "l1", 30.0), ("scaled", "l2", 3.0)]:
    X, y = data[name]
    clf = LogisticRegression(solver="liblinear", penalty=pen, C=C, tol=1e-10,
                             max_iter=100000, intercept_scaling=1.0)
    clf.fit(X.astype(np.float64), y)
    w = clf.coef_.ravel().astype(np.float64)
    b = float(clf.intercept_[0])
    cases.append({
        "data": name, "penalty": pen, "C": C,
        "coef": w.tolist(), "intercept": b,
        "objective": objective(pen, C, X, y, w, b),
        "decision": clf.decision_function(X.astype(np.float64)).tolist(),
        "nonzero": int(np.count_nonzero(w)),
    })

# Held-out decision values for folds i % 5 (checks cross-validation by row weights).
cv = []
X, y = data["wide"]
fold = np.arange(len(y)) % 5
for C in [0.2, 1.0]:
    dec = np.zeros(len(y))
    for f in range(5):
        tr = fold != f
        clf = LogisticRegression(solver="liblinear", penalty="l1", C=C, tol=1e-10,
                                 max_iter=100000, intercept_scaling=1.0)
        clf.fit(X[tr].astype(np.float64), y[tr])
        dec[~tr] = clf.decision_function(X[~tr].astype(np.float64))
    cv.append({"data": "wide", "penalty": "l1", "C": C, "folds": 5, "heldout_decision": dec.tolist()})

rng = np.random.default_rng(7)
auc = []
for n, levels in [(50, 5), (200, 1000), (31, 2)]:
    yy = rng.integers(0, 2, n)
    s = np.round(rng.normal(size=n) + yy * 0.8, 0 if levels <= 5 else 3)
    auc.append({"y": yy.tolist(), "score": s.tolist(), "auroc": float(roc_auc_score(yy, s))})

with open("fixtures.json", "w") as f:
    json.dump({"sklearn": sklearn.__version__, "cases": cases, "auroc": auc, "cv": cv}, f)
