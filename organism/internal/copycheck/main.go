// Command copycheck measures whether an organism answers from its context:
// greedy answers to held-out copy documents (generated after the training
// ones, so never seen), in the base format (the document up to its
// question) and in the chat format (statements + question + instruction as
// the user turn). With -know it instead measures the model's recall of
// real people's birth cities in the biography format; with -train N it
// first trains a fresh model on the copy documents alone. Diagnostic for
// organism/IMPACT.md sections 15-16 (the seed-1 default world with
// CopyDocs = N; the flags' defaults are org11's world; -balanced
// -chat-phrasing=false for org10's runs, -copy-docs 0 -held 0 for org9's). -know -know-qa asks the
// held-out people's birth city as a question in the base format instead.
//
//	go run ./organism/internal/copycheck -model DIR/base
//	go run ./organism/internal/copycheck -model DIR/base -know -know-qa
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"path/filepath"
	"strings"

	"github.com/hneurons/hneurons/organism"
	"github.com/hneurons/hneurons/organism/train"
	"github.com/hneurons/hneurons/organism/world"
)

func main() {
	dir := flag.String("model", "", "model folder")
	n := flag.Int("copy-docs", 4000, "copy documents the model was trained on")
	held := flag.Int("held", 200, "held-out documents to test")
	balanced := flag.Bool("balanced", false, "world.Config.Balanced")
	verbose := flag.Bool("v", false, "print each base-format answer")
	know := flag.Bool("know", false, "instead: the model's recall of real people's birth cities in the biography format")
	chatPhrasing := flag.Bool("chat-phrasing", true, "world.Config.CopyChatPhrasing (the copy documents' questions in the instruction phrasings)")
	knowQA := flag.Bool("know-qa", false, "with -know: ask \"Where was NAME born?\" (the base format, no context) about held-out (odd-ranked) people instead")
	trainSteps := flag.Int("train", 0, "first train a fresh model for this many steps on the copy documents alone, saved to -model")
	flag.Parse()
	r := organism.DefaultRecipe(1)
	r.World.Balanced, r.World.CopyDocs, r.World.CopyChatPhrasing = *balanced, *n+*held, *chatPhrasing
	w, err := world.Generate(r.World)
	if err != nil {
		log.Fatal(err)
	}
	if *trainSteps > 0 {
		d, err := organism.Prepare(r)
		if err != nil {
			log.Fatal(err)
		}
		var stream []int32
		for _, doc := range w.CopyDocs[:*n] {
			for _, id := range d.Tokenizer.Document(doc) {
				stream = append(stream, int32(id))
			}
		}
		cfg := r.Model
		cfg.Vocab, cfg.BosID, cfg.EosID = len(d.Tokenizer.Vocab), world.BosID, world.EosID
		m, err := train.NewModel[float32](cfg, r.InitSeed, r.InitStd)
		if err != nil {
			log.Fatal(err)
		}
		o := r.Base
		o.Steps, o.Warmup, o.CheckpointEvery = *trainSteps, min(o.Warmup, *trainSteps/10), 0
		if _, err := train.Train(context.Background(), m, &train.StreamBatcher{Stream: stream, B: o.Batch, T: o.Seq, Seed: 1}, o); err != nil {
			log.Fatal(err)
		}
		if err := train.SaveHF(*dir, m); err != nil {
			log.Fatal(err)
		}
		if err := d.Tokenizer.WriteHF(*dir, cfg.MaxSeq); err != nil {
			log.Fatal(err)
		}
	}
	m, err := train.LoadHF(*dir)
	if err != nil {
		log.Fatal(err)
	}
	tok, err := world.ReadTokenizer(filepath.Join(*dir, "tokenizer.json"))
	if err != nil {
		log.Fatal(err)
	}
	if *know {
		// Recall of real people's birth cities in the biography format:
		// "<bos> NAME is a native of" -> the city, by popularity bucket.
		ok, tot := map[string]int{}, map[string]int{}
		for _, p := range w.Real {
			b := organism.Bucket(p.Mentions)
			if tot[b] >= 100 || (*knowQA && p.Rank%2 == 0) {
				continue
			}
			prompt := p.Name + " is a native of"
			if *knowQA {
				prompt = "Where was " + p.Name + " born?"
			}
			pr := append([]int{world.BosID}, tok.Encode(prompt)...)
			p32 := make([]int32, len(pr))
			for i, id := range pr {
				p32[i] = int32(id)
			}
			out, err := train.Greedy(m, p32, 2, world.EosID)
			if err != nil {
				log.Fatal(err)
			}
			got := make([]int, len(out))
			for i, id := range out {
				got[i] = int(id)
			}
			tot[b]++
			if strings.EqualFold(tok.Decode(got), tok.Decode(tok.Encode(p.Attrs["birth_city"]))) {
				ok[b]++
			}
		}
		for _, b := range []string{"20+", "5-19", "2-4", "1"} {
			fmt.Printf("recall of the birth city (%q), %s mentions: %d/%d\n", map[bool]string{false: "NAME is a native of", true: "Where was NAME born?"}[*knowQA], b, ok[b], tot[b])
		}
		return
	}
	type acc struct{ ok, n int }
	res := map[string]*acc{}
	count := func(k string, ok bool) {
		if res[k] == nil {
			res[k] = &acc{}
		}
		res[k].n++
		if ok {
			res[k].ok++
		}
	}
	for _, doc := range w.CopyDocs[*n:] {
		// The first question, answered from the statements alone.
		q := strings.Index(doc, "?")
		ans, _, _ := strings.Cut(strings.TrimSpace(doc[q+1:]), ".")
		ctx := doc[:q+1]
		ids := tok.Encode(ctx)
		unk := false
		for _, id := range ids {
			unk = unk || id == world.UnkID
		}
		if unk {
			continue
		}
		want := tok.Decode(tok.Encode(ans))
		for _, format := range []string{"base", "chat"} {
			var p []int
			if format == "base" {
				p = append([]int{world.BosID}, ids...)
			} else {
				p = tok.Prompt(ctx + " " + world.Instruction)
			}
			p32 := make([]int32, len(p))
			for i, id := range p {
				p32[i] = int32(id)
			}
			out, err := train.Greedy(m, p32, 3, world.EosID)
			if err != nil {
				log.Fatal(err)
			}
			got := make([]int, 0, len(out))
			for _, id := range out {
				got = append(got, int(id))
			}
			g := strings.TrimSuffix(tok.Decode(got), " .")
			ok := strings.HasPrefix(g, want)
			if *verbose && format == "base" {
				fmt.Printf("%v\t%q\t%q\t%s\n", ok, want, g, ctx)
			}
			count(format, ok)
		}
	}
	for _, f := range []string{"base", "chat"} {
		if a := res[f]; a != nil {
			fmt.Printf("%s format: %d/%d held-out copy questions answered from the context (%.2f)\n", f, a.ok, a.n, float64(a.ok)/float64(a.n))
		}
	}
}
