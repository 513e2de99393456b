import { describe, expect, it } from 'vitest'
import type { LiveMessage } from '../api/types'
import { entry } from '../test/logs'
import { initialLogState, isErrorRow, logReducer, MAX_ROWS, shownRows, waitingCount, type LogAction, type LogState } from './logStore'

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
