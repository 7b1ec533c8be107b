#!/usr/bin/python3
"""Reference table for the label package's answer normalisation.

Run with the system Python (standard library only), from this folder:
    /usr/bin/python3 squad_normalize.py > normalize_cases.json

"squad" is the official SQuAD v1.1 evaluation rule (normalize_answer in
evaluate-v1.1.py): lower-case, remove ASCII punctuation (string.punctuation),
replace the words a/an/the by a space (regex \b(a|an|the)\b), fold white space
with str.split/join. It is restated here from its definition.

"judge" is the same rule applied after the judge's typographic fold (curly
quotes and apostrophes to ASCII, Unicode dashes to '-'), which the Go code
implements separately.

"match" rows give a response, gold aliases and whether some non-empty
normalised alias is a substring of the normalised response.
"""
import json
import re
import string
import sys

PUNCT = set(string.punctuation)


def squad(s):
    s = s.lower()
    s = "".join(ch for ch in s if ch not in PUNCT)
    s = re.sub(r"\b(a|an|the)\b", " ", s)
    return " ".join(s.split())


FOLD = {}
for ch in "\u2018\u2019\u201a\u201b\u2032\u02bc\u00b4\u0060\uff07":
    FOLD[ch] = "'"
for ch in "\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb\uff02":
    FOLD[ch] = '"'
for ch in "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d":
    FOLD[ch] = "-"


def judge(s):
    return squad("".join(FOLD.get(ch, ch) for ch in s))


CASES = [
    "The Beatles", "the beatles!", "A Tale of Two Cities", "An apple a day", "Theatre", "anthem",
    "  Paris,   France. ", "Rock 'n' roll", "Rock \u2019n\u2019 roll", "O'Brien", "O\u2019Brien",
    "don't know", "don\u2019t know", "I don\u2019t know.", "Jay-Z", "Jay\u2013Z", "Jay\u2014Z",
    "U.S.A.", "u.s.a", "Dr. Who?", "\u201cThe Godfather\u201d", "\u00abLes Mis\u00e9rables\u00bb",
    "Caf\u00e9 de Flore", "CAF\u00c9", "Beyonc\u00e9 Knowles", "\u00c9mile Zola", "Stra\u00dfe", "STRASSE",
    "\u0130stanbul", "\u0130STANBUL", "\u039f\u0394\u03a5\u03a3\u03a3\u0395\u03a5\u03a3", "\u03a3", "\u03a3\u03b1",
    "Zo\u00eb", "na\u00efve the", "theA the", "the_the", "a-an-the", "a.b.c", "the\u00a0end",
    "tab\tand\nnewline", "line\u2028sep", "x\u001fy", "\u0391\u03b8\u03ae\u03bd\u03b1 the \u03c0\u03cc\u03bb\u03b7",
    "\u6771\u4eac the \u5927\u5b66", "\u0661\u0662\u0663 the", "\u00bd the", "\u2160 the king", "the\u0301",
    "a\u0300 la carte", "R\u00e9sum\u00e9", "1,000,000", "3.14", "$100", "50%", "#1 hit", "C++", "C#",
    "AT&T", "Procter & Gamble", "e.g. the", "it's the", "THE END", "An", "a", "the", "", "   ",
    "\u00a0the\u00a0", "The Who\u2019s \u2018Tommy\u2019", "Sh\u014dgun", "\ufb01ne", "\u212a", "\u1e9e",
]

MATCH = [
    ("The Beatles!", ["Beatles"], True),
    ("It was the Beatles.", ["The Beatles"], True),
    ("O\u2019Brien", ["O'Brien"], True),
    ("Jay\u2013Z", ["Jay-Z"], True),
    ("Paris", ["paris, france"], False),
    ("Paris, France", ["Paris"], True),
    ("Theatre Royal", ["the atre"], True),
    ("anthem", ["them"], True),
    ("Mars", ["", "Venus"], False),
    ("", ["Mars"], False),
    ("Caf\u00e9", ["Cafe"], False),
    ("\u0130stanbul", ["i\u0307stanbul"], True),
    ("U.S.A.", ["USA"], True),
    ("1,000", ["1000"], True),
    ("The answer is Dublin.", ["Dublin, Ireland", "Dublin"], True),
]

out = {"normalize": [{"in": c, "squad": squad(c), "judge": judge(c)} for c in CASES],
       "match": []}
for resp, aliases, expect in MATCH:
    r = judge(resp)
    got = any(judge(a) and judge(a) in r for a in aliases)
    assert got == expect, (resp, aliases)
    out["match"].append({"response": resp, "aliases": aliases, "correct": got})
json.dump(out, sys.stdout, indent=1, ensure_ascii=False)
print()
