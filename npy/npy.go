package npy

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"

	"github.com/hneurons/hneurons/internal/atomicfile"
)

// magic opens every .npy file.
const magic = "\x93NUMPY"

// Header describes the array stored in a .npy file.
type Header struct {
	// Descr is the NumPy dtype string, e.g. "<f4", "<i8", "|b1".
	Descr string
	// Shape is the array shape; empty for a scalar.
	Shape []int
	// DataOffset is the byte offset of the first array element in the file.
	DataOffset int64
}

// Len returns the number of elements, the product of Shape.
func (h Header) Len() int {
	n := 1
	for _, d := range h.Shape {
		n *= d
	}
	return n
}

// ItemSize returns the size in bytes of one element of the dtype.
func (h Header) ItemSize() int {
	n, _ := strconv.Atoi(h.Descr[2:])
	return n
}

// kind returns the dtype kind letter ('f', 'i', 'u', 'b').
func (h Header) kind() byte { return h.Descr[1] }

// ReadHeader parses the .npy header from r, leaving r positioned at the data.
// Errors give the offset of the offending field.
func ReadHeader(r io.Reader) (Header, error) {
	var pre [8]byte
	if _, err := io.ReadFull(r, pre[:]); err != nil {
		return Header{}, fmt.Errorf("npy: reading magic and version at offset 0: %w", err)
	}
	if string(pre[:6]) != magic {
		return Header{}, fmt.Errorf("npy: bad magic %q at offset 0 (not a .npy file)", pre[:6])
	}
	major := pre[6]
	var hlen int
	var off int64 = 8
	switch major {
	case 1:
		var b [2]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return Header{}, fmt.Errorf("npy: reading header length at offset 8: %w", err)
		}
		hlen = int(binary.LittleEndian.Uint16(b[:]))
		off += 2
	case 2, 3:
		var b [4]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return Header{}, fmt.Errorf("npy: reading header length at offset 8: %w", err)
		}
		hlen = int(binary.LittleEndian.Uint32(b[:]))
		off += 4
	default:
		return Header{}, fmt.Errorf("npy: unsupported format version %d.%d at offset 6", major, pre[7])
	}
	if hlen > 1<<20 {
		return Header{}, fmt.Errorf("npy: header length %d at offset 8 is implausibly large", hlen)
	}
	// Read through a LimitReader so that a short file costs only what it holds.
	buf, err := io.ReadAll(io.LimitReader(r, int64(hlen)))
	if err == nil && len(buf) < hlen {
		err = io.ErrUnexpectedEOF
	}
	if err != nil {
		return Header{}, fmt.Errorf("npy: reading header (%d bytes at offset %d): %w", hlen, off, err)
	}
	h, err := parseDict(string(buf))
	if err != nil {
		return Header{}, fmt.Errorf("npy: header at offset %d: %w", off, err)
	}
	h.DataOffset = off + int64(hlen)
	return h, nil
}

