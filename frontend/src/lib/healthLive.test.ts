import { describe, expect, it } from 'vitest'
import type { CheckResult, ModelCheckResult } from '../api/types'
import type { RunningCheck } from '../api/client'
import { healthActions, initialLiveHealth, liveHealthReducer, liveProgress, liveRows, withHealthTypes, type LiveHealthAction, type LiveHealthState } from './healthLive'

const fast: ModelCheckResult = { model: 'fast', upstream_model: 'fast-1', status: 'healthy', response_time_ms: 8, status_code: 200, error: null }
const hang: ModelCheckResult = {
  model: 'hang',
  upstream_model: 'hang-1',
  status: 'cancelled',
  response_time_ms: 900,
  status_code: null,
  error: { type: 'canceled', message: 'the check was cancelled' },
}

const started: LiveHealthAction = {
  type: 'started',
  event: { check_id: 'hc_2', provider_id: 7, provider_key: 'fake', trigger: 'api', models_total: 2, started_at: '2026-11-25T12:00:00Z' },
}

function finished(models: ModelCheckResult[], id = 'hc_2'): CheckResult {
  return {
    check_id: id,
    provider_id: 7,
    provider_key: 'fake',
    provider_type: 'openai',
    status: 'healthy',
    models,
    summary: { total_models: models.length, healthy_models: 1, unhealthy_models: 0 },
    avg_response_time_ms: 8,
    started_at: '2026-11-25T12:00:00Z',
    checked_at: '2026-11-25T12:00:01Z',
    duration_ms: 900,
    trigger: 'api',
  }
}

function apply(...actions: LiveHealthAction[]): LiveHealthState {
  return actions.reduce(liveHealthReducer, initialLiveHealth)
}

const MAPPED = [
  { alias: 'fast', upstream: 'fast-1' },
  { alias: 'hang', upstream: 'hang-1' },
]

describe('liveHealthReducer', () => {
  it('follows a check from started through each model to finished', () => {
    let s = apply(started)
    expect(s.running.get(7)?.models).toEqual([])
    expect(liveProgress(s.running.get(7)!)).toBe('0 of 2 models answered')

    s = liveHealthReducer(s, { type: 'model', event: { check_id: 'hc_2', provider_id: 7, result: fast } })
    const live = s.running.get(7)!
    expect(live.models).toEqual([fast])
    expect(liveProgress(live)).toBe('1 of 2 models answered')
    // The answered model's row, and the other one as still running.
    expect(liveRows(live, MAPPED)).toEqual({
      rows: [
        { kind: 'done', result: fast },
        { kind: 'pending', model: 'hang', upstream: 'hang-1' },
      ],
      unnamedPending: 0,
    })

    s = liveHealthReducer(s, { type: 'finished', check: finished([fast, hang]) })
    expect(s.running.has(7)).toBe(false)
    expect(s.finished.get(7)?.check_id).toBe('hc_2')
  })

  it('marks a cancel, and ends the check when its (partial) result arrives', () => {
    let s = apply(started, { type: 'model', event: { check_id: 'hc_2', provider_id: 7, result: fast } }, { type: 'cancelling', checkId: 'hc_2', on: true })
    expect(s.running.get(7)?.cancelling).toBe(true)
    expect(liveHealthReducer(s, { type: 'cancelling', checkId: 'hc_2', on: false }).running.get(7)?.cancelling).toBe(false)
    // Unknown check ids change nothing.
    expect(liveHealthReducer(s, { type: 'cancelling', checkId: 'hc_9', on: true })).toBe(s)
    s = liveHealthReducer(s, { type: 'finished', check: finished([fast, hang]) })
    expect(s.running.size).toBe(0)
    expect(s.finished.get(7)?.models.map((m) => m.status)).toEqual(['healthy', 'cancelled'])
  })

  it('attaches to checks already running, merging what events already said', () => {
    const snapshot: RunningCheck = {
      check_id: 'hc_2',
      provider_id: 7,
      provider_key: 'fake',
      trigger: 'schedule',
      started_at: '2026-11-25T12:00:00Z',
      models_total: 2,
      models: [fast],
    }
    // A page opened mid-check: only the snapshot.
    let s = apply({ type: 'attach', running: [snapshot] })
    expect(s.running.get(7)).toMatchObject({ check_id: 'hc_2', trigger: 'schedule', models: [fast], models_total: 2 })
    // A model event that the snapshot also carries is not doubled.
    s = liveHealthReducer(s, { type: 'model', event: { check_id: 'hc_2', provider_id: 7, result: fast } })
    expect(s.running.get(7)?.models).toHaveLength(1)
    // A later snapshot without it: it ended.
    expect(liveHealthReducer(s, { type: 'attach', running: [] }).running.size).toBe(0)
  })

  it('does not revive a check whose end was seen before a late snapshot or event', () => {
    let s = apply(started, { type: 'finished', check: finished([fast]) })
    s = liveHealthReducer(s, {
      type: 'attach',
      running: [{ check_id: 'hc_2', provider_id: 7, provider_key: 'fake', trigger: 'api', started_at: '', models_total: 2, models: [] }],
    })
    expect(s.running.size).toBe(0)
    expect(liveHealthReducer(s, { type: 'model', event: { check_id: 'hc_2', provider_id: 7, result: fast } }).running.size).toBe(0)
    expect(liveHealthReducer(s, started).running.size).toBe(0)
  })

  it('learns of a check from its first model when the started event was missed', () => {
    const s = apply({ type: 'model', event: { check_id: 'hc_3', provider_id: 7, result: fast } })
    const live = s.running.get(7)!
    expect(live.models).toEqual([fast])
    expect(liveRows(live, MAPPED)).toEqual({ rows: [{ kind: 'done', result: fast }], unnamedPending: 0 })
    // With the count known but not which models: a count of those still running.
    expect(liveRows({ ...live, models_total: 3 }, MAPPED).unnamedPending).toBe(2)
  })

  it('keeps the newest finished check per provider', () => {
    const s = apply({ type: 'finished', check: finished([fast], 'hc_5') }, { type: 'finished', check: finished([fast], 'hc_4') })
    expect(s.finished.get(7)?.check_id).toBe('hc_5')
  })
})

describe('healthActions', () => {
  it('reads the health events of a frame and skips the rest', () => {
    const actions = healthActions([
      { type: 'hello', ts: '', data: { version: '1', backlog: 0 } },
      { type: 'health.started', ts: '2026-11-25T12:00:00Z', data: { check_id: 'hc_2', provider_id: 7, provider_key: 'fake', trigger: 'api', models_total: 2 } },
      { type: 'health.model', ts: '', data: { check_id: 'hc_2', provider_id: 7, ...fast } },
      { type: 'health.model', ts: '', data: { check_id: 'hc_2', provider_id: 7 } },
      { type: 'health.finished', ts: '', data: finished([fast]) },
    ])
    expect(actions.map((a) => a.type)).toEqual(['started', 'model', 'finished'])
    expect(actions[0]).toEqual(started)
    const model = actions[1]
    expect(model?.type === 'model' && model.event.result.model).toBe('fast')
  })

  it('filters the stream to the health events', () => {
    expect(withHealthTypes('ws://h/admin/v1/ws')).toBe('ws://h/admin/v1/ws?types=health.started,health.model,health.finished,provider.changed')
    expect(withHealthTypes('ws://h/admin/v1/ws?token=t')).toBe('ws://h/admin/v1/ws?token=t&types=health.started,health.model,health.finished,provider.changed')
  })
})
