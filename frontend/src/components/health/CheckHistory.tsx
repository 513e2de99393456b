import type { CheckResult } from '../../api/types'
import { formatDateTime } from '../../lib/format'
import { checkStatus, finishedAgo, formatMs, triggerLabel } from '../../lib/health'
import { HealthBadge } from './HealthBadge'

interface CheckHistoryProps {
  checks: CheckResult[]
  /** The check shown in the results. */
  selectedId: string | null
  now: number
  onSelect: (c: CheckResult) => void
}

/** The provider's recent checks, newest first; choosing one shows its results. */
export function CheckHistory({ checks, selectedId, now, onSelect }: CheckHistoryProps) {
  if (checks.length === 0) {
    return <p className="muted hhist__empty">No checks yet. Run a health check, or give the provider a schedule.</p>
  }
  return (
    <ol className="hhist" aria-label="Recent checks">
      {checks.map((c) => {
        const selected = c.check_id === selectedId
        return (
          <li key={c.check_id}>
            <button
              type="button"
              className={selected ? 'hhist__item hhist__item--selected' : 'hhist__item'}
              aria-current={selected ? 'true' : undefined}
              data-testid={`history-${c.check_id}`}
              onClick={() => onSelect(c)}
            >
              <HealthBadge status={checkStatus(c)} size="small" />
              <span className="hhist__when">
                <time dateTime={c.checked_at} title={formatDateTime(c.checked_at)}>
                  {finishedAgo(c.checked_at, now)}
                </time>
                <span className="hhist__trigger">{triggerLabel(c.trigger)}</span>
              </span>
              <span className="hhist__count">
                {c.summary.healthy_models}/{c.summary.total_models} healthy
              </span>
              <span className="hhist__dur">{formatMs(c.duration_ms)}</span>
            </button>
          </li>
        )
      })}
    </ol>
  )
}
