import { describe, expect, it } from 'vitest'
import type { LatencyPoint, ModelCheckResult } from '../api/types'
import {
  NOT_CHECKED,
  buildCheckOptions,
  checkAllSummary,
  defaultOptions,
  errorTypeLabel,
  formatMs,
  formatPercent,
  healthyOfTotal,
  optionsErrorsFromApi,
  relativeTime,
  runAnnouncement,
  scheduleLabel,
  checkStatus,
  disabledNote,
  finishedAgo,
  latencyChartData,
  latencyLabel,
  latencyStats,
  uptimeChartData,
  statusMeta,
  triggerLabel,
  uptimeTone,
} from './health'

const MODELS = [
  { alias: 'gpt-4o', upstream: 'gpt-4o-2024-08-06' },
  { alias: 'mini', upstream: 'gpt-4o-mini' },
  { alias: 'o3', upstream: 'o3' },
]

describe('statusMeta', () => {
  it('maps each status to its label and colour family', () => {
    expect(statusMeta('healthy')).toEqual({ label: 'Healthy', tone: 'ok' })
    expect(statusMeta('degraded')).toEqual({ label: 'Degraded', tone: 'warn' })
    expect(statusMeta('unhealthy')).toEqual({ label: 'Unhealthy', tone: 'danger' })
    expect(statusMeta('disabled')).toEqual({ label: 'Disabled', tone: 'neutral' })
    expect(statusMeta('unknown')).toEqual({ label: 'Unknown', tone: 'neutral' })
    expect(NOT_CHECKED.tone).toBe('neutral')
  })

  it('shows anything unexpected as a grey Unknown (no prototype keys)', () => {
    expect(statusMeta('exploded')).toEqual({ label: 'Unknown', tone: 'neutral' })
    expect(statusMeta('toString')).toEqual({ label: 'Unknown', tone: 'neutral' })
    expect(statusMeta(undefined)).toEqual({ label: 'Unknown', tone: 'neutral' })
  })
})

describe('labels', () => {
  it('says how a check was started', () => {
    expect(triggerLabel('schedule')).toBe('by schedule')
    expect(triggerLabel('cli')).toBe('from the CLI')
    expect(triggerLabel('api')).toBe('on demand')
    expect(triggerLabel('webhook')).toBe('by webhook')
  })

  it('names error types, passing unknown ones through', () => {
    expect(errorTypeLabel('upstream_error')).toBe('Upstream error')
    expect(errorTypeLabel('connect_error')).toBe('Connection failed')
    expect(errorTypeLabel('timeout')).toBe('Timed out')
    expect(errorTypeLabel('canceled')).toBe('Cancelled')
    expect(errorTypeLabel('internal_error')).toBe('Internal error')
    expect(errorTypeLabel('new_kind')).toBe('new_kind')
  })

  it('describes the schedule', () => {
    expect(scheduleLabel(0)).toBe('not scheduled')
    expect(scheduleLabel(-5)).toBe('not scheduled')
    expect(scheduleLabel(30)).toBe('every 30 s')
    expect(scheduleLabel(300)).toBe('every 5 min')
    expect(scheduleLabel(90)).toBe('every 1 min 30 s')
    expect(scheduleLabel(3600)).toBe('every 1 h')
    expect(scheduleLabel(5400)).toBe('every 1 h 30 min')
    expect(scheduleLabel(86400)).toBe('every day')
    expect(scheduleLabel(172800)).toBe('every 2 days')
  })

  it('formats latencies, percentages and counts', () => {
    expect(formatMs(0)).toBe('0 ms')
    expect(formatMs(412)).toBe('412 ms')
    expect(formatMs(1234)).toBe('1.2 s')
    expect(formatMs(42_000)).toBe('42 s')
    expect(formatMs(65_000)).toBe('1 min 5 s')
    expect(formatMs(Number.NaN)).toBe('—')
    expect(formatPercent(100)).toBe('100%')
    expect(formatPercent(99.46)).toBe('99.5%')
    expect(healthyOfTotal({ summary: { total_models: 2, healthy_models: 1, unhealthy_models: 1 } })).toBe('1 of 2 models healthy')
    expect(healthyOfTotal({ summary: { total_models: 1, healthy_models: 1, unhealthy_models: 0 } })).toBe('1 of 1 model healthy')
    expect(healthyOfTotal({ summary: { total_models: 0, healthy_models: 0, unhealthy_models: 0 } })).toBe('No models checked')
  })

  it('colours uptime green from 99%, amber from 90%, red below', () => {
    expect(uptimeTone(100)).toBe('ok')
    expect(uptimeTone(99)).toBe('ok')
    expect(uptimeTone(95)).toBe('warn')
    expect(uptimeTone(50)).toBe('danger')
  })

  it('summarises "Check all" and a finished run', () => {
    expect(checkAllSummary([{ status: 'degraded', models: [] }, { status: 'healthy', models: [] }, { status: 'healthy', models: [] }])).toBe(
      'Checked 3 providers: 2 healthy, 1 degraded.',
    )
    expect(checkAllSummary([{ status: 'disabled', models: [] }, { status: 'unknown', models: [] }])).toBe(
      'Checked 2 providers: 1 disabled, 1 no models mapped.',
    )
    expect(checkAllSummary([])).toBe('There was no provider to check.')
    expect(
      runAnnouncement('OpenAI', { status: 'degraded', models: [], summary: { total_models: 2, healthy_models: 1, unhealthy_models: 1 } }),
    ).toBe('OpenAI is degraded: 1 of 2 models healthy.')
    expect(runAnnouncement('Local', { status: 'unknown', models: [], summary: { total_models: 0, healthy_models: 0, unhealthy_models: 0 } })).toBe(
      'Local has no models mapped: nothing was checked.',
    )
  })
})

