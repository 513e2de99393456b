import { useState } from 'react'
import { Icon } from '../components/Icon'
import { PageHeader } from '../components/PageHeader'
import { Switch } from '../components/Switch'
import { LiveIndicator } from '../components/logs/LiveIndicator'
import { LogDetailPanel } from '../components/logs/LogDetailPanel'
import { LogTable } from '../components/logs/LogTable'
import { useLiveLogs, useLogDetail } from '../hooks/useLiveLogs'
import { isErrorRow } from '../lib/logStore'

/** The live request log: a table fed by the WebSocket, and one request's detail beside it. */
export function LogsPage() {
  const live = useLiveLogs()
  const [errorsOnly, setErrorsOnly] = useState(false)
  const [selectedId, setSelectedId] = useState<string | null>(null)
  const rows = errorsOnly ? live.rows.filter(isErrorRow) : live.rows
  // The selected row follows the live rows, so an in-flight one finishes in the panel too.
  const selected = live.rows.find((r) => r.id === selectedId) ?? null
  const detail = useLogDetail(selected?.id ?? null, selected?.in_flight ?? false)

  const actions = (
    <>
      <LiveIndicator status={live.status} />
      <Switch checked={errorsOnly} onChange={setErrorsOnly} label="Errors only" text="Errors only" />
      {live.paused ? (
        <button type="button" className="btn btn--primary" onClick={live.resume}>
          Resume{live.waiting > 0 ? ` (${live.waiting} new)` : ''}
        </button>
      ) : (
        <button type="button" className="btn" onClick={live.pause}>
          Pause
        </button>
      )}
    </>
  )

  return (
    <>
      <PageHeader title="Live logs" lead="Every request through the proxy, as it happens." actions={actions} />
      {live.backfillError && (
        <p className="callout callout--error callout--inline" role="alert">
          <Icon name="alert" size={16} />
          <span>Could not read the earlier requests: {live.backfillError}</span>
        </p>
      )}
      <div className={`logs${selected ? ' logs--with-detail' : ''}`}>
        <div className="logs__table">
          {rows.length === 0 ? (
            <section className="card empty">
              <div className="empty__icon">
                <Icon name="logs" size={22} />
              </div>
              <h2 className="empty__title">{errorsOnly ? 'No failed requests' : 'No requests yet'}</h2>
              <p className="empty__body">
                {errorsOnly
                  ? 'Requests that fail will show here.'
                  : 'Send a request to the proxy and it shows here as it happens.'}
              </p>
            </section>
          ) : (
            <LogTable rows={rows} selectedId={selectedId} onSelect={(r) => setSelectedId(r.id)} />
          )}
        </div>
        {selected && <LogDetailPanel row={selected} detail={detail} onClose={() => setSelectedId(null)} />}
      </div>
    </>
  )
}
