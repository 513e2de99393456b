// The live stream, GET /admin/v1/ws (API.md §3 "Live stream"): a WebSocket
// whose text frames carry one or more JSON messages {"type","ts","data"},
// one per line. The client reconnects by itself with backoff and tells its
// owner each time it is connected again, so the owner can backfill what it
// missed from GET /admin/v1/logs.

import type { LiveMessage } from './types'
import { ADMIN_BASE, getStatus } from './client'
import { getAdminToken } from '../lib/adminToken'

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/**
 * Parses one NDJSON text frame into its messages. Blank lines are skipped,
 * and so is any line that is not a JSON object with a string `type`: one bad
 * line must not cost the good ones around it.
 */
export function parseFrame(text: string): LiveMessage[] {
  const out: LiveMessage[] = []
  for (const line of text.split('\n')) {
    const trimmed = line.trim()
    if (trimmed === '') continue
    let v: unknown
    try {
      v = JSON.parse(trimmed)
    } catch {
      continue
    }
    if (!isRecord(v) || typeof v.type !== 'string') continue
    out.push({ type: v.type, ts: typeof v.ts === 'string' ? v.ts : '', data: v.data })
  }
  return out
}

/**
 * The WebSocket URL for a page at `loc`. In a browser the dashboard and the
 * server share a host. The desktop window's page is wails://wails/, which
 * has no network host: there `addr` (GET /admin/v1/status) names the real
 * listener. A wildcard listen address is reached over loopback.
 */
export function liveURL(loc: { protocol: string; host: string }, addr: string | null, token: string | null): string {
  let base: string
  if (loc.protocol === 'http:' || loc.protocol === 'https:') {
    base = `${loc.protocol === 'https:' ? 'wss' : 'ws'}://${loc.host}`
  } else {
    base = `ws://${reachableAddr(addr ?? '')}`
  }
  // Browsers cannot set headers on a WebSocket: the token goes in the query.
  const qs = token ? `?token=${encodeURIComponent(token)}` : ''
  return `${base}${ADMIN_BASE}/ws${qs}`
}

function reachableAddr(addr: string): string {
  if (addr.startsWith('0.0.0.0:')) return `127.0.0.1:${addr.slice('0.0.0.0:'.length)}`
  if (addr.startsWith('[::]:')) return `[::1]:${addr.slice('[::]:'.length)}`
  if (addr.startsWith(':')) return `127.0.0.1${addr}`
  return addr
}

/** Where the stream is: connecting the first time, open, or waiting to retry. */
export type LiveStatus =
  | { kind: 'connecting' }
  | { kind: 'open' }
  | { kind: 'retrying'; attempt: number; delayMs: number }
  | { kind: 'closed' }

/** The part of the WebSocket API the client uses (a fake in tests). */
export interface SocketLike {
  onopen: ((ev: Event) => void) | null
  onmessage: ((ev: MessageEvent) => void) | null
  onclose: ((ev: CloseEvent) => void) | null
  onerror: ((ev: Event) => void) | null
  close(code?: number, reason?: string): void
}

export interface LiveOptions {
  /** Called with each frame's messages, in order. */
  onMessages: (msgs: LiveMessage[]) => void
  /** Called on every status change; `open` each time the socket (re)connects. */
  onStatus: (s: LiveStatus) => void
  /** The URL to connect to; resolved anew for each attempt (the token may change). */
  url?: () => Promise<string>
  /** Makes the socket; the browser's WebSocket by default. */
  socket?: (url: string) => SocketLike
  /** Backoff bounds. */
  minDelayMs?: number
  maxDelayMs?: number
}

/** The first retry waits this long; each next one twice as long, up to maxDelay. */
export const MIN_DELAY_MS = 500
export const MAX_DELAY_MS = 10_000

/** The delay before retry number `attempt` (1-based). */
export function backoffDelay(attempt: number, min = MIN_DELAY_MS, max = MAX_DELAY_MS): number {
  return Math.min(max, min * 2 ** Math.max(0, attempt - 1))
}

/** url with the stream's ?types= filter set to types. */
export function withTypes(url: string, types: readonly string[]): string {
  return `${url}${url.includes('?') ? '&' : '?'}types=${types.join(',')}`
}

/** The live URL for this page: in the desktop window it asks the server's address first. */
export async function defaultLiveURL(): Promise<string> {
  const loc = window.location
  const web = loc.protocol === 'http:' || loc.protocol === 'https:'
  const addr = web ? null : (await getStatus()).addr
  return liveURL(loc, addr, getAdminToken())
}

/**
 * A self-reconnecting subscription to the live stream. `start` connects;
 * `stop` closes it for good. A socket that closes or fails is retried after
 * backoffDelay(attempt); the attempt count resets once a socket opens.
 */
export class LiveClient {
  private readonly opts: LiveOptions
  private sock: SocketLike | null = null
  private timer: ReturnType<typeof setTimeout> | null = null
  private attempt = 0
  private stopped = true

  constructor(opts: LiveOptions) {
    this.opts = opts
  }

  start(): void {
    if (!this.stopped) return
    this.stopped = false
    this.opts.onStatus({ kind: 'connecting' })
    void this.connect()
  }

  stop(): void {
    this.stopped = true
    if (this.timer !== null) clearTimeout(this.timer)
    this.timer = null
    const s = this.sock
    this.sock = null
    if (s) {
      s.onopen = s.onmessage = s.onclose = s.onerror = null
      s.close(1000, 'page closed')
    }
    this.opts.onStatus({ kind: 'closed' })
  }

  private async connect(): Promise<void> {
    let url: string
    try {
      url = await (this.opts.url ?? defaultLiveURL)()
    } catch {
      // The status (for the desktop's address) could not be read: retry.
      this.retry()
      return
    }
    if (this.stopped) return
    let s: SocketLike
    try {
      s = (this.opts.socket ?? ((u: string) => new WebSocket(u)))(url)
    } catch {
      this.retry()
      return
    }
    this.sock = s
    s.onopen = () => {
      this.attempt = 0
      this.opts.onStatus({ kind: 'open' })
    }
    s.onmessage = (ev: MessageEvent) => {
      if (typeof ev.data !== 'string') return
      const msgs = parseFrame(ev.data)
      if (msgs.length > 0) this.opts.onMessages(msgs)
    }
    // A failed socket fires error then close: retry once, on close.
    s.onerror = () => {}
    s.onclose = () => {
      if (this.sock !== s) return
      this.sock = null
      this.retry()
    }
  }

  private retry(): void {
    if (this.stopped) return
    this.attempt++
    const delayMs = backoffDelay(this.attempt, this.opts.minDelayMs, this.opts.maxDelayMs)
    this.opts.onStatus({ kind: 'retrying', attempt: this.attempt, delayMs })
    this.timer = setTimeout(() => {
      this.timer = null
      void this.connect()
    }, delayMs)
  }
}