describe('relativeTime', () => {
  const now = Date.parse('2026-11-25T12:00:00Z')
  const ago = (secs: number) => new Date(now - secs * 1000).toISOString()

  it('counts up from "just now" to days', () => {
    expect(relativeTime(ago(3), now)).toBe('just now')
    expect(relativeTime(ago(-4), now)).toBe('just now') // a clock a little ahead
    expect(relativeTime(ago(45), now)).toBe('45 s ago')
    expect(relativeTime(ago(12 * 60 + 30), now)).toBe('12 min ago')
    expect(relativeTime(ago(3 * 3600 + 10), now)).toBe('3 h ago')
    expect(relativeTime(ago(30 * 3600), now)).toBe('yesterday')
    expect(relativeTime(ago(4 * 86400), now)).toBe('4 days ago')
  })

  it('gives a date after a week, and the raw text for garbage', () => {
    expect(relativeTime(ago(30 * 86400), now)).not.toMatch(/ago/)
    expect(relativeTime('not a time', now)).toBe('not a time')
  })
})

describe('check options', () => {
  it('defaults to every alias, concurrency 2, timeout 30', () => {
    expect(defaultOptions(MODELS)).toEqual({ models: ['gpt-4o', 'mini', 'o3'], concurrency: '2', timeout: '30' })
  })

  it('leaves models out when all are picked, so the server checks every mapped model', () => {
    expect(buildCheckOptions(defaultOptions(MODELS), MODELS)).toEqual({ ok: true, body: { max_concurrent: 2, timeout_secs: 30 } })
  })

  it('sends the picked aliases in mapping order', () => {
    const built = buildCheckOptions({ models: ['o3', 'gpt-4o'], concurrency: ' 3 ', timeout: '10' }, MODELS)
    expect(built).toEqual({ ok: true, body: { models: ['gpt-4o', 'o3'], max_concurrent: 3, timeout_secs: 10 } })
  })

  it('leaves the ranges to the server, but not non-numbers or an empty pick', () => {
    expect(buildCheckOptions({ models: ['mini'], concurrency: '11', timeout: '500' }, MODELS)).toEqual({
      ok: true,
      body: { models: ['mini'], max_concurrent: 11, timeout_secs: 500 },
    })
    const bad = buildCheckOptions({ models: [], concurrency: '', timeout: '2.5' }, MODELS)
    expect(bad.ok).toBe(false)
    if (!bad.ok) {
      expect(Object.keys(bad.errors).sort()).toEqual(['concurrency', 'models', 'timeout'])
      expect(bad.errors.models).toBe('Pick at least one model.')
    }
    // A provider without models: nothing to pick, nothing to complain about.
    expect(buildCheckOptions({ models: [], concurrency: '2', timeout: '30' }, [])).toEqual({ ok: true, body: { max_concurrent: 2, timeout_secs: 30 } })
  })

  it('places API errors at the field they name, without the field prefix', () => {
    expect(optionsErrorsFromApi({ message: 'max_concurrent: must be 1..10, got 11', field: 'max_concurrent' })).toEqual({
      concurrency: 'Must be 1..10, got 11',
    })
    expect(optionsErrorsFromApi({ message: 'timeout_secs: must be 1..120 seconds, got 500', field: 'timeout_secs' })).toEqual({
      timeout: 'Must be 1..120 seconds, got 500',
    })
    expect(optionsErrorsFromApi({ message: 'models[1]: must be 1..256 characters, got 0', field: 'models[1]' }, ['mini', ''])).toEqual({
      models: 'Model 2: Must be 1..256 characters, got 0',
    })
    expect(optionsErrorsFromApi({ message: 'models[0]: unknown', field: 'models[0]' }, ['o3'])).toEqual({ models: 'o3: Unknown' })
    expect(optionsErrorsFromApi({ message: 'at most 200 models', field: 'models' })).toEqual({ models: 'at most 200 models' })
    expect(optionsErrorsFromApi({ message: 'provider 9 not found' })).toEqual({ form: 'provider 9 not found' })
  })
})

