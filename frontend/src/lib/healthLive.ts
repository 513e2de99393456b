import type { CheckResult, LiveMessage, ModelCheckResult, ModelMapping } from '../api/types'
import { toCheckResult, toModelResult, type RunningCheck } from '../api/client'
import { withTypes } from '../api/live'

// The live state of health checks, fed by the WebSocket's health.started /
// health.model / health.finished events, by GET /admin/v1/health/running
// (attach after a navigation, a reload or a reconnect) and by the answers of
// the dashboard's own POSTs. Pure: the hook dispatches, views read.

/** A check in flight: what is known of it so far. */
export interface LiveCheck {
  check_id: string
  provider_id: number
  provider_key: string
  trigger: string
  started_at: string
  /** How many models the check probes (0 when not known yet). */
  models_total: number
  /** The model results so far, in the order they finished. */
  models: ModelCheckResult[]
  /** A cancel was asked for and has not ended the check yet. */
  cancelling: boolean
}

export interface LiveHealthState {
  /** The check in flight per provider id (the server runs at most one per provider). */
  running: ReadonlyMap<number, LiveCheck>
  /** The newest finished check per provider id seen live (events or answers). */
  finished: ReadonlyMap<number, CheckResult>
  /** Ids of checks known to have finished: a late snapshot or event must not revive them. */
  ended: ReadonlySet<string>
}

export const initialLiveHealth: LiveHealthState = { running: new Map(), finished: new Map(), ended: new Set() }

export interface StartedEvent {
  check_id: string
  provider_id: number
  provider_key: string
  trigger: string
  models_total: number
  /** When it started: the event's ts. */
  started_at: string
}

export interface ModelEvent {
  check_id: string
  provider_id: number
  result: ModelCheckResult
}

export type LiveHealthAction =
  | { type: 'started'; event: StartedEvent }
  | { type: 'model'; event: ModelEvent }
  | { type: 'finished'; check: CheckResult }
  /** The snapshot of GET /admin/v1/health/running: every check in flight. */
  | { type: 'attach'; running: RunningCheck[] }
  | { type: 'cancelling'; checkId: string; on: boolean }

/** How many ended check ids are remembered (bounded: the page may stay open for days). */
const ENDED_LIMIT = 500

function withEnded(ended: ReadonlySet<string>, id: string): Set<string> {
  const next = new Set(ended)
  next.add(id)
  if (next.size > ENDED_LIMIT) {
    const oldest = next.values().next().value
    if (oldest !== undefined) next.delete(oldest)
  }
  return next
}

/** Adds a model result, replacing an earlier one of the same model (a snapshot and an event may both carry it). */
function addModel(models: readonly ModelCheckResult[], m: ModelCheckResult): ModelCheckResult[] {
  const i = models.findIndex((x) => x.model === m.model)
  if (i < 0) return [...models, m]
  const next = [...models]
  next[i] = m
  return next
}

function newer(a: CheckResult | undefined, b: CheckResult): boolean {
  if (!a) return true
  // Check ids sort by start time; checked_at breaks no tie better.
  return b.check_id >= a.check_id
}

