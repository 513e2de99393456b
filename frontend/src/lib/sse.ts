// A captured SSE response body split into its events, for the detail panel
// to list one per row.

/** One server-sent event: its `event:` name (may be empty) and its data lines joined. */
export interface SSEEvent {
  event: string
  data: string
}

/** Whether a captured response is an event stream (by its Content-Type). */
export function isEventStream(headers: Record<string, string[]>): boolean {
  for (const [name, values] of Object.entries(headers)) {
    if (name.toLowerCase() !== 'content-type') continue
    if (values.some((v) => v.toLowerCase().startsWith('text/event-stream'))) return true
  }
  return false
}

/**
 * Splits an SSE body into events (WHATWG "event stream" parsing, reduced to
 * what a log needs): events end at a blank line; `data:` lines are joined
 * with "\n"; comments (":") and `id:`/`retry:` lines are skipped; CRLF and CR
 * line ends count like LF. A last event without its blank line (a body cut
 * at 64 KiB, or a stream that broke) is kept.
 */
export function splitSSE(body: string): SSEEvent[] {
  const out: SSEEvent[] = []
  let event = ''
  let data: string[] = []
  let has = false
  const flush = () => {
    if (has) out.push({ event, data: data.join('\n') })
    event = ''
    data = []
    has = false
  }
  for (const line of body.split(/\r\n|\r|\n/)) {
    if (line === '') {
      flush()
      continue
    }
    if (line.startsWith(':')) continue
    const colon = line.indexOf(':')
    const field = colon < 0 ? line : line.slice(0, colon)
    let value = colon < 0 ? '' : line.slice(colon + 1)
    if (value.startsWith(' ')) value = value.slice(1)
    if (field === 'data') {
      data.push(value)
      has = true
    } else if (field === 'event') {
      event = value
      has = true
    }
  }
  flush()
  return out
}