// parseDict parses the Python dict literal of a .npy header.
func parseDict(s string) (Header, error) {
	var h Header
	s = strings.TrimSpace(s)
	if !strings.HasPrefix(s, "{") || !strings.HasSuffix(s, "}") {
		return h, fmt.Errorf("%q is not a dict", s)
	}
	body := s[1 : len(s)-1]
	descr, ok := dictValue(body, "descr")
	if !ok {
		return h, fmt.Errorf("%q lacks 'descr'", s)
	}
	descr = strings.Trim(descr, "'\"")
	if len(descr) < 3 {
		return h, fmt.Errorf("unsupported dtype %q", descr)
	}
	switch descr[0] {
	case '<', '|', '=':
	case '>':
		if !(len(descr) == 3 && descr[2] == '1') {
			return h, fmt.Errorf("big-endian dtype %q is not supported", descr)
		}
	default:
		return h, fmt.Errorf("unsupported dtype %q", descr)
	}
	if !strings.ContainsRune("fiub", rune(descr[1])) {
		return h, fmt.Errorf("unsupported dtype %q (want float, int, uint or bool)", descr)
	}
	size, err := strconv.Atoi(descr[2:])
	if err != nil || (size != 1 && size != 2 && size != 4 && size != 8) || (descr[1] == 'f' && size < 4) || (descr[1] == 'b' && size != 1) {
		return h, fmt.Errorf("unsupported dtype %q", descr)
	}
	h.Descr = "<" + descr[1:]
	fo, ok := dictValue(body, "fortran_order")
	if !ok {
		return h, fmt.Errorf("%q lacks 'fortran_order'", s)
	}
	switch strings.TrimSpace(fo) {
	case "False":
	case "True":
		return h, errors.New("Fortran-order arrays are not supported; save a C-order array (np.ascontiguousarray)")
	default:
		return h, fmt.Errorf("fortran_order is %q, want True or False", fo)
	}
	sh, ok := dictValue(body, "shape")
	if !ok {
		return h, fmt.Errorf("%q lacks 'shape'", s)
	}
	sh = strings.TrimSpace(sh)
	if !strings.HasPrefix(sh, "(") || !strings.HasSuffix(sh, ")") {
		return h, fmt.Errorf("bad shape %q", sh)
	}
	total := int64(1)
	for _, f := range strings.Split(sh[1:len(sh)-1], ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		d, err := strconv.Atoi(strings.TrimSuffix(f, "L"))
		if err != nil || d < 0 || d > 1<<40 {
			return h, fmt.Errorf("bad shape %q", sh)
		}
		total *= int64(d)
		if total > 1<<40 {
			return h, fmt.Errorf("shape %q is too large", sh)
		}
		h.Shape = append(h.Shape, d)
	}
	return h, nil
}

// dictValue returns the raw text of the value of key in a Python dict body.
func dictValue(body, key string) (string, bool) {
	for _, q := range []string{"'", "\""} {
		i := strings.Index(body, q+key+q)
		if i < 0 {
			continue
		}
		rest := strings.TrimSpace(body[i+len(key)+2:])
		if !strings.HasPrefix(rest, ":") {
			return "", false
		}
		rest = strings.TrimSpace(rest[1:])
		if strings.HasPrefix(rest, "(") {
			j := strings.Index(rest, ")")
			if j < 0 {
				return "", false
			}
			return rest[:j+1], true
		}
		j := strings.IndexAny(rest, ",}")
		if j < 0 {
			j = len(rest)
		}
		return strings.TrimSpace(rest[:j]), true
	}
	return "", false
}

// File is an open .npy file positioned at its data.
type File struct {
	Header
	c    io.Closer
	r    *bufio.Reader
	name string
}

// Open opens a .npy file and parses its header. Errors name the file.
func Open(path string) (*File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("npy: %w", err)
	}
	size := int64(-1)
	if st, err := f.Stat(); err == nil {
		size = st.Size()
	}
	nf, err := newFile(path, f, size)
	if err != nil {
		f.Close()
		return nil, err
	}
	nf.c = f
	return nf, nil
}

// newFile parses the header of the .npy file called name whose bytes r
// delivers; size is the file's length in bytes (-1 if unknown), checked
// against what the header declares.
func newFile(name string, r io.Reader, size int64) (*File, error) {
	bufSize := 1 << 20
	if size >= 0 && size < int64(bufSize) {
		bufSize = max(int(size), 16)
	}
	br := bufio.NewReaderSize(r, bufSize)
	h, err := ReadHeader(br)
	if err != nil {
		return nil, fmt.Errorf("npy: %s: %s", name, strings.TrimPrefix(err.Error(), "npy: "))
	}
	if want := h.DataOffset + int64(h.Len())*int64(h.ItemSize()); size >= 0 && size < want {
		return nil, fmt.Errorf("npy: %s: file has %d bytes, header needs %d (data at offset %d: shape %v of %s)", name, size, want, h.DataOffset, h.Shape, h.Descr)
	}
	return &File{Header: h, r: br, name: name}, nil
}

// Close closes the file.
func (f *File) Close() error {
	if f.c == nil {
		return nil
	}
	return f.c.Close()
}

