// Package datasets reads question-answering datasets into one record type,
// Record {ID, Question, Answers, Source}, and writes the NonExist set of
// questions about fabricated entities.
//
// Readers (each names the file and line, or row, of a bad record in its error;
// with Options.SkipBad a bad row is skipped and counted in Stats instead, never
// dropped silently):
//
//   - nq: NQ-Open JSONL ({"question", "answer": [...]}); IDs are
//     "<file stem>:<line>" because the file has none.
//   - triviaqa-parquet: Hugging Face TriviaQA parquet (question_id, question,
//     answer.aliases, answer.normalized_aliases, answer.value).
//   - triviaqa-json: the original TriviaQA JSON
//     ({"Data": [{"QuestionId", "Question", "Answer": {"Aliases", "NormalizedAliases", "Value"}}]}).
//   - jsonl: generic JSONL ({"id"?, "question", "answers": [...]}; "answer" is
//     accepted as a string or a list). Unknown fields are ignored, so labelled
//     records of package label read as datasets too.
//   - falseqa: FalseQA CSV (question, answer, label; the answer may be a Python
//     list literal). Extra["label"] is "1" for a false premise.
//   - truthfulqa: TruthfulQA CSV; Answers are the correct answers, Incorrect the
//     incorrect ones.
//   - hneurons-examples: the H-Neurons authors' labelled responses, one JSON
//     object per line mapping a question id to {question, response,
//     tokenized_response, answer_tokens}. ReadExamples gives the full Example;
//     Example.TokenOffsets decodes the token spellings (GPT-2 byte-level for
//     the Llama and Mistral files, SentencePiece for Gemma: DetectSpelling)
//     into byte offsets and Example.AnswerByteSpan locates the answer.
//   - hneurons-qids: the authors' split files {"t": [ids], "f": [ids]}
//     (Extra["label"] is "t" or "f"; Question is empty).
//   - nonexist: generated, spec "nonexist:N[:seed]" (see GenerateNonExist).
//
// TriviaQA's rc.* files list each question once per evidence document, so
// ids repeat (the shared test split: 17,210 rows, 9,521 distinct ids);
// Options.DedupeIDs drops the repeats and counts them.
//
// Load picks the reader from a "format:path" spec or, without a format, from
// the file's extension and first bytes.
package datasets
