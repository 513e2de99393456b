import { useCallback, useId, useMemo, useState, type KeyboardEvent } from 'react'
import { Icon } from '../components/Icon'
import { PageHeader } from '../components/PageHeader'
import { LiveIndicator } from '../components/logs/LiveIndicator'
import { LogDetailPanel } from '../components/logs/LogDetailPanel'
import { LogFiltersBar } from '../components/logs/LogFiltersBar'
import { LogTable } from '../components/logs/LogTable'
import { ServerLogList } from '../components/logs/ServerLogList'
import { useAttempts, useDebounced, useLiveLogs, useLogDetail, useProxyBaseURL } from '../hooks/useLiveLogs'
import type { LogEntry } from '../api/types'
import { buildChains } from '../lib/routing'
import type { LogRow } from '../lib/logStore'
import { distinctValues, hasFilters, matchesFilters, NO_FILTERS, type LogFilters } from '../lib/logFilters'
import '../styles/logs.css'

/** The text filter waits this long after the last keystroke before it asks the server. */
const TEXT_DEBOUNCE_MS = 300

type Tab = 'requests' | 'errors'

/** The live request log: a table fed by the WebSocket, one request's detail
 * beside it, and the server's own warnings and errors in a second tab. */
export function LogsPage() {
  const [filters, setFilters] = useState<LogFilters>(NO_FILTERS)
  const debouncedText = useDebounced(filters.text, TEXT_DEBOUNCE_MS)
  const live = useLiveLogs({ ...filters, text: debouncedText })
  const [selectedId, setSelectedId] = useState<string | null>(null)
  const [tab, setTab] = useState<Tab>('requests')
  const rows = useMemo(() => (hasFilters(filters) ? live.rows.filter((r) => matchesFilters(r, filters)) : live.rows), [live.rows, filters])
  const providers = useMemo(() => distinctValues(live.rows, 'provider_key', filters.provider), [live.rows, filters.provider])
  const models = useMemo(() => distinctValues(live.rows, 'model', filters.model), [live.rows, filters.model])
  // Requests tried more than once, from every row (a filter may hide some attempts).
  const chains = useMemo(() => buildChains(live.rows), [live.rows])
  // An attempt opened from the detail's list that the table does not hold.
  const [picked, setPicked] = useState<LogRow | null>(null)
  // The selected row follows the live rows, so an in-flight one finishes in the panel too.
  const selected = live.rows.find((r) => r.id === selectedId) ?? (picked?.id === selectedId ? picked : null)
  const detail = useLogDetail(selected?.id ?? null, selected?.in_flight ?? false)
  const attempts = useAttempts(selected, selected ? chains.get(selected.client_request_id) : undefined)
  const onSelectAttempt = useCallback((e: LogEntry) => {
    setPicked({ in_flight: false, ...e })
    setSelectedId(e.id)
  }, [])
  const baseURL = useProxyBaseURL()
  // Stable, so the memoised rows do not re-render on every live update.
  const onSelect = useCallback((r: LogRow) => setSelectedId(r.id), [])

  const actions = (
    <>
      <LiveIndicator status={live.status} />
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
      <Tabs tab={tab} onTab={setTab} errors={live.serverLog.length} />
      {tab === 'errors' ? (
        <div role="tabpanel" id="logs-panel-errors" aria-labelledby="logs-tab-errors">
          <ServerLogList records={live.serverLog} error={live.serverLogError} />
        </div>
      ) : (
        <div role="tabpanel" id="logs-panel-requests" aria-labelledby="logs-tab-requests">
          <LogFiltersBar filters={filters} onChange={setFilters} providers={providers} models={models} />
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
                  <h2 className="empty__title">{hasFilters(filters) ? 'No matching requests' : 'No requests yet'}</h2>
                  <p className="empty__body">
                    {hasFilters(filters)
                      ? 'Requests that match the filters will show here.'
                      : 'Send a request to the proxy and it shows here as it happens.'}
                  </p>
                </section>
              ) : (
                <LogTable rows={rows} chains={chains} selectedId={selectedId} onSelect={onSelect} />
              )}
            </div>
            {selected && (
              <LogDetailPanel
                row={selected}
                attempts={attempts}
                onSelectAttempt={onSelectAttempt}
                detail={detail}
                baseURL={baseURL}
                onClose={() => setSelectedId(null)}
              />
            )}
          </div>
        </div>
      )}
    </>
  )
}

function Tabs({ tab, onTab, errors }: { tab: Tab; onTab: (t: Tab) => void; errors: number }) {
  const id = useId()
  const tabs: { key: Tab; label: string }[] = [
    { key: 'requests', label: 'Requests' },
    { key: 'errors', label: errors > 0 ? `Errors (${errors})` : 'Errors' },
  ]
  function onKeyDown(e: KeyboardEvent<HTMLDivElement>) {
    if (e.key !== 'ArrowRight' && e.key !== 'ArrowLeft') return
    e.preventDefault()
    const next: Tab = tab === 'requests' ? 'errors' : 'requests'
    onTab(next)
    document.getElementById(`logs-tab-${next}`)?.focus()
  }
  return (
    <div className="tabs__list ltabs" role="tablist" aria-label="Log" id={id} onKeyDown={onKeyDown}>
      {tabs.map((t) => (
        <button
          key={t.key}
          type="button"
          role="tab"
          id={`logs-tab-${t.key}`}
          className="tabs__tab"
          aria-selected={tab === t.key}
          aria-controls={`logs-panel-${t.key}`}
          tabIndex={tab === t.key ? 0 : -1}
          onClick={() => onTab(t.key)}
        >
          {t.label}
        </button>
      ))}
    </div>
  )
}
