"""Times scikit-learn's liblinear L1 logistic regression on the matrix that
`hneurons probe-bench --npy DIR` wrote, for the side-by-side benchmark.

usage: /usr/bin/python3 bench_sklearn.py DIR C [tol]

Prints the fit time (LogisticRegression.fit only, on the float64 copy that
sklearn would make anyway), the liblinear objective computed in float64,
the non-zero count and the peak RSS of the process.
"""
import resource
import sys
import time

import numpy as np
from sklearn.linear_model import LogisticRegression

d, C = sys.argv[1], float(sys.argv[2])
tol = float(sys.argv[3]) if len(sys.argv) > 3 else 1e-4
X = np.load(f"{d}/X.npy").astype(np.float64)
y = np.load(f"{d}/y.npy")
clf = LogisticRegression(solver="liblinear", penalty="l1", C=C, tol=tol, max_iter=1000)
t = time.perf_counter()
clf.fit(X, y)
el = time.perf_counter() - t
w = clf.coef_.ravel()
b = float(clf.intercept_[0])
m = X @ w + b
ys = np.where(y == 1, 1.0, -1.0)
obj = np.abs(w).sum() + abs(b) + C * np.logaddexp(0.0, -ys * m).sum()
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6
print(f"sklearn liblinear L1 fit: C={C} tol={tol} time {el:.2f}s objective {obj:.10g} "
      f"nonzero {np.count_nonzero(w)} n_iter {clf.n_iter_[0]} peak RSS {rss:.2f} GB")