// ReadFloat32 reads the next len(dst) elements, converted to float32.
func (f *File) ReadFloat32(dst []float32) error {
	size := f.ItemSize()
	const chunk = 64 * 1024
	buf := make([]byte, min(chunk, len(dst))*size)
	for done := 0; done < len(dst); {
		n := min(len(dst)-done, chunk)
		if _, err := io.ReadFull(f.r, buf[:n*size]); err != nil {
			return fmt.Errorf("npy: %s: reading data: %w", f.name, err)
		}
		out := dst[done : done+n]
		if f.Descr == "<f4" {
			for k := range out {
				out[k] = math.Float32frombits(binary.LittleEndian.Uint32(buf[4*k:]))
			}
		} else {
			for k := range out {
				v, err := decode(f.Descr, buf[k*size:])
				if err != nil {
					return fmt.Errorf("npy: %s: %w", f.name, err)
				}
				out[k] = float32(v)
			}
		}
		done += n
	}
	return nil
}

// decode converts one little-endian element of dtype descr to float64.
func decode(descr string, b []byte) (float64, error) {
	switch descr[1:] {
	case "f4":
		return float64(math.Float32frombits(binary.LittleEndian.Uint32(b))), nil
	case "f8":
		return math.Float64frombits(binary.LittleEndian.Uint64(b)), nil
	case "i1":
		return float64(int8(b[0])), nil
	case "i2":
		return float64(int16(binary.LittleEndian.Uint16(b))), nil
	case "i4":
		return float64(int32(binary.LittleEndian.Uint32(b))), nil
	case "i8":
		return float64(int64(binary.LittleEndian.Uint64(b))), nil
	case "u1", "b1":
		return float64(b[0]), nil
	case "u2":
		return float64(binary.LittleEndian.Uint16(b)), nil
	case "u4":
		return float64(binary.LittleEndian.Uint32(b)), nil
	case "u8":
		return float64(binary.LittleEndian.Uint64(b)), nil
	}
	return 0, fmt.Errorf("unsupported dtype %q", descr)
}

// ReadMatrix reads a 2-D array as float32 values in row-major order and
// returns them with the number of rows and columns. A 1-D array is one
// column.
func ReadMatrix(path string) (data []float32, rows, cols int, err error) {
	f, err := Open(path)
	if err != nil {
		return nil, 0, 0, err
	}
	defer f.Close()
	return f.readMatrix()
}

func (f *File) readMatrix() (data []float32, rows, cols int, err error) {
	switch len(f.Shape) {
	case 1:
		rows, cols = f.Shape[0], 1
	case 2:
		rows, cols = f.Shape[0], f.Shape[1]
	default:
		return nil, 0, 0, fmt.Errorf("npy: %s: want a 2-D array, the header (ending at offset %d) gives shape %v", f.name, f.DataOffset, f.Shape)
	}
	data = make([]float32, rows*cols) // (rows, cols)
	if err := f.ReadFloat32(data); err != nil {
		return nil, 0, 0, err
	}
	return data, rows, cols, nil
}

// ReadLabels reads a 1-D array (or an (n,1) array) of 0/1 labels stored as
// bool, integers or floats. Any other value is an error.
func ReadLabels(path string) ([]int, error) {
	f, err := Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return f.readLabels()
}

func (f *File) readLabels() ([]int, error) {
	if len(f.Shape) == 0 || len(f.Shape) > 2 || (len(f.Shape) == 2 && f.Shape[1] != 1) {
		return nil, fmt.Errorf("npy: %s: want a 1-D label array, the header (ending at offset %d) gives shape %v", f.name, f.DataOffset, f.Shape)
	}
	n := f.Shape[0]
	size := f.ItemSize()
	buf, err := io.ReadAll(io.LimitReader(f.r, int64(n)*int64(size)))
	if err == nil && len(buf) < n*size {
		err = io.ErrUnexpectedEOF
	}
	if err != nil {
		return nil, fmt.Errorf("npy: %s: reading %d labels at offset %d: %w", f.name, n, f.DataOffset, err)
	}
	out := make([]int, n)
	for i := range out {
		v, err := decode(f.Descr, buf[i*size:])
		if err != nil {
			return nil, fmt.Errorf("npy: %s: %w", f.name, err)
		}
		switch v {
		case 0:
			out[i] = 0
		case 1:
			out[i] = 1
		default:
			return nil, fmt.Errorf("npy: %s: label %d (at offset %d) is %v, want 0 or 1", f.name, i, f.DataOffset+int64(i*size), v)
		}
	}
	return out, nil
}

