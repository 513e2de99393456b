import type { SocketLike } from '../api/live'

/** A WebSocket stand-in the test drives: open it, send it frames, drop it. */
export class FakeSocket implements SocketLike {
  static all: FakeSocket[] = []
  onopen: ((ev: Event) => void) | null = null
  onmessage: ((ev: MessageEvent) => void) | null = null
  onclose: ((ev: CloseEvent) => void) | null = null
  onerror: ((ev: Event) => void) | null = null
  closed = false
  readonly url: string

  constructor(url: string) {
    this.url = url
    FakeSocket.all.push(this)
  }

  open() {
    this.onopen?.(new Event('open'))
  }

  frame(text: string) {
    this.onmessage?.(new MessageEvent('message', { data: text }))
  }

  /** The server went away. */
  drop() {
    this.onerror?.(new Event('error'))
    this.onclose?.(new CloseEvent('close', { code: 1006 }))
  }

  close() {
    this.closed = true
  }

  static last(): FakeSocket {
    const s = FakeSocket.all[FakeSocket.all.length - 1]
    if (!s) throw new Error('no socket was made')
    return s
  }

  static reset() {
    FakeSocket.all = []
  }
}

/** One NDJSON line of a live message. */
export function msg(type: string, data: unknown, ts = '2026-11-25T21:00:00Z'): string {
  return JSON.stringify({ type, ts, data })
}
