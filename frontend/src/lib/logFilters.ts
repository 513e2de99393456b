// The Live logs page's filters: applied on the client to the rows already
// loaded, and sent as the same query to GET /admin/v1/logs so the backfill
// brings older matches too. Both sides match alike (API.md "Request logs").

import type { LogsQuery } from '../api/client'
import type { LogEntry } from '../api/types'
import { isErrorRow } from './logStore'

export interface LogFilters {
  errorsOnly: boolean
  /** A provider key, exact; '' for any. */
  provider: string
  /** A model as the client asked for it, exact; '' for any. */
  model: string
  /** A status code ("429", "499") or class ("2xx", "4xx", "5xx"); '' for any. */
  status: string
  /** A case-insensitive substring of the path, model or error message. */
  text: string
}

export const NO_FILTERS: LogFilters = { errorsOnly: false, provider: '', model: '', status: '', text: '' }

export type StatusFilter = { kind: 'any' } | { kind: 'code'; code: number } | { kind: 'class'; cls: '2xx' | '4xx' | '5xx' } | { kind: 'invalid' }

/** Reads the status box: an exact code (100..599) or a class (2xx, 4xx, 5xx). */
export function parseStatusFilter(raw: string): StatusFilter {
  const s = raw.trim().toLowerCase()
  if (s === '') return { kind: 'any' }
  if (s === '2xx' || s === '4xx' || s === '5xx') return { kind: 'class', cls: s }
  if (/^[1-5]\d\d$/.test(s)) return { kind: 'code', code: Number(s) }
  return { kind: 'invalid' }
}

function statusMatches(status: number, f: StatusFilter): boolean {
  switch (f.kind) {
    case 'any':
    case 'invalid': // shown as a field error; it filters nothing meanwhile
      return true
    case 'code':
      return status === f.code
    case 'class': {
      // 499 (the client went away) is its own class, as on the server.
      if (status === 499) return false
      const lo = Number(f.cls[0]) * 100
      return status >= lo && status < lo + 100
    }
  }
}

/** Whether any filter is set. */
export function hasFilters(f: LogFilters): boolean {
  return f.errorsOnly || f.provider !== '' || f.model !== '' || f.status.trim() !== '' || f.text.trim() !== ''
}

/**
 * Whether a row passes the filters. A row still in flight has no status
 * yet: it passes only filters that do not ask about the outcome.
 */
export function matchesFilters(row: LogEntry & { in_flight?: boolean }, f: LogFilters): boolean {
  if (f.provider !== '' && row.provider_key !== f.provider) return false
  if (f.model !== '' && row.model !== f.model) return false
  const status = parseStatusFilter(f.status)
  if (row.in_flight && (f.errorsOnly || status.kind === 'code' || status.kind === 'class')) return false
  if (f.errorsOnly && !isErrorRow(row)) return false
  if (!statusMatches(row.status, status)) return false
  const text = f.text.trim().toLowerCase()
  if (text !== '') {
    const hay = `${row.path}\n${row.model}\n${row.error_message}`.toLowerCase()
    if (!hay.includes(text)) return false
  }
  return true
}

/** The GET /admin/v1/logs query for the filters (an invalid status is left out). */
export function filtersToQuery(f: LogFilters): Omit<LogsQuery, 'signal' | 'limit'> {
  const q: Omit<LogsQuery, 'signal' | 'limit'> = {}
  if (f.errorsOnly) q.errors = true
  if (f.provider !== '') q.provider = f.provider
  if (f.model !== '') q.model = f.model
  const status = parseStatusFilter(f.status)
  if (status.kind === 'code') q.status = String(status.code)
  if (status.kind === 'class') q.status = status.cls
  const text = f.text.trim()
  if (text !== '') q.text = text
  return q
}

/** The distinct non-empty values of a field over the rows, sorted, plus `keep` (the selected one). */
export function distinctValues(rows: readonly LogEntry[], field: 'provider_key' | 'model', keep = ''): string[] {
  const set = new Set<string>()
  for (const r of rows) if (r[field] !== '') set.add(r[field])
  if (keep !== '') set.add(keep)
  return [...set].sort((a, b) => a.localeCompare(b))
}
