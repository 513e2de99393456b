import { describe, expect, it } from 'vitest'
import type { ProviderStats } from '../api/types'
import { CHECK_DEGRADED, CHECK_HEALTHY, PROVIDER } from '../test/helpers'
import { formatRate, providerOverview } from './providerOverview'

const STATS: ProviderStats = {
  provider_key: 'openai',
  requests: 40,
  errors: 3,
  latency_p50_ms: 100,
  latency_p95_ms: 300,
  ttfb_p50_ms: 50,
  prompt_tokens: 0,
  completion_tokens: 0,
}

describe('providerOverview', () => {
  const cases = [
    {
      name: 'a disabled provider is one "Disabled" badge, whatever its history',
      p: { ...PROVIDER, enabled: false },
      last: CHECK_HEALTHY,
      want: { health: { label: 'Disabled', tone: 'neutral' } },
    },
    {
      name: 'no models mapped says so instead of "Unknown"',
      p: { ...PROVIDER, models: [] },
      last: undefined,
      want: { health: { label: 'No models mapped', tone: 'neutral' }, checkedAt: '', latency: '' },
    },
    {
      name: 'never checked',
      p: PROVIDER,
      last: undefined,
      want: { health: { label: 'Not checked', tone: 'neutral' }, lastError: '' },
    },
    {
      // The 429 model's 98 ms is not averaged in: only healthy answers count.
      name: 'degraded: latency of the healthy models, the provider’s own error message',
      p: PROVIDER,
      last: CHECK_DEGRADED,
      want: {
        health: { label: 'Degraded', tone: 'warn' },
        latency: '412 ms',
        checkedAt: CHECK_DEGRADED.checked_at,
        lastError: 'mini: You exceeded your current quota, please check your plan and billing details.',
      },
    },
  ]
  it.each(cases)('$name', ({ p, last, want }) => {
    expect(providerOverview(p, last, undefined, true)).toMatchObject(want)
  })

  it('traffic: requests and error rate when stats are known; nothing while unknown', () => {
    expect(providerOverview(PROVIDER, undefined, STATS, true)).toMatchObject({ requests: 40, errorRate: '7.5%', errorRateHigh: true })
    expect(providerOverview(PROVIDER, undefined, undefined, true)).toMatchObject({ requests: 0, errorRate: '' })
    expect(providerOverview(PROVIDER, undefined, undefined, false)).toMatchObject({ requests: null, errorRate: '' })
    expect(providerOverview(PROVIDER, undefined, { ...STATS, errors: 0 }, true)).toMatchObject({ errorRate: '0%', errorRateHigh: false })
  })

  it.each([
    [0, '0%'],
    [0.01, '0.1%'],
    [2.54, '2.5%'],
    [12.4, '12%'],
    [100, '100%'],
  ])('formatRate(%s) = %s', (n, want) => {
    expect(formatRate(n)).toBe(want)
  })
})
