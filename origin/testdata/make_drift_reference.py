#!/usr/bin/python3
"""Writes the float64 reference of the weight-drift study for origin's tests.

Run from this folder with Debian's python3-numpy and python3-scipy:
    /usr/bin/python3 make_drift_reference.py
It writes the weights (float32 .npy, the Go test reads them) and
drift_reference.json: d = 1 - cos per neuron for W_gate/W_up rows and W_down
columns, z-scores (population sd), scores, normalised ranks (largest score
rank 0, ties averaged), scipy's one-sided Welch t-test of the H-Neurons'
scores against the rest, the exact permutation p-values of their mean rank
(every subset of that size, and every layer-matched subset), and Student-t CDF / incomplete-beta values.
"""
import itertools
import json

import numpy as np
from scipy import special, stats

L, F, D = 2, 6, 5
rng = np.random.default_rng(20261206)
gate = rng.standard_normal((L, F, D)).astype(np.float32)
up = rng.standard_normal((L, F, D)).astype(np.float32)
down = rng.standard_normal((L, D, F)).astype(np.float32)
noise = rng.uniform(0.05, 1.0, size=(L, F))  # per-neuron drift size
h = [(0, 1), (1, 2), (1, 4)]
for (l, j) in h:
    noise[l, j] = 0.01  # the H-Neurons barely move
t_gate = gate + (noise[:, :, None] * rng.standard_normal((L, F, D))).astype(np.float32)
t_up = up + (noise[:, :, None] * rng.standard_normal((L, F, D))).astype(np.float32)
t_down = down + (noise[:, None, :] * rng.standard_normal((L, D, F))).astype(np.float32)
t_gate, t_up, t_down = t_gate.astype(np.float32), t_up.astype(np.float32), t_down.astype(np.float32)
for name, a in [("base_gate", gate), ("base_up", up), ("base_down", down),
                ("tuned_gate", t_gate), ("tuned_up", t_up), ("tuned_down", t_down)]:
    np.save(name + ".npy", a.reshape(L, -1))


def cosd(a, b):
    a, b = a.astype(np.float64), b.astype(np.float64)
    return 1 - (a * b).sum(-1) / np.sqrt((a * a).sum(-1) * (b * b).sum(-1))


d_gate = cosd(gate, t_gate).reshape(-1)
d_up = cosd(up, t_up).reshape(-1)
d_down = cosd(down.transpose(0, 2, 1), t_down.transpose(0, 2, 1)).reshape(-1)
z_up = (d_up - d_up.mean()) / d_up.std()
z_down = (d_down - d_down.mean()) / d_down.std()
score = (z_up + z_down) / 2
n = L * F
# rankdata ranks ascending from 1; largest score gets rank 0 here.
rank = (n - stats.rankdata(score)) / (n - 1)
hidx = [l * F + j for (l, j) in h]
mask = np.zeros(n, bool)
mask[hidx] = True
welch = stats.ttest_ind(score[mask], score[~mask], equal_var=False, alternative="less")
va, vb = score[mask].var(ddof=1) / mask.sum(), score[~mask].var(ddof=1) / (~mask).sum()
df = (va + vb) ** 2 / (va ** 2 / (mask.sum() - 1) + vb ** 2 / ((~mask).sum() - 1))
obs = rank[hidx].mean()
subsets = list(itertools.combinations(range(n), len(hidx)))
exact_p = sum(rank[list(s)].mean() >= obs - 1e-12 for s in subsets) / len(subsets)
# Layer-matched: as many neurons from each layer as the H-Neurons have there.
per_layer = [[l * F + j for j in range(F)] for l in range(L)]
need = [sum(1 for (l, _) in h if l == k) for k in range(L)]
matched = [sum(c, ()) for c in itertools.product(*[list(itertools.combinations(per_layer[k], need[k])) for k in range(L)])]
exact_matched_p = sum(rank[list(s)].mean() >= obs - 1e-12 for s in matched) / len(matched)

cdf_points = [(-3.0, 1.0), (-0.5, 2.5), (0.0, 7.0), (1.7, 10.0), (4.0, 3.0), (-12.0, 40.0), (2.5, 1000.0)]
beta_points = [(0.5, 0.5, 0.3), (2.0, 3.0, 0.7), (10.0, 0.5, 0.99), (0.1, 20.0, 0.001), (50.0, 50.0, 0.5)]
ref = {
    "layers": L, "d_ff": F, "d_model": D, "h_neurons": [list(x) for x in h],
    "d_gate": d_gate.tolist(), "d_up": d_up.tolist(), "d_down": d_down.tolist(),
    "z_up": z_up.tolist(), "z_down": z_down.tolist(), "score": score.tolist(), "rank": rank.tolist(),
    "h_mean_rank": float(obs), "welch_t": float(welch.statistic), "welch_p": float(welch.pvalue), "welch_df": float(df),
    "exact_permutation_p": float(exact_p),
    "exact_layer_matched_p": float(exact_matched_p),
    "student_cdf": [[t, v, float(stats.t.cdf(t, v))] for t, v in cdf_points],
    "betainc": [[a, b, x, float(special.betainc(a, b, x))] for a, b, x in beta_points],
}
with open("drift_reference.json", "w") as f:
    json.dump(ref, f, indent=1)
