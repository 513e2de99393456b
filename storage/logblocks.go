package storage

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/sluicegate/sluicegate/model"
)

// Request-log entries are stored in blocks: the entries of a LogWriter
// batch are encoded one after another (appendRecord) and compressed (zstd)
// into one row of request_log_blocks. A small batch joins the newest block
// while that holds fewer than maxBlockEntries, so that a quiet log is not
// one row per request. A block row also carries what lets a query skip it
// without decompressing (blockMeta): its entry and error counts, its
// start-time and id ranges, the first capture chunk its entries use, and
// the providers, models, status classes and route-group requests in it.
//
// Why: a row per entry with the indexes its filters need cost SQLite
// 20-25 µs of CPU per logged request on the 2-core development machine
// (binding 25 columns, six B-tree inserts, their WAL pages); the request
// log's budget is 10 % of a proxied request, 15-25 µs in all. A block costs
// one insert per batch, and encoding and compressing an entry costs about
// a microsecond. Queries decompress the blocks they read: ~50 KB for 256
// entries, a fraction of a millisecond, newest first until a page is full.
// Statistics do not read entries at all (request_log_minutes), except for
// the partial first minute of a window.
//
// Entries keep their order of arrival (the old seq): blocks by id, entries
// in a block in the order they were written.

// maxBlockEntries and maxBlockBytes bound a block, and so what reading
// one entry, or merging a small batch into the newest block, decompresses.
// (A block holds at least one entry, whatever its size.)
const (
	maxBlockEntries = 256
	maxBlockBytes   = 1 << 20
)

// blockFormat is the first byte of a block's decompressed data.
const blockFormat = 1

// Flags of an encoded entry.
const (
	recStream = 1 << iota
	recErrorSource
	recUsage
)

