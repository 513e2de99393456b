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

/** Loads GET /admin/v1/status once, and again on reload(). */
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

  return { state, reload, refresh }
}
