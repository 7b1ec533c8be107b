package kernels

import (
	"encoding/binary"
	"fmt"
)

// DequantQ8_0 decodes len(src)/34 Q8_0 blocks into dst (32 values each):
// value = d * q, with d the block's f16 scale and q its int8 quants.
func DequantQ8_0(dst []float32, src []byte) error {
	nb := len(src) / BlockBytesQ8_0
	if nb*BlockBytesQ8_0 != len(src) || len(dst) < nb*BlockQ8_0 {
		return fmt.Errorf("kernels: Q8_0: %d bytes into %d values: %w", len(src), len(dst), errShape)
	}
	dequantQ8_0(dst, src, nb)
	return nil
}

// DequantQ4_K decodes len(src)/144 Q4_K super-blocks into dst (256 values
// each), following ggml's dequantize_row_q4_K.
func DequantQ4_K(dst []float32, src []byte) error {
	nb := len(src) / BlockBytesQ4_K
	if nb*BlockBytesQ4_K != len(src) || len(dst) < nb*BlockK {
		return fmt.Errorf("kernels: Q4_K: %d bytes into %d values: %w", len(src), len(dst), errShape)
	}
	dequantQ4_K(dst, src, nb)
	return nil
}

// DequantQ6_K decodes len(src)/210 Q6_K super-blocks into dst (256 values
// each), following ggml's dequantize_row_q6_K.
func DequantQ6_K(dst []float32, src []byte) error {
	nb := len(src) / BlockBytesQ6_K
	if nb*BlockBytesQ6_K != len(src) || len(dst) < nb*BlockK {
		return fmt.Errorf("kernels: Q6_K: %d bytes into %d values: %w", len(src), len(dst), errShape)
	}
	dequantQ6_K(dst, src, nb)
	return nil
}

// dequantQ8_0Go decodes nb blocks; layout per block: d f16 | qs [32]int8.
func dequantQ8_0Go(dst []float32, src []byte, nb int) {
	for b := 0; b < nb; b++ {
		blk := src[b*BlockBytesQ8_0 : (b+1)*BlockBytesQ8_0]
		d := FromF16(binary.LittleEndian.Uint16(blk))
		out := dst[b*BlockQ8_0 : (b+1)*BlockQ8_0]
		qs := blk[2:34]
		for i := range out {
			out[i] = d * float32(int8(qs[i]))
		}
	}
}

// q4kScaleMin returns the 6-bit scale and min number j (0..7) packed in the
// 12 scale bytes of a Q4_K super-block: j < 4 use the low 6 bits of bytes j
// and j+4; j >= 4 combine a nibble of byte j+4 with the top 2 bits of bytes
// j-4 (scale) and j (min).
func q4kScaleMin(j int, q []byte) (sc, m uint8) {
	if j < 4 {
		return q[j] & 63, q[j+4] & 63
	}
	sc = q[j+4]&0x0f | (q[j-4]>>6)<<4
	m = q[j+4]>>4 | (q[j]>>6)<<4
	return sc, m
}

// dequantQ4_KGo decodes nb super-blocks; layout per block:
// d f16 | dmin f16 | scales [12]byte | qs [128]byte. Each 64-value group g
// uses scale/min pair 2g for the low nibbles of qs[32g:32g+32] and pair
// 2g+1 for their high nibbles: value = d*sc*q - dmin*m.
func dequantQ4_KGo(dst []float32, src []byte, nb int) {
	for b := 0; b < nb; b++ {
		blk := src[b*BlockBytesQ4_K : (b+1)*BlockBytesQ4_K]
		d := FromF16(binary.LittleEndian.Uint16(blk[0:]))
		dmin := FromF16(binary.LittleEndian.Uint16(blk[2:]))
		scales := blk[4:16]
		qs := blk[16:144]
		out := dst[b*BlockK : (b+1)*BlockK]
		for g := 0; g < 4; g++ {
			sc1, m1 := q4kScaleMin(2*g, scales)
			sc2, m2 := q4kScaleMin(2*g+1, scales)
			d1, mm1 := d*float32(sc1), dmin*float32(m1)
			d2, mm2 := d*float32(sc2), dmin*float32(m2)
			q := qs[32*g : 32*g+32]
			o := out[64*g : 64*g+64]
			for l := 0; l < 32; l++ {
				o[l] = d1*float32(q[l]&0x0f) - mm1
				o[l+32] = d2*float32(q[l]>>4) - mm2
			}
		}
	}
}

// dequantQ6_KGo decodes nb super-blocks; layout per block:
// ql [128]byte | qh [64]byte | scales [16]int8 | d f16. Each 128-value half
// h reads ql[64h:64h+64], qh[32h:32h+32] and scales[8h:8h+8]; a 6-bit quant
// is a nibble of ql plus two bits of qh, minus 32; value = d*scale*q.
func dequantQ6_KGo(dst []float32, src []byte, nb int) {
	for b := 0; b < nb; b++ {
		blk := src[b*BlockBytesQ6_K : (b+1)*BlockBytesQ6_K]
		d := FromF16(binary.LittleEndian.Uint16(blk[208:]))
		out := dst[b*BlockK : (b+1)*BlockK]
		for h := 0; h < 2; h++ {
			ql := blk[64*h : 64*h+64]
			qh := blk[128+32*h : 128+32*h+32]
			sc := blk[192+8*h : 192+8*h+8]
			o := out[128*h : 128*h+128]
			for l := 0; l < 32; l++ {
				is := l / 16
				q1 := int32(ql[l]&0x0f|(qh[l]>>0&3)<<4) - 32
				q2 := int32(ql[l+32]&0x0f|(qh[l]>>2&3)<<4) - 32
				q3 := int32(ql[l]>>4|(qh[l]>>4&3)<<4) - 32
				q4 := int32(ql[l+32]>>4|(qh[l]>>6&3)<<4) - 32
				o[l] = d * float32(int8(sc[is])) * float32(q1)
				o[l+32] = d * float32(int8(sc[is+2])) * float32(q2)
				o[l+64] = d * float32(int8(sc[is+4])) * float32(q3)
				o[l+96] = d * float32(int8(sc[is+6])) * float32(q4)
			}
		}
	}
}
