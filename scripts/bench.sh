#!/usr/bin/env bash
# Runs every benchmark BENCHMARKS.md reports, on a quiet machine, and keeps the
# raw output of each command in OUT (default /tmp/hneurons-bench). Needs
# libopenblas-dev for the side-by-side GEMM table and /usr/bin/python3 with
# scikit-learn for the probe comparison; those two steps are skipped with a
# message when their tools are missing.
set -uo pipefail
cd "$(dirname "$0")/.."
out=${1:-/tmp/hneurons-bench}
mkdir -p "$out"
go build -o "$out/hn" ./cmd/hneurons || exit 1
run() { # name, command...
	local name=$1; shift
	echo "== $name: $*" | tee "$out/$name.txt"
	"$@" 2>&1 | tee -a "$out/$name.txt"
}
if [ -f /usr/include/x86_64-linux-gnu/cblas.h ] || [ -f /usr/include/cblas.h ]; then
	# OpenBLAS worker threads spin for ~0.1 s after each call by default and would
	# steal a core from our next call in this interleaved benchmark; a short
	# timeout makes both libraries sleep between calls.
	run gemm-avx512 env OPENBLAS_THREAD_TIMEOUT=4 OPENBLAS_CORETYPE=SkylakeX go test -tags openblas -run '^$' -bench 'GEMM$' -benchtime 3x ./kernels/
	run gemm-avx2 env OPENBLAS_THREAD_TIMEOUT=4 OPENBLAS_CORETYPE=Haswell HNEURONS_KERNELS=avx2 go test -tags openblas -run '^$' -bench 'GEMM$' -benchtime 3x ./kernels/
	run gemm-default env OPENBLAS_THREAD_TIMEOUT=4 go test -tags openblas -run '^$' -bench 'GEMM$' -benchtime 3x ./kernels/
	run gemm-avx512-spin env OPENBLAS_CORETYPE=SkylakeX go test -tags openblas -run '^$' -bench 'GEMM$' -benchtime 3x ./kernels/
else
	echo "libopenblas-dev not installed: skipping the side-by-side GEMM table" | tee "$out/gemm-skipped.txt"
fi
run matvec go test -run '^$' -bench 'MatVec|MemRead' -benchtime 20x ./kernels/
run tokenizer go test -run '^$' -bench 'Encode' -benchtime 10x ./tokenizer/
run stories-t2 "$out/hn" bench --model ../shared/models/stories260K/stories260K.gguf --threads 2 --min-time 3s
run stories-t1 "$out/hn" bench --model ../shared/models/stories260K/stories260K.gguf --threads 1 --min-time 3s
run qwen-bf16 "$out/hn" bench --random-shape qwen2.5-0.5b --dtype bf16 --threads 2 --min-time 1ms
run qwen-bf16-folder "$out/hn" bench --random-shape qwen2.5-0.5b --dtype bf16 --save "$out/q05" --threads 2 --min-time 1ms
run qwen-bf16-score-memory /usr/bin/time -v "$out/hn" score --model "$out/q05" --tokens "$(seq -s, 1 64)"
rm -rf "$out/q05"
run extract go test -run '^$' -bench 'Extract' -benchtime 8x ./extract/
run probe-go "$out/hn" probe-bench --rows 2000 --cols 65536 --C 1 --tol 1e-6 --npy "$out/pb64"
if /usr/bin/python3 -c 'import sklearn' 2>/dev/null; then
	run probe-sklearn /usr/bin/python3 probe/testdata/bench_sklearn.py "$out/pb64" 1 1e-6
else
	echo "scikit-learn not importable by /usr/bin/python3: skipping the liblinear side" | tee "$out/probe-sklearn-skipped.txt"
fi
rm -rf "$out/pb64"
run trainer-step go test -run '^$' -bench 'Step$' -benchtime 20x ./organism/train/
run transpose go test -run '^$' -bench 'Transpose$' -benchtime 200x ./kernels/
run demo /usr/bin/time -v "$out/hn" demo --out "$out/demo"
rm -rf "$out/demo"
touch "$out/DONE"
