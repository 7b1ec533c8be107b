#!/usr/bin/env bash
# Side by side with llama.cpp: hneurons and llama.cpp run on the same GGUF
# files, the same thread count, interleaved (llama.cpp, hneurons, llama.cpp,
# hneurons, ...) in one run, with the load average written beside every
# figure. The llama.cpp build is not part of this repository: build it
# yourself (tag b4747: cmake -B build -DGGML_NATIVE=ON
# -DCMAKE_BUILD_TYPE=Release && cmake --build build --target llama-bench
# llama-batched-bench llama-quantize) and point LLAMA_CPP_BUILD at its build
# folder (the one holding bin/llama-bench).
#
#   LLAMA_CPP_BUILD=/tmp/llama.cpp/build scripts/bench_llama.sh OUT [MODEL.gguf ...]
#
# Without MODEL arguments it writes the random Qwen2.5-0.5B-shape model in
# BF16 (hneurons bench --random-shape qwen2.5-0.5b --save-gguf), quantises it
# with llama.cpp's own llama-quantize to Q8_0, and writes the
# Qwen2.5-1.5B-shape model (every width a multiple of 256, so Q4_K_M is all
# Q4_K/Q6_K; in the 0.5B shape llama-quantize falls back to Q5_0, which
# hneurons does not read) in BF16 and as Q4_K_M; all under OUT.
#
# Environment: THREADS (2), ROUNDS (3), PP (128), TG (32), and for batched
# sampling NPP (40), NTG (50), NPL (10); BATCHED=0 skips batched sampling;
# KERNELS_CAP (for example avx2) also runs hneurons with HNEURONS_KERNELS set
# to it, and ROUND_ACT=1 with HNEURONS_ACTIVATIONS=round (activations
# rounded to bf16 / quantised to int8 on the decode path, as llama.cpp
# does; kernels column "round"), in the same rounds. Output: OUT/results.tsv, one line per
# measurement (engine, kernels, model, test, tokens/s, load average; the
# hneurons runs also as prefill GFLOP/s and decode weight GB/s, tests
# ending in -gflop_s and -weight_gb_s; and once per round the machine's
# read bandwidth and FMA peak, engine "machine", from hneurons bench
# --peaks), and the raw output of every command in OUT/raw.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${LLAMA_CPP_BUILD:?set LLAMA_CPP_BUILD to a llama.cpp build folder (holding bin/llama-bench)}"
out=${1:?usage: LLAMA_CPP_BUILD=DIR $0 OUT [MODEL.gguf ...]}
shift
threads=${THREADS:-2} rounds=${ROUNDS:-3} pp=${PP:-128} tg=${TG:-32}
npp=${NPP:-40} ntg=${NTG:-50} npl=${NPL:-10}
bin=$LLAMA_CPP_BUILD/bin
for t in llama-bench llama-batched-bench llama-quantize; do
	[ -x "$bin/$t" ] || { echo "missing $bin/$t" >&2; exit 1; }
done
mkdir -p "$out/raw"
hn=$out/hn
go build -o "$hn" ./cmd/hneurons

