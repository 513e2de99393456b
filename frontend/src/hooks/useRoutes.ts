import { useEffect } from 'react'
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { listRoutes, resolveRoute } from '../api/client'
import { LiveClient, defaultLiveURL, withTypes } from '../api/live'
import type { Dialect } from '../api/types'
import { PROVIDERS_KEY } from './useProviders'

/** How often the Routes page reads the routes again (for `catches`). */
const REFRESH_MS = 15_000

/** The react-query key of GET /admin/v1/routes. */
export const ROUTES_KEY = ['routes'] as const

export interface UseRoutesOptions {
  /** Load at all (the provider form asks only when editing a saved provider). */
  enabled?: boolean
  /** Follow circuit.changed and provider.changed on the live stream and refetch. */
  live?: boolean
}

/**
 * Every alias and pattern with its members and their circuits (GET
 * /admin/v1/routes). With `live`, a circuit or provider change on the live
 * stream refetches it at once.
 */
export function useRoutes({ enabled = true, live = false }: UseRoutesOptions = {}) {
  const qc = useQueryClient()
  const q = useQuery({
    queryKey: ROUTES_KEY,
    queryFn: ({ signal }) => listRoutes(signal),
    enabled,
    // The form's "catches recently" is a convenience: an older server
    // without /routes shows nothing rather than an error.
    retry: live ? 1 : false,
    // What patterns caught comes from the request log, which sends no
    // event of its own for it: read again now and then while shown.
    refetchInterval: live ? REFRESH_MS : false,
  })
  useEffect(() => {
    if (!live || !enabled) return
    const client = new LiveClient({
      url: async () => withTypes(await defaultLiveURL(), ['circuit.changed', 'provider.changed']),
      onMessages: (msgs) => {
        if (msgs.some((m) => m.type === 'circuit.changed' || m.type === 'provider.changed')) {
          void qc.invalidateQueries({ queryKey: ROUTES_KEY })
        }
        if (msgs.some((m) => m.type === 'provider.changed')) void qc.invalidateQueries({ queryKey: PROVIDERS_KEY })
      },
      onStatus: (s) => {
        // Reconnected: what changed while away is read again.
        if (s.kind === 'open') void qc.invalidateQueries({ queryKey: ROUTES_KEY })
      },
    })
    client.start()
    return () => client.stop()
  }, [qc, live, enabled])
  return q
}

/** "Test a model name": GET /admin/v1/routes/resolve for a name and a client dialect. */
export function useResolve() {
  return useMutation({ mutationFn: (v: { model: string; dialect: Dialect }) => resolveRoute(v.model, v.dialect) })
}

/** Reads the routes again (after a test resolve, the routes shown may be older than the answer). */
export function useRefreshRoutes(): () => void {
  const qc = useQueryClient()
  return () => void qc.invalidateQueries({ queryKey: ROUTES_KEY })
}
