#!/usr/bin/python3
"""Independent reference figures for the datasets tests.

Run with the system Python (standard library only), from this folder:
    /usr/bin/python3 reference.py ../../../shared/datasets > reference.json
It reads the real files under shared/datasets with Python's csv, json and ast
modules and writes the counts and spot-check rows the Go readers must match.
"""
import ast
import csv
import json
import os
import sys

root = sys.argv[1]
out = {}


def p(*parts):
    return os.path.join(root, *parts)


for name in ["NQ-open.dev.jsonl", "NQ-open.efficientqa.dev.1.1.jsonl"]:
    rows = [json.loads(l) for l in open(p("nq_open", name), encoding="utf-8") if l.strip()]
    out["nq/" + name] = {"count": len(rows), "first": rows[0], "last": rows[-1],
                         "answers": sum(len(r["answer"]) for r in rows)}

for name in ["falseqa_test.csv", "train_1187.csv", "valid_1187.csv"]:
    rows = list(csv.DictReader(open(p("falseqa", name), newline="", encoding="utf-8")))
    n_ans = 0
    for r in rows:
        a = r["answer"].strip()
        n_ans += len(ast.literal_eval(a)) if a.startswith("[") else (1 if a else 0)
    out["falseqa/" + name] = {"count": len(rows), "label1": sum(r["label"].strip() == "1" for r in rows),
                              "answers": n_ans, "first_question": rows[0]["question"]}

rows = list(csv.DictReader(open(p("truthfulqa", "TruthfulQA.csv"), newline="", encoding="utf-8")))
split = lambda s: [x.strip() for x in s.split(";") if x.strip()]
out["truthfulqa"] = {"count": len(rows), "first_correct": split(rows[0]["Correct Answers"]),
                     "first_incorrect": split(rows[0]["Incorrect Answers"]), "last_question": rows[-1]["Question"],
                     "correct": sum(len(split(r["Correct Answers"])) for r in rows)}


# GPT-2 byte-level spelling: printable bytes stand for themselves, the others
# for code points from 256 up, in byte order.
_bs = list(range(ord("!"), ord("~") + 1)) + list(range(0xA1, 0xAC + 1)) + list(range(0xAE, 0xFF + 1))
_cs = _bs[:]
_n = 0
for _b in range(256):
    if _b not in _bs:
        _bs.append(_b)
        _cs.append(256 + _n)
        _n += 1
BYTE_OF = {chr(c): b for b, c in zip(_bs, _cs)}


def decode(tokens, sp):
    """Bytes of the token spellings (sp: SentencePiece, else byte-level)."""
    if sp:
        return "".join(tokens).replace("\u2581", " ").encode("utf-8")
    return bytes(BYTE_OF[ch] for t in tokens for ch in t)


def find(seq, sub):
    for i in range(len(seq) - len(sub) + 1):
        if sub and seq[i:i + len(sub)] == sub:
            return i
    return -1


for model in ["Llama33", "Mistral24b", "gemma27b"]:
    ids = {}
    for sp in ["train", "test"]:
        exs = []
        raw = [next(iter(json.loads(l).items())) for l in open(p("hneurons_examples", "%s_TriviaQA_answer_tokens_%s.jsonl" % (model, sp)), encoding="utf-8")]
        # The spelling is a property of the model's tokenizer: SentencePiece
        # when any token of the file has the U+2581 word marker.
        is_sp = any("\u2581" in t for _, v in raw for t in v["tokenized_response"])
        decoded_ok = 0
        answer_texts = []
        for l in open(p("hneurons_examples", "%s_TriviaQA_answer_tokens_%s.jsonl" % (model, sp)), encoding="utf-8"):
            (k, v), = json.loads(l).items()
            exs.append((k, v))
            d = decode(v["tokenized_response"], is_sp)
            r = v["response"].encode("utf-8")
            if r.startswith(d) and r[len(d):].strip() == b"":
                decoded_ok += 1
            i = find(v["tokenized_response"], v["answer_tokens"])
            if i >= 0 and len(answer_texts) < 20:
                start = len(decode(v["tokenized_response"][:i], is_sp))
                end = start + len(decode(v["answer_tokens"], is_sp))
                answer_texts.append([k, r[start:end].decode("utf-8")])
        q = json.load(open(p("hneurons_examples", "%s_TriviaQA_%s_qids.json" % (model, sp))))
        ids[sp] = set(q["t"]) | set(q["f"])
        out["examples/%s/%s" % (model, sp)] = {
            "count": len(exs), "first_id": exs[0][0], "first_response": exs[0][1]["response"],
            "span_found": sum(find(v["tokenized_response"], v["answer_tokens"]) >= 0 for _, v in exs),
            "decoded_ok": decoded_ok, "sentencepiece": is_sp, "answer_texts": answer_texts,
            "t": len(q["t"]), "f": len(q["f"]), "distinct": len(ids[sp]),
            "labelled_with_example": len(ids[sp] & {k for k, _ in exs})}
    out["examples/%s/overlap" % model] = len(ids["train"] & ids["test"])

json.dump(out, sys.stdout, indent=1, sort_keys=True, ensure_ascii=False)
print()
