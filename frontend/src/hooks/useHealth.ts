import { useCallback, useEffect, useState } from 'react'
import { ApiError, checkAllProviders, checkProvider, getHealthHistory, getHealthSummary, listProviders } from '../api/client'
import type { CheckAllResult, CheckOptions, CheckResult, HealthSummary, Provider } from '../api/types'
import { toApiError } from '../api/client'

export type HealthListState =
  | { kind: 'loading' }
  | { kind: 'ready'; providers: Provider[] }
  | { kind: 'error'; error: ApiError }

export interface UseHealth {
  state: HealthListState
  /** Each provider's newest check: undefined while loading, null when it has none. */
  last: ReadonlyMap<number, CheckResult | null>
  /** Providers with a check in flight (their own, or "Check all"). */
  running: ReadonlySet<number>
  checkingAll: boolean
  /** Bumped after every finished check, so history views reload. */
  revision: number
  reload: () => void
  /** Runs one provider's check; an ApiError (e.g. a 400 naming a field) is thrown to the caller. */
  run: (id: number, options: CheckOptions) => Promise<CheckResult>
  /** "Check all": every provider, one after another, with the server's defaults. */
  runAll: () => Promise<CheckAllResult>
}

function without(set: ReadonlySet<number>, ...ids: number[]): Set<number> {
  const next = new Set(set)
  for (const id of ids) next.delete(id)
  return next
}

/** The provider list with each provider's last check, and the actions that run checks. */
export function useHealth(): UseHealth {
  const [state, setState] = useState<HealthListState>({ kind: 'loading' })
  const [last, setLast] = useState<ReadonlyMap<number, CheckResult | null>>(new Map())
  const [running, setRunning] = useState<ReadonlySet<number>>(new Set())
  const [checkingAll, setCheckingAll] = useState(false)
  const [revision, setRevision] = useState(0)
  const [attempt, setAttempt] = useState(0)

  useEffect(() => {
    const ctrl = new AbortController()
    listProviders(ctrl.signal).then(
      (providers) => {
        setState({ kind: 'ready', providers })
        // The last status of each, in parallel; a failure just leaves "Not checked".
        for (const p of providers) {
          getHealthHistory(p.id, { limit: 1, signal: ctrl.signal }).then(
            (list) => setLast((m) => (m.has(p.id) ? m : new Map(m).set(p.id, list[0] ?? null))),
            () => {
              if (!ctrl.signal.aborted) setLast((m) => (m.has(p.id) ? m : new Map(m).set(p.id, null)))
            },
          )
        }
      },
      (err: unknown) => {
        if (!ctrl.signal.aborted) setState({ kind: 'error', error: toApiError(err) })
      },
    )
    return () => ctrl.abort()
  }, [attempt])

  const reload = useCallback(() => {
    setState({ kind: 'loading' })
    setLast(new Map())
    setAttempt((n) => n + 1)
  }, [])

  const record = useCallback((results: CheckResult[]) => {
    setLast((m) => {
      const next = new Map(m)
      for (const r of results) next.set(r.provider_id, r)
      return next
    })
    setRevision((n) => n + 1)
  }, [])

  // No AbortSignal on purpose: a check runs to its end on the server (and is
  // stored) even when the page is left; there is no client-side timeout.
  const run = useCallback(
    async (id: number, options: CheckOptions) => {
      setRunning((s) => new Set(s).add(id))
      try {
        const r = await checkProvider(id, options)
        record([r])
        return r
      } finally {
        setRunning((s) => without(s, id))
      }
    },
    [record],
  )

  const runAll = useCallback(async () => {
    const ids = state.kind === 'ready' ? state.providers.map((p) => p.id) : []
    setCheckingAll(true)
    setRunning((s) => new Set([...s, ...ids]))
    try {
      const res = await checkAllProviders()
      record(res.providers)
      return res
    } finally {
      setCheckingAll(false)
      setRunning((s) => without(s, ...ids))
    }
  }, [state, record])

  return { state, last, running, checkingAll, revision, reload, run, runAll }
}

export type Loadable<T> = { kind: 'loading' } | { kind: 'ready'; value: T } | { kind: 'error'; error: ApiError }

export const HISTORY_LIMIT = 20

export interface ProviderHealth {
  history: Loadable<CheckResult[]>
  summary: Loadable<HealthSummary>
}

/**
 * The selected provider's recent checks (newest first) and its 24 h summary,
 * loaded again whenever `revision` changes. Earlier data stays on screen
 * while a reload is in flight.
 */
export function useProviderHealth(id: number | null, revision: number): ProviderHealth {
  const [history, setHistory] = useState<Loadable<CheckResult[]>>({ kind: 'loading' })
  const [summary, setSummary] = useState<Loadable<HealthSummary>>({ kind: 'loading' })
  const [shownId, setShownId] = useState<number | null>(id)

  // A different provider: start from "loading" rather than show the last one's data.
  if (shownId !== id) {
    setShownId(id)
    setHistory({ kind: 'loading' })
    setSummary({ kind: 'loading' })
  }

  useEffect(() => {
    if (id === null) return
    const ctrl = new AbortController()
    const fail = (set: (v: { kind: 'error'; error: ApiError }) => void) => (err: unknown) => {
      if (!ctrl.signal.aborted) set({ kind: 'error', error: toApiError(err) })
    }
    getHealthHistory(id, { limit: HISTORY_LIMIT, signal: ctrl.signal }).then(
      (value) => setHistory({ kind: 'ready', value }),
      fail(setHistory),
    )
    getHealthSummary(id, '24h', ctrl.signal).then((value) => setSummary({ kind: 'ready', value }), fail(setSummary))
    return () => ctrl.abort()
  }, [id, revision])

  return { history, summary }
}

/** The current time, advancing every `ms` (relative times stay true while the page is open). */
export function useNow(ms = 30_000): number {
  const [now, setNow] = useState(() => Date.now())
  useEffect(() => {
    const t = window.setInterval(() => setNow(Date.now()), ms)
    return () => window.clearInterval(t)
  }, [ms])
  return now
}
