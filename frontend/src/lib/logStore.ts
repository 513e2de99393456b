// The Live logs page's rows: a pure reducer over the live stream's messages
// and the REST backfill. Newest first, bounded, in-flight rows finished in
// place, and a frozen view while paused.

import { toLogEntry } from '../api/client'
import type { LiveMessage, LogEntry, ServerLogRecord } from '../api/types'

/** At most this many rows are kept; the oldest fall off. */
export const MAX_ROWS = 1000

/** A table row: a finished entry, or one still in flight (status 0). */
export interface LogRow extends LogEntry {
  in_flight: boolean
}

export interface LogState {
  /** Every known row, newest first, at most MAX_ROWS. */
  rows: LogRow[]
  /** What the table shows while paused (null: live, the same as rows). */
  frozen: LogRow[] | null
}

export type LogAction =
  | { type: 'messages'; messages: LiveMessage[] }
  | { type: 'backfill'; entries: LogEntry[] }
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'clear' }

export const initialLogState: LogState = { rows: [], frozen: null }

/** A failed request: an error status, or an error source on a response that had begun. */
export function isErrorRow(r: LogEntry): boolean {
  return r.status >= 400 || r.error_source !== null
}

function finishedRow(e: LogEntry): LogRow {
  return { ...e, in_flight: false }
}

function startedRow(data: unknown, ts: string): LogRow | null {
  if (typeof data !== 'object' || data === null) return null
  const d = data as Record<string, unknown>
  if (typeof d.id !== 'string') return null
  const str = (v: unknown) => (typeof v === 'string' ? v : '')
  return {
    id: d.id,
    started_at: ts || new Date().toISOString(),
    method: str(d.method),
    path: str(d.path),
    model: str(d.model),
    provider_key: str(d.provider_key),
    upstream_model: '',
    stream: d.stream === true,
    status: 0,
    error_source: null,
    error_type: '',
    error_message: '',
    latency_ms: 0,
    ttfb_ms: 0,
    bytes_in: 0,
    bytes_out: 0,
    usage: null,
    // request.started carries the request's ID (= the client request) for every attempt.
    client_request_id: str(d.client_request_id) || d.id,
    attempt: typeof d.attempt === 'number' ? d.attempt : 1,
    attempts: typeof d.attempts === 'number' ? d.attempts : 1,
    in_flight: true,
  }
}

/** Which of two rows with one id to keep: a finished row is never undone by
 * a (late or repeated) started one; otherwise the newer news wins. */
function merged(old: LogRow, row: LogRow): LogRow {
  return row.in_flight && !old.in_flight ? old : row
}

/** Puts `row` in place of the row with its id, or on top when it is new. */
function upsert(rows: LogRow[], row: LogRow): LogRow[] {
  const i = rows.findIndex((r) => r.id === row.id)
  if (i < 0) return [row, ...rows]
  const next = rows.slice()
  next[i] = merged(next[i]!, row)
  return next
}

/** The row a message makes or changes, given the current row with its id. */
function rowOf(m: LiveMessage, current: (id: string) => LogRow | undefined): LogRow | null {
  switch (m.type) {
    case 'request.started':
      return startedRow(m.data, m.ts)
    case 'request.progress': {
      const d = m.data as { id?: unknown; ttfb_ms?: unknown } | null
      if (!d || typeof d.id !== 'string' || typeof d.ttfb_ms !== 'number') return null
      const row = current(d.id)
      return row && row.in_flight ? { ...row, ttfb_ms: d.ttfb_ms } : null
    }
    case 'request.finished': {
      const e = toLogEntry(m.data)
      return e ? finishedRow(e) : null
    }
    default:
      return null
  }
}

/**
 * Applies a batch of messages in one pass: rows are copied once, looked up
 * by id in a map, and new rows go on top in arrival order, so a burst of
 * thousands of events costs O(rows + events), not O(rows × events).
 * Returns `rows` itself when nothing changed.
 */