// writeHeader writes a version 1.0 (or 2.0 when needed) header.
func writeHeader(w io.Writer, descr string, shape []int) error {
	parts := make([]string, len(shape))
	for i, d := range shape {
		parts[i] = strconv.Itoa(d)
	}
	sh := strings.Join(parts, ", ")
	if len(shape) == 1 {
		sh += ","
	}
	dict := fmt.Sprintf("{'descr': '%s', 'fortran_order': False, 'shape': (%s), }", descr, sh)
	// Pad so that the data starts on a 64-byte boundary; the header ends with '\n'.
	pre := 10
	ver := byte(1)
	if len(dict)+1+pre > 65535 {
		pre, ver = 12, 2
	}
	total := (pre + len(dict) + 1 + 63) / 64 * 64
	dict += strings.Repeat(" ", total-pre-len(dict)-1) + "\n"
	hdr := []byte(magic)
	hdr = append(hdr, ver, 0)
	if ver == 1 {
		hdr = binary.LittleEndian.AppendUint16(hdr, uint16(len(dict)))
	} else {
		hdr = binary.LittleEndian.AppendUint32(hdr, uint32(len(dict)))
	}
	hdr = append(hdr, dict...)
	_, err := w.Write(hdr)
	return err
}

// WriteFloat32 writes data (row-major, with the given shape) as a '<f4' array.
func WriteFloat32(path string, data []float32, shape ...int) error {
	n := 1
	for _, d := range shape {
		n *= d
	}
	if n != len(data) {
		return fmt.Errorf("npy: %s: shape %v holds %d values, have %d", path, shape, n, len(data))
	}
	return writeFile(path, "<f4", shape, func(w *bufio.Writer) error {
		var b [4]byte
		for _, v := range data {
			binary.LittleEndian.PutUint32(b[:], math.Float32bits(v))
			if _, err := w.Write(b[:]); err != nil {
				return err
			}
		}
		return nil
	})
}

// WriteInt64 writes a 1-D '<i8' array.
func WriteInt64(path string, data []int64) error {
	return writeFile(path, "<i8", []int{len(data)}, func(w *bufio.Writer) error {
		var b [8]byte
		for _, v := range data {
			binary.LittleEndian.PutUint64(b[:], uint64(v))
			if _, err := w.Write(b[:]); err != nil {
				return err
			}
		}
		return nil
	})
}

// WriteStream writes a .npy file with the given dtype and shape whose
// little-endian element bytes body writes, so that large arrays need not be
// held in memory.
func WriteStream(path, descr string, shape []int, body func(*bufio.Writer) error) error {
	return writeFile(path, descr, shape, body)
}

// writeFile writes a header and the data produced by body to path, through
// a temporary file renamed into place, so that a failed or interrupted write
// leaves any earlier file whole and never a truncated array.
func writeFile(path, descr string, shape []int, body func(*bufio.Writer) error) error {
	err := atomicfile.Write(path, func(f io.Writer) error {
		w := bufio.NewWriterSize(f, 1<<20)
		if err := writeHeader(w, descr, shape); err != nil {
			return err
		}
		if err := body(w); err != nil {
			return err
		}
		return w.Flush()
	})
	if err != nil {
		return fmt.Errorf("npy: %w", err) // atomicfile names the path
	}
	return nil
}

// Read reads a whole array of any supported dtype as float32 values in
// row-major order, with its header.
func Read(path string) (Header, []float32, error) {
	f, err := Open(path)
	if err != nil {
		return Header{}, nil, err
	}
	defer f.Close()
	return f.read()
}

func (f *File) read() (Header, []float32, error) {
	data := make([]float32, f.Len())
	if err := f.ReadFloat32(data); err != nil {
		return Header{}, nil, err
	}
	return f.Header, data, nil
}

// Write writes data (row-major, with the given shape) as a '<f4' array; it is
// WriteFloat32.
func Write(path string, data []float32, shape ...int) error {
	return WriteFloat32(path, data, shape...)
}
