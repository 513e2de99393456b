import type { HealthSummary } from '../../api/types'
import { formatMs, formatPercent, uptimeTone } from '../../lib/health'
import { HealthBadge } from './HealthBadge'

/** Per model over the window: uptime, p50/p95 latency and the last status. */
export function HealthSummaryTable({ summary }: { summary: HealthSummary }) {
  if (summary.models.length === 0) {
    return <p className="muted hhist__empty">No checks in the last {summary.window}.</p>
  }
  return (
    <table className="stable">
      <caption className="visually-hidden">Per-model summary, last {summary.window}</caption>
      <thead>
        <tr>
          <th scope="col">Model</th>
          <th scope="col" className="num">Uptime</th>
          <th scope="col" className="num">p50</th>
          <th scope="col" className="num">p95</th>
          <th scope="col">Last</th>
        </tr>
      </thead>
      <tbody>
        {summary.models.map((m) => (
          <tr key={m.model} data-testid={`summary-${m.model}`}>
            <th scope="row">
              <code className="stable__model">{m.model}</code>
              <span className="stable__checks">
                {m.checks} check{m.checks === 1 ? '' : 's'}
              </span>
            </th>
            <td className={`num stable__uptime stable__uptime--${uptimeTone(m.uptime_percent)}`}>
              {formatPercent(m.uptime_percent)}
            </td>
            <td className="num">{formatMs(m.p50_ms)}</td>
            <td className="num">{formatMs(m.p95_ms)}</td>
            <td>
              <HealthBadge status={m.last_status} size="small" />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}
