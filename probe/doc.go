// Package probe trains and evaluates the H-Neuron probe: an L1- (or L2-)
// regularised logistic regression on CETT feature vectors whose positive
// weights name the hallucination-associated neurons.
//
// # Objective
//
// Fit minimises liblinear's objective (the solver scikit-learn's
// LogisticRegression(solver="liblinear") calls), with the intercept as an
// extra feature column of ones that is regularised too:
//
//	L1: ||w||_1 + |b| + C Σ_i log(1 + exp(-y_i (w·x_i + b)))
//	L2: ½(||w||² + b²) + C Σ_i log(1 + exp(-y_i (w·x_i + b)))
//
// and stops with liblinear's criterion (the 1-norm of the minimum-norm
// subgradient at most Tol·max(min(pos,neg),1)/l times its value at w = 0).
//
// # Solver
//
// The solver is a working-set newGLMNET. A full pass computes the loss
// gradient of every column (one dot product per column, split over
// goroutines); the worst violators of the optimality conditions join the
// working set (which at least doubles), and Newton iterations restricted to
// the working set follow, each solving a quadratic model by randomly ordered
// coordinate descent with liblinear-style shrinking and an Armijo line
// search. The loop ends when a full pass finds the whole problem optimal, so
// the answer is that of the full problem, while the expensive work (Hessian
// diagonals, coordinate updates) only touches the few thousand columns that
// can be non-zero. Warm starts along a C path reuse the previous weights.
//
// The column kernels (float32 x float64 dot products, Hessian diagonals,
// axpy) are package kernels' DotF32F64, DotAndSqDotF32F64, Dot3F32F64 and
// AxpyF32F64, called through dot, dot2, dot3 and axpy (dot.go): AVX2+FMA
// assembly on amd64 CPUs that have it, pure-Go twins with -tags purego,
// HNEURONS_KERNELS=go or elsewhere. Package kernels tests the assembly
// against its twins; this package's tests check the wrappers against plain
// float64 loops.
//
// The matrix is stored column-major (feature-major) as float32: LoadNPY and
// LoadFeatures scatter rows into that layout as they read, so memory is the
// matrix plus O(rows + columns) float64 vectors. Cross-validation folds and
// row subsets use per-row weights (0 drops a row), and random-neuron
// baselines use column subsets, so neither copies the matrix.
//
// # Evaluation protocol
//
// The mode (1-vs-1 or 3-vs-1) is a training choice; evaluation is always
// hallucinated-answer vs faithful-answer rows, as in the paper. A Dataset
// knows for every row whether it is an answer row, and its response id and
// group key; Train and TrainCV report train and test metrics on the answer
// rows of the sets they are handed, cross-validation scores the held-out
// answer rows only (the other rows of a 3-vs-1 set are trained on, never
// scored), and Assess and its baseline use the answer rows only.
// LoadEvalDataset loads just those rows; a plain matrix (LoadNPYDataset) is
// all answer rows.
//
// # Probe
//
// Train builds the 1-vs-1 or 3-vs-1 data set from a feature store, fits,
// and maps positive weights to H-Neurons (layer = i / d_ff, neuron = i % d_ff).
// CrossValidate scores a grid of C values on folds that keep every group
// whole (GroupFolds: the answer and other rows of a response, and the
// questions of one group, never straddle a fold) and SelectC chooses among
// them by CVAccuracy or by TaskCriterion, the paper's criterion (held-out
// accuracy plus task accuracy with the neurons suppressed), whose Task the
// intervention stage provides (intervene.SuppressionTask; `hneurons train
// --criterion paper`); every point records its score and, under
// TaskCriterion, its task accuracy. Baseline compares a
// classifier restricted to the H-Neurons with the same classifier restricted
// to as many random neurons, cross-validated over several seeds on grouped
// folds: by default
// L2-regularised logistic regression (C = 1) on the subset's columns
// standardised per training fold, so that every neuron of the subset is used
// (the probe's L1 fit at its C on a small random subset usually keeps no
// weight and predicts the majority class; that old baseline remains as
// BaselineProbe). Evaluate reports accuracy,
// precision, recall, F1 and tie-aware AUROC with bootstrap intervals, and
// Assess applies a saved probe to new features (optionally on a
// class-balanced subset, as the paper's accuracies are) with the baseline.
// WithinGroups checks a confound beyond the paper: the AUROC within each
// group of questions (e.g. one attribute), which stays near 0.5 for a probe
// that only tells the kinds of question apart.
package probe
