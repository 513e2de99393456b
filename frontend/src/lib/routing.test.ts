import { describe, expect, it } from 'vitest'
import type { CircuitState, Route } from '../api/types'
import { entry } from '../test/logs'
import {
  attemptText,
  buildChains,
  catchesText,
  effectiveUpstream,
  chainText,
  circuitBadge,
  formatFailoverOn,
  formatPriority,
  isPattern,
  mergeAttempts,
  nextCircuitChangeMs,
  routeKind,
  upstreamText,
  parseFailoverOn,
  parsePriority,
  patternHint,
} from './routing'

describe('parseFailoverOn', () => {
  it.each([
    ['', []],
    ['  ', []],
    ['429', [429]],
    ['429, 529', [429, 529]],
    ['429,529 503', [429, 529, 503]],
    [' 400 , 599 ', [400, 599]],
  ])('reads %j as %j', (text, want) => {
    expect(parseFailoverOn(text)).toEqual({ ok: true, value: want })
  })

  it.each([
    ['429, abc', /“abc” is not a status/],
    ['4.29', /“4.29” is not a status/],
    ['200', /200 is not an error status: only 400–599/],
    ['600', /600 is not an error status/],
    ['399', /399 is not an error status/],
    ['429, 429', /429 is listed twice/],
    ['400 401 402 403 404 405 406 407 408 409 410', /At most 10 statuses/],
  ])('refuses %j with a clear message', (text, message) => {
    const r = parseFailoverOn(text)
    expect(r.ok).toBe(false)
    if (!r.ok) expect(r.message).toMatch(message)
  })

  it('formats back to what it reads', () => {
    expect(formatFailoverOn([429, 529])).toBe('429, 529')
    expect(formatFailoverOn(undefined)).toBe('')
    const r = parseFailoverOn(formatFailoverOn([503, 429]))
    expect(r).toEqual({ ok: true, value: [503, 429] })
  })
})

describe('parsePriority', () => {
  it.each([
    ['', 0],
    [' ', 0],
    ['1', 1],
    ['1000', 1000],
    [' 20 ', 20],
  ])('reads %j as %d', (text, want) => {
    expect(parsePriority(text)).toEqual({ ok: true, value: want })
  })
  it.each(['0', '1001', '-1', '1.5', 'first'])('refuses %j', (text) => {
    expect(parsePriority(text)).toEqual({ ok: false, message: 'Enter a whole number from 1 to 1000, or leave it blank.' })
  })
  it('shows no priority as blank', () => {
    expect(formatPriority(0)).toBe('')
    expect(formatPriority(undefined)).toBe('')
    expect(formatPriority(3)).toBe('3')
  })
})

describe('patterns', () => {
  it.each([
    ['claude-*', true],
    ['gpt-4o*', true],
    ['*', true],
    ['claude', false],
    ['cl*ude', false],
    ['claude-**', false],
    ['*-mini', false],
  ])('isPattern(%j) = %s', (alias, want) => {
    expect(isPattern(alias)).toBe(want)
  })

  it('says what a pattern catches and what it sends upstream', () => {
    expect(patternHint('claude-*', 'anthropic/claude-*')).toBe(
      'pattern: catches every model starting with claude-; sent as anthropic/claude-… (… = the rest of the name).',
    )
    expect(patternHint('claude-*', 'claude-sonnet-4-5')).toBe('pattern: catches every model starting with claude-; sent as claude-sonnet-4-5.')
    expect(patternHint('*', '')).toBe('pattern: catches every model no other alias catches; sent upstream as the client named it.')
  })

  it('explains the rule for a malformed pattern and says nothing for a plain alias', () => {
    expect(patternHint('cl*ude', 'x')).toBe('A pattern has one * and only at its end, like claude-*.')
    expect(patternHint('gpt-4o', 'gpt-4o-2024-08-06')).toBe('')
  })

  const routes: Route[] = [
    { alias: 'claude-*', pattern: true, group: false, members: [], catches: ['claude-opus-5-5', 'claude-sonnet-5', 'claude-a', 'claude-b', 'claude-c', 'claude-d'] },
    { alias: 'gpt-*', pattern: true, group: false, members: [], catches: [] },
    { alias: 'fast', pattern: false, group: false, members: [], catches: [] },
  ]
  it('lists what a saved pattern caught recently, at most five and an ellipsis', () => {
    expect(catchesText(routes, 'claude-*')).toBe('Catches recently: claude-opus-5-5, claude-sonnet-5, claude-a, claude-b, claude-c, …')
    expect(catchesText(routes, ' claude-* ', 2)).toBe('Catches recently: claude-opus-5-5, claude-sonnet-5, …')
    expect(catchesText(routes, 'gpt-*')).toBe('')
    expect(catchesText(routes, 'fast')).toBe('')
    expect(catchesText(undefined, 'claude-*')).toBe('')
  })
})

