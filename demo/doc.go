// Package demo runs the whole H-Neuron identification chain on the model
// organism in one call: questions from the organism's world (in-distribution
// questions about real people the chat stage never asked about, and NonExist
// questions about fabricated people) are sampled (collect), judged and
// filtered for consistency (label), split by person into balanced, disjoint
// train and test sets (split), turned into CETT features (extract), used to
// train the sparse L1 probe with C chosen by cross-validation (probe), and
// evaluated on the test set and on NonExist with bootstrap intervals against
// classifiers restricted to random neurons.
//
// # Labels on the organism
//
// The organism abstains with the single word "unknown", which label's
// uncertainty rule does not know. The demo therefore judges with its own
// rule-judge wrapper (Judge):
//
//   - in-distribution questions: "unknown" is an uncertain verdict (the
//     question then fails the consistency filter, as refusals do in the
//     paper); any other response is judged by label.RuleJudge against the
//     gold answer.
//   - NonExist questions (gold answer "unknown"): abstaining is faithful,
//     any confident answer is a hallucination. The records are labelled under
//     the source "organism-nonexist", so label's own refusal rule (which only
//     knows phrases like "don't know") is not applied to them.
//
// # Splits
//
// Questions about one person share the person's name, and so possibly the
// neurons that track how well the model knows the person; the train and test
// sets are therefore disjoint by person (a seeded hash of the name decides),
// and each side is balanced with split.Split (equal faithful and hallucinated).
// NonExist is never trained on: it is its own evaluation set.
//
// The training set takes the consistent questions (all 10 samples agree,
// none abstains; METHOD.md section 1); the test and NonExist sets take one
// sampled response per question without the consistency filter, as the
// paper's evaluation sets do (METHOD.md section 2), balanced.
//
// # Probe mode
//
// The default is the paper's 3-vs-1. On org7 1-vs-1 gave
// nearly the same figures (test AUROC 0.755 against 0.753 with seed 1), so
// the paper's choice stays. The cross-validation that chooses C is the
// probe package's protocol: folds keep a person's questions (and the answer
// and other rows of one response) together, and are scored on answer rows
// only, hallucinated against faithful. Until hneurons 0.4 the folds split
// persons and counted the easy "other" rows, which lifted the CV accuracy at
// C = 10 from 0.835 to 0.922 on org7; the chosen C (10, the
// grid's top) and every held-out figure stayed the same.
//
// # Baselines
//
// The random-neuron baseline (probe.Assess) cross-validates restricted
// classifiers on the evaluation set itself, whereas the probe is trained on
// the train set and transferred; on NonExist, where the faithful answer is
// always the token "unknown", any neurons separate the classes within the
// set, so a high baseline there says nothing about transfer.
//
// # Result on the shipped organism (seed 1, 36 s on 2 quiet cores)
//
// The shipped organism (org9 in organism/shipped/README.md, trained with
// the impact analogues) gives 613 faithful and 449 hallucinated consistent
// questions of 2,800 (1,738 are not: sampling at temperature 1 or an
// "unknown" among the 10); balanced by person that gives 328+328 to train on
// (the person is each question's group key, so collect, label and extract
// carry it into every record and feature row). The probe keeps 43 of 2,048
// neurons (C = 3) and reaches test accuracy 0.670 [0.634, 0.705], AUROC
// 0.725 [0.684, 0.759] (n = 694), against 0.608 / 0.643 for random 43-neuron
// classifiers cross-validated on the test set and 0.615 / 0.655 in the
// transfer check (means of 100 draws); within attribute its AUROC averages
// 0.695 against 0.597 for the random classifiers. The impact stage then
// scales those 43 neurons: false-premise compliance rises +7.5 points per
// alpha [+4.1, +10.8] with random controls near zero (+2.3 and +3.2 for
// seeds 2 and 3); refusal-bypass reads +17.7 [+14.3, +21.0], but mostly
// because alpha 3 breaks the refusal sentence, and only for seed 1;
// context and challenge stay flat (organism/IMPACT.md). The organism's
// answers are phrases of several words (world.Config.MultiWord), so the
// answer region holds positions where the model is still producing the
// value. The earlier one-word organisms gave an answer region of one token,
// read where the model only predicts end-of-turn, and their probe stayed at
// chance (test AUROC 0.54).
//
// # Impact stage
//
// Unless NoImpact (--no-impact), the demo scales the H-Neurons by each of
// ImpactAlphas on the organism's four analogue benchmarks (impact.jsonl next
// to the questions) and on capability items (a seeded sample of the
// in-distribution questions), against layer-matched and unconstrained
// random controls, through intervene.RunExperiment (METHOD.md section 5).
//
// # Transfer check (beyond the paper)
//
// The random-neuron baseline cross-validates on the evaluation set, whereas the
// probe's own figures are trained on train and scored on the evaluation set.
// The demo therefore also reports a transfer check (probe.TransferCheck; Details.Transfer,
// one more summary.txt line per set): the baseline's restricted L2 classifier
// trained on the train set's answer regions and scored on each evaluation set,
// on the H-Neurons and on as many random neurons per seed. It is not part of
// the paper's method.
//
// # Within-attribute check (beyond the paper)
//
// The organism's attributes differ in how often they are hallucinated and in
// answer length, so a probe could score the kind of question rather than the
// hallucination (METHOD.md section 7 warns of features that track length
// rather than truth). The demo reports the probe's AUROC within each
// attribute and their size-weighted mean, the same for the transfer check's
// random classifiers, and the AUROC of a score that knows only the attribute
// (Within; Details.Within and Transfer, one more summary.txt line per set).
//
// # Other settings and organisms
//
// organism/shipped/README.md ("What org7 ... showed") tabulates 14 demo
// runs on org7, the organism shipped before the impact analogues, with their
// commands. On org7 the probe's test AUROC
// interval lies above both random-neuron means in 10 of 11 runs (seeds,
// probe modes, --min-agree 8, C grids), its accuracy interval in 8 of 11;
// 5 H-Neurons (--C-grid 0.3) still beat 5 random neurons. On NonExist random
// classifiers vary widely (the faithful answer there is always the one token
// "unknown"), so that set says little about the H-Neurons. The same file
// keeps the 21 runs on the earlier one-word organisms, which did not show
// the phenomenon, and the emergence study along the chat stage.
package demo
