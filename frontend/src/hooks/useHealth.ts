import { useQueries, useQuery, useQueryClient, type UseQueryResult } from '@tanstack/react-query'
import { useCallback, useEffect, useMemo, useReducer, useState } from 'react'
import {
  ApiError,
  cancelCheck,
  checkAllProviders,
  checkProvider,
  getHealthHistory,
  getHealthSummary,
  listProviders,
  listRunningChecks,
  toApiError,
} from '../api/client'
import { LiveClient, defaultLiveURL } from '../api/live'
import type { CheckAllResult, CheckOptions, CheckResult, HealthSummary, Provider } from '../api/types'
import type { ChartWindow } from '../lib/health'
import { healthActions, initialLiveHealth, liveHealthReducer, withHealthTypes, type LiveCheck } from '../lib/healthLive'

/** The query keys of the Health page; everything of provider `id` sits under ['health', id]. */
export const healthKeys = {
  providers: ['health', 'providers'] as const,
  running: ['health', 'running'] as const,
  provider: (id: number) => ['health', id] as const,
  history: (id: number, limit: number) => ['health', id, 'history', limit] as const,
  summary: (id: number, window: ChartWindow) => ['health', id, 'summary', window] as const,
}

export type Loadable<T> = { kind: 'loading' } | { kind: 'ready'; value: T } | { kind: 'error'; error: ApiError }

/** A query's state in the page's three-way form. */
export function loadable<T>(q: Pick<UseQueryResult<T>, 'status' | 'data' | 'error'>): Loadable<T> {
  if (q.status === 'success') return { kind: 'ready', value: q.data as T }
  if (q.status === 'error') return { kind: 'error', error: toApiError(q.error) }
  return { kind: 'loading' }
}

/** The outcome of "Run": the finished check, or the check of another client that was already running. */
export type RunOutcome = { kind: 'finished'; check: CheckResult } | { kind: 'attached' }

export interface UseHealth {
  state: Loadable<Provider[]>
  /** Each provider's newest check: undefined while loading, null when it has none. */
  last: ReadonlyMap<number, CheckResult | null>
  /**
   * Providers with a check in flight: the live check when its events (or the
   * running list) have told of it, null while only our own request is known.
   */
  running: ReadonlyMap<number, LiveCheck | null>
  checkingAll: boolean
  reload: () => void
  /**
   * Runs one provider's check. When the provider is already being checked
   * (by a schedule, another tab, "Check all") the page attaches to that check
   * instead. Other ApiErrors (e.g. a 400 naming a field) reach the caller.
   */
  run: (id: number, options: CheckOptions) => Promise<RunOutcome>
  /** "Check all": every provider at once (the server runs them concurrently). */
  runAll: () => Promise<CheckAllResult>
  /** Cancels a running check; resolves once it has ended. */
  cancel: (checkId: string) => Promise<void>
}

/**
 * The providers with their last checks, the checks in flight (from the live
 * stream and GET /admin/v1/health/running, so a page opened mid-check shows
 * it), and the actions that run and cancel checks.
 */
