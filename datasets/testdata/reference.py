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


def find(seq, sub):
    for i in range(len(seq) - len(sub) + 1):
        if sub and seq[i:i + len(sub)] == sub:
            return i
    return -1


for model in ["Llama33", "Mistral24b", "gemma27b"]:
    ids = {}
    for sp in ["train", "test"]:
        exs = []
        for l in open(p("hneurons_examples", "%s_TriviaQA_answer_tokens_%s.jsonl" % (model, sp)), encoding="utf-8"):
            (k, v), = json.loads(l).items()
            exs.append((k, v))
        q = json.load(open(p("hneurons_examples", "%s_TriviaQA_%s_qids.json" % (model, sp))))
        ids[sp] = set(q["t"]) | set(q["f"])
        out["examples/%s/%s" % (model, sp)] = {
            "count": len(exs), "first_id": exs[0][0], "first_response": exs[0][1]["response"],
            "span_found": sum(find(v["tokenized_response"], v["answer_tokens"]) >= 0 for _, v in exs),
            "t": len(q["t"]), "f": len(q["f"]), "distinct": len(ids[sp]),
            "labelled_with_example": len(ids[sp] & {k for k, _ in exs})}
    out["examples/%s/overlap" % model] = len(ids["train"] & ids["test"])

json.dump(out, sys.stdout, indent=1, sort_keys=True, ensure_ascii=False)
print()
