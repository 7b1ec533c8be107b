package datasets

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// readers maps a format name to its reader.
var readers = map[string]func(path string, opt Options) ([]Record, Stats, error){
	"nq":                ReadNQ,
	"triviaqa-parquet":  ReadTriviaQAParquet,
	"triviaqa-json":     ReadTriviaQAJSON,
	"jsonl":             ReadJSONL,
	"falseqa":           ReadFalseQA,
	"truthfulqa":        ReadTruthfulQA,
	"hneurons-examples": ReadExampleRecords,
	"hneurons-qids":     func(path string, _ Options) ([]Record, Stats, error) { return ReadQIDRecords(path) },
}

// Formats returns the format names Load accepts before a colon, sorted.
func Formats() []string {
	out := []string{"nonexist"}
	for k := range readers {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// ParseSpec splits a dataset spec "format:path" into its parts. A spec whose
// prefix before the first colon is not a known format is a plain path (format
// ""), so Windows drive letters and odd file names still work.
func ParseSpec(spec string) (format, path string) {
	if i := strings.IndexByte(spec, ':'); i > 0 {
		f := spec[:i]
		if _, ok := readers[f]; ok || f == "nonexist" {
			return f, spec[i+1:]
		}
	}
	return "", spec
}

// Load reads the dataset named by spec: "format:path" (see Formats),
// "nonexist:N[:seed]", or a bare path whose format is detected with Detect.
func Load(spec string, opt Options) ([]Record, Stats, error) {
	format, path := ParseSpec(spec)
	if format == "nonexist" {
		parts := strings.Split(path, ":")
		if len(parts) > 2 || parts[0] == "" {
			return nil, Stats{}, fmt.Errorf("datasets: spec %q: want nonexist:N or nonexist:N:seed", spec)
		}
		n, err := strconv.Atoi(parts[0])
		if err != nil || n < 0 {
			return nil, Stats{}, fmt.Errorf("datasets: spec %q: bad count %q", spec, parts[0])
		}
		var seed uint64
		if len(parts) == 2 {
			if seed, err = strconv.ParseUint(parts[1], 10, 64); err != nil {
				return nil, Stats{}, fmt.Errorf("datasets: spec %q: bad seed: %w", spec, err)
			}
		}
		recs, err := GenerateNonExist(n, seed, nil)
		return recs, Stats{Read: len(recs)}, err
	}
	if format == "" {
		var err error
		if format, err = Detect(path); err != nil {
			return nil, Stats{}, err
		}
	}
	return readers[format](path, opt)
}

// Detect guesses a file's format from its extension and first bytes:
// .parquet is triviaqa-parquet; a .json document whose first key is "Data"
// (or another top-level key of the TriviaQA release) is triviaqa-json, one
// whose first key is "t" or "f" is hneurons-qids; .jsonl/.json lines with "answer" and
// no "id" are nq, lines that map one id to an object with "response" are
// hneurons-examples, other lines jsonl; .csv with a "Correct Answers" column
// is truthfulqa and with question,answer,label falseqa.
func Detect(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("datasets: %w", err)
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 1<<16)
	ext := strings.ToLower(filepath.Ext(path))
	switch ext {
	case ".parquet":
		return "triviaqa-parquet", nil
	case ".csv":
		header, _ := br.ReadString('\n')
		h := strings.ToLower(header)
		switch {
		case strings.Contains(h, "correct answers"):
			return "truthfulqa", nil
		case strings.Contains(h, "question") && strings.Contains(h, "label"):
			return "falseqa", nil
		}
		return "", fmt.Errorf("datasets: %s: CSV header %q matches no known format (use format:path; formats: %s)", path, strings.TrimSpace(header), strings.Join(Formats(), ", "))
	}
	head, _ := br.Peek(1 << 16)
	trim := bytes.TrimSpace(head)
	if ext == ".json" && bytes.HasPrefix(trim, []byte("{")) {
		// A whole-file JSON document is told by its first top-level key;
		// other .json files are read as JSON lines below.
		dec := json.NewDecoder(bytes.NewReader(trim))
		if _, err := dec.Token(); err == nil { // the opening brace
			if key, err := dec.Token(); err == nil {
				switch key {
				case "Data", "Version", "Domain", "VerifiedEval", "Split":
					return "triviaqa-json", nil
				case "t", "f":
					return "hneurons-qids", nil
				}
			}
		}
	}
	line := trim
	if i := bytes.IndexByte(line, '\n'); i >= 0 {
		line = line[:i]
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(line, &obj); err != nil {
		return "", fmt.Errorf("datasets: %s line 1: cannot detect the format (not a JSON object: %v); use format:path (formats: %s)", path, err, strings.Join(Formats(), ", "))
	}
	if len(obj) == 1 {
		for _, v := range obj {
			var inner map[string]json.RawMessage
			if json.Unmarshal(v, &inner) == nil {
				if _, ok := inner["response"]; ok {
					return "hneurons-examples", nil
				}
			}
		}
	}
	_, hasAnswer := obj["answer"]
	_, hasID := obj["id"]
	_, hasAnswers := obj["answers"]
	if hasAnswer && !hasID && !hasAnswers {
		return "nq", nil
	}
	return "jsonl", nil
}
