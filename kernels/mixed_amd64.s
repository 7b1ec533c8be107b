//go:build amd64 && !purego

#include "textflag.h"

// The mixed-precision column kernels (float32 x against float64 vectors,
// accumulated in float64) in AVX2+FMA; mixed.go holds their Go twins.

// func dotF32F64AVX2(x []float32, r []float64) float64
// Four ymm accumulators of 4 doubles; each step converts 16 float32 of x to
// float64 and fuses the multiply-add with 16 float64 of r.
TEXT ·dotF32F64AVX2(SB), NOSPLIT, $0-56
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

// func dotAndSqDotF32F64AVX2(x []float32, r, d []float64) (gs, hs float64)
// g = Σ x[i]*r[i], h = Σ x[i]²*d[i], 8 values per step.
TEXT ·dotAndSqDotF32F64AVX2(SB), NOSPLIT, $0-88
	MOVQ x_base+0(FP), SI
	MOVQ x_len+8(FP), CX
	MOVQ r_base+24(FP), DI
	MOVQ d_base+48(FP), DX
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	VXORPD Y2, Y2, Y2
	VXORPD Y3, Y3, Y3

d2loop8:
	CMPQ CX, $8
	JL   d2loop4
	VCVTPS2PD (SI), Y4
	VCVTPS2PD 16(SI), Y5
	VFMADD231PD (DI), Y4, Y0
	VFMADD231PD 32(DI), Y5, Y1
	VMULPD Y4, Y4, Y4
	VMULPD Y5, Y5, Y5
	VFMADD231PD (DX), Y4, Y2
	VFMADD231PD 32(DX), Y5, Y3
	ADDQ $32, SI
	ADDQ $64, DI
	ADDQ $64, DX
	SUBQ $8, CX
	JMP  d2loop8

d2loop4:
	CMPQ CX, $4
	JL   d2reduce
	VCVTPS2PD (SI), Y4
	VFMADD231PD (DI), Y4, Y0
	VMULPD Y4, Y4, Y4
	VFMADD231PD (DX), Y4, Y2
	ADDQ $16, SI
	ADDQ $32, DI
	ADDQ $32, DX
	SUBQ $4, CX
	JMP  d2loop4

d2reduce:
	VADDPD       Y1, Y0, Y0
	VADDPD       Y3, Y2, Y2
	VEXTRACTF128 $1, Y0, X1
	VADDPD       X1, X0, X0
	VHADDPD      X0, X0, X0
	VEXTRACTF128 $1, Y2, X3
	VADDPD       X3, X2, X2
	VHADDPD      X2, X2, X2
	TESTQ        CX, CX
	JE           d2done

d2scalar:
	VCVTSS2SD   (SI), X4, X4
	VFMADD231SD (DI), X4, X0
	VMULSD      X4, X4, X4
	VFMADD231SD (DX), X4, X2
	ADDQ        $4, SI
	ADDQ        $8, DI
	ADDQ        $8, DX
	DECQ        CX
	JNE         d2scalar

d2done:
	VZEROUPPER
	MOVSD X0, gs+72(FP)
	MOVSD X2, hs+80(FP)
	RET

// func dot3F32F64AVX2(x []float32, d, v []float64) float64
// Σ x[i]*d[i]*v[i], 8 values per step.
TEXT ·dot3F32F64AVX2(SB), NOSPLIT, $0-80
	MOVQ x_base+0(FP), SI
	MOVQ x_len+8(FP), CX
	MOVQ d_base+24(FP), DI
	MOVQ v_base+48(FP), DX
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1

d3loop8:
	CMPQ CX, $8
	JL   d3loop4
	VCVTPS2PD (SI), Y4
	VCVTPS2PD 16(SI), Y5
	VMULPD (DX), Y4, Y4
	VMULPD 32(DX), Y5, Y5
	VFMADD231PD (DI), Y4, Y0
	VFMADD231PD 32(DI), Y5, Y1
	ADDQ $32, SI
	ADDQ $64, DI
	ADDQ $64, DX
	SUBQ $8, CX
	JMP  d3loop8

d3loop4:
	CMPQ CX, $4
	JL   d3reduce
	VCVTPS2PD (SI), Y4
	VMULPD (DX), Y4, Y4
	VFMADD231PD (DI), Y4, Y0
	ADDQ $16, SI
	ADDQ $32, DI
	ADDQ $32, DX
	SUBQ $4, CX
	JMP  d3loop4

d3reduce:
	VADDPD       Y1, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VADDPD       X1, X0, X0
	VHADDPD      X0, X0, X0
	TESTQ        CX, CX
	JE           d3done

d3scalar:
	VCVTSS2SD   (SI), X4, X4
	VMULSD      (DX), X4, X4
	VFMADD231SD (DI), X4, X0
	ADDQ        $4, SI
	ADDQ        $8, DI
	ADDQ        $8, DX
	DECQ        CX
	JNE         d3scalar

d3done:
	VZEROUPPER
	MOVSD X0, ret+72(FP)
	RET

// func axpyF32F64AVX2(a float64, x []float32, y []float64)
// y[i] += a*x[i], 4 values per step.
TEXT ·axpyF32F64AVX2(SB), NOSPLIT, $0-56
	VBROADCASTSD a+0(FP), Y15
	MOVQ x_base+8(FP), SI
	MOVQ x_len+16(FP), CX
	MOVQ y_base+32(FP), DI

axloop4:
	CMPQ CX, $4
	JL   axtail
	VCVTPS2PD (SI), Y4
	VMOVUPD (DI), Y5
	VFMADD231PD Y15, Y4, Y5
	VMOVUPD Y5, (DI)
	ADDQ $16, SI
	ADDQ $32, DI
	SUBQ $4, CX
	JMP  axloop4

axtail:
	TESTQ CX, CX
	JE    axdone

axscalar:
	VCVTSS2SD   (SI), X4, X4
	VMOVSD      (DI), X5
	VFMADD231SD X15, X4, X5
	VMOVSD      X5, (DI)
	ADDQ        $4, SI
	ADDQ        $8, DI
	DECQ        CX
	JNE         axscalar

axdone:
	VZEROUPPER
	RET
