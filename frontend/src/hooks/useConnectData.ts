import { useQueries, useQuery } from '@tanstack/react-query'
import { useMemo } from 'react'
import { getHealthHistory, getSettings, listProviders } from '../api/client'
import type { CheckResult } from '../api/types'
import { routableAliases, type RoutableAlias } from '../lib/aliases'

export interface ConnectData {
  aliases: RoutableAlias[]
  /** Local access keys are set in Settings (clients must send one). */
  localKeysSet: boolean
  loading: boolean
  /** Why the providers could not be loaded, if they could not. */
  error: Error | null
}

/** The providers, their newest health checks and whether local access keys
 * are set: what the Connect page builds its alias list and snippets from. */
export function useConnectData(): ConnectData {
  const providers = useQuery({ queryKey: ['providers'], queryFn: ({ signal }) => listProviders(signal) })
  const settings = useQuery({ queryKey: ['settings'], queryFn: ({ signal }) => getSettings(signal) })
  const enabled = (providers.data ?? []).filter((p) => p.enabled)
  const checks = useQueries({
    queries: enabled.map((p) => ({
      queryKey: ['health', 'last', p.id],
      queryFn: async ({ signal }: { signal: AbortSignal }) => (await getHealthHistory(p.id, { limit: 1, signal }))[0] ?? null,
    })),
  })
  const checkData = checks.map((c) => c.data)
  const aliases = useMemo(() => {
    const last = new Map<number, CheckResult | undefined>()
    enabled.forEach((p, i) => last.set(p.id, checkData[i] ?? undefined))
    return routableAliases(providers.data ?? [], last)
    // checkData is a new array each render; its items are stable query data.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [providers.data, ...checkData])
  return {
    aliases,
    localKeysSet: (settings.data?.proxy_keys?.length ?? 0) > 0,
    loading: providers.isPending,
    error: providers.error,
  }
}
