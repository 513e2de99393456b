import { useQuery } from '@tanstack/react-query'
import { useCallback, useEffect, useReducer, useRef, useState } from 'react'
import { getLog, getStatus, listLogs, listServerLog, toApiError, toLiveServerLog } from '../api/client'
import { LiveClient, type LiveStatus } from '../api/live'
import type { LiveMessage, LogDetail, LogEntry, ServerLogRecord } from '../api/types'
import { mergeAttempts, triedMoreThanOnce } from '../lib/routing'
import { createBatcher } from '../lib/frameBatcher'
import { filtersToQuery, type LogFilters } from '../lib/logFilters'
import { initialLogState, logReducer, mergeServerLog, shownRows, waitingCount, type LogRow } from '../lib/logStore'

/** How many entries a (re)connect or a filter change reads back from GET /admin/v1/logs. */
export const BACKFILL_LIMIT = 200

/** How many of the server's own records a (re)connect reads back. */
export const SERVER_LOG_LIMIT = 200

export interface UseLiveLogs {
  rows: LogRow[]
  status: LiveStatus
  paused: boolean
  /** Rows that arrived while paused. */
  waiting: number
  /** The last backfill failed (the stream may still work). */
  backfillError: string | null
  /** The server's own warnings and errors, newest first. */
  serverLog: ServerLogRecord[]
  /** The last server-log backfill failed. */
  serverLogError: string | null
  pause: () => void
  resume: () => void
}

/**
 * The live request log: subscribes to the stream while mounted; each
 * (re)connect, each `dropped` notice and each change of `filters` backfills
 * from GET /admin/v1/logs (with the filters as its query) what the stream
 * did not bring. Live messages are applied once per animation frame.
 */
export function useLiveLogs(filters: LogFilters): UseLiveLogs {
  const [state, dispatch] = useReducer(logReducer, initialLogState)
  const [status, setStatus] = useState<LiveStatus>({ kind: 'connecting' })
  const [serverLog, setServerLog] = useState<ServerLogRecord[]>([])
  // Bumped on each (re)connect and each `dropped`: a new query key, so the
  // backfills run again. 0 until the first connect attempt has an outcome.
  const [generation, setGeneration] = useState(0)

  useEffect(() => {
    let alive = true
    const batcher = createBatcher<LiveMessage>((messages) => {
      if (!alive) return
      dispatch({ type: 'messages', messages })
      const logs: ServerLogRecord[] = []
      for (const m of messages) {
        if (m.type !== 'log') continue
        const r = toLiveServerLog(m.data, m.ts)
        if (r) logs.push(r)
      }
      if (logs.length > 0) setServerLog((list) => mergeServerLog(list, logs))
      // This socket missed events (it was too slow): read them back.
      if (messages.some((m) => m.type === 'dropped')) setGeneration((g) => g + 1)
    })
    const client = new LiveClient({
      onMessages: (messages) => batcher.push(messages),
      onStatus: (s) => {
        if (!alive) return
        setStatus(s)
        // Backfill on every (re)connect; also after a first failure, so the
        // page shows the stored requests while the stream is down.
        if (s.kind === 'open') setGeneration((g) => g + 1)
        if (s.kind === 'retrying' && s.attempt === 1) setGeneration((g) => (g === 0 ? 1 : g))
      },
    })
    client.start()
    return () => {
      alive = false
      batcher.cancel()
      client.stop()
    }
  }, [])

  const query = filtersToQuery(filters)
  const backfill = useQuery({
    queryKey: ['logs', 'backfill', query, generation],
    queryFn: ({ signal }) => listLogs({ ...query, limit: BACKFILL_LIMIT, signal }),
    enabled: generation > 0,
    staleTime: Infinity,
    refetchOnWindowFocus: false,
  })
  useEffect(() => {
    if (backfill.data) dispatch({ type: 'backfill', entries: backfill.data })
  }, [backfill.data])

  const serverBackfill = useQuery({
    queryKey: ['server-log', generation],
    queryFn: ({ signal }) => listServerLog({ limit: SERVER_LOG_LIMIT, signal }),
    enabled: generation > 0,
    staleTime: Infinity,
    refetchOnWindowFocus: false,
  })
  useEffect(() => {
    if (serverBackfill.data) setServerLog((list) => mergeServerLog(list, serverBackfill.data))
  }, [serverBackfill.data])

  const pause = useCallback(() => dispatch({ type: 'pause' }), [])
  const resume = useCallback(() => dispatch({ type: 'resume' }), [])
  return {
    rows: shownRows(state),
    status,
    paused: state.frozen !== null,
    waiting: waitingCount(state),
    backfillError: backfill.error ? toApiError(backfill.error).message : null,
    serverLog,
    serverLogError: serverBackfill.error ? toApiError(serverBackfill.error).message : null,
    pause,
    resume,
  }
}