/** The reducer of the live health state. */
export function liveHealthReducer(state: LiveHealthState, action: LiveHealthAction): LiveHealthState {
  switch (action.type) {
    case 'started': {
      const e = action.event
      if (state.ended.has(e.check_id)) return state
      const cur = state.running.get(e.provider_id)
      const check: LiveCheck =
        cur && cur.check_id === e.check_id
          ? { ...cur, models_total: e.models_total, trigger: e.trigger }
          : {
              check_id: e.check_id,
              provider_id: e.provider_id,
              provider_key: e.provider_key,
              trigger: e.trigger,
              started_at: e.started_at,
              models_total: e.models_total,
              models: [],
              cancelling: false,
            }
      return { ...state, running: new Map(state.running).set(e.provider_id, check) }
    }
    case 'model': {
      const e = action.event
      if (state.ended.has(e.check_id)) return state
      const cur = state.running.get(e.provider_id)
      // The started event was missed (connected mid-check): the check is known from its first model.
      const base: LiveCheck =
        cur && cur.check_id === e.check_id
          ? cur
          : {
              check_id: e.check_id,
              provider_id: e.provider_id,
              provider_key: '',
              trigger: '',
              started_at: '',
              models_total: 0,
              models: [],
              cancelling: false,
            }
      const check = { ...base, models: addModel(base.models, e.result) }
      return { ...state, running: new Map(state.running).set(e.provider_id, check) }
    }
    case 'finished': {
      const c = action.check
      const running = new Map(state.running)
      if (running.get(c.provider_id)?.check_id === c.check_id) running.delete(c.provider_id)
      const finished = newer(state.finished.get(c.provider_id), c) ? new Map(state.finished).set(c.provider_id, c) : state.finished
      return { running, finished, ended: withEnded(state.ended, c.check_id) }
    }
    case 'attach': {
      // The snapshot is the truth about what runs now, except for checks
      // whose end was already seen (the answer may have been in flight).
      const running = new Map<number, LiveCheck>()
      for (const r of action.running) {
        if (state.ended.has(r.check_id)) continue
        const cur = state.running.get(r.provider_id)
        const same = cur && cur.check_id === r.check_id ? cur : undefined
        let models = same ? same.models : []
        for (const m of r.models) models = addModel(models, m)
        running.set(r.provider_id, {
          check_id: r.check_id,
          provider_id: r.provider_id,
          provider_key: r.provider_key,
          trigger: r.trigger,
          started_at: r.started_at,
          models_total: r.models_total,
          models,
          cancelling: same?.cancelling ?? false,
        })
      }
      return { ...state, running }
    }
    case 'cancelling': {
      for (const [pid, c] of state.running) {
        if (c.check_id === action.checkId) {
          return { ...state, running: new Map(state.running).set(pid, { ...c, cancelling: action.on }) }
        }
      }
      return state
    }
  }
}

/** A row of a running check's table: a model's result, or a model still waiting for its answer. */
export type LiveRow = { kind: 'done'; result: ModelCheckResult } | { kind: 'pending'; model: string; upstream: string }

/**
 * The rows of a running check: the finished models first (in the order they
 * finished), then the provider's mapped models not answered yet — when the
 * check covers every mapped model (its model count matches), else a count
 * of those still running, as the names are not known.
 */
export function liveRows(check: LiveCheck, mapped: readonly ModelMapping[]): { rows: LiveRow[]; unnamedPending: number } {
  const rows: LiveRow[] = check.models.map((result) => ({ kind: 'done', result }))
  const remaining = Math.max(0, check.models_total - check.models.length)
  if (remaining === 0) return { rows, unnamedPending: 0 }
  const done = new Set(check.models.map((m) => m.model))
  const pending = mapped.filter((m) => !done.has(m.alias))
  if (check.models_total === mapped.length && pending.length === remaining) {
    for (const m of pending) rows.push({ kind: 'pending', model: m.alias, upstream: m.upstream })
    return { rows, unnamedPending: 0 }
  }
  return { rows, unnamedPending: remaining }
}

/** "1 of 2 models answered". */
export function liveProgress(check: Pick<LiveCheck, 'models' | 'models_total'>): string {
  const total = Math.max(check.models_total, check.models.length)
  if (total === 0) return 'Starting…'
  return `${check.models.length} of ${total} model${total === 1 ? '' : 's'} answered`
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/** The WebSocket event types the Health page subscribes to. */
export const HEALTH_EVENT_TYPES = ['health.started', 'health.model', 'health.finished', 'provider.changed'] as const

/**
 * The reducer actions of a frame's health messages, in order; anything else
 * (and any message without the documented fields) is skipped.
 */
export function healthActions(msgs: readonly LiveMessage[]): LiveHealthAction[] {
  const out: LiveHealthAction[] = []
  for (const m of msgs) {
    const d = m.data
    if (!isRecord(d) || typeof d.check_id !== 'string' || typeof d.provider_id !== 'number') continue
    if (m.type === 'health.started') {
      out.push({
        type: 'started',
        event: {
          check_id: d.check_id,
          provider_id: d.provider_id,
          provider_key: typeof d.provider_key === 'string' ? d.provider_key : '',
          trigger: typeof d.trigger === 'string' ? d.trigger : '',
          models_total: typeof d.models_total === 'number' ? d.models_total : 0,
          started_at: m.ts,
        },
      })
    } else if (m.type === 'health.model') {
      const result = toModelResult(d)
      if (result) out.push({ type: 'model', event: { check_id: d.check_id, provider_id: d.provider_id, result } })
    } else if (m.type === 'health.finished') {
      const check = toCheckResult(d)
      if (check) out.push({ type: 'finished', check })
    }
  }
  return out
}

/** The live URL with a filter to the health events (the stream's ?types=). */
export function withHealthTypes(url: string): string {
  return withTypes(url, HEALTH_EVENT_TYPES)
}
