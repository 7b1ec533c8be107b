// Package label judges sampled responses against gold answers, keeps the
// questions whose samples agree, picks a representative response and locates
// its answer span; it also defines the JSONL records shared with collect.
//
// # Records
//
// record.Collected (one JSON object per line, written by collect, read by label):
//
//	{"id": "tc_1", "question": "...", "answers": ["Mars", ...], "source": "triviaqa",
//	 "prompt": "<rendered chat prompt>", "prompt_format": "chat",
//	 "samples": [{"text": "Mars", "tokens": [44, 91], "finish_reason": "stop"}, ...],
//	 "model": "...", "seed": 1, "decoding": {"temperature": 1, "top_p": 0.9, "top_k": 50, "max_new_tokens": 50}}
//
// record.Labelled (one per question, written by label, read by split and extract):
//
//	{"id", "question", "answers", "source", "model", "prompt", "prompt_format",
//	 "judgements": [{"verdict": "true"|"false"|"uncertain", "judge": "rule", "alias": "Mars"}, ...],
//	 "agree": 10, "consistent": true, "label": "faithful"|"hallucinated"|"uncertain",
//	 "response": "Mars", "response_index": 0, "response_tokens": [44, 91],
//	 "answer_start": 0, "answer_end": 4, "answer_text": "Mars", "span_method": "gold-alias"}
//
// answer_start and answer_end are BYTE offsets into response; the pipeline
// maps them to tokens with the tokenizer's offsets and CharSpanToTokenSpan.
//
// # Judging
//
// A response is uncertain when it contains "don't know" (straight or curly
// apostrophe), "cannot", "not provided" or "no information", case-insensitive
// (IsUncertain). Otherwise a judge says true or false: the rule judge (RuleJudge)
// normalises response and gold aliases like SQuAD's normalize_answer (see
// Normalize) and calls the response correct when some non-empty normalised
// alias is a substring of the normalised response; the LLM judge (LLMJudge)
// asks an OpenAI-compatible chat model, with retries and an on-disk cache.
//
// Questions about fabricated entities (source "nonexist", or
// Options.RefusalCorrect) are judged by the refusal rule instead: declining
// (IsUncertain) is true, any confident answer false.
//
// A question is consistent when no judgement is uncertain and at least
// MinAgree judgements share the majority verdict (a tie is never consistent);
// its label is then faithful (true) or hallucinated (false), else uncertain.
// The representative response is the most frequent sample text among the
// samples with the label's verdict (ties: the first in sample order).
//
// # Answer spans
//
// span_method says how the span was found:
//   - "gold-alias": the response was judged correct and a gold alias occurs in
//     it: the longest matching normalised alias, at its earliest occurrence,
//     mapped back to the original bytes through the normalisation (so
//     apostrophes, punctuation, articles and Unicode are handled).
//   - "content-rule": otherwise (hallucinated, or correct without a matching
//     alias), the shortest content span: the first non-empty line, without a
//     leading phrase such as "The answer is" or "I think", a leading article,
//     enclosing quotes or asterisks, or trailing punctuation.
//   - "fallback-all": the rule leaves nothing: the whole response.
//   - "authors-tokens": records imported from the H-Neurons authors' example
//     files (ImportAuthors) keep the authors' answer tokens as the span.
package label