/** A just-finished entry may not be stored yet: how often and how far apart to ask again. */
export const DETAIL_RETRIES = 8
export const DETAIL_RETRY_MS = 250

export type DetailState =
  | { kind: 'loading' }
  | { kind: 'ready'; detail: LogDetail }
  | { kind: 'error'; message: string }

/** One entry's detail (GET /admin/v1/logs/{id}), loaded when `id` is set and the request has finished. */
export function useLogDetail(id: string | null, inFlight: boolean): DetailState {
  const q = useQuery({
    queryKey: ['logs', 'detail', id],
    queryFn: ({ signal }) => getLog(id ?? '', signal),
    enabled: id !== null && !inFlight,
    staleTime: Infinity,
    // The log is written in batches: an entry that just finished on the
    // stream may not be stored yet (404). Ask again a few times; other
    // errors are shown at once.
    retry: (failures, err) => toApiError(err).status === 404 && failures < DETAIL_RETRIES,
    retryDelay: DETAIL_RETRY_MS,
  })
  if (id === null || inFlight || q.isPending) return { kind: 'loading' }
  if (q.isError) return { kind: 'error', message: toApiError(q.error).message }
  return { kind: 'ready', detail: q.data }
}

/**
 * Every attempt of the request `row` belongs to, in try order: the ones the
 * table has (`known`) merged with GET /admin/v1/logs?client_request_id=…
 * (the table may have missed some: a filter, the backfill's limit). A
 * request tried once is just itself, with no request.
 */
export function useAttempts(row: LogRow | null, known: readonly LogRow[] | undefined): LogEntry[] {
  const id = row?.client_request_id ?? ''
  const multi = row !== null && triedMoreThanOnce(row)
  const q = useQuery({
    // The table's count in the key: a new attempt arriving reads the list again.
    queryKey: ['logs', 'attempts', id, known?.length ?? 0],
    queryFn: ({ signal }) => listLogs({ client_request_id: id, limit: 50, signal }),
    enabled: multi,
    staleTime: Infinity,
    retry: false,
  })
  if (!row) return []
  if (!multi) return [row]
  // An older server ignores the filter: keep only this request's rows.
  const fetched = (q.data ?? []).filter((e) => e.client_request_id === id)
  return mergeAttempts(known ?? [row], fetched)
}

/** The proxy's OpenAI base URL (GET /admin/v1/status), for "Copy as curl"; '' until known. */
export function useProxyBaseURL(): string {
  const q = useQuery({ queryKey: ['status'], queryFn: ({ signal }) => getStatus(signal), staleTime: 60_000 })
  return q.data?.openai_base_url ?? ''
}

/** `value`, but only after it has stopped changing for `ms` (for the text filter's backfill). */
export function useDebounced<T>(value: T, ms: number): T {
  const [v, setV] = useState(value)
  const first = useRef(true)
  useEffect(() => {
    if (first.current) {
      first.current = false
      return
    }
    const t = setTimeout(() => setV(value), ms)
    return () => clearTimeout(t)
  }, [value, ms])
  return v
}
