# Per-choice-token accuracy of sampled answers: for each attribute, the share of
# samples whose k-th *choice* word (the words that vary between values) is right,
# given the earlier ones are right. Years: choice words are the 3rd and 4th.
import json, sys, collections
D, W = sys.argv[1], sys.argv[2]
meta = {json.loads(l)['id']: json.loads(l) for l in open(f'{W}/questions-id.jsonl')}
def bucket(m): return '20+' if m >= 20 else '5-19' if m >= 5 else '2-4' if m >= 2 else '1'
st = collections.defaultdict(lambda: [[0,0],[0,0]])
for l in open(f'{D}/responses.jsonl'):
    r = json.loads(l)
    q = meta.get(r.get('id'))
    if not q: continue
    gold = q['answers'][0].split()
    choice = [2, 3] if q['attribute'] == 'birth_year' and len(gold) == 4 else [0, 1]
    for s in r['samples']:
        t = s['text'].strip().rstrip('.').split()
        if t == ['unknown']: continue
        pre = True
        for k, pos in enumerate(choice):
            if not pre: break
            ok = pos < len(t) and t[pos] == gold[pos] and t[:pos] == gold[:pos] if k == 0 else pos < len(t) and t[pos] == gold[pos]
            c = st[(q['attribute'], bucket(q['mentions']))][k]
            c[1] += 1; c[0] += ok; pre = ok
print('attr\tbucket\tP(1st choice word right)\tP(2nd right | 1st right)')
for a in ['birth_city','birth_year','occupation','university']:
    for b in ['20+','5-19','2-4','1']:
        x = st[(a,b)]; print(a, b, f'{x[0][0]/max(x[0][1],1):.2f} (n={x[0][1]})', f'{x[1][0]/max(x[1][1],1):.2f} (n={x[1][1]})', sep='\t')
