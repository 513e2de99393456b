import { describe, expect, it } from 'vitest'
import { entry } from '../test/logs'
import { distinctValues, filtersToQuery, hasFilters, matchesFilters, NO_FILTERS, parseStatusFilter, type LogFilters } from './logFilters'

const f = (over: Partial<LogFilters>): LogFilters => ({ ...NO_FILTERS, ...over })

describe('parseStatusFilter', () => {
  const cases = [
    ['', { kind: 'any' }],
    [' 4XX ', { kind: 'class', cls: '4xx' }],
    ['429', { kind: 'code', code: 429 }],
    ['499', { kind: 'code', code: 499 }],
    ['6xx', { kind: 'invalid' }],
    ['42', { kind: 'invalid' }],
    ['abc', { kind: 'invalid' }],
  ] as const
  for (const [raw, want] of cases) it(JSON.stringify(raw), () => expect(parseStatusFilter(raw)).toEqual(want))
})

describe('matchesFilters', () => {
  const ok = entry('ok', { provider_key: 'openai', model: 'gpt-4o', status: 200 })
  const limited = entry('rl', { provider_key: 'anth', model: 'claude', status: 429, error_source: 'upstream', error_message: 'Rate limit reached' })
  const gone = entry('gone', { status: 499, error_source: 'proxy' })
  const broke = entry('broke', { status: 200, error_source: 'upstream' })
  const flying = { ...entry('fly', { status: 0 }), in_flight: true }
  const cases = [
    { name: 'no filters: all', filters: NO_FILTERS, want: ['ok', 'rl', 'gone', 'broke', 'fly'] },
    { name: 'errors only: failed and broken streams, not in flight', filters: f({ errorsOnly: true }), want: ['rl', 'gone', 'broke'] },
    { name: 'provider exact', filters: f({ provider: 'anth' }), want: ['rl'] },
    { name: 'model exact', filters: f({ model: 'gpt-4o' }), want: ['ok', 'gone', 'broke', 'fly'] },
    { name: 'class 4xx leaves 499 out', filters: f({ status: '4xx' }), want: ['rl'] },
    { name: 'code 499', filters: f({ status: '499' }), want: ['gone'] },
    { name: 'class 2xx', filters: f({ status: '2xx' }), want: ['ok', 'broke'] },
    { name: 'invalid status filters nothing', filters: f({ status: 'zz' }), want: ['ok', 'rl', 'gone', 'broke', 'fly'] },
    { name: 'text in the error message, any case', filters: f({ text: 'rate LIMIT' }), want: ['rl'] },
    { name: 'text in the path', filters: f({ text: 'chat/compl' }), want: ['ok', 'rl', 'gone', 'broke', 'fly'] },
    { name: 'text in the model', filters: f({ text: 'claud' }), want: ['rl'] },
  ]
  for (const c of cases) {
    it(c.name, () => expect([ok, limited, gone, broke, flying].filter((r) => matchesFilters(r, c.filters)).map((r) => r.id)).toEqual(c.want))
  }
})

describe('filtersToQuery', () => {
  it('sends what is set, trimmed; an invalid status is left out', () => {
    expect(filtersToQuery(NO_FILTERS)).toEqual({})
    expect(filtersToQuery(f({ errorsOnly: true, provider: 'p', model: 'm', status: ' 5XX', text: ' boom ' }))).toEqual({ errors: true, provider: 'p', model: 'm', status: '5xx', text: 'boom' })
    expect(filtersToQuery(f({ status: '4x' }))).toEqual({})
  })
  it('hasFilters', () => {
    expect(hasFilters(NO_FILTERS)).toBe(false)
    expect(hasFilters(f({ text: '  ' }))).toBe(false)
    expect(hasFilters(f({ status: '429' }))).toBe(true)
  })
})

describe('distinctValues', () => {
  it('sorted, without blanks, keeping the selected one', () => {
    const rows = [entry('a', { provider_key: 'z' }), entry('b', { provider_key: '' }), entry('c', { provider_key: 'a' }), entry('d', { provider_key: 'z' })]
    expect(distinctValues(rows, 'provider_key')).toEqual(['a', 'z'])
    expect(distinctValues(rows, 'provider_key', 'gone')).toEqual(['a', 'gone', 'z'])
  })
})
