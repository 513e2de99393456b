import { describe, expect, it } from 'vitest'
import type { LiveMessage } from '../api/types'
import { entry } from '../test/logs'
import type { ServerLogRecord } from '../api/types'
import { initialLogState, isErrorRow, logReducer, MAX_ROWS, MAX_SERVER_LOG, mergeServerLog, shownRows, waitingCount, type LogAction, type LogState } from './logStore'

function m(type: string, data: unknown, ts = '2026-11-25T21:00:00Z'): LiveMessage {
  return { type, ts, data }
}

function run(...actions: LogAction[]): LogState {
  return actions.reduce(logReducer, initialLogState)
}

const started = (id: string, ts?: string) => m('request.started', { id, method: 'POST', path: '/v1/chat/completions', model: 'gpt-4o', provider_key: 'openai', stream: true }, ts)

describe('logReducer', () => {
  it('a started row finishes in place, keeping its position', () => {
    let s = run({ type: 'messages', messages: [started('a', '2026-11-25T21:00:00Z'), started('b', '2026-11-25T21:00:01Z')] })
    expect(s.rows.map((r) => [r.id, r.in_flight])).toEqual([
      ['b', true],
      ['a', true],
    ])
    s = logReducer(s, { type: 'messages', messages: [m('request.progress', { id: 'a', ttfb_ms: 55 })] })
    expect(s.rows[1]!.ttfb_ms).toBe(55)
    s = logReducer(s, { type: 'messages', messages: [m('request.finished', entry('a', { status: 502, error_source: 'upstream', latency_ms: 900 }))] })
    expect(s.rows.map((r) => r.id)).toEqual(['b', 'a'])
    expect(s.rows[1]).toMatchObject({ id: 'a', in_flight: false, status: 502, error_source: 'upstream', latency_ms: 900 })
  })

  it('a finished entry with no started row goes on top; a late started never undoes a finish', () => {
    let s = run({ type: 'messages', messages: [m('request.finished', entry('x')), m('request.finished', entry('y'))] })
    expect(s.rows.map((r) => r.id)).toEqual(['y', 'x'])
    s = logReducer(s, { type: 'messages', messages: [started('x')] })
    expect(s.rows.find((r) => r.id === 'x')!.in_flight).toBe(false)
  })

  it('ignores unknown types and malformed data without changing state', () => {
    const s0 = run({ type: 'messages', messages: [m('request.finished', entry('a'))] })
    const s1 = logReducer(s0, { type: 'messages', messages: [m('health.started', {}), m('request.started', null), m('request.finished', { id: 1 }), m('request.progress', { id: 'zz', ttfb_ms: 1 })] })
    expect(s1).toBe(s0)
  })

  it(`keeps at most ${MAX_ROWS} rows, dropping the oldest`, () => {
    const msgs = Array.from({ length: MAX_ROWS + 25 }, (_, i) => m('request.finished', entry(`r${i}`)))
    const s = run({ type: 'messages', messages: msgs })
    expect(s.rows).toHaveLength(MAX_ROWS)
    expect(s.rows[0]!.id).toBe(`r${MAX_ROWS + 24}`)
    expect(s.rows.at(-1)!.id).toBe('r25')
  })

  it('a burst of 10,000 events (started, progress, finished) in one batch stays bounded and correct', () => {
    const msgs: LiveMessage[] = []
    for (let i = 0; i < 3334; i++) {
      msgs.push(started(`b${i}`))
      msgs.push(m('request.progress', { id: `b${i}`, ttfb_ms: 5 }))
      if (i % 2 === 0) msgs.push(m('request.finished', entry(`b${i}`, { status: 201 })))
    }
    expect(msgs.length).toBeGreaterThanOrEqual(8000)
    // Finished-only entries first, so the started ones are the newest rows.
    const more = Array.from({ length: 10_000 - msgs.length }, (_, i) => m('request.finished', entry(`f${i}`)))
    msgs.unshift(...more)
    let s = run({ type: 'messages', messages: msgs.slice(0, 5000) })
    s = logReducer(s, { type: 'messages', messages: msgs.slice(5000) })
    expect(s.rows).toHaveLength(MAX_ROWS)
    expect(new Set(s.rows.map((r) => r.id)).size).toBe(MAX_ROWS)
    expect(s.rows[0]!.id).toBe('b3333')
    expect(s.rows.at(-1)!.id).toBe('b2334')
    // The in-flight rows that finished finished in place, with their TTFB.
    const last = s.rows.find((r) => r.id === 'b3332')!
    expect(last).toMatchObject({ in_flight: false, status: 201 })
    expect(s.rows.find((r) => r.id === 'b3333')).toMatchObject({ in_flight: true, ttfb_ms: 5 })
  })

  // Three times MAX_ROWS is enough to prove the bound; each batch costs O(MAX_ROWS), so a
  // bigger burst only made the test slow enough to time out on a loaded machine.
  it('a burst of 3 × MAX_ROWS events, one per batch, keeps at most MAX_ROWS', () => {
    const n = 3 * MAX_ROWS
    let s = initialLogState
    for (let i = 0; i < n; i++) s = logReducer(s, { type: 'messages', messages: [m('request.finished', entry(`x${i}`))] })
    expect(s.rows).toHaveLength(MAX_ROWS)
    expect(s.rows[0]!.id).toBe(`x${n - 1}`)
  })

  it('backfill merges by id, finishes rows that ended while away, and orders newest first', () => {
    let s = run({ type: 'messages', messages: [started('b', '2026-11-25T21:00:02Z'), m('request.finished', entry('c', { started_at: '2026-11-25T21:00:03Z', status: 201 }))] })
    s = logReducer(s, {
      type: 'backfill',
      entries: [
        entry('c', { started_at: '2026-11-25T21:00:03Z', status: 500 }),
        entry('b', { started_at: '2026-11-25T21:00:02Z', status: 429 }),
        entry('a', { started_at: '2026-11-25T21:00:01Z' }),
      ],
    })
    expect(s.rows.map((r) => [r.id, r.status, r.in_flight])).toEqual([
      ['c', 201, false], // the stream's copy is kept
      ['b', 429, false], // finished while we were away
      ['a', 200, false],
    ])
  })

  it('pause freezes the shown rows and counts the ones waiting; resume shows them', () => {
    let s = run({ type: 'messages', messages: [m('request.finished', entry('a'))] }, { type: 'pause' })
    s = logReducer(s, { type: 'messages', messages: [started('b'), m('request.finished', entry('c')), m('request.finished', entry('a', { status: 500 }))] })
    expect(shownRows(s).map((r) => r.id)).toEqual(['a'])
    expect(shownRows(s)[0]!.status).toBe(200)
    expect(waitingCount(s)).toBe(2)
    s = logReducer(s, { type: 'messages', messages: [m('request.finished', entry('b'))] })
    expect(waitingCount(s)).toBe(2) // b finished: still one row
    s = logReducer(s, { type: 'resume' })
    expect(shownRows(s).map((r) => r.id)).toEqual(['c', 'b', 'a'])
    expect(waitingCount(s)).toBe(0)
  })
})

