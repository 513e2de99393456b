package storage

import (
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/klauspost/compress/zstd"

	"github.com/sluicegate/sluicegate/model"
)

// Captures (an entry's redacted headers and bodies) are stored apart from
// the entries' records. The captures of a batch are encoded one after
// another into chunks of at most captureChunkSize bytes; each chunk is
// compressed (zstd) into one row of request_log_captures, and each entry's
// record (logblocks.go) points at its capture's place in its chunk.
//
// Why: requests to one gateway repeat themselves (system prompts, tools,
// headers), so a chunk compresses tens of times. Stored inline, each entry
// made SQLite write ~2.5 KB of a typical chat request and answer twice (WAL,
// then checkpoint) through its B-tree pages, and encode two header maps as
// JSON: most of the request log's CPU cost per request. Compressing a chunk
// costs about a microsecond per entry; reading one entry decompresses its
// chunk (≤ 1 MiB), which only GET /admin/v1/logs/{id} does. Kept apart from
// the blocks, captures are not decompressed by a listing.

// captureChunkSize bounds the encoded captures of one chunk, so that
// reading one entry never decompresses much more than it needs (one
// entry's capture alone may be larger: bodies are capped at 64 KiB each).
const captureChunkSize = 1 << 20

// captureFormat is the first byte of an encoded capture, so that a later
// format can be told apart.
const captureFormat = 1

// Flags of an encoded capture.
const (
	capReqTruncated = 1 << iota
	capRespTruncated
)

const (
	sqlInsertCaptureChunk = `INSERT INTO request_log_captures (data) VALUES (?)`
	sqlGetCaptureChunk    = `SELECT data FROM request_log_captures WHERE id = ?`
	sqlDeleteCaptures     = `DELETE FROM request_log_captures`
	// Chunks go once no entry points into them: every chunk below the
	// lowest one a block's entries use (all of them when none does). A
	// batch's chunks are stored with it, and chunk ids only grow
	// (AUTOINCREMENT), so a chunk below that one belongs to trimmed
	// entries.
	sqlTrimCaptures = `DELETE FROM request_log_captures WHERE id < IFNULL(
		(SELECT MIN(first_chunk) FROM request_log_blocks), 9223372036854775807)`
)

// zstd's encoder and decoder are safe for concurrent EncodeAll/DecodeAll
// and costly to create: one of each per process.
var (
	captureEncoder = sync.OnceValue(func() *zstd.Encoder {
		// A window of one chunk and the lower-memory tables: 1.5 MB
		// instead of the default's 9 MB, for the same output on chunks.
		enc, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithEncoderConcurrency(1),
			zstd.WithWindowSize(captureChunkSize), zstd.WithLowerEncoderMem(true))
		if err != nil {
			panic("storage: zstd encoder: " + err.Error()) // only invalid options fail
		}
		return enc
	})
	captureDecoder = sync.OnceValue(func() *zstd.Decoder {
		dec, err := zstd.NewReader(nil, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxMemory(4*captureChunkSize))
		if err != nil {
			panic("storage: zstd decoder: " + err.Error())
		}
		return dec
	})
)

// captureRef is where an entry's capture is: byte range [off, off+n) of
// chunk's decompressed data. In a captureBatch, chunk is the index of the
// batch's chunk plus one until the chunks are stored; 0 means no capture.
type captureRef struct {
	chunk  int64
	off, n int
}

// captureBatch holds the encoded captures of one batch of entries, in
// chunks of about captureChunkSize, and where each entry's capture is.
// The LogWriter encodes each entry's capture as it takes the entry and
// drops the capture itself, so that a batch holds only the encoding.
type captureBatch struct {
	chunks [][]byte     // encoded captures, not yet compressed
	refs   []captureRef // one per entry, in batch order
	orders headerOrders // scratch for appendCapture
	packed []byte       // scratch for compression
	spare  []byte       // a chunk buffer kept from the last batch
	// redact, when set, is applied to every header value and body as it
	// is encoded.
	redact func(string) string
}