describe('circuitBadge', () => {
  const now = new Date('2026-11-27T12:00:00')
  const base: CircuitState = { provider_key: 'groq', state: 'closed', reason: '', until: null, failures: 0 }
  it('shows a closed circuit as closed, with its failures', () => {
    expect(circuitBadge(base, now)).toEqual({ tone: 'ok', label: 'closed', detail: '' })
    expect(circuitBadge({ ...base, failures: 2 }, now).detail).toBe('2 failures in a row')
  })
  it('shows an open circuit until when, and why', () => {
    const until = new Date('2026-11-27T12:00:30').toISOString()
    expect(circuitBadge({ ...base, state: 'open', until, reason: '429 with Retry-After 30s', failures: 1 }, now)).toEqual({
      tone: 'danger',
      label: 'open until 12:00:30',
      detail: '429 with Retry-After 30s',
    })
  })
  it('reads an open circuit whose time passed as half-open, as the proxy does', () => {
    const until = new Date('2026-11-27T11:59:00').toISOString()
    expect(circuitBadge({ ...base, state: 'open', until, reason: 'health check unhealthy' }, now)).toEqual({
      tone: 'warn',
      label: 'half-open',
      detail: 'health check unhealthy',
    })
    expect(circuitBadge({ ...base, state: 'half_open' }, now).label).toBe('half-open')
  })
})

describe('attempt chains', () => {
  const a1 = entry('r-1', { client_request_id: 'r-3', attempt: 1, attempts: 3, provider_key: 'openai', status: 502, error_type: 'upstream_connect_error', error_source: 'proxy' })
  const a2 = entry('r-2', { client_request_id: 'r-3', attempt: 2, attempts: 3, provider_key: 'groq', status: 429, error_source: 'upstream' })
  const a3 = entry('r-3', { client_request_id: 'r-3', attempt: 3, attempts: 3, provider_key: 'anthropic', status: 200 })
  const single = entry('s-1')

  it('groups the attempts of a request in try order and leaves single requests out', () => {
    const chains = buildChains([a3, single, a1, a2])
    expect([...chains.keys()]).toEqual(['r-3'])
    expect(chains.get('r-3')?.map((r) => r.id)).toEqual(['r-1', 'r-2', 'r-3'])
    expect(chains.get('s-1')).toBeUndefined()
  })

  it('puts the request’s in-flight row last in its chain, so the next try shows at once', () => {
    const inFlight = { ...entry('r-3', { provider_key: 'anthropic', status: 0 }), in_flight: true }
    const chains = buildChains([inFlight, a2, a1])
    expect(chains.get('r-3')?.map((r) => r.id)).toEqual(['r-1', 'r-2', 'r-3'])
    expect(chainText(chains.get('r-3') ?? [], true)).toBe('502 from openai → 429 from groq → … from anthropic')
    // A request in flight that nothing failed for yet has no chain.
    expect(buildChains([inFlight]).size).toBe(0)
  })

  it('reads a chain as "429 from groq → 200 from openai"', () => {
    expect(chainText([a2, { ...a3, provider_key: 'openai' }])).toBe('429 from groq → 200 from openai')
    expect(chainText([a1, a2, a3])).toBe('502 (connect) from openai → 429 from groq → 200 from anthropic')
    expect(chainText([a1, a2, a3], true)).toBe('502 from openai → 429 from groq → 200 from anthropic')
    expect(chainText([{ ...a1, error_type: 'upstream_timeout', status: 504 }])).toBe('504 (timeout) from openai')
    expect(chainText([a2, { ...a3, status: 0, in_flight: true }])).toBe('429 from groq → … from anthropic')
  })

  it('says "attempt n of m" only for a request that could be tried more than once', () => {
    expect(attemptText(a2)).toBe('attempt 2 of 3')
    expect(attemptText({ attempt: 1, attempts: 2 })).toBe('attempt 1 of 2')
    expect(attemptText(single)).toBe('')
    // A late row of an older shape still reads sensibly.
    expect(attemptText({ attempt: 2, attempts: 1 })).toBe('attempt 2 of 2')
  })

  it('merges the attempts the table has with those the API returned, one per id', () => {
    const newer = { ...a3, latency_ms: 999 }
    const merged = mergeAttempts([newer], [a3, a1, a2])
    expect(merged.map((r) => r.id)).toEqual(['r-1', 'r-2', 'r-3'])
    expect(merged[2]?.latency_ms).toBe(999)
  })
})

