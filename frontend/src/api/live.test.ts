import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { backoffDelay, LiveClient, liveURL, parseFrame, type LiveStatus } from './live'
import type { LiveMessage } from './types'
import { FakeSocket, msg } from '../test/fakeSocket'

describe('parseFrame', () => {
  const cases: Array<{ name: string; frame: string; types: string[] }> = [
    { name: 'one message', frame: msg('hello', { version: '1', backlog: 0 }), types: ['hello'] },
    {
      name: 'a coalesced burst, one per line',
      frame: [msg('request.started', { id: 'a' }), msg('request.progress', { id: 'a', ttfb_ms: 5 }), msg('request.finished', { id: 'a' })].join('\n'),
      types: ['request.started', 'request.progress', 'request.finished'],
    },
    { name: 'trailing newline and CRLF', frame: `${msg('hello', {})}\r\n${msg('log', {})}\n`, types: ['hello', 'log'] },
    { name: 'blank lines', frame: `\n\n${msg('hello', {})}\n\n`, types: ['hello'] },
    {
      name: 'garbage lines between good ones are skipped',
      frame: [msg('hello', {}), '{"type":"half', 'not json', '[1,2]', '{"no":"type"}', '{"type":7}', msg('dropped', { count: 3 })].join('\n'),
      types: ['hello', 'dropped'],
    },
    { name: 'nothing but garbage', frame: '}{\nnull\n"x"', types: [] },
    { name: 'empty frame', frame: '', types: [] },
  ]
  for (const c of cases) {
    it(c.name, () => {
      expect(parseFrame(c.frame).map((m) => m.type)).toEqual(c.types)
    })
  }

  it('keeps ts and data', () => {
    expect(parseFrame(msg('dropped', { count: 2 }, '2026-01-01T00:00:00Z'))).toEqual([
      { type: 'dropped', ts: '2026-01-01T00:00:00Z', data: { count: 2 } },
    ])
  })
})

describe('liveURL', () => {
  const cases: Array<{ name: string; loc: { protocol: string; host: string }; addr: string | null; token: string | null; want: string }> = [
    { name: 'browser', loc: { protocol: 'http:', host: '127.0.0.1:8750' }, addr: null, token: null, want: 'ws://127.0.0.1:8750/admin/v1/ws' },
    { name: 'browser over https', loc: { protocol: 'https:', host: 'x.test' }, addr: null, token: null, want: 'wss://x.test/admin/v1/ws' },
    { name: 'token in the query', loc: { protocol: 'http:', host: 'h:1' }, addr: null, token: 'a b&c', want: 'ws://h:1/admin/v1/ws?token=a%20b%26c' },
    { name: 'desktop window uses the status addr', loc: { protocol: 'wails:', host: 'wails' }, addr: '127.0.0.1:9001', token: null, want: 'ws://127.0.0.1:9001/admin/v1/ws' },
    { name: 'desktop, wildcard listener', loc: { protocol: 'wails:', host: 'wails' }, addr: '0.0.0.0:9001', token: null, want: 'ws://127.0.0.1:9001/admin/v1/ws' },
    { name: 'desktop, IPv6 wildcard', loc: { protocol: 'wails:', host: 'wails' }, addr: '[::]:9001', token: null, want: 'ws://[::1]:9001/admin/v1/ws' },
  ]
  for (const c of cases) {
    it(c.name, () => expect(liveURL(c.loc, c.addr, c.token)).toBe(c.want))
  }
})

describe('backoffDelay', () => {
  it('doubles from the minimum up to the maximum', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 20].map((n) => backoffDelay(n, 500, 10_000))).toEqual([500, 1000, 2000, 4000, 8000, 10_000, 10_000, 10_000])
  })
})

describe('LiveClient', () => {
  beforeEach(() => {
    FakeSocket.reset()
    vi.useFakeTimers()
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  function start() {
    const statuses: LiveStatus[] = []
    const frames: LiveMessage[][] = []
    const client = new LiveClient({
      url: async () => 'ws://test/admin/v1/ws',
      socket: (u) => new FakeSocket(u),
      onMessages: (m) => frames.push(m),
      onStatus: (s) => statuses.push(s),
      minDelayMs: 100,
      maxDelayMs: 400,
    })
    client.start()
    return { client, statuses, frames }
  }

  it('delivers parsed frames and reconnects with growing delays, resetting once open', async () => {
    const { client, statuses, frames } = start()
    await vi.advanceTimersByTimeAsync(0)
    expect(FakeSocket.all).toHaveLength(1)
    FakeSocket.last().open()
    FakeSocket.last().frame(`${msg('hello', {})}\ngarbage\n${msg('request.started', { id: 'a' })}`)
    expect(frames.map((f) => f.map((m) => m.type))).toEqual([['hello', 'request.started']])

    // Dropped: retries at 100 ms, then 200 ms while it keeps failing.
    FakeSocket.last().drop()
    expect(statuses.at(-1)).toEqual({ kind: 'retrying', attempt: 1, delayMs: 100 })
    await vi.advanceTimersByTimeAsync(99)
    expect(FakeSocket.all).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(1)
    expect(FakeSocket.all).toHaveLength(2)
    FakeSocket.last().drop()
    expect(statuses.at(-1)).toEqual({ kind: 'retrying', attempt: 2, delayMs: 200 })
    await vi.advanceTimersByTimeAsync(200)
    expect(FakeSocket.all).toHaveLength(3)

    // Open again: the next failure starts from the minimum delay.
    FakeSocket.last().open()
    expect(statuses.at(-1)).toEqual({ kind: 'open' })
    FakeSocket.last().drop()
    expect(statuses.at(-1)).toEqual({ kind: 'retrying', attempt: 1, delayMs: 100 })

    client.stop()
    await vi.advanceTimersByTimeAsync(1000)
    expect(FakeSocket.all).toHaveLength(3)
    expect(statuses.at(-1)).toEqual({ kind: 'closed' })
  })

  it('stop closes the open socket and no late event reaches the owner', async () => {
    const { client, frames } = start()
    await vi.advanceTimersByTimeAsync(0)
    const s = FakeSocket.last()
    s.open()
    client.stop()
    expect(s.closed).toBe(true)
    s.frame(msg('hello', {}))
    expect(frames).toEqual([])
  })

  it('retries when the URL cannot be resolved (status unreachable)', async () => {
    const statuses: LiveStatus[] = []
    let fail = true
    const client = new LiveClient({
      url: async () => {
        if (fail) throw new Error('offline')
        return 'ws://x/admin/v1/ws'
      },
      socket: (u) => new FakeSocket(u),
      onMessages: () => {},
      onStatus: (s) => statuses.push(s),
      minDelayMs: 50,
    })
    client.start()
    await vi.advanceTimersByTimeAsync(0)
    expect(statuses.at(-1)).toEqual({ kind: 'retrying', attempt: 1, delayMs: 50 })
    fail = false
    await vi.advanceTimersByTimeAsync(50)
    expect(FakeSocket.all.map((s) => s.url)).toEqual(['ws://x/admin/v1/ws'])
    client.stop()
  })
})