// add encodes c (nil: no capture) as the next entry's capture.
func (b *captureBatch) add(c *model.LogCapture) {
	if c == nil {
		b.refs = append(b.refs, captureRef{})
		return
	}
	if len(b.chunks) == 0 || len(b.chunks[len(b.chunks)-1]) >= captureChunkSize {
		b.chunks = append(b.chunks, b.spare)
		b.spare = nil
	}
	last := &b.chunks[len(b.chunks)-1]
	off := len(*last)
	*last = appendCapture(*last, &b.orders, c, b.redact)
	b.refs = append(b.refs, captureRef{chunk: int64(len(b.chunks)), off: off, n: len(*last) - off})
}

// reset empties b for the next batch, keeping one chunk buffer unless a
// huge capture grew it.
func (b *captureBatch) reset() {
	if len(b.chunks) > 0 && cap(b.chunks[0]) <= 2*captureChunkSize {
		b.spare = b.chunks[0][:0]
	}
	clear(b.chunks) // the other buffers go
	b.chunks = b.chunks[:0]
	b.refs = b.refs[:0]
	if cap(b.packed) > 2*captureChunkSize {
		b.packed = nil
	}
}

// store compresses and writes b's chunks in tx and points b's refs at the
// stored chunks' ids.
func (b *captureBatch) store(ctx context.Context, tx *sql.Tx) error {
	ids := make([]int64, len(b.chunks))
	for i, raw := range b.chunks {
		if len(raw) == 0 {
			continue
		}
		b.packed = captureEncoder().EncodeAll(raw, b.packed[:0])
		res, err := tx.ExecContext(ctx, sqlInsertCaptureChunk, b.packed)
		if err != nil {
			return err
		}
		if ids[i], err = res.LastInsertId(); err != nil {
			return err
		}
	}
	for i := range b.refs {
		if r := &b.refs[i]; r.chunk > 0 {
			r.chunk = ids[r.chunk-1]
		}
	}
	return nil
}

// loadCapture reads the capture at ref.
func loadCapture(ctx context.Context, db *sql.DB, ref captureRef) (model.LogCapture, error) {
	var packed []byte
	if err := db.QueryRowContext(ctx, sqlGetCaptureChunk, ref.chunk).Scan(&packed); err != nil {
		return model.LogCapture{}, fmt.Errorf("chunk %d: %w", ref.chunk, err)
	}
	raw, err := captureDecoder().DecodeAll(packed, nil)
	if err != nil {
		return model.LogCapture{}, fmt.Errorf("chunk %d: %w", ref.chunk, err)
	}
	if ref.off < 0 || ref.n <= 0 || ref.off+ref.n > len(raw) {
		return model.LogCapture{}, fmt.Errorf("chunk %d holds %d bytes, not [%d, %d)", ref.chunk, len(raw), ref.off, ref.off+ref.n)
	}
	return decodeCapture(raw[ref.off : ref.off+ref.n])
}

// appendCapture appends c's encoding to dst: the format byte, the flags,
// the two header sets and the two bodies, each length-prefixed (uvarint).
// Header names are written sorted, so that equal headers encode to equal
// bytes (which compress to almost nothing). redact (nil: none) is applied
// to header values and bodies on the way. orders (nil: none kept) holds
// the name orders of the header sets encoded last.
func appendCapture(dst []byte, orders *headerOrders, c *model.LogCapture, redact func(string) string) []byte {
	if redact == nil {
		redact = keep
	}
	if orders == nil {
		orders = new(headerOrders)
	}
	var flags byte
	if c.RequestBodyTruncated {
		flags |= capReqTruncated
	}
	if c.ResponseBodyTruncated {
		flags |= capRespTruncated
	}
	dst = append(dst, captureFormat, flags)
	dst = orders.request.appendHeaders(dst, c.RequestHeaders, redact)
	dst = orders.response.appendHeaders(dst, c.ResponseHeaders, redact)
	dst = appendBytes(dst, redact(c.RequestBody))
	dst = appendBytes(dst, redact(c.ResponseBody))
	return dst
}

func keep(s string) string { return s }

// headerOrders are the sorted names of the request and of the response
// headers encoded last.
type headerOrders struct {
	request, response headerOrder
}

