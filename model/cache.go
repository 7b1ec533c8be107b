package model

// Cache holds one sequence's attention keys and values for every layer. It
// grows as tokens are added; give NewCache the expected length to avoid
// regrowth. A Cache belongs to one Model and is not safe for concurrent use.
type Cache struct {
	nLayers int
	kvDim   int         // Hkv*Dh
	k, v    [][]float32 // [L][cap, Hkv*Dh]
	cap     int         // positions allocated
	n       int         // positions filled
}

// NewCache returns an empty cache with room for capacity positions.
func (m *Model) NewCache(capacity int) *Cache {
	c := &Cache{
		nLayers: m.Config.NLayers,
		kvDim:   m.Config.NKVHeads * m.Config.HeadDim,
		k:       make([][]float32, m.Config.NLayers),
		v:       make([][]float32, m.Config.NLayers),
	}
	c.reserve(max(capacity, 1))
	return c
}

// Len returns the number of cached positions (the position of the next token).
func (c *Cache) Len() int { return c.n }

// reserve makes room for n positions, keeping the cached ones.
func (c *Cache) reserve(n int) {
	if n <= c.cap {
		return
	}
	nc := max(n, 2*c.cap)
	for l := 0; l < c.nLayers; l++ {
		k := make([]float32, nc*c.kvDim)
		v := make([]float32, nc*c.kvDim)
		copy(k, c.k[l][:c.n*c.kvDim])
		copy(v, c.v[l][:c.n*c.kvDim])
		c.k[l], c.v[l] = k, v
	}
	c.cap = nc
}

// Fork returns an independent copy of c (the same cached positions, the same
// capacity), so that several sequences can continue one shared prompt.
func (c *Cache) Fork() *Cache {
	f := &Cache{nLayers: c.nLayers, kvDim: c.kvDim, k: make([][]float32, c.nLayers), v: make([][]float32, c.nLayers)}
	f.reserve(max(c.cap, 1))
	f.CopyFrom(c)
	return f
}

// CopyFrom makes c hold the same positions as src, reusing c's memory when
// it is large enough. Both caches must belong to the same model.
func (c *Cache) CopyFrom(src *Cache) {
	if c.kvDim != src.kvDim || c.nLayers != src.nLayers {
		panic("model: Cache.CopyFrom between caches of different models")
	}
	c.n = 0
	c.reserve(src.n)
	w := src.n * src.kvDim
	for l := 0; l < c.nLayers; l++ {
		copy(c.k[l][:w], src.k[l][:w])
		copy(c.v[l][:w], src.v[l][:w])
	}
	c.n = src.n
}

// Truncate drops every position from n on (n <= Len), e.g. to rewind to a
// shared prefix.
func (c *Cache) Truncate(n int) {
	if n >= 0 && n < c.n {
		c.n = n
	}
}

// Reset empties the cache, keeping its memory.
func (c *Cache) Reset() { c.n = 0 }
