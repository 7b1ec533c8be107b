package datasets

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// readCSV opens a CSV file, checks that its header has the wanted columns
// (case-insensitive) and calls fn with each row and the column index map.
func readCSV(path string, want []string, fn func(line int, row []string, col map[string]int) error) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("datasets: %w", err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	r.LazyQuotes = true // as Python's csv module: a bare quote inside an unquoted field is literal
	header, err := r.Read()
	if err != nil {
		return fmt.Errorf("datasets: %s line 1: reading CSV header: %w", path, err)
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))] = i
	}
	for _, w := range want {
		if _, ok := col[w]; !ok {
			return fmt.Errorf("datasets: %s line 1: CSV header %q lacks column %q", path, header, w)
		}
	}
	for {
		row, err := r.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return fmt.Errorf("datasets: %s line %d: %w", path, pe.StartLine, err)
			}
			return fmt.Errorf("datasets: %s: %w", path, err)
		}
		line, _ := r.FieldPos(0)
		if len(row) != len(header) {
			if ferr := fn(line, nil, col); ferr != nil {
				return ferr
			}
			continue
		}
		if ferr := fn(line, row, col); ferr != nil {
			if ferr == errStop {
				return nil
			}
			return ferr
		}
	}
}

// ReadFalseQA reads a FalseQA CSV (question, answer, label). The answer is a
// plain string or a Python list literal of strings (falseqa_test.csv);
// Extra["label"] is the label column ("1" = false premise, "0" = valid).
func ReadFalseQA(path string, opt Options) ([]Record, Stats, error) {
	var recs []Record
	var st Stats
	s := stem(path)
	err := readCSV(path, []string{"question", "answer", "label"}, func(line int, row []string, col map[string]int) error {
		where := fmt.Sprintf("%s line %d", path, line)
		if row == nil {
			return st.bad(opt, where, errors.New("wrong number of fields"))
		}
		q := row[col["question"]]
		if strings.TrimSpace(q) == "" {
			return st.bad(opt, where, errors.New("empty question"))
		}
		lab := strings.TrimSpace(row[col["label"]])
		if lab != "0" && lab != "1" {
			return st.bad(opt, where, fmt.Errorf("label %q is not 0 or 1", lab))
		}
		ans := []string{}
		a := strings.TrimSpace(row[col["answer"]])
		if strings.HasPrefix(a, "[") {
			l, err := parsePyStringList(a)
			if err != nil {
				return st.bad(opt, where, fmt.Errorf("answer list: %w", err))
			}
			ans = l
		} else if a != "" {
			ans = []string{a}
		}
		recs = append(recs, Record{ID: s + ":" + strconv.Itoa(line), Question: q, Answers: ans, Source: "falseqa",
			Extra: map[string]string{"label": lab}})
		if opt.full(len(recs)) {
			return errStop
		}
		return nil
	})
	st.Read = len(recs)
	return recs, st, err
}

// ReadTruthfulQA reads TruthfulQA.csv (Type, Category, Question, Best Answer,
// Correct Answers, Incorrect Answers, Source). Answers are the "; "-separated
// correct answers, Incorrect the incorrect ones; Extra holds type, category,
// best_answer and source.
func ReadTruthfulQA(path string, opt Options) ([]Record, Stats, error) {
	var recs []Record
	var st Stats
	s := stem(path)
	want := []string{"type", "category", "question", "best answer", "correct answers", "incorrect answers"}
	err := readCSV(path, want, func(line int, row []string, col map[string]int) error {
		where := fmt.Sprintf("%s line %d", path, line)
		if row == nil {
			return st.bad(opt, where, errors.New("wrong number of fields"))
		}
		q := row[col["question"]]
		if strings.TrimSpace(q) == "" {
			return st.bad(opt, where, errors.New("empty question"))
		}
		correct := splitSemi(row[col["correct answers"]])
		if len(correct) == 0 {
			return st.bad(opt, where, errors.New("no correct answers"))
		}
		extra := map[string]string{"type": row[col["type"]], "category": row[col["category"]], "best_answer": row[col["best answer"]]}
		if i, ok := col["source"]; ok {
			extra["source"] = row[i]
		}
		recs = append(recs, Record{ID: s + ":" + strconv.Itoa(line), Question: q, Answers: correct,
			Incorrect: splitSemi(row[col["incorrect answers"]]), Source: "truthfulqa", Extra: extra})
		if opt.full(len(recs)) {
			return errStop
		}
		return nil
	})
	st.Read = len(recs)
	return recs, st, err
}

func splitSemi(s string) []string {
	out := []string{}
	for _, p := range strings.Split(s, ";") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// parsePyStringList parses a Python list literal of string literals, e.g.
// ['a', "b's", 'c\'d']. Escapes \\, \', \", \n, \t, \r are understood; other
// backslashes are kept literally (as Python does for unknown escapes).
func parsePyStringList(s string) ([]string, error) {
	s = strings.TrimSpace(s)
	if !strings.HasPrefix(s, "[") || !strings.HasSuffix(s, "]") {
		return nil, errors.New("not a [...] list")
	}
	body := s[1 : len(s)-1]
	out := []string{}
	i := 0
	skipSpace := func() {
		for i < len(body) && (body[i] == ' ' || body[i] == '\t' || body[i] == '\n' || body[i] == '\r') {
			i++
		}
	}
	for {
		skipSpace()
		if i >= len(body) {
			return out, nil
		}
		q := body[i]
		if q != '\'' && q != '"' {
			return nil, fmt.Errorf("offset %d: want a quoted string, found %q", i+1, body[i])
		}
		i++
		var b strings.Builder
		closed := false
		for i < len(body) {
			c := body[i]
			if c == '\\' && i+1 < len(body) {
				switch n := body[i+1]; n {
				case '\\', '\'', '"':
					b.WriteByte(n)
				case 'n':
					b.WriteByte('\n')
				case 't':
					b.WriteByte('\t')
				case 'r':
					b.WriteByte('\r')
				default:
					b.WriteByte('\\')
					b.WriteByte(n)
				}
				i += 2
				continue
			}
			if c == q {
				closed = true
				i++
				break
			}
			b.WriteByte(c)
			i++
		}
		if !closed {
			return nil, errors.New("unterminated string")
		}
		out = append(out, b.String())
		skipSpace()
		if i >= len(body) {
			return out, nil
		}
		if body[i] != ',' {
			return nil, fmt.Errorf("offset %d: want ',' between strings, found %q", i+1, body[i])
		}
		i++
	}
}
