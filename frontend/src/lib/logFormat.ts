// Display helpers of the Live logs page (no React here, so they are easy to test).

import type { LiveStatus } from '../api/live'
import type { LogEntry } from '../api/types'

/** The colour class of a status: ok (2xx), warn (4xx), danger (5xx, 499), neutral. */
export function statusTone(status: number): 'ok' | 'warn' | 'danger' | 'neutral' {
  if (status >= 200 && status < 300) return 'ok'
  if (status === 499 || status >= 500) return 'danger'
  if (status >= 400) return 'warn'
  return 'neutral'
}

/** The time of day of an RFC 3339 timestamp, with seconds (HH:MM:SS). */
export function timeOfDay(iso: string): string {
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return iso
  return timeFormat().format(d)
}

// One formatter for every row: toLocaleTimeString builds a new one per call,
// which was most of the page's work in a burst of live rows.
let timeFormatter: Intl.DateTimeFormat | null = null
function timeFormat(): Intl.DateTimeFormat {
  timeFormatter ??= new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false })
  return timeFormatter
}

/** Milliseconds as "412 ms" or "3.2 s"; a dash for none. */
export function ms(n: number): string {
  if (n <= 0) return '—'
  return n < 1000 ? `${n} ms` : `${(n / 1000).toFixed(n < 10_000 ? 2 : 1)} s`
}

/** Tokens as "12 → 34"; a dash when the response did not say. */
export function tokens(e: LogEntry): string {
  if (!e.usage) return '—'
  return `${e.usage.prompt_tokens} → ${e.usage.completion_tokens}`
}

/** A body pretty-printed when it is JSON, as captured otherwise (SSE, text). */
export function prettyBody(body: string): string {
  const t = body.trim()
  if (t.startsWith('{') || t.startsWith('[')) {
    try {
      return JSON.stringify(JSON.parse(t), null, 2)
    } catch {
      // Truncated or not JSON after all: show it as it is.
    }
  }
  return body
}

/** The connection indicator's words. */
export function liveStatusLabel(s: LiveStatus): string {
  switch (s.kind) {
    case 'connecting':
      return 'Connecting…'
    case 'open':
      return 'Live'
    case 'retrying':
      return `Disconnected — retrying in ${Math.max(1, Math.round(s.delayMs / 1000))} s`
    case 'closed':
      return 'Closed'
  }
}

/** A server-log record's attributes as "key=value" pairs, sorted by key; strings with spaces quoted. */
export function attrsText(attrs: Record<string, unknown>): string {
  return Object.keys(attrs)
    .sort()
    .map((k) => {
      const v = attrs[k]
      const s = typeof v === 'string' ? v : JSON.stringify(v)
      return `${k}=${typeof v === 'string' && /[\s"=]/.test(v) ? JSON.stringify(v) : s}`
    })
    .join(' ')
}