models=("$@")
if [ ${#models[@]} -eq 0 ]; then
	for shape in qwen2.5-0.5b qwen2.5-1.5b; do
		f=$out/$shape-bf16.gguf
		[ -f "$f" ] || "$hn" bench --random-shape "$shape" --dtype bf16 --save-gguf "$f" --threads "$threads" --min-time 1ns --prompt-tokens 1 --gen-tokens 1 >/dev/null
	done
	q() { # src, type, dst
		[ -f "$3" ] || "$bin/llama-quantize" "$1" "$3" "$2" "$threads" >"$out/raw/quantize-$2.txt" 2>&1
	}
	q "$out/qwen2.5-0.5b-bf16.gguf" Q8_0 "$out/qwen2.5-0.5b-q8_0.gguf"
	q "$out/qwen2.5-1.5b-bf16.gguf" Q4_K_M "$out/qwen2.5-1.5b-q4_k_m.gguf"
	models=("$out/qwen2.5-0.5b-bf16.gguf" "$out/qwen2.5-0.5b-q8_0.gguf" "$out/qwen2.5-1.5b-bf16.gguf" "$out/qwen2.5-1.5b-q4_k_m.gguf")
fi

res=$out/results.tsv
[ -f "$res" ] || printf 'round\tengine\tkernels\tmodel\ttest\ttokens_per_s\tloadavg_1min\n' >"$res"
load() { cut -d' ' -f1 /proc/loadavg; }
emit() { # round engine kernels model test tps load
	printf '%s\t%s\t%s\t%s\t%s\t%.2f\t%s\n' "$@" | tee -a "$res"
}
n=0
llama_bench() { # round model
	local raw=$out/raw/$((n++))-llama-bench.jsonl l
	l=$(load)
	"$bin/llama-bench" -m "$2" -t "$threads" -p "$pp" -n "$tg" -r 3 -o jsonl >"$raw" 2>"$raw.err"
	# best of llama-bench's 3 repetitions, as hneurons bench keeps its best run
	emit "$1" llama.cpp native "$(basename "$2")" "pp$pp" "$(jq -s 'map(select(.n_prompt>0))[0].samples_ts|max' "$raw")" "$l"
	emit "$1" llama.cpp native "$(basename "$2")" "tg$tg" "$(jq -s 'map(select(.n_gen>0))[0].samples_ts|max' "$raw")" "$l"
}
hnenv() { # kernels column -> environment
	case "$1" in
	"") ;;
	round) echo HNEURONS_ACTIVATIONS=round ;;
	*) echo "HNEURONS_KERNELS=$1" ;;
	esac
}
hn_bench() { # round model kernels
	local raw=$out/raw/$((n++))-hneurons-${3:-default}.json l
	l=$(load)
	env $(hnenv "$3") "$hn" bench --model "$2" --threads "$threads" --prompt-tokens "$pp" --gen-tokens "$tg" --min-time 3s >"$raw" 2>"$raw.err"
	emit "$1" hneurons "${3:-default}" "$(basename "$2")" "pp$pp" "$(jq .prefill_tokens_per_s "$raw")" "$l"
	emit "$1" hneurons "${3:-default}" "$(basename "$2")" "tg$tg" "$(jq .decode_tokens_per_s "$raw")" "$l"
	# the same runs as rates: matrix-product GFLOP/s of the prefill, weight GB/s of the decode
	emit "$1" hneurons "${3:-default}" "$(basename "$2")" "pp$pp-gflop_s" "$(jq .prefill_gflop_s "$raw")" "$l"
	emit "$1" hneurons "${3:-default}" "$(basename "$2")" "tg$tg-weight_gb_s" "$(jq .decode_weight_gb_s "$raw")" "$l"
}
hn_peaks() { # round model: the machine's read bandwidth and FMA peak, same threads
	local raw=$out/raw/$((n++))-hneurons-peaks.json l
	l=$(load)
	"$hn" bench --model "$2" --threads "$threads" --prompt-tokens 1 --gen-tokens 1 --min-time 1ns --peaks >"$raw" 2>"$raw.err"
	emit "$1" machine peak "$(basename "$2")" read_gb_s "$(jq .peaks.read_gb_s "$raw")" "$l"
	emit "$1" machine peak "$(basename "$2")" fma_gflop_s "$(jq .peaks.fma_gflop_s "$raw")" "$l"
}
llama_batched() { # round model
	local raw=$out/raw/$((n++))-llama-batched.jsonl l
	l=$(load)
	"$bin/llama-batched-bench" -m "$2" -t "$threads" -c 2048 -b 2048 -ub 512 -npp "$npp" -ntg "$ntg" -npl "$npl" --output-format jsonl >"$raw" 2>"$raw.err"
	# aggregate tokens/s of the generation phase (npl x ntg new tokens)
	emit "$1" llama.cpp native "$(basename "$2")" "batched-tg${ntg}x$npl" "$(jq -s '.[0].speed_tg' "$raw")" "$l"
}
hn_batched() { # round model kernels
	local raw=$out/raw/$((n++))-hneurons-batched-${3:-default}.json l
	l=$(load)
	env $(hnenv "$3") "$hn" bench --model "$2" --threads "$threads" --prompt-tokens "$npp" --gen-tokens "$ntg" --sequences "$npl" --min-time 1ns >"$raw" 2>"$raw.err"
	emit "$1" hneurons "${3:-default}" "$(basename "$2")" "batched-tg${ntg}x$npl" "$(jq .decode_tokens_per_s "$raw")" "$l"
	emit "$1" hneurons "${3:-default}" "$(basename "$2")" "batched-tg${ntg}x$npl-weight_gb_s" "$(jq .decode_weight_gb_s "$raw")" "$l"
}
for r in $(seq 1 "$rounds"); do
	hn_peaks "$r" "${models[0]}"
	for m in "${models[@]}"; do
		llama_bench "$r" "$m"
		hn_bench "$r" "$m" ""
		if [ -n "${KERNELS_CAP:-}" ]; then hn_bench "$r" "$m" "$KERNELS_CAP"; fi
		if [ "${ROUND_ACT:-0}" = 1 ]; then hn_bench "$r" "$m" round; fi
		if [ "${BATCHED:-1}" != 0 ]; then
			llama_batched "$r" "$m"
			hn_batched "$r" "$m" ""
			if [ -n "${KERNELS_CAP:-}" ]; then hn_batched "$r" "$m" "$KERNELS_CAP"; fi
			if [ "${ROUND_ACT:-0}" = 1 ]; then hn_batched "$r" "$m" round; fi
		fi
	done
done
