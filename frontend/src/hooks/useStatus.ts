import { useCallback, useEffect, useState } from 'react'
import { ApiError, getStatus } from '../api/client'
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

function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err
  const message = err instanceof Error ? err.message : String(err)
  return new ApiError(0, 'unknown', message)
}

/** How often the status is fetched again in the background. */
export const STATUS_REFRESH_MS = 15_000

/** Loads GET /admin/v1/status, again on reload() and refresh(), and every
 * STATUS_REFRESH_MS so that the status bar notices a proxy that stopped or
 * providers added elsewhere. */
export function useStatus(): UseStatus {
  const [state, setState] = useState<StatusState>({ kind: 'loading' })
  const [attempt, setAttempt] = useState(0)

  useEffect(() => {
    const ctrl = new AbortController()
    getStatus(ctrl.signal).then(
      (status) => setState({ kind: 'ready', status }),
      (err: unknown) => {
        if (!ctrl.signal.aborted) setState({ kind: 'error', error: toApiError(err) })
      },
    )
    return () => ctrl.abort()
  }, [attempt])

  const reload = useCallback(() => {
    setState({ kind: 'loading' })
    setAttempt((n) => n + 1)
  }, [])

  const refresh = useCallback(() => setAttempt((n) => n + 1), [])

  useEffect(() => {
    const timer = setInterval(refresh, STATUS_REFRESH_MS)
    return () => clearInterval(timer)
  }, [refresh])

  return { state, reload, refresh }
}