// headerOrder is the sorted names of the last header set encoded, and
// that set's values in the same order. One client's requests, and one
// provider's answers, carry the same header names time after time:
// checking that a set has the last one's names costs a lookup a name,
// where listing, sorting and looking them up again cost twice as much
// (BenchmarkAppendCapture).
type headerOrder struct {
	names  []string
	values [][]string
}

// appendHeaders appends h to dst in name order.
func (o *headerOrder) appendHeaders(dst []byte, h map[string][]string, redact func(string) string) []byte {
	if !o.same(h) {
		o.names = o.names[:0]
		for k := range h {
			o.names = append(o.names, k)
		}
		slices.Sort(o.names)
		o.values = o.values[:0]
		for _, k := range o.names {
			o.values = append(o.values, h[k])
		}
	}
	dst = binary.AppendUvarint(dst, uint64(len(o.names)))
	for i, k := range o.names {
		dst = appendBytes(dst, k)
		dst = binary.AppendUvarint(dst, uint64(len(o.values[i])))
		for _, v := range o.values[i] {
			dst = appendBytes(dst, redact(v))
		}
	}
	clear(o.values) // the values are not kept beyond the call
	return dst
}

// same reports whether h has exactly the names of the last set, and if so
// takes h's values in their order. (Equal sizes and every last name
// present means the same set: map keys are distinct.)
func (o *headerOrder) same(h map[string][]string) bool {
	if len(h) != len(o.names) {
		return false
	}
	o.values = o.values[:0]
	for _, k := range o.names {
		vs, ok := h[k]
		if !ok {
			return false
		}
		o.values = append(o.values, vs)
	}
	return true
}

func appendBytes(dst []byte, s string) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(s)))
	return append(dst, s...)
}

var errBadCapture = errors.New("malformed capture")

// decodeCapture is the inverse of appendCapture; header sets come back as
// maps even when none were captured, as GetLog has always returned them.
func decodeCapture(b []byte) (model.LogCapture, error) {
	d := captureReader{b: b}
	if d.byte() != captureFormat {
		return model.LogCapture{}, fmt.Errorf("%w: unknown format", errBadCapture)
	}
	flags := d.byte()
	c := model.LogCapture{
		RequestBodyTruncated:  flags&capReqTruncated != 0,
		ResponseBodyTruncated: flags&capRespTruncated != 0,
	}
	c.RequestHeaders = d.headers()
	c.ResponseHeaders = d.headers()
	c.RequestBody = d.string()
	c.ResponseBody = d.string()
	if d.err != nil || len(d.b) != 0 {
		return model.LogCapture{}, fmt.Errorf("%w: %d bytes left, %v", errBadCapture, len(d.b), d.err)
	}
	return c, nil
}

// captureReader reads appendCapture's encoding; the first error sticks and
// every later read returns zero values.
type captureReader struct {
	b   []byte
	err error
}

func (d *captureReader) fail(what string) {
	if d.err == nil {
		d.err = fmt.Errorf("%w: truncated %s", errBadCapture, what)
	}
	d.b = nil
}

func (d *captureReader) byte() byte {
	if len(d.b) < 1 {
		d.fail("header")
		return 0
	}
	v := d.b[0]
	d.b = d.b[1:]
	return v
}

func (d *captureReader) uvarint(what string) int {
	v, n := binary.Uvarint(d.b)
	if n <= 0 || v > uint64(len(d.b)) {
		d.fail(what)
		return 0
	}
	d.b = d.b[n:]
	return int(v)
}

func (d *captureReader) string() string {
	n := d.uvarint("length")
	if n > len(d.b) {
		d.fail("string")
		return ""
	}
	s := string(d.b[:n])
	d.b = d.b[n:]
	return s
}

func (d *captureReader) headers() map[string][]string {
	n := d.uvarint("header count")
	h := make(map[string][]string, n)
	for range n {
		k := d.string()
		vs := make([]string, d.uvarint("value count"))
		for i := range vs {
			vs[i] = d.string()
		}
		if d.err != nil {
			return map[string][]string{}
		}
		h[k] = vs
	}
	return h
}
