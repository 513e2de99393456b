// Routing (issue 13) for the dashboard: alias patterns, route groups'
// priority and failover_on fields, circuit badges and the attempt chains of
// the request log. Pure functions; the views only render what they return.

import type { CircuitState, LogEntry, Route } from '../api/types'
import type { Tone } from './health'
import { timeOfDay } from './logFormat'

/** The highest priority a group member may have. */
export const MAX_PRIORITY = 1000
/** At most this many failover statuses per member. */
export const MAX_FAILOVER_STATUSES = 10

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string }

/**
 * The priority field: blank is 0 (not a group member), else a whole number
 * 1..1000 (lower is tried first).
 */
export function parsePriority(text: string): Parsed<number> {
  const t = text.trim()
  if (t === '') return { ok: true, value: 0 }
  if (!/^\d+$/.test(t) || Number(t) < 1 || Number(t) > MAX_PRIORITY) {
    return { ok: false, message: `Enter a whole number from 1 to ${MAX_PRIORITY}, or leave it blank.` }
  }
  return { ok: true, value: Number(t) }
}

/**
 * The failover field: statuses separated by commas or spaces ("429, 529"),
 * each 400..599, no duplicates, at most 10. Blank is none.
 */
export function parseFailoverOn(text: string): Parsed<number[]> {
  const parts = text.split(/[\s,]+/).filter((p) => p !== '')
  const out: number[] = []
  for (const p of parts) {
    if (!/^\d+$/.test(p)) return { ok: false, message: `“${p}” is not a status: enter HTTP statuses 400–599, like 429, 529.` }
    const n = Number(p)
    if (n < 400 || n > 599) return { ok: false, message: `${n} is not an error status: only 400–599 can pass a request on.` }
    if (out.includes(n)) return { ok: false, message: `${n} is listed twice.` }
    out.push(n)
  }
  if (out.length > MAX_FAILOVER_STATUSES) return { ok: false, message: `At most ${MAX_FAILOVER_STATUSES} statuses.` }
  return { ok: true, value: out }
}

/** A failover list as the field shows it: "429, 529". */
export function formatFailoverOn(list: readonly number[] | undefined): string {
  return (list ?? []).join(', ')
}

/** A priority as the field shows it: blank for none. */
export function formatPriority(p: number | undefined): string {
  return p && p > 0 ? String(p) : ''
}

/** True when `alias` is a pattern: one `*`, at its end. */
export function isPattern(alias: string): boolean {
  const a = alias.trim()
  return a.endsWith('*') && a.indexOf('*') === a.length - 1
}

/**
 * What a model-map row's alias does, shown under it: for a pattern, which
 * models it catches and what it sends upstream; for a malformed one, the
 * rule; '' for a plain alias.
 */
export function patternHint(alias: string, upstream: string): string {
  const a = alias.trim()
  const u = upstream.trim()
  if (!a.includes('*')) return ''
  if (!isPattern(a)) return 'A pattern has one * and only at its end, like claude-*.'
  const prefix = a.slice(0, -1)
  const catches = prefix === '' ? 'pattern: catches every model no other alias catches' : `pattern: catches every model starting with ${prefix}`
  let sends: string
  if (u === '') sends = 'sent upstream as the client named it'
  else if (u.includes('*')) sends = `sent as ${u.replace('*', '…')} (… = the rest of the name)`
  else sends = `sent as ${u}`
  return `${catches}; ${sends}.`
}

/** The recent models a saved pattern caught, for its row ("Catches recently: a, b, …"); '' when none. */
export function catchesText(routes: readonly Route[] | undefined, alias: string, max = 5): string {
  const a = alias.trim()
  const route = routes?.find((r) => r.pattern && r.alias === a)
  if (!route || route.catches.length === 0) return ''
  const shown = route.catches.slice(0, max).join(', ')
  return `Catches recently: ${shown}${route.catches.length > max ? ', …' : ''}`
}

// ---- Circuits ------------------------------------------------------------------

export interface CircuitBadge {
  tone: Tone
  label: string
  /** The reason, for a title or a second line; '' when closed. */
  detail: string
}

/**
 * A circuit as a badge: "closed", "open until HH:MM:SS" (with its reason),
 * or "half-open". An open circuit whose time has passed reads half-open, as
 * the proxy computes it on read.
 */
export function circuitBadge(c: CircuitState, now: Date = new Date()): CircuitBadge {
  const failures = c.failures > 0 ? `${c.failures} ${c.failures === 1 ? 'failure' : 'failures'} in a row` : ''
  if (c.state === 'open' && c.until !== null && Date.parse(c.until) > now.getTime()) {
    return { tone: 'danger', label: `open until ${timeOfDay(c.until)}`, detail: c.reason }
  }
  if (c.state === 'open' || c.state === 'half_open') {
    return { tone: 'warn', label: 'half-open', detail: c.reason || 'the next request tests it' }
  }
  return { tone: 'ok', label: 'closed', detail: failures }
}

// ---- Attempt chains --------------------------------------------------------------

/** The attempts of one client request, in try order. */
export type Chain = LogEntry[]

