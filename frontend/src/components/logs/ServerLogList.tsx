import type { ServerLogRecord } from '../../api/types'
import { attrsText } from '../../lib/logFormat'
import { formatDateTime } from '../../lib/format'
import { Icon } from '../Icon'

interface ServerLogListProps {
  records: ServerLogRecord[]
  error: string | null
}

/** The "Errors" tab: Sluicegate's own warnings and errors, newest first. */
export function ServerLogList({ records, error }: ServerLogListProps) {
  return (
    <section className="card slog" aria-label="Server warnings and errors" data-testid="server-log">
      {error && (
        <p className="callout callout--error callout--inline" role="alert">
          <Icon name="alert" size={16} />
          <span>Could not read the server's log: {error}</span>
        </p>
      )}
      {records.length === 0 ? (
        <div className="empty">
          <div className="empty__icon">
            <Icon name="check" size={22} />
          </div>
          <h2 className="empty__title">No warnings or errors</h2>
          <p className="empty__body">When Sluicegate itself warns or fails (a provider it cannot reach, a check that could not run), it shows here.</p>
        </div>
      ) : (
        <ol className="slog__list">
          {records.map((r) => (
            <li key={`${r.ts}|${r.level}|${r.message}`} className="slog__item" data-testid="server-log-row" data-level={r.level}>
              <span className={`hbadge hbadge--small hbadge--${r.level === 'error' ? 'danger' : 'warn'}`}>{r.level}</span>
              <time className="slog__time" dateTime={r.ts}>
                {formatDateTime(r.ts)}
              </time>
              <span className="slog__msg">{r.message}</span>
              {Object.keys(r.attrs).length > 0 && <code className="slog__attrs">{attrsText(r.attrs)}</code>}
            </li>
          ))}
        </ol>
      )}
    </section>
  )
}
