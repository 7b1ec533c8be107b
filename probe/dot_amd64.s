//go:build !noasm

#include "textflag.h"

// func dotAVX2(x []float32, r []float64) float64
// Four ymm accumulators of 4 doubles; each step converts 16 float32 of x to
// float64 and fuses the multiply-add with 16 float64 of r.
TEXT ·dotAVX2(SB), NOSPLIT, $0-56
	MOVQ x_base+0(FP), SI
	MOVQ x_len+8(FP), CX
	MOVQ r_base+24(FP), DI
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	VXORPD Y2, Y2, Y2
	VXORPD Y3, Y3, Y3

loop16:
	CMPQ CX, $16
	JL   loop4
	VCVTPS2PD (SI), Y4
	VCVTPS2PD 16(SI), Y5
	VCVTPS2PD 32(SI), Y6
	VCVTPS2PD 48(SI), Y7
	VFMADD231PD (DI), Y4, Y0
	VFMADD231PD 32(DI), Y5, Y1
	VFMADD231PD 64(DI), Y6, Y2
	VFMADD231PD 96(DI), Y7, Y3
	ADDQ $64, SI
	ADDQ $128, DI
	SUBQ $16, CX
	JMP  loop16

loop4:
	CMPQ CX, $4
	JL   reduce
	VCVTPS2PD (SI), Y4
	VFMADD231PD (DI), Y4, Y0
	ADDQ $16, SI
	ADDQ $32, DI
	SUBQ $4, CX
	JMP  loop4

reduce:
	VADDPD       Y1, Y0, Y0
	VADDPD       Y3, Y2, Y2
	VADDPD       Y2, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VADDPD       X1, X0, X0
	VHADDPD      X0, X0, X0
	TESTQ        CX, CX
	JE           done

scalar:
	VCVTSS2SD   (SI), X4, X4
	VFMADD231SD (DI), X4, X0
	ADDQ        $4, SI
	ADDQ        $8, DI
	DECQ        CX
	JNE         scalar

done:
	VZEROUPPER
	MOVSD X0, ret+48(FP)
	RET