describe('isErrorRow', () => {
  const cases = [
    { name: '200', e: entry('a'), want: false },
    { name: '404', e: entry('a', { status: 404 }), want: true },
    { name: '499 client closed', e: entry('a', { status: 499 }), want: true },
    { name: 'stream broke after 200', e: entry('a', { status: 200, error_source: 'upstream' }), want: true },
  ]
  for (const c of cases) it(c.name, () => expect(isErrorRow(c.e)).toBe(c.want))
})

describe('mergeServerLog', () => {
  const rec = (ts: string, message: string, level: 'warn' | 'error' = 'warn'): ServerLogRecord => ({ ts, level, message, attrs: {} })

  it('orders newest first and keeps a repeated record once', () => {
    let list = mergeServerLog([], [rec('2026-11-25T21:00:01Z', 'b'), rec('2026-11-25T21:00:00Z', 'a')])
    list = mergeServerLog(list, [rec('2026-11-25T21:00:02Z', 'c', 'error'), rec('2026-11-25T21:00:00Z', 'a')])
    expect(list.map((r) => r.message)).toEqual(['c', 'b', 'a'])
  })

  it('returns the same list when nothing is new', () => {
    const list = mergeServerLog([], [rec('2026-11-25T21:00:00Z', 'a')])
    expect(mergeServerLog(list, [rec('2026-11-25T21:00:00Z', 'a')])).toBe(list)
  })

  it(`keeps at most ${MAX_SERVER_LOG}`, () => {
    const many = Array.from({ length: MAX_SERVER_LOG + 50 }, (_, i) => rec(new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(), `m${i}`))
    const list = mergeServerLog([], many)
    expect(list).toHaveLength(MAX_SERVER_LOG)
    expect(list[0]!.message).toBe(`m${MAX_SERVER_LOG + 49}`)
  })
})
