# Per-attribute hallucination rates by popularity bucket from a demo run.
# usage: attr_rates.py DEMO_DIR WORLD_DIR
import json, sys, collections
D, W = sys.argv[1], sys.argv[2]
meta = {}
for l in open(f'{W}/questions-id.jsonl'):
    q = json.loads(l); meta[q['id']] = q
def bucket(m):
    return '20+' if m >= 20 else '5-19' if m >= 5 else '2-4' if m >= 2 else '1'
samp = collections.defaultdict(lambda: [0, 0])   # single samples: false, total
cons = collections.defaultdict(lambda: collections.Counter())  # consistent label counts
near = collections.defaultdict(lambda: [0, 0])  # wrong answers: first word right, total wrong
for i, l in enumerate(open(f'{D}/labelled.jsonl')):
    r = json.loads(l)
    if 'id' not in r or r['id'] not in meta: continue
    q = meta[r['id']]; k = (q['attribute'], bucket(q['mentions']))
    for j in r['judgements']:
        samp[k][1] += 1; samp[k][0] += j['verdict'] != 'true'
    cons[k][r['label'] if r['consistent'] else 'inconsistent'] += 1
resp = {}
for l in open(f'{D}/responses.jsonl'):
    r = json.loads(l)
    if r.get('id') in meta: resp[r['id']] = r
# how wrong answers relate to the gold: shares of words with the gold
share = collections.defaultdict(lambda: collections.Counter())
for qid, r in resp.items():
    q = meta[qid]; gold = q['answers'][0].split()
    outs = r['samples']
    for o in outs:
        t = (o if isinstance(o, str) else o.get('text', o.get('response',''))).strip().rstrip('.').split()
        if t == gold: continue
        if t == ['unknown']: share[q['attribute']]['unknown'] += 1; continue
        n = sum(1 for a, b in zip(t, gold) if a == b)
        share[q['attribute']][f'{n}/{len(gold)} words right'] += 1
attrs = ['birth_city', 'birth_year', 'occupation', 'university']
bks = ['20+', '5-19', '2-4', '1']
print('single-sample hallucination rate (id set, all 10 samples), by attribute x bucket')
print('attr', *bks, 'all', sep='\t')
for a in attrs:
    row = [samp[(a, b)] for b in bks]; tot = [sum(x[0] for x in row), sum(x[1] for x in row)]
    print(a, *[f'{x[0]/max(x[1],1):.2f}' for x in row], f'{tot[0]/tot[1]:.2f}', sep='\t')
print('\nconsistent labels (hallucinated / faithful / inconsistent), by attribute x bucket')
for a in attrs:
    print(a, *[f"{cons[(a,b)]['hallucinated']}/{cons[(a,b)]['faithful']}/{cons[(a,b)]['inconsistent']}" for b in bks], sep='\t')
print('\nwrong samples by how many words agree with the gold (position-wise)')
for a in attrs:
    print(a, dict(sorted(share[a].items())))