/**
 * Groups rows by client_request_id, each group sorted by attempt. Rows of
 * requests tried once are in no group (a map lookup returns undefined), so
 * the table pays for chains only where there are some.
 */
export function buildChains<T extends LogEntry>(rows: readonly T[]): Map<string, T[]> {
  const groups = new Map<string, T[]>()
  for (const r of rows) {
    if (!triedMoreThanOnce(r)) continue
    const list = groups.get(r.client_request_id)
    if (list) list.push(r)
    else groups.set(r.client_request_id, [r])
  }
  // The request's own row while it is in flight (request.started carries
  // no attempt fields): the attempt being tried now, last in its chain.
  for (const r of rows) {
    if (!triedMoreThanOnce(r) && isInFlight(r)) groups.get(r.id)?.push(r)
  }
  const order = (r: T) => (isInFlight(r) ? Number.MAX_SAFE_INTEGER : r.attempt)
  for (const list of groups.values()) list.sort((a, b) => order(a) - order(b))
  return groups
}

function isInFlight(r: object): boolean {
  return (r as { in_flight?: unknown }).in_flight === true
}

/** True for a row of a request that could be (or was) tried more than once. */
export function triedMoreThanOnce(r: Pick<LogEntry, 'attempt' | 'attempts'>): boolean {
  return r.attempt > 1 || r.attempts > 1
}

/** "attempt 2 of 3" for a row of a group; '' for a request tried once. */
export function attemptText(r: Pick<LogEntry, 'attempt' | 'attempts'>): string {
  if (!triedMoreThanOnce(r)) return ''
  return `attempt ${r.attempt} of ${Math.max(r.attempts, r.attempt)}`
}

/** One attempt's outcome: "429", "no response (connect)", "timeout"; "…" while in flight. */
export function attemptOutcome(r: Pick<LogEntry, 'status' | 'error_type'> & { in_flight?: boolean }): string {
  if (r.in_flight || r.status === 0) return '…'
  if (r.error_type === 'upstream_connect_error') return `${r.status} (connect)`
  if (r.error_type === 'upstream_timeout') return `${r.status} (timeout)`
  return String(r.status)
}

/** One step of a chain: "429 from groq". */
export function attemptStep(r: Pick<LogEntry, 'status' | 'error_type' | 'provider_key'> & { in_flight?: boolean }): string {
  return `${attemptOutcome(r)} from ${r.provider_key || 'no provider'}`
}

/**
 * A chain as one line: "502 (connect) from openai → 200 from groq"; `short`
 * leaves out the no-response kinds, for the table's narrow column.
 */
export function chainText(chain: readonly (LogEntry & { in_flight?: boolean })[], short = false): string {
  return chain.map((r) => (short ? attemptStep({ ...r, error_type: '' }) : attemptStep(r))).join(' → ')
}

/**
 * Merges the attempts the table has with those read from the API (GET
 * /logs?client_request_id=…), one per id (the table's, which may be newer,
 * wins), sorted by attempt.
 */
export function mergeAttempts<T extends LogEntry>(known: readonly T[], fetched: readonly LogEntry[]): Array<T | LogEntry> {
  const byId = new Map<string, T | LogEntry>()
  for (const r of fetched) byId.set(r.id, r)
  for (const r of known) byId.set(r.id, r)
  return [...byId.values()].sort((a, b) => a.attempt - b.attempt)
}

/**
 * Milliseconds until the first open circuit of `routes` turns half-open (its
 * badge changes without any event), or null when none is open.
 */
export function nextCircuitChangeMs(routes: readonly Route[], now: Date = new Date()): number | null {
  let next: number | null = null
  for (const r of routes) {
    for (const m of r.members) {
      if (m.circuit.state !== 'open' || m.circuit.until === null) continue
      const at = Date.parse(m.circuit.until) - now.getTime()
      if (at > 0 && (next === null || at < next)) next = at
    }
  }
  return next
}

/** How a member's upstream reads in the routes view: the name, the pattern's form, or "as sent". */
export function upstreamText(upstream: string, pattern: boolean): string {
  if (upstream === '') return 'the name as sent'
  if (pattern && upstream.includes('*')) return upstream.replace('*', '…')
  return upstream
}

/** A route's kind in words. */
export function routeKind(r: Pick<Route, 'pattern' | 'group' | 'members'>): string {
  const what = r.pattern ? 'pattern' : 'alias'
  if (r.group) return `${what} · route group of ${r.members.length}`
  if (r.members.length > 1) return `${what} · one provider per client dialect`
  return what
}

/**
 * The model name a member is asked for when `model` is resolved to a route:
 * the configured upstream with its `*` replaced by what the pattern's `*`
 * matched, the client's name for an empty upstream, else the upstream as is.
 */
export function effectiveUpstream(upstream: string, route: { alias: string; pattern: boolean }, model: string): string {
  if (upstream === '') return model
  if (!route.pattern || !upstream.includes('*')) return upstream
  const prefix = route.alias.slice(0, -1)
  const rest = model.startsWith(prefix) ? model.slice(prefix.length) : model
  return upstream.replace('*', rest)
}
