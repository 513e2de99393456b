import { useCallback, useEffect, useReducer, useState } from 'react'
import { getLog, listLogs } from '../api/client'
import { LiveClient, type LiveStatus } from '../api/live'
import type { LogDetail } from '../api/types'
import { initialLogState, logReducer, shownRows, waitingCount, type LogRow } from '../lib/logStore'
import { toApiError } from '../api/client'

/** How many entries a (re)connect reads back from GET /admin/v1/logs. */
export const BACKFILL_LIMIT = 200

export interface UseLiveLogs {
  rows: LogRow[]
  status: LiveStatus
  paused: boolean
  /** Rows that arrived while paused. */
  waiting: number
  /** The last backfill failed (the stream may still work). */
  backfillError: string | null
  pause: () => void
  resume: () => void
}

/**
 * The live request log: subscribes to the stream while mounted and, on each
 * (re)connect, backfills from GET /admin/v1/logs what it may have missed.
 */
export function useLiveLogs(): UseLiveLogs {
  const [state, dispatch] = useReducer(logReducer, initialLogState)
  const [status, setStatus] = useState<LiveStatus>({ kind: 'connecting' })
  const [backfillError, setBackfillError] = useState<string | null>(null)

  useEffect(() => {
    let alive = true
    const ctrl = new AbortController()
    const client = new LiveClient({
      onMessages: (messages) => {
        dispatch({ type: 'messages', messages })
        // This socket missed events (it was too slow): read them back.
        if (messages.some((m) => m.type === 'dropped')) backfill()
      },
      onStatus: (s) => {
        if (!alive) return
        setStatus(s)
        if (s.kind === 'open') backfill()
      },
    })
    function backfill() {
      listLogs({ limit: BACKFILL_LIMIT, signal: ctrl.signal }).then(
        (entries) => {
          if (!alive) return
          setBackfillError(null)
          dispatch({ type: 'backfill', entries })
        },
        (err: unknown) => {
          if (alive && !ctrl.signal.aborted) setBackfillError(toApiError(err).message)
        },
      )
    }
    client.start()
    return () => {
      alive = false
      ctrl.abort()
      client.stop()
    }
  }, [])

  const pause = useCallback(() => dispatch({ type: 'pause' }), [])
  const resume = useCallback(() => dispatch({ type: 'resume' }), [])
  return {
    rows: shownRows(state),
    status,
    paused: state.frozen !== null,
    waiting: waitingCount(state),
    backfillError,
    pause,
    resume,
  }
}

/** A just-finished entry may not be stored yet: how often and how far apart to ask again. */
const DETAIL_RETRIES = 8
const DETAIL_RETRY_MS = 250

export type DetailState =
  | { kind: 'loading' }
  | { kind: 'ready'; detail: LogDetail }
  | { kind: 'error'; message: string }

/** One entry's detail (GET /admin/v1/logs/{id}), loaded when `id` is set. */
export function useLogDetail(id: string | null, inFlight: boolean): DetailState {
  const [state, setState] = useState<DetailState>({ kind: 'loading' })
  useEffect(() => {
    if (id === null || inFlight) {
      setState({ kind: 'loading' })
      return
    }
    const ctrl = new AbortController()
    let timer: ReturnType<typeof setTimeout> | undefined
    setState({ kind: 'loading' })
    const load = (attempt: number) => {
      getLog(id, ctrl.signal).then(
        (detail) => setState({ kind: 'ready', detail }),
        (err: unknown) => {
          if (ctrl.signal.aborted) return
          const e = toApiError(err)
          // The log is written in batches: an entry that just finished on the
          // stream may not be stored yet. Ask again a few times.
          if (e.status === 404 && attempt < DETAIL_RETRIES) {
            timer = setTimeout(() => load(attempt + 1), DETAIL_RETRY_MS)
            return
          }
          setState({ kind: 'error', message: e.message })
        },
      )
    }
    load(0)
    return () => {
      ctrl.abort()
      clearTimeout(timer)
    }
  }, [id, inFlight])
  return state
}
