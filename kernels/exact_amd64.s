//go:build amd64 && !purego

#include "textflag.h"

// Bit-exact SSE versions of axpyBitExactGo and dotBitExact4Go (exact.go):
// multiplications and additions are separate (no FMA) and the dot keeps
// the Go loop's four accumulators as the four lanes, so the results are
// the same to the bit as the Go loops.

// func axpyBitExactSSE(alpha float32, x *float32, y *float32, n int)
// y[i] += alpha*x[i] for i < n.
TEXT ·axpyBitExactSSE(SB), NOSPLIT, $0-32
	MOVSS alpha+0(FP), X0
	SHUFPS $0x00, X0, X0
	MOVQ x+8(FP), SI
	MOVQ y+16(FP), DI
	MOVQ n+24(FP), CX
loop8:
	CMPQ CX, $8
	JLT loop4
	MOVUPS (SI), X1
	MOVUPS 16(SI), X3
	MULPS X0, X1
	MULPS X0, X3
	MOVUPS (DI), X2
	MOVUPS 16(DI), X4
	ADDPS X1, X2
	ADDPS X3, X4
	MOVUPS X2, (DI)
	MOVUPS X4, 16(DI)
	ADDQ $32, SI
	ADDQ $32, DI
	SUBQ $8, CX
	JMP loop8
loop4:
	CMPQ CX, $4
	JLT tail
	MOVUPS (SI), X1
	MULPS X0, X1
	MOVUPS (DI), X2
	ADDPS X1, X2
	MOVUPS X2, (DI)
	ADDQ $16, SI
	ADDQ $16, DI
	SUBQ $4, CX
	JMP loop4
tail:
	TESTQ CX, CX
	JE done
	MOVSS (SI), X1
	MULSS X0, X1
	MOVSS (DI), X2
	ADDSS X1, X2
	MOVSS X2, (DI)
	ADDQ $4, SI
	ADDQ $4, DI
	DECQ CX
	JMP tail
done:
	RET

// func dotBitExact4SSE(x *float32, y *float32, n int) float32
// Lane j accumulates x[i]*y[i] for i = j mod 4 over the whole groups of 4;
// the tail goes to lane 0; the result is (l0+l1)+(l2+l3).
TEXT ·dotBitExact4SSE(SB), NOSPLIT, $0-28
	MOVQ x+0(FP), SI
	MOVQ y+8(FP), DI
	MOVQ n+16(FP), CX
	XORPS X0, X0
loop4:
	CMPQ CX, $4
	JLT tail
	MOVUPS (SI), X1
	MOVUPS (DI), X2
	MULPS X2, X1
	ADDPS X1, X0
	ADDQ $16, SI
	ADDQ $16, DI
	SUBQ $4, CX
	JMP loop4
tail:
	TESTQ CX, CX
	JE reduce
	MOVSS (SI), X1
	MOVSS (DI), X2
	MULSS X2, X1
	ADDSS X1, X0
	ADDQ $4, SI
	ADDQ $4, DI
	DECQ CX
	JMP tail
reduce:
	MOVAPS X0, X1
	SHUFPS $0xB1, X1, X1
	ADDPS X1, X0
	MOVHLPS X0, X1
	ADDSS X1, X0
	MOVSS X0, ret+24(FP)
	RET
