import type { LogRow } from '../../lib/logStore'
import { ms, statusTone, timeOfDay, tokens } from '../../lib/logFormat'
import { Spinner } from '../Spinner'

interface LogTableProps {
  rows: LogRow[]
  selectedId: string | null
  onSelect: (row: LogRow) => void
}

/** The request log, newest first; a row opens its detail. Columns marked
 * ltable__opt make room for the detail panel (they are in it too). */
export function LogTable({ rows, selectedId, onSelect }: LogTableProps) {
  return (
    <div className="table-wrap">
      <table className="ptable ltable">
        <caption className="visually-hidden">Requests through the proxy, newest first</caption>
        <thead>
          <tr>
            <th scope="col">Time</th>
            <th scope="col">Request</th>
            <th scope="col">Model</th>
            <th scope="col" className="ltable__opt">Provider</th>
            <th scope="col">Status</th>
            <th scope="col" className="num">Latency</th>
            <th scope="col" className="num ltable__opt">TTFB</th>
            <th scope="col" className="num ltable__opt">Tokens</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr
              key={r.id}
              className={`ltable__row${r.id === selectedId ? ' ltable__row--selected' : ''}`}
              data-testid="log-row"
              data-id={r.id}
              aria-selected={r.id === selectedId}
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
                <span className="ltable__method">{r.method}</span> <code>{r.path}</code>
              </td>
              <td>{r.model || '—'}</td>
              <td className="ltable__opt">{r.provider_key || '—'}</td>
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
                      <span className={`esrc esrc--${r.error_source}`} title={r.error_message || undefined}>
                        {r.error_source}
                      </span>
                    )}
                  </span>
                )}
              </td>
              <td className="num">{r.in_flight ? '…' : ms(r.latency_ms)}</td>
              <td className="num ltable__opt">{ms(r.ttfb_ms)}</td>
              <td className="num ltable__opt">{tokens(r)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}
