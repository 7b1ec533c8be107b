# Attribute-confound diagnostic for a demo run (issue 16: why the organism
# misses the +10-point bar over random neurons). Reads DIR/features/{train,test}
# and DIR/splits/{train,test}.jsonl of `hneurons demo --out DIR`, and compares
# the L1 probe (scikit-learn liblinear, standardised answer-token CETT, 1-vs-1)
# with L2 classifiers on as many random neurons (30 draws) and with a
# classifier that sees only the question's attribute: once on the demo's split
# and three times re-balanced within each attribute (subsampled), where the
# attribute carries no information.
#
#   /usr/bin/python3 scripts/attribute_confound.py DIR
import json, sys, numpy as np
from sklearn.linear_model import LogisticRegression
D = sys.argv[1]
def attr(q):
    q = q.lower()
    if 'city' in q or q.startswith('where was'): return 'birth_city'
    if 'year' in q or q.startswith('when was'): return 'birth_year'
    if 'occupation' in q or 'living' in q: return 'occupation'
    return 'university'
def load(side):
    idx = json.load(open(f'{D}/features/{side}/index.json'))
    cols = idx['columns']; rows = idx['rows']
    X = np.fromfile(f'{D}/features/{side}/features.f32', dtype=np.float32).reshape(len(rows), cols)
    q = {}
    for l in open(f'{D}/splits/{side}.jsonl'):
        r = json.loads(l)
        if 'id' in r: q[r['id']] = attr(r['question'])
    keep = [i for i, r in enumerate(rows) if r['region'] == 'answer' and not r['empty']]
    y = np.array([rows[i]['label'] for i in keep]); a = np.array([q[rows[i]['id']] for i in keep])
    g = np.array([rows[i]['group'] for i in keep])
    return X[keep], y, a, g
Xtr, ytr, atr, _ = load('train'); Xte, yte, ate, _ = load('test')
print('train', len(ytr), ytr.mean(), 'test', len(yte), yte.mean())
for s, (y, a) in {'train': (ytr, atr), 'test': (yte, ate)}.items():
    print(s, {k: (int((a == k).sum()), round(float(y[a == k].mean()), 2)) for k in sorted(set(a))})
def strat(y, a, rng):
    idx = []
    for k in sorted(set(a)):
        p = np.where((a == k) & (y == 1))[0]; n = np.where((a == k) & (y == 0))[0]
        m = min(len(p), len(n)); idx += list(rng.choice(p, m, replace=False)) + list(rng.choice(n, m, replace=False))
    return np.array(sorted(idx))
mu, sd = Xtr.mean(0), Xtr.std(0) + 1e-12
def run(tr, te, label, C=1.0, seeds=30):
    rng = np.random.default_rng(1)
    Xa, ya = (Xtr[tr] - mu) / sd, ytr[tr]; Xb, yb = (Xte[te] - mu) / sd, yte[te]
    # attribute-only classifier
    oh = lambda a: np.stack([a == k for k in ['birth_city', 'birth_year', 'occupation', 'university']], 1).astype(float)
    ac = LogisticRegression().fit(oh(atr[tr]), ya).score(oh(ate[te]), yb)
    for Cl1 in [0.003, 0.01, 0.03, 0.1]:
        l1 = LogisticRegression(penalty='l1', C=Cl1, solver='liblinear', max_iter=2000).fit(Xa, ya)
        nz = np.flatnonzero(l1.coef_[0]); k = len(nz)
        if k == 0: continue
        acc = l1.score(Xb, yb)
        h = LogisticRegression(C=C, max_iter=2000).fit(Xa[:, nz], ya).score(Xb[:, nz], yb)
        r = [LogisticRegression(C=C, max_iter=2000).fit(Xa[:, c], ya).score(Xb[:, c], yb)
             for c in (rng.choice(Xtr.shape[1], k, replace=False) for _ in range(seeds))]
        print(f'{label}: n_tr={len(ya)} n_te={len(yb)} attr-only {ac:.3f} | L1 C={Cl1}: k={k} probe acc {acc:.3f}, L2 on H {h:.3f}, random {np.mean(r):.3f} (margin probe-random {100*(acc-np.mean(r)):+.1f})')
run(np.arange(len(ytr)), np.arange(len(yte)), 'demo split')
for sd_ in range(3):
    rng = np.random.default_rng(7 + sd_)
    run(strat(ytr, atr, rng), strat(yte, ate, rng), f'within-attribute balanced (draw {sd_})')
