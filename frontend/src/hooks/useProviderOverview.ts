import { useCallback, useEffect, useState } from 'react'
import { useQueries, useQuery, useQueryClient } from '@tanstack/react-query'
import { checkProvider, getHealthHistory, getStats, toApiError } from '../api/client'
import { LiveClient, defaultLiveURL, withTypes } from '../api/live'
import { PROVIDERS_KEY } from './useProviders'
import type { CheckResult, Provider, ProviderStats } from '../api/types'
import { providerOverview, type ProviderOverview } from '../lib/providerOverview'

/** How often the overview is refreshed while the page is shown. */
const REFRESH_MS = 15_000

export interface UseProviderOverview {
  /** The overview of each provider by id. */
  byId: ReadonlyMap<number, ProviderOverview>
  /** Ids whose "Check now" is waiting for the server. */
  checking: ReadonlySet<number>
  /** Runs a health check of p now; rejects with an ApiError (409 check_running when one runs already). */
  checkNow: (p: Provider) => Promise<CheckResult>
}

function lastCheckKey(id: number) {
  return ['health', 'last', id] as const
}

/**
 * Each provider's newest health check (GET …/health/history?limit=1) and its
 * traffic over the last hour (GET /stats?window=1h), refreshed every 15 s
 * and on focus; "Check now" puts its result in place.
 */
export function useProviderOverview(providers: readonly Provider[], live = true): UseProviderOverview {
  const qc = useQueryClient()
  const stats = useQuery({
    queryKey: ['stats', '1h'],
    queryFn: ({ signal }) => getStats('1h', signal),
    refetchInterval: REFRESH_MS,
  })
  const checks = useQueries({
    queries: providers.map((p) => ({
      queryKey: lastCheckKey(p.id),
      queryFn: async ({ signal }: { signal: AbortSignal }) => (await getHealthHistory(p.id, { limit: 1, signal }))[0] ?? null,
      refetchInterval: REFRESH_MS,
    })),
  })
  // Changes made elsewhere (another tab, the CLI, a scheduled check) show
  // at once: the live stream says what changed, react-query fetches it.
  useEffect(() => {
    if (!live) return
    const client = new LiveClient({
      url: async () => withTypes(await defaultLiveURL(), ['provider.changed', 'health.finished']),
      onMessages: (msgs) => {
        for (const m of msgs) {
          if (m.type === 'provider.changed') void qc.invalidateQueries({ queryKey: PROVIDERS_KEY })
          const id = (m.data as { provider_id?: unknown } | null)?.provider_id
          if (m.type === 'health.finished' && typeof id === 'number') void qc.invalidateQueries({ queryKey: lastCheckKey(id) })
        }
      },
      onStatus: () => {},
    })
    client.start()
    return () => client.stop()
  }, [qc, live])
  // Several rows may be checked at once: one pending flag per provider.
  const [checking, setChecking] = useState<ReadonlySet<number>>(new Set())
  const checkNow = useCallback(
    async (p: Provider) => {
      setChecking((s) => new Set(s).add(p.id))
      try {
        const c = await checkProvider(p.id)
        qc.setQueryData(lastCheckKey(p.id), c)
        return c
      } catch (err) {
        const e = toApiError(err)
        // A check running elsewhere (schedule, another tab) is stored when
        // it ends: look again then.
        if (e.code === 'check_running') void qc.invalidateQueries({ queryKey: lastCheckKey(p.id) })
        throw e
      } finally {
        setChecking((s) => {
          const next = new Set(s)
          next.delete(p.id)
          return next
        })
      }
    },
    [qc],
  )

  const byKey = new Map<string, ProviderStats>((stats.data?.by_provider ?? []).map((s) => [s.provider_key, s]))
  const byId = new Map<number, ProviderOverview>()
  providers.forEach((p, i) => {
    const last = checks[i]?.data ?? undefined
    byId.set(p.id, providerOverview(p, last, byKey.get(p.key), stats.isSuccess))
  })
  return {
    byId,
    checking,
    checkNow,
  }
}
