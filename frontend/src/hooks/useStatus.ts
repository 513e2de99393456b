import { useQuery, useQueryClient } from '@tanstack/react-query'
import { useCallback, useMemo } from 'react'
import { ApiError, getStatus, toApiError } from '../api/client'
import type { Status } from '../api/types'

export type StatusState =
  | { kind: 'loading' }
  | { kind: 'ready'; status: Status }
  | { kind: 'error'; error: ApiError }

export interface UseStatus {
  state: StatusState
  /** Fetches the status again (the error state's Retry button). */
  reload: () => void
  /** Fetches the status again in the background, keeping what is shown until
   * the answer arrives (e.g. after a provider was added). */
  refresh: () => void
}

/** How often the status is fetched again in the background. */
export const STATUS_REFRESH_MS = 15_000

/** The react-query key of GET /admin/v1/status. */
export const STATUS_QUERY_KEY = ['status'] as const

/** Loads GET /admin/v1/status through react-query, again on reload() and
 * refresh(), and every STATUS_REFRESH_MS so that the status bar notices a
 * proxy that stopped or providers added elsewhere. */
export function useStatus(): UseStatus {
  const client = useQueryClient()
  const query = useQuery({
    queryKey: STATUS_QUERY_KEY,
    queryFn: ({ signal }) => getStatus(signal),
    refetchInterval: STATUS_REFRESH_MS,
    // No silent retry: the status bar's error with Retry is the feedback,
    // and the interval fetches again anyway.
    retry: false,
  })

  const reload = useCallback(() => {
    // reset drops the cached answer, so the page shows "loading" again
    // (the Retry button's feedback) and fetches anew.
    void client.resetQueries({ queryKey: STATUS_QUERY_KEY })
  }, [client])
  const refresh = useCallback(() => {
    void client.invalidateQueries({ queryKey: STATUS_QUERY_KEY })
  }, [client])

  const { data, error, isPending } = query
  const state = useMemo<StatusState>(() => {
    // Data from an earlier success stays shown while a background refetch
    // fails; the error state is for a status never loaded.
    if (data) return { kind: 'ready', status: data }
    if (isPending && !error) return { kind: 'loading' }
    return { kind: 'error', error: toApiError(error) }
  }, [data, error, isPending])

  return { state, reload, refresh }
}