export function useHealth(): UseHealth {
  const qc = useQueryClient()
  const providersQ = useQuery({ queryKey: healthKeys.providers, queryFn: ({ signal }) => listProviders(signal) })
  const providers = useMemo(() => providersQ.data ?? [], [providersQ.data])
  const lastQs = useQueries({
    queries: providers.map((p) => ({
      queryKey: healthKeys.history(p.id, 1),
      queryFn: ({ signal }: { signal: AbortSignal }) => getHealthHistory(p.id, { limit: 1, signal }),
    })),
  })
  const runningQ = useQuery({ queryKey: healthKeys.running, queryFn: ({ signal }) => listRunningChecks(signal) })
  const [live, dispatch] = useReducer(liveHealthReducer, initialLiveHealth)
  const [posting, setPosting] = useState<ReadonlySet<number>>(new Set())
  const [checkingAll, setCheckingAll] = useState(false)

  // Each snapshot of the running checks replaces what is known to run.
  useEffect(() => {
    if (runningQ.data) dispatch({ type: 'attach', running: runningQ.data })
  }, [runningQ.data, runningQ.dataUpdatedAt])

  useEffect(() => {
    const client = new LiveClient({
      url: async () => withHealthTypes(await defaultLiveURL()),
      onMessages: (msgs) => {
        for (const a of healthActions(msgs)) {
          dispatch(a)
          // A finished check (also a scheduled one) changes the history and the charts.
          if (a.type === 'finished') void qc.invalidateQueries({ queryKey: healthKeys.provider(a.check.provider_id) })
        }
        if (msgs.some((m) => m.type === 'provider.changed')) void qc.invalidateQueries({ queryKey: healthKeys.providers })
        // Events were lost: what runs and what finished is read anew.
        if (msgs.some((m) => m.type === 'dropped')) void qc.invalidateQueries({ queryKey: ['health'] })
      },
      onStatus: (s) => {
        // (Re)connected: checks may have started or finished unseen.
        if (s.kind === 'open') void qc.invalidateQueries({ queryKey: ['health'] })
      },
    })
    client.start()
    return () => client.stop()
  }, [qc])

  const last = useMemo(() => {
    const m = new Map<number, CheckResult | null>()
    providers.forEach((p, i) => {
      const q = lastQs[i]
      const stored = q?.status === 'success' ? (q.data[0] ?? null) : q?.status === 'error' ? null : undefined
      const seen = live.finished.get(p.id)
      // The newest of the stored and the live one (check ids sort by start).
      if (seen && (!stored || seen.check_id >= stored.check_id)) m.set(p.id, seen)
      else if (stored !== undefined) m.set(p.id, stored)
    })
    return m
  }, [providers, lastQs, live.finished])

  const running = useMemo(() => {
    const m = new Map<number, LiveCheck | null>()
    for (const id of posting) m.set(id, null)
    for (const [id, c] of live.running) m.set(id, c)
    return m
  }, [posting, live.running])

  const reload = useCallback(() => void qc.invalidateQueries({ queryKey: ['health'] }), [qc])

  const finish = useCallback(
    (checks: CheckResult[]) => {
      for (const c of checks) {
        dispatch({ type: 'finished', check: c })
        void qc.invalidateQueries({ queryKey: healthKeys.provider(c.provider_id) })
      }
    },
    [qc],
  )

  // No AbortSignal on purpose: a check runs to its end on the server (and is
  // stored) even when the page is left; there is no client-side timeout.
  const run = useCallback(
    async (id: number, options: CheckOptions): Promise<RunOutcome> => {
      setPosting((s) => new Set(s).add(id))
      try {
        const check = await checkProvider(id, options)
        finish([check])
        return { kind: 'finished', check }
      } catch (err) {
        // Already being checked: show that check rather than start a second.
        if (err instanceof ApiError && err.code === 'check_running') {
          await qc.invalidateQueries({ queryKey: healthKeys.running })
          return { kind: 'attached' }
        }
        throw err
      } finally {
        setPosting((s) => {
          const next = new Set(s)
          next.delete(id)
          return next
        })
      }
    },
    [finish, qc],
  )

  const runAll = useCallback(async () => {
    const ids = providers.map((p) => p.id)
    setCheckingAll(true)
    setPosting((s) => new Set([...s, ...ids]))
    try {
      const res = await checkAllProviders()
      finish(res.providers)
      return res
    } finally {
      setCheckingAll(false)
      setPosting((s) => new Set([...s].filter((id) => !ids.includes(id))))
    }
  }, [providers, finish])

  const cancel = useCallback(async (checkId: string) => {
    dispatch({ type: 'cancelling', checkId, on: true })
    try {
      await cancelCheck(checkId)
    } catch (err) {
      dispatch({ type: 'cancelling', checkId, on: false })
      throw err
    }
  }, [])

  return { state: loadable(providersQ), last, running, checkingAll, reload, run, runAll, cancel }
}

export const HISTORY_LIMIT = 20

/** The selected provider's recent checks, newest first (refetched when a check of it finishes). */
export function useHealthHistory(id: number | null): Loadable<CheckResult[]> {
  const q = useQuery({
    queryKey: healthKeys.history(id ?? -1, HISTORY_LIMIT),
    queryFn: ({ signal }) => getHealthHistory(id ?? -1, { limit: HISTORY_LIMIT, signal }),
    enabled: id !== null,
  })
  return loadable(q)
}

/** The selected provider's per-model summary over `window`, with the latency series. */
export function useHealthSummary(id: number | null, window: ChartWindow): Loadable<HealthSummary> {
  const q = useQuery({
    queryKey: healthKeys.summary(id ?? -1, window),
    queryFn: ({ signal }) => getHealthSummary(id ?? -1, window, signal),
    enabled: id !== null,
  })
  return loadable(q)
}

/** The current time, advancing every `ms` (relative times stay true while the page is open). */
export function useNow(ms = 10_000): number {
  const [now, setNow] = useState(() => Date.now())
  useEffect(() => {
    const t = window.setInterval(() => setNow(Date.now()), ms)
    return () => window.clearInterval(t)
  }, [ms])
  return now
}