describe('routes view helpers', () => {
  const closed: CircuitState = { provider_key: 'a', state: 'closed', reason: '', until: null, failures: 0 }
  const member = (circuit: CircuitState) => ({ provider_id: 1, provider_key: circuit.provider_key, provider_type: 'openai' as const, upstream: '', priority: 1, failover_on: [], circuit })
  const now = new Date('2026-11-27T12:00:00Z')
  it('says when the first open circuit turns half-open, ignoring passed and closed ones', () => {
    const routes: Route[] = [
      {
        alias: 'x',
        pattern: false,
        group: true,
        catches: [],
        members: [
          member(closed),
          member({ ...closed, provider_key: 'b', state: 'open', until: '2026-11-27T12:00:30Z' }),
          member({ ...closed, provider_key: 'c', state: 'open', until: '2026-11-27T11:00:00Z' }),
        ],
      },
      { alias: 'y', pattern: false, group: true, catches: [], members: [member({ ...closed, provider_key: 'd', state: 'open', until: '2026-11-27T12:00:10Z' })] },
    ]
    expect(nextCircuitChangeMs(routes, now)).toBe(10_000)
    expect(nextCircuitChangeMs([], now)).toBeNull()
  })
  it('words upstreams and route kinds', () => {
    expect(upstreamText('', true)).toBe('the name as sent')
    expect(upstreamText('anthropic/claude-*', true)).toBe('anthropic/claude-…')
    expect(upstreamText('gpt-4o-2024-08-06', false)).toBe('gpt-4o-2024-08-06')
    expect(routeKind({ pattern: true, group: true, members: [member(closed), member(closed)] })).toBe('pattern · route group of 2')
    expect(routeKind({ pattern: true, group: false, members: [member(closed), member(closed)] })).toBe('pattern · one provider per client dialect')
    expect(routeKind({ pattern: false, group: false, members: [member(closed)] })).toBe('alias')
  })
})

describe('effectiveUpstream', () => {
  it.each([
    ['', { alias: 'claude-*', pattern: true }, 'claude-opus-5-5', 'claude-opus-5-5'],
    ['anthropic/claude-*', { alias: 'claude-*', pattern: true }, 'claude-opus-5-5', 'anthropic/claude-opus-5-5'],
    ['*', { alias: '*', pattern: true }, 'llama-3', 'llama-3'],
    ['claude-sonnet-5', { alias: 'claude-*', pattern: true }, 'claude-opus-5-5', 'claude-sonnet-5'],
    ['gpt-4o-2024-08-06', { alias: 'gpt-4o', pattern: false }, 'gpt-4o', 'gpt-4o-2024-08-06'],
    // Already substituted by the server: unchanged.
    ['anthropic/claude-opus-5-5', { alias: 'claude-*', pattern: true }, 'claude-opus-5-5', 'anthropic/claude-opus-5-5'],
  ])('%j for %j and %j is %j', (upstream, route, model, want) => {
    expect(effectiveUpstream(upstream, route, model)).toBe(want)
  })
})
