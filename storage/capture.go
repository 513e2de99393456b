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
// the entries' rows. The captures of a batch are encoded one after another
// into chunks of at most captureChunkSize bytes; each chunk is compressed
// (zstd) into one row of request_log_captures, and each request_logs row
// points at its capture's place in its chunk (capture_chunk, capture_off,
// capture_len).
//
// Why: requests to one gateway repeat themselves (system prompts, tools,
// headers), so a chunk compresses tens of times. Stored inline, each entry
// made SQLite write ~2.5 KB of a typical chat request and answer twice (WAL,
// then checkpoint) through its B-tree pages, and encode two header maps as
// JSON: most of the request log's CPU cost per request. Compressing a chunk
// costs about a microsecond per entry; reading one entry decompresses its
// chunk (≤ 1 MiB), which only GET /admin/v1/logs/{id} does.
//
// Rows written before migrate6 keep their captures inline; GetLog reads
// both.

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
	// Chunks go once no entry points into them: every chunk below the one
	// the oldest entry with a capture uses (all of them when none does).
	// Chunk ids grow with the rows that point at them (AUTOINCREMENT).
	sqlTrimCaptures = `DELETE FROM request_log_captures WHERE id < IFNULL(
		(SELECT capture_chunk FROM request_logs WHERE capture_chunk IS NOT NULL ORDER BY seq LIMIT 1),
		9223372036854775807)`
)

// zstd's encoder and decoder are safe for concurrent EncodeAll/DecodeAll
// and costly to create: one of each per process.
var (
	captureEncoder = sync.OnceValue(func() *zstd.Encoder {
		enc, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithEncoderConcurrency(1))
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
// chunk's decompressed data. chunk is 0 for an entry without a capture.
type captureRef struct {
	chunk  int64
	off, n int
}

// chunkBuffers are the scratch buffers of storeCaptures, reused across
// batches.
type chunkBuffers struct {
	raw, packed []byte
	keys        []string
}

var chunkPool = sync.Pool{New: func() any { return new(chunkBuffers) }}

// storeCaptures writes the captures of entries as compressed chunks in tx
// and returns where each entry's capture went (refs[i] for entries[i]).
func storeCaptures(ctx context.Context, tx *sql.Tx, entries []model.LogEntry) ([]captureRef, error) {
	refs := make([]captureRef, len(entries))
	b := chunkPool.Get().(*chunkBuffers)
	defer chunkPool.Put(b)
	b.raw = b.raw[:0]
	pending := 0 // refs from here on belong to the chunk being built
	flush := func(end int) error {
		if len(b.raw) == 0 {
			return nil
		}
		b.packed = captureEncoder().EncodeAll(b.raw, b.packed[:0])
		res, err := tx.ExecContext(ctx, sqlInsertCaptureChunk, b.packed)
		if err != nil {
			return err
		}
		id, err := res.LastInsertId()
		if err != nil {
			return err
		}
		for i := pending; i < end; i++ {
			if refs[i].n > 0 {
				refs[i].chunk = id
			}
		}
		b.raw, pending = b.raw[:0], end
		return nil
	}
	for i := range entries {
		c := entries[i].Capture
		if c == nil {
			continue
		}
		if len(b.raw) >= captureChunkSize {
			if err := flush(i); err != nil {
				return nil, err
			}
		}
		off := len(b.raw)
		b.raw, b.keys = appendCapture(b.raw, b.keys, c)
		refs[i] = captureRef{off: off, n: len(b.raw) - off}
	}
	if err := flush(len(entries)); err != nil {
		return nil, err
	}
	// Do not keep a huge batch's buffers for ever.
	if cap(b.raw) > 4*captureChunkSize {
		b.raw, b.packed = nil, nil
	}
	return refs, nil
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
// bytes (which compress to almost nothing). keys is scratch space.
func appendCapture(dst []byte, keys []string, c *model.LogCapture) ([]byte, []string) {
	var flags byte
	if c.RequestBodyTruncated {
		flags |= capReqTruncated
	}
	if c.ResponseBodyTruncated {
		flags |= capRespTruncated
	}
	dst = append(dst, captureFormat, flags)
	dst, keys = appendHeaders(dst, keys, c.RequestHeaders)
	dst, keys = appendHeaders(dst, keys, c.ResponseHeaders)
	dst = appendBytes(dst, c.RequestBody)
	dst = appendBytes(dst, c.ResponseBody)
	return dst, keys
}

func appendHeaders(dst []byte, keys []string, h map[string][]string) ([]byte, []string) {
	keys = keys[:0]
	for k := range h {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	dst = binary.AppendUvarint(dst, uint64(len(keys)))
	for _, k := range keys {
		dst = appendBytes(dst, k)
		vs := h[k]
		dst = binary.AppendUvarint(dst, uint64(len(vs)))
		for _, v := range vs {
			dst = appendBytes(dst, v)
		}
	}
	return dst, keys
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