function applyMessages(rows: LogRow[], messages: readonly LiveMessage[]): LogRow[] {
  let next: LogRow[] | null = null
  const at = new Map<string, number>()
  rows.forEach((r, i) => at.set(r.id, i))
  const fresh: LogRow[] = []
  const freshAt = new Map<string, number>()
  const current = (id: string) => {
    const f = freshAt.get(id)
    if (f !== undefined) return fresh[f]
    const i = at.get(id)
    return i === undefined ? undefined : (next ?? rows)[i]
  }
  for (const m of messages) {
    const row = rowOf(m, current)
    if (!row) continue
    const f = freshAt.get(row.id)
    if (f !== undefined) {
      fresh[f] = merged(fresh[f]!, row)
      continue
    }
    const i = at.get(row.id)
    if (i !== undefined) {
      next ??= rows.slice()
      next[i] = merged(next[i]!, row)
      continue
    }
    freshAt.set(row.id, fresh.length)
    fresh.push(row)
  }
  if (fresh.length === 0) return next ?? rows
  // Only the newest MAX_ROWS can stay: skip copying the rest.
  const keepFresh = fresh.length > MAX_ROWS ? fresh.slice(fresh.length - MAX_ROWS) : fresh
  keepFresh.reverse()
  return keepFresh.concat((next ?? rows).slice(0, MAX_ROWS - keepFresh.length))
}

function bound(rows: LogRow[]): LogRow[] {
  return rows.length > MAX_ROWS ? rows.slice(0, MAX_ROWS) : rows
}

/** Merges entries read from GET /admin/v1/logs, then orders by start time. */
function backfill(rows: LogRow[], entries: LogEntry[]): LogRow[] {
  let next = rows
  for (const e of entries) {
    const i = next.findIndex((r) => r.id === e.id)
    // A row the stream already has is newer or the same; a started row that
    // the backfill shows finished did finish while we were away.
    if (i >= 0 && !next[i]!.in_flight) continue
    next = upsert(next, finishedRow(e))
  }
  // Stable sort, newest first; equal times keep their order.
  return next
    .map((r, i) => ({ r, i, t: Date.parse(r.started_at) || 0 }))
    .sort((a, b) => b.t - a.t || a.i - b.i)
    .map((x) => x.r)
}

export function logReducer(state: LogState, action: LogAction): LogState {
  switch (action.type) {
    case 'messages': {
      const rows = applyMessages(state.rows, action.messages)
      return rows === state.rows ? state : { ...state, rows: bound(rows) }
    }
    case 'backfill':
      return { ...state, rows: bound(backfill(state.rows, action.entries)) }
    case 'pause':
      return state.frozen ? state : { ...state, frozen: state.rows }
    case 'resume':
      return { ...state, frozen: null }
    case 'clear':
      return { rows: [], frozen: state.frozen ? [] : null }
  }
}

/** The rows the table shows: the frozen ones while paused. */
export function shownRows(state: LogState): LogRow[] {
  return state.frozen ?? state.rows
}

/** How many rows arrived since the pause (shown on Resume). */
export function waitingCount(state: LogState): number {
  if (!state.frozen) return 0
  const seen = new Set(state.frozen.map((r) => r.id))
  let n = 0
  for (const r of state.rows) if (!seen.has(r.id)) n++
  return n
}

// ---- The server's own log (the "Errors" tab) ------------------------------------

/** At most this many server-log records are kept (the server's ring holds 1,000). */
export const MAX_SERVER_LOG = 500

function recordKey(r: ServerLogRecord): string {
  return `${r.ts}\u0000${r.level}\u0000${r.message}`
}

/**
 * Merges server-log records (a backfill, or live `log` messages) into
 * `list`: newest first, duplicates (the same time, level and message, as a
 * backfill repeats what the stream sent) kept once, at most MAX_SERVER_LOG.
 */
export function mergeServerLog(list: readonly ServerLogRecord[], add: readonly ServerLogRecord[]): ServerLogRecord[] {
  if (add.length === 0) return list as ServerLogRecord[]
  const seen = new Set(list.map(recordKey))
  const fresh = add.filter((r) => {
    const k = recordKey(r)
    if (seen.has(k)) return false
    seen.add(k)
    return true
  })
  if (fresh.length === 0) return list as ServerLogRecord[]
  return [...fresh, ...list]
    .map((r, i) => ({ r, i, t: Date.parse(r.ts) || 0 }))
    .sort((a, b) => b.t - a.t || a.i - b.i)
    .slice(0, MAX_SERVER_LOG)
    .map((x) => x.r)
}