const (
	blockMetaColumns = `id, entries, errors, first_started_ms, last_started_ms, min_id, max_id, first_chunk,
		classes, providers, models, group_requests`
	sqlNewestBlock = `SELECT ` + blockMetaColumns + ` FROM request_log_blocks ORDER BY id DESC LIMIT 1`
	sqlGetBlock    = `SELECT data FROM request_log_blocks WHERE id = ?`
	sqlInsertBlock = `INSERT INTO request_log_blocks (entries, errors, first_started_ms, last_started_ms,
		min_id, max_id, first_chunk, classes, providers, models, group_requests, data)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	sqlUpdateBlock = `UPDATE request_log_blocks SET entries = ?, errors = ?, first_started_ms = ?,
		last_started_ms = ?, min_id = ?, max_id = ?, first_chunk = ?, classes = ?, providers = ?,
		models = ?, group_requests = ?, data = ? WHERE id = ?`
	sqlDeleteBlock = `DELETE FROM request_log_blocks WHERE id = ?`
	// sqlBlocksWithID lists the blocks whose id range holds an entry id,
	// newest first (request ids sort by time, so usually one).
	// (The planner cannot know that id ranges barely overlap; without the
	// hint it scans the table.)
	sqlBlocksWithID = `SELECT id, data FROM request_log_blocks INDEXED BY request_log_blocks_by_id_range
		WHERE max_id >= ?1 AND min_id <= ?1 ORDER BY id DESC`
	sqlCountLogs = `SELECT IFNULL(SUM(entries), 0) FROM request_log_blocks`
)

// blockMeta is a block row's summary of its entries. The filters of a
// listing test it first (listQuery), so that only blocks that may hold a
// match are decompressed.
type blockMeta struct {
	entries, errors int64
	firstMs, lastMs int64 // earliest and latest started_at, Unix ms
	minID, maxID    string
	firstChunk      int64 // lowest capture chunk used; 0: none
	classes         int64 // bit statusIndex(status) of every entry
	providers       keySet
	models          keySet
	groupRequests   keySet // client_request_id of the route-group attempts (attempts > 1)
}

func (m *blockMeta) add(e *model.LogEntry, ref captureRef) {
	ms := e.StartedAt.UnixMilli()
	if m.entries == 0 {
		m.firstMs, m.lastMs, m.minID, m.maxID = ms, ms, e.ID, e.ID
	}
	m.entries++
	if e.IsError() {
		m.errors++
	}
	m.firstMs, m.lastMs = min(m.firstMs, ms), max(m.lastMs, ms)
	m.minID, m.maxID = min(m.minID, e.ID), max(m.maxID, e.ID)
	if ref.chunk > 0 && (m.firstChunk == 0 || ref.chunk < m.firstChunk) {
		m.firstChunk = ref.chunk
	}
	m.classes |= 1 << statusIndex(e.Status)
	m.providers.add(e.ProviderKey)
	m.models.add(e.Model)
	if clientRequestID, _, attempts := attemptFields(e); attempts > 1 {
		m.groupRequests.add(clientRequestID)
	}
}

func (m *blockMeta) scanDest(id *int64, chunk *sql.NullInt64) []any {
	return []any{id, &m.entries, &m.errors, &m.firstMs, &m.lastMs, &m.minID, &m.maxID, chunk,
		&m.classes, &m.providers, &m.models, &m.groupRequests}
}

func (m *blockMeta) args(data []byte) []any {
	var chunk sql.NullInt64
	if m.firstChunk > 0 {
		chunk = sql.NullInt64{Int64: m.firstChunk, Valid: true}
	}
	return []any{m.entries, m.errors, m.firstMs, m.lastMs, m.minID, m.maxID, chunk,
		m.classes, string(m.providers), string(m.models), string(m.groupRequests), data}
}

// keySet is a block's distinct values of one field as the block row
// stores them: each value followed by a newline, after a leading one
// ("\na\nb\n"), so that instr(column, framed(v)) finds v. A value that
// holds a newline itself can make a wider needle match too: the set only
// rules blocks out, and the entries of the others are checked one by one.
type keySet string

func (k *keySet) add(v string) {
	if *k == "" {
		*k = "\n"
	}
	if !strings.Contains(string(*k), framed(v)) {
		*k += keySet(v + "\n")
	}
}

func framed(v string) string { return "\n" + v + "\n" }

// attemptFields are e's client_request_id, attempt and attempts as
// stored: a request tried once is attempt 1 of 1 under its own id.
func attemptFields(e *model.LogEntry) (clientRequestID string, attempt, attempts int) {
	clientRequestID, attempt, attempts = e.ClientRequestID, max(e.Attempt, 1), e.Attempts
	if clientRequestID == "" {
		clientRequestID = e.ID
	}
	return clientRequestID, attempt, max(attempts, attempt)
}

// blockWriter encodes entries into blocks; its buffers are reused from
// batch to batch (the LogWriter keeps one).
type blockWriter struct {
	raw    []byte // decompressed block: format byte, then records
	packed []byte // compressed block
}

// write stores entries (with their capture refs) in tx: the first ones
// join the newest block while it has room, the rest make new blocks of at
// most maxBlockEntries.
func (w *blockWriter) write(ctx context.Context, tx *sql.Tx, entries []model.LogEntry, refs []captureRef) error {
	var (
		newestID int64
		meta     blockMeta
		chunk    sql.NullInt64
	)
	err := tx.QueryRowContext(ctx, sqlNewestBlock).Scan(meta.scanDest(&newestID, &chunk)...)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		newestID = 0
	case err != nil:
		return fmt.Errorf("newest block: %w", err)
	}
	meta.firstChunk = chunk.Int64
	join := newestID != 0 && meta.entries < maxBlockEntries
	for len(entries) > 0 {
		if join {
			// A small batch joins the newest block.
			join = false // what is left of a batch larger than a block starts new blocks
			var packed []byte
			if err := tx.QueryRowContext(ctx, sqlGetBlock, newestID).Scan(&packed); err != nil {
				return fmt.Errorf("block %d: %w", newestID, err)
			}
			raw, err := captureDecoder().DecodeAll(packed, w.raw[:0])
			if err != nil {
				return fmt.Errorf("block %d: %w", newestID, err)
			}
			w.raw = raw
			if len(w.raw) >= maxBlockBytes {
				continue // full by size after all
			}
		} else {
			newestID, meta = 0, blockMeta{}
			w.raw = append(w.raw[:0], blockFormat)
		}
		n := 0
		for n < len(entries) && meta.entries < maxBlockEntries && len(w.raw) < maxBlockBytes {
			w.raw = appendRecord(w.raw, &entries[n], refs[n])
			meta.add(&entries[n], refs[n])
			n++
		}
		w.packed = captureEncoder().EncodeAll(w.raw, w.packed[:0])
		if newestID != 0 {
			if _, err := tx.ExecContext(ctx, sqlUpdateBlock, append(meta.args(w.packed), newestID)...); err != nil {
				return fmt.Errorf("block %d: %w", newestID, err)
			}
		} else if _, err := tx.ExecContext(ctx, sqlInsertBlock, meta.args(w.packed)...); err != nil {
			return fmt.Errorf("new block: %w", err)
		}
		entries, refs = entries[n:], refs[n:]
	}
	if cap(w.raw) > 4*captureChunkSize {
		w.raw, w.packed = nil, nil
	}
	return nil
}

// rewrite replaces block id's entries with kept, or deletes the block when
// none are kept.
func (w *blockWriter) rewrite(ctx context.Context, tx *sql.Tx, id int64, kept []storedEntry) error {
	if len(kept) == 0 {
		_, err := tx.ExecContext(ctx, sqlDeleteBlock, id)
		return err
	}
	var meta blockMeta
	w.raw = append(w.raw[:0], blockFormat)
	for i := range kept {
		w.raw = append(w.raw, kept[i].rec...)
		meta.add(&kept[i].LogEntry, kept[i].ref)
	}
	w.packed = captureEncoder().EncodeAll(w.raw, w.packed[:0])
	_, err := tx.ExecContext(ctx, sqlUpdateBlock, append(meta.args(w.packed), id)...)
	return err
}

// appendRecord appends e's encoding to dst: its length (uvarint), then
// every LogEntry field and ref, strings length-prefixed, numbers as
// varints. A request tried once is stored as attempt 1 of 1 under its own
// id, so that the attempts filter finds it.
func appendRecord(dst []byte, e *model.LogEntry, ref captureRef) []byte {
	clientRequestID, attempt, attempts := attemptFields(e)
	var flags byte
	if e.Stream {
		flags |= recStream
	}
	if e.ErrorSource != nil {
		flags |= recErrorSource
	}
	if e.Usage != nil {
		flags |= recUsage
	}
	// The length goes first; reserve the most a uvarint can take for a
	// record (3 bytes cover 2 MiB) and close the gap after.
	start := len(dst)
	dst = append(dst, 0, 0, 0)
	body := len(dst)
	dst = appendBytes(dst, e.ID)
	dst = binary.AppendVarint(dst, e.StartedAt.UnixMilli())
	dst = appendBytes(dst, e.Method)
	dst = appendBytes(dst, e.Path)
	dst = appendBytes(dst, e.Model)
	dst = appendBytes(dst, e.ProviderKey)
	dst = appendBytes(dst, e.UpstreamModel)
	dst = append(dst, flags)
	dst = binary.AppendVarint(dst, int64(e.Status))
	if e.ErrorSource != nil {
		dst = appendBytes(dst, *e.ErrorSource)
	}
	dst = appendBytes(dst, e.ErrorType)
	dst = appendBytes(dst, e.ErrorMessage)
	dst = binary.AppendVarint(dst, e.LatencyMs)
	dst = binary.AppendVarint(dst, e.TTFBMs)
	dst = binary.AppendVarint(dst, e.BytesIn)
	dst = binary.AppendVarint(dst, e.BytesOut)
	if e.Usage != nil {
		dst = binary.AppendVarint(dst, e.Usage.PromptTokens)
		dst = binary.AppendVarint(dst, e.Usage.CompletionTokens)
	}
	dst = appendBytes(dst, clientRequestID)
	dst = binary.AppendVarint(dst, int64(attempt))
	dst = binary.AppendVarint(dst, int64(attempts))
	dst = binary.AppendVarint(dst, ref.chunk)
	dst = binary.AppendVarint(dst, int64(ref.off))
	dst = binary.AppendVarint(dst, int64(ref.n))
	var lenBuf [binary.MaxVarintLen64]byte
	ln := binary.PutUvarint(lenBuf[:], uint64(len(dst)-body))
	if ln <= 3 {
		// Close the gap between the length and the body.
		copy(dst[start+ln:], dst[body:])
		copy(dst[start:], lenBuf[:ln])
		return dst[:len(dst)-(3-ln)]
	}
	return append(dst[:start], append(lenBuf[:ln:ln], dst[body:]...)...)
}

// storedEntry is a decoded record.
type storedEntry struct {
	model.LogEntry
	ref captureRef
	rec []byte // the record's encoding (with its length), for rewriting a block
}

// decodeBlock decompresses a block's data and decodes its entries, in the
// order they were written.
func decodeBlock(packed []byte) ([]storedEntry, error) {
	raw, err := captureDecoder().DecodeAll(packed, nil)
	if err != nil {
		return nil, err
	}
	return decodeRecords(raw)
}

// decodeRecords decodes a decompressed block.
func decodeRecords(raw []byte) ([]storedEntry, error) {
	if len(raw) == 0 || raw[0] != blockFormat {
		return nil, fmt.Errorf("%w: unknown block format", errBadRecord)
	}
	raw = raw[1:]
	var out []storedEntry
	for len(raw) > 0 {
		n, k := binary.Uvarint(raw)
		if k <= 0 || n > uint64(len(raw)-k) {
			return nil, fmt.Errorf("%w: record %d: bad length", errBadRecord, len(out))
		}
		rec := raw[:k+int(n)]
		e, err := decodeRecord(raw[k : k+int(n)])
		if err != nil {
			return nil, fmt.Errorf("record %d: %w", len(out), err)
		}
		e.rec = rec
		out = append(out, e)
		raw = raw[k+int(n):]
	}
	return out, nil
}

var errBadRecord = errors.New("malformed request-log record")

// decodeRecord is the inverse of appendRecord (without the length).
func decodeRecord(b []byte) (storedEntry, error) {
	d := recordReader{captureReader{b: b}}
	var se storedEntry
	e := &se.LogEntry
	e.ID = d.string()
	e.StartedAt = time.UnixMilli(d.varint()).UTC()
	e.Method = d.string()
	e.Path = d.string()
	e.Model = d.string()
	e.ProviderKey = d.string()
	e.UpstreamModel = d.string()
	flags := d.byte()
	e.Stream = flags&recStream != 0
	e.Status = int(d.varint())
	if flags&recErrorSource != 0 {
		src := d.string()
		e.ErrorSource = &src
	}
	e.ErrorType = d.string()
	e.ErrorMessage = d.string()
	e.LatencyMs = d.varint()
	e.TTFBMs = d.varint()
	e.BytesIn = d.varint()
	e.BytesOut = d.varint()
	if flags&recUsage != 0 {
		e.Usage = &model.Usage{PromptTokens: d.varint(), CompletionTokens: d.varint()}
	}
	e.ClientRequestID = d.string()
	e.Attempt = int(d.varint())
	e.Attempts = int(d.varint())
	se.ref = captureRef{chunk: d.varint(), off: int(d.varint()), n: int(d.varint())}
	if d.err != nil || len(d.b) != 0 {
		return storedEntry{}, fmt.Errorf("%w: %d bytes left, %v", errBadRecord, len(d.b), d.err)
	}
	return se, nil
}

// recordReader adds signed numbers to captureReader.
type recordReader struct{ captureReader }

func (d *recordReader) varint() int64 {
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.fail("number")
		return 0
	}
	d.b = d.b[n:]
	return v
}

// entryMatch is a compiled model.LogFilter (without Limit and Before).
type entryMatch func(e *model.LogEntry) bool

func compileFilter(f model.LogFilter) (entryMatch, error) {
	var class func(status int) bool
	switch f.StatusClass {
	case "":
	case model.StatusClass2xx:
		class = func(s int) bool { return s >= 200 && s <= 299 }
	case model.StatusClass4xx:
		class = func(s int) bool { return s >= 400 && s <= 499 && s != model.StatusClientClosed }
	case model.StatusClass5xx:
		class = func(s int) bool { return s >= 500 && s <= 599 }
	case model.StatusClass499:
		class = func(s int) bool { return s == model.StatusClientClosed }
	default:
		return nil, model.Invalid("status_class", "must be one of 2xx, 4xx, 5xx, 499")
	}
	text := asciiLower(f.Text)
	return func(e *model.LogEntry) bool {
		switch {
		case f.Errors && !e.IsError(),
			f.Provider != "" && e.ProviderKey != f.Provider,
			f.Model != "" && e.Model != f.Model,
			f.ClientRequestID != "" && e.ClientRequestID != f.ClientRequestID,
			f.Status != 0 && e.Status != f.Status,
			class != nil && !class(e.Status):
			return false
		}
		return text == "" || containsFold(e.Path, text) || containsFold(e.Model, text) ||
			containsFold(e.ErrorMessage, text)
	}, nil
}

// mayContainFold reports whether lowerSub (ASCII-lowered) may be in one
// of raw's entries: whether it is anywhere in raw, ignoring ASCII case.
// It lets the text filter skip a block without decoding its entries.
// scratch is reused and returned.
func mayContainFold(raw []byte, lowerSub string, scratch []byte) (bool, []byte) {
	scratch = append(scratch[:0], raw...)
	lowerASCII(scratch)
	return bytes.Contains(scratch, []byte(lowerSub)), scratch
}

// containsFold reports whether lowerSub (ASCII-lowered) is in s, ignoring
// ASCII case, as SQLite's LIKE did for the text filter.
func containsFold(s, lowerSub string) bool {
	if len(lowerSub) > len(s) {
		return false
	}
	return strings.Contains(asciiLower(s), lowerSub)
}

// asciiLower is s with ASCII letters lowered; s itself when it has no
// capital letter (no copy).
func asciiLower(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; 'A' <= c && c <= 'Z' {
			b := []byte(s)
			lowerASCII(b[i:])
			return string(b)
		}
	}
	return s
}

// lowerASCII lowers b's ASCII letters in place.
func lowerASCII(b []byte) {
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
}

// listQuery selects the blocks at or below block id top that may hold an
// entry f matches (f validated by compileFilter), newest first.
func listQuery(f model.LogFilter, top int64) (string, []any) {
	q := `SELECT id, data FROM request_log_blocks WHERE id <= ?`
	args := []any{top}
	if f.Errors {
		q += ` AND errors > 0`
	}
	if f.Provider != "" {
		q += ` AND instr(providers, ?) > 0`
		args = append(args, framed(f.Provider))
	}
	if f.Model != "" {
		q += ` AND instr(models, ?) > 0`
		args = append(args, framed(f.Model))
	}
	if f.Status != 0 {
		q += ` AND classes & ? != 0`
		args = append(args, int64(1)<<statusIndex(f.Status))
	}
	if bit, ok := classBits[f.StatusClass]; ok {
		q += ` AND classes & ? != 0`
		args = append(args, bit)
	}
	if f.ClientRequestID != "" {
		// The attempts of a route group, or a request tried once: its own
		// id, in the block's id range.
		q += ` AND (instr(group_requests, ?) > 0 OR (max_id >= ? AND min_id <= ?))`
		args = append(args, framed(f.ClientRequestID), f.ClientRequestID, f.ClientRequestID)
	}
	return q + ` ORDER BY id DESC`, args
}

// classBits are the blockMeta.classes bits of the status classes a
// listing can ask for.
var classBits = map[string]int64{
	model.StatusClass2xx: 1 << statusIndex(200),
	model.StatusClass4xx: 1 << statusIndex(400),
	model.StatusClass5xx: 1 << statusIndex(500),
	model.StatusClass499: 1 << statusIndex(model.StatusClientClosed),
}

// findEntry returns the newest entry with id, the id of its block and its
// position there, or ok false.
func findEntry(ctx context.Context, q querier, id string) (e storedEntry, block int64, pos int, ok bool, err error) {
	err = eachBlock(ctx, q, sqlBlocksWithID, []any{id}, func(b int64, entries []storedEntry) error {
		for i := len(entries) - 1; i >= 0; i-- {
			if entries[i].ID == id {
				e, block, pos, ok = entries[i], b, i, true
				return errFound
			}
		}
		return nil
	})
	if errors.Is(err, errFound) {
		err = nil
	}
	return e, block, pos, ok, err
}

// errFound stops eachBlock once findEntry has its entry.
var errFound = errors.New("found")