describe('charts', () => {
  const pt = (at: string, ms: number, status: LatencyPoint['status'] = 'healthy'): LatencyPoint => ({ at, response_time_ms: ms, status })
  const summary = {
    models: [
      { model: 'a', uptime_percent: 50, checks: 3, p50_ms: 10, p95_ms: 20, last_status: 'healthy' as const, last_checked_at: '', series: [pt('2026-11-25T11:00:00Z', 10), pt('2026-11-25T11:30:00Z', 30000, 'unhealthy'), pt('2026-11-25T11:40:00Z', 5, 'cancelled')] },
      { model: 'b', uptime_percent: 100, checks: 1, p50_ms: 7, p95_ms: 7, last_status: 'healthy' as const, last_checked_at: '', series: [pt('2026-11-25T11:30:00Z', 7)] },
    ],
  }

  it('aligns the latency series of every model on the union of check times, without cancelled probes', () => {
    const d = latencyChartData(summary, '24h', Date.parse('2026-11-25T12:00:00Z'))
    expect(d.range).toEqual([Date.parse('2026-11-24T12:00:00Z') / 1000, Date.parse('2026-11-25T12:00:00Z') / 1000])
    const t0 = Date.parse('2026-11-25T11:00:00Z') / 1000
    expect(d.x).toEqual([t0, t0 + 1800])
    expect(d.models).toEqual(['a', 'b'])
    expect(d.y).toEqual([
      [10, 30000],
      [null, 7],
    ])
  })

  it('buckets uptime per hour over 24 h and per 6 h over 7 days', () => {
    const now = Date.parse('2026-11-25T11:50:00Z')
    const day = uptimeChartData(summary, '24h', now)
    expect(day.x).toHaveLength(24)
    expect(day.x[23]).toBe(Date.parse('2026-11-25T11:00:00Z') / 1000)
    // a: one healthy and one unhealthy in the 11:00 hour; the cancelled one counts in neither.
    expect(day.y[0]?.[23]).toBe(50)
    expect(day.y[1]?.[23]).toBe(100)
    expect(day.y[0]?.[0]).toBeNull()
    const week = uptimeChartData(summary, '7d', now)
    expect(week.x).toHaveLength(28)
    expect(week.y[0]?.[27]).toBe(50)
  })
})

describe('latency and labels', () => {
  const m = (model: string, ms: number, extra: Partial<ModelCheckResult> = {}): ModelCheckResult => ({
    model,
    upstream_model: model,
    status: 'healthy',
    response_time_ms: ms,
    status_code: 200,
    error: null,
    ...extra,
  })

  it('averages without timed-out and cancelled models, counting them apart', () => {
    const stats = latencyStats([
      m('a', 10),
      m('b', 30),
      m('c', 10000, { status: 'unhealthy', status_code: null, error: { type: 'timeout', message: 'no answer within 10s' } }),
      m('d', 3000, { status: 'cancelled', status_code: null, error: { type: 'canceled', message: 'cancelled' } }),
    ])
    expect(stats).toEqual({ avgMs: 20, timedOut: 1, cancelled: 1 })
    expect(latencyLabel(stats)).toBe('avg 20 ms · 1 timed out · 1 cancelled')
    expect(latencyLabel(latencyStats([m('c', 10000, { status: 'unhealthy', error: { type: 'timeout', message: 'x' } })]))).toBe('1 timed out')
    // An upstream error answered in time is a real latency.
    expect(latencyStats([m('e', 40, { status: 'unhealthy', status_code: 500, error: { type: 'upstream_error', message: 'x' } })]).avgMs).toBe(40)
  })

  it('names "unknown" for what it is: no models mapped, or every model cancelled', () => {
    expect(checkStatus({ status: 'unknown', models: [] })).toBe('no_models')
    expect(statusMeta('no_models').label).toBe('No models mapped')
    expect(checkStatus({ status: 'unknown', models: [m('a', 1, { status: 'cancelled' })] })).toBe('cancelled')
    expect(statusMeta('cancelled').label).toBe('Cancelled')
    expect(checkStatus({ status: 'degraded', models: [] })).toBe('degraded')
  })

  it('says "Disabled" once', () => {
    expect(disabledNote(false, 'disabled')).toBeNull()
    expect(disabledNote(false, 'healthy')).toBe('Disabled')
    expect(disabledNote(false, null)).toBe('Disabled')
    expect(disabledNote(true, 'healthy')).toBeNull()
  })

  it('says when a check finished', () => {
    const now = Date.parse('2026-11-25T12:00:00Z')
    expect(finishedAgo('2026-11-25T11:59:58Z', now)).toBe('finished just now')
    expect(finishedAgo('2026-11-25T11:59:33Z', now)).toBe('finished 27 s ago')
  })
})
