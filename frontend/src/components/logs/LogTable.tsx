import { useVirtualizer } from '@tanstack/react-virtual'
import { memo, useRef } from 'react'
import type { LogRow } from '../../lib/logStore'
import { ms, statusTone, timeOfDay, tokens } from '../../lib/logFormat'
import { attemptText, chainText } from '../../lib/routing'
import { Spinner } from '../Spinner'
import '../../styles/routing.css'

interface LogTableProps {
  rows: LogRow[]
  /** The attempts of each request tried more than once, by client_request_id (lib/routing buildChains). */
  chains?: ReadonlyMap<string, LogRow[]>
  selectedId: string | null
  onSelect: (row: LogRow) => void
}

/** Every row is one line of this height (CSS keeps it so), which lets the list skip measuring. */
export const ROW_HEIGHT = 37

/** The request log, newest first; a row opens its detail. Only the rows in
 * view (and a few around them) are in the DOM, so thousands of rows scroll
 * as smoothly as ten. Columns marked ltable__opt make room for the detail
 * panel (they are in it too). */
export function LogTable({ rows, chains, selectedId, onSelect }: LogTableProps) {
  const scrollRef = useRef<HTMLDivElement>(null)
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    getItemKey: (i) => rows[i]?.id ?? i,
    overscan: 12,
    // Rows render in the first frame, before the scroll element is
    // measured: without it the first live row waits a frame or two.
    initialRect: { width: 0, height: 600 },
  })
  const items = virtualizer.getVirtualItems()
  // Spacer rows stand in for the rows above and below the window, so the
  // scrollbar covers the whole list and the table keeps its column layout.
  const padTop = items[0]?.start ?? 0
  const padBottom = virtualizer.getTotalSize() - (items.at(-1)?.end ?? 0)

  return (
    <div className="table-wrap ltable-scroll" ref={scrollRef} data-testid="log-scroll">
      <table className="ptable ltable">
        <caption className="visually-hidden">Requests through the proxy, newest first</caption>
        <thead>
          <tr>
            <th scope="col">Time</th>
            <th scope="col">Request</th>
            <th scope="col">Model</th>
            <th scope="col" className="ltable__opt">
              Provider
            </th>
            <th scope="col">Status</th>
            <th scope="col" className="num">
              Latency
            </th>
            <th scope="col" className="num ltable__opt">
              TTFB
            </th>
            <th scope="col" className="num ltable__opt">
              Tokens
            </th>
          </tr>
        </thead>
        <tbody>
          {padTop > 0 && (
            <tr aria-hidden="true" className="ltable__pad">
              <td colSpan={8} style={{ height: padTop }} />
            </tr>
          )}
          {items.map((it) => {
            const r = rows[it.index]
            if (!r) return null
            return <Row key={r.id} row={r} chain={chains?.get(r.client_request_id)} selected={r.id === selectedId} onSelect={onSelect} />
          })}
          {padBottom > 0 && (
            <tr aria-hidden="true" className="ltable__pad">
              <td colSpan={8} style={{ height: padBottom }} />
            </tr>
          )}
        </tbody>
      </table>
    </div>
  )
}

interface RowProps {
  row: LogRow
  /** Every attempt of this row's request, in try order, when it had more than one. */
  chain: LogRow[] | undefined
  selected: boolean
  onSelect: (row: LogRow) => void
}

/** One row; memoised, so a live update re-renders only the rows that changed. */
const Row = memo(function Row({ row: r, chain, selected, onSelect }: RowProps) {
  const attempt = attemptText(r)
  // "429 from groq → 200 from openai" once a request was tried more than once.
  const chained = chain && chain.length > 1 ? chainText(chain, true) : ''
  return (
    <tr
      className={`ltable__row${selected ? ' ltable__row--selected' : ''}`}
      data-testid="log-row"
      data-id={r.id}
      aria-selected={selected}
      tabIndex={0}
      onClick={() => onSelect(r)}
      onKeyDown={(e) => {
        if (e.key === 'Enter' || e.key === ' ') {
          e.preventDefault()
          onSelect(r)
        }
      }}
    >
      <td className="ltable__time">{timeOfDay(r.started_at)}</td>
      <td className="ltable__req">
        <span className="ltable__method">{r.method}</span> <code title={r.path}>{r.path}</code>
      </td>
      <td className="ltable__model">{r.model || '—'}</td>
      <td className="ltable__opt">
        {chained ? (
          <span className="lchain" title={chainText(chain ?? [])} data-testid="log-chain">
            {chained}
          </span>
        ) : (
          r.provider_key || '—'
        )}
      </td>
      <td>
        {r.in_flight ? (
          <span className="hbadge hbadge--neutral hbadge--small">
            <Spinner size={10} /> In flight
          </span>
        ) : (
          <span className="ltable__status">
            <span className={`hbadge hbadge--small hbadge--${statusTone(r.status)}`} data-testid="log-status">
              {r.status}
            </span>
            {r.error_source && (
              <span
                className={`esrc esrc--${r.error_source}`}
                title={r.error_message || undefined}
                data-testid="log-error-source"
              >
                {r.error_source}
              </span>
            )}
            {attempt && (
              <span className="lattempt" data-testid="log-attempt">
                {attempt}
              </span>
            )}
          </span>
        )}
      </td>
      <td className="num">{r.in_flight ? '…' : ms(r.latency_ms)}</td>
      <td className="num ltable__opt">{ms(r.ttfb_ms)}</td>
      <td className="num ltable__opt">{tokens(r)}</td>
    </tr>
  )
})
