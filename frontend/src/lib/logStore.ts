// The Live logs page's rows: a pure reducer over the live stream's messages
// and the REST backfill. Newest first, bounded, in-flight rows finished in
// place, and a frozen view while paused.

import { toLogEntry } from '../api/client'
import type { LiveMessage, LogEntry } from '../api/types'

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
    in_flight: true,
  }
}

/** Puts `row` in place of the row with its id, or on top when it is new. */
function upsert(rows: LogRow[], row: LogRow): LogRow[] {
  const i = rows.findIndex((r) => r.id === row.id)
  if (i < 0) return [row, ...rows]
  const next = rows.slice()
  // A finished row keeps the started row's place; the stream can repeat a
  // finished entry (hello backlog after a backfill): the finished one wins.
  next[i] = row.in_flight && !next[i]!.in_flight ? next[i]! : row
  return next
}

function applyMessage(rows: LogRow[], m: LiveMessage): LogRow[] {
  switch (m.type) {
    case 'request.started': {
      const row = startedRow(m.data, m.ts)
      return row ? upsert(rows, row) : rows
    }
    case 'request.progress': {
      const d = m.data as { id?: unknown; ttfb_ms?: unknown } | null
      if (!d || typeof d.id !== 'string' || typeof d.ttfb_ms !== 'number') return rows
      const i = rows.findIndex((r) => r.id === d.id)
      if (i < 0 || !rows[i]!.in_flight) return rows
      const next = rows.slice()
      next[i] = { ...next[i]!, ttfb_ms: d.ttfb_ms }
      return next
    }
    case 'request.finished': {
      const e = toLogEntry(m.data)
      return e ? upsert(rows, finishedRow(e)) : rows
    }
    default:
      return rows
  }
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
      let rows = state.rows
      for (const m of action.messages) rows = applyMessage(rows, m)
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
