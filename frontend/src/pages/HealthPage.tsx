import { useEffect, useState, type ReactNode } from 'react'
import type { CheckOptions, CheckResult, Provider } from '../api/types'
import { Icon } from '../components/Icon'
import { LoadError, NoticeBar, type Notice } from '../components/Callouts'
import { PageHeader } from '../components/PageHeader'
import { Spinner } from '../components/Spinner'
import { CheckHistory } from '../components/health/CheckHistory'
import { CheckOptionsPanel } from '../components/health/CheckOptionsPanel'
import { CheckResults, LiveCheckResults } from '../components/health/CheckResults'
import { HealthCharts } from '../components/health/HealthCharts'
import { HealthBadge } from '../components/health/HealthBadge'
import { ProviderHealthTable } from '../components/health/ProviderHealthTable'
import { HISTORY_LIMIT, useHealth, useHealthHistory, useNow, type Loadable } from '../hooks/useHealth'
import { toApiError } from '../api/client'
import { formatDateTime } from '../lib/format'
import {
  checkAllSummary,
  checkStatus,
  finishedAgo,
  formatMs,
  healthyOfTotal,
  latencyLabel,
  latencyStats,
  runAnnouncement,
  triggerLabel,
} from '../lib/health'
import { liveProgress, type LiveCheck } from '../lib/healthLive'
import '../styles/health.css'
import { ADD_PROVIDER_HREF } from '../lib/routes'


export function HealthPage() {
  const health = useHealth()
  const now = useNow()
  const [selectedId, setSelectedId] = useState<number | null>(null)
  const [optionsFor, setOptionsFor] = useState<number | null>(null)
  /** A check picked from the history; null shows the provider's latest. */
  const [viewing, setViewing] = useState<CheckResult | null>(null)
  const [notice, setNotice] = useState<Notice | null>(null)
  const [announce, setAnnounce] = useState('')

  const list = health.state.kind === 'ready' ? health.state.value : []
  const selected: Provider | undefined = list.find((p) => p.id === selectedId) ?? list[0]
  const history = useHealthHistory(selected?.id ?? null)
  const label = (p: Provider) => p.name || p.key

  // The options panel has done its part once the check is seen running:
  // its rows fill in the results below.
  const openRunning = optionsFor !== null ? health.running.get(optionsFor) : undefined
  useEffect(() => {
    if (openRunning) setOptionsFor(null)
  }, [openRunning])

  function select(p: Provider) {
    if (p.id !== selected?.id) setViewing(null)
    setSelectedId(p.id)
  }

  async function run(p: Provider, options: CheckOptions) {
    setNotice(null)
    setSelectedId(p.id)
    setViewing(null)
    const r = await health.run(p.id, options)
    if (r.kind === 'finished') setAnnounce(runAnnouncement(label(p), r.check))
    else setNotice({ kind: 'info', text: `${label(p)} was already being checked: its running check is shown.` })
  }

  async function cancel(c: LiveCheck, p: Provider) {
    try {
      await health.cancel(c.check_id)
      setAnnounce(`The check of ${label(p)} was cancelled.`)
    } catch (err) {
      setNotice({ kind: 'error', text: `The check of ${label(p)} could not be cancelled: ${toApiError(err).message}` })
    }
  }

  async function checkAll() {
    setNotice(null)
    setOptionsFor(null)
    try {
      const res = await health.runAll()
      setViewing(null)
      setNotice({ kind: 'info', text: checkAllSummary(res.providers) })
    } catch (err) {
      setNotice({ kind: 'error', text: `Check all failed: ${toApiError(err).message}` })
    }
  }

  const checkAllButton = (
    <button type="button" className="btn" onClick={checkAll} disabled={health.checkingAll}>
      {health.checkingAll ? <Spinner /> : <Icon name="retry" size={15} />}
      {health.checkingAll ? 'Checking all…' : 'Check all'}
    </button>
  )

  return (
    <>
      <PageHeader
        title="Health"
        lead="Whether each provider’s models answer, and how fast: one minimal real call per model."
        actions={health.state.kind === 'ready' && list.length > 0 ? checkAllButton : undefined}
      />
      <p className="visually-hidden" role="status">
        {announce}
      </p>
      <div className="stack">
        {notice && <NoticeBar notice={notice} onDismiss={() => setNotice(null)} />}

        {health.state.kind === 'loading' && (
          <p className="muted" aria-busy="true">
            Loading providers…
          </p>
        )}

        {health.state.kind === 'error' && (

          <LoadError title="The providers could not be loaded" message={health.state.error.message} onRetry={health.reload} />

        )}

        {health.state.kind === 'ready' && list.length === 0 && (
          <section className="card empty" aria-labelledby="health-empty">
            <div className="empty__icon">
              <Icon name="health" size={22} />
            </div>
            <h2 id="health-empty" className="empty__title">No providers to check</h2>
            <div className="empty__body">
              <p>
                A health check makes one minimal real call to every model a provider maps, and shows which answer
                and how fast. Add a provider first.
              </p>
              <p>
                <a href={ADD_PROVIDER_HREF}>Add a provider →</a>
              </p>
            </div>
          </section>
        )}

        {list.length > 0 && selected && (
          <>
            <ProviderHealthTable
              providers={list}
              last={health.last}
              running={health.running}
              selectedId={selected.id}
              optionsFor={optionsFor}
              now={now}
              onSelect={select}
              onOpenOptions={(p) => {
                select(p)
                setOptionsFor((cur) => (cur === p.id ? null : p.id))
              }}
              renderOptions={(p) => (
                <CheckOptionsPanel
                  provider={p}
                  busy={health.running.has(p.id)}
                  run={(options) => run(p, options)}
                  onClose={() => setOptionsFor(null)}
                />
              )}
            />

            <ResultsCard
              provider={selected}
              latest={latestOf(health.last.get(selected.id), history)}
              viewing={viewing}
              running={health.running.has(selected.id)}
              live={health.running.get(selected.id) ?? null}
              now={now}
              onLatest={() => setViewing(null)}
              onCancel={(c) => void cancel(c, selected)}
            />

            <div className="hgrid hgrid--one">
              <section className="card hcard" aria-labelledby="health-history">
                <h2 id="health-history" className="card__title">Recent checks</h2>
                <p className="card__lead">The last {HISTORY_LIMIT} checks of {label(selected)}, newest first. Pick one to see its results.</p>
                <LoadableView state={history} what="history">
                  {(checks) => (
                    <CheckHistory
                      checks={checks}
                      selectedId={viewing?.check_id ?? checks[0]?.check_id ?? null}
                      now={now}
                      onSelect={(c) => setViewing(c.check_id === checks[0]?.check_id ? null : c)}
                    />
                  )}
                </LoadableView>
              </section>
            </div>
            <HealthCharts providerId={selected.id} label={label(selected)} />
          </>
        )}
      </div>
    </>
  )
}

/** The newest check known: the one just run (or listed), else the history's first. */
function latestOf(last: CheckResult | null | undefined, history: Loadable<CheckResult[]>): CheckResult | null {
  if (last) return last
  if (history.kind === 'ready') return history.value[0] ?? null
  return null
}

interface ResultsCardProps {
  provider: Provider
  latest: CheckResult | null
  viewing: CheckResult | null
  running: boolean
  /** The running check of this provider, when its events have told of it. */
  live: LiveCheck | null
  now: number
  onLatest: () => void
  onCancel: (c: LiveCheck) => void
}

function ResultsCard({ provider, latest, viewing, running, live, now, onLatest, onCancel }: ResultsCardProps) {
  const check = viewing ?? latest
  const label = provider.name || provider.key
  const showLive = running && !viewing
  return (
    <section className="card hcard" aria-labelledby="health-results" data-testid="health-results">
      <div className="hcard__head">
        <div className="hcard__titles">
          <h2 id="health-results" className="card__title">
            {showLive ? 'Running check' : viewing ? 'Earlier check' : 'Latest check'} · {label}
          </h2>
          {showLive && (
            <p className="hcard__meta">
              <span className="hcard__running" role="status">
                <Spinner />
                {live?.cancelling ? `Cancelling the check of ${label}…` : `Checking ${label}: ${live ? liveProgress(live) : 'starting…'}`}
              </span>
              {live && <span>{triggerLabel(live.trigger)}</span>}
            </p>
          )}
          {!showLive && check && <CheckMeta check={check} now={now} />}
        </div>
        {showLive && (
          <button
            type="button"
            className="btn btn--small btn--danger"
            disabled={!live || live.cancelling}
            onClick={() => live && onCancel(live)}
          >
            <Icon name="close" size={14} />
            {live?.cancelling ? 'Cancelling…' : 'Cancel check'}
          </button>
        )}
        {viewing && (
          <button type="button" className="btn btn--small" onClick={onLatest}>
            {running ? 'Show running check' : 'Show latest'}
          </button>
        )}
      </div>
      {showLive ? (
        live ? (
          <LiveCheckResults check={live} mapped={provider.models} />
        ) : (
          <p className="hresults__none muted">Starting the check…</p>
        )
      ) : check ? (
        <CheckResults check={check} />
      ) : (
        <p className="hresults__none muted">
          {label} has not been checked yet. Use “Run health check” to call each of its models once.
        </p>
      )}
    </section>
  )
}

function CheckMeta({ check, now }: { check: CheckResult; now: number }) {
  const latency = latencyLabel(latencyStats(check.models))
  return (
    <p className="hcard__meta">
      <HealthBadge status={checkStatus(check)} />
      {check.summary.total_models > 0 && <span>{healthyOfTotal(check)}</span>}
      {latency && <span>{latency}</span>}
      <span>took {formatMs(check.duration_ms)}</span>
      <span>
        {triggerLabel(check.trigger)},{' '}
        <time dateTime={check.checked_at} title={formatDateTime(check.checked_at)}>
          {finishedAgo(check.checked_at, now)}
        </time>
      </span>
    </p>
  )
}

function LoadableView<T>({ state, what, children }: { state: Loadable<T>; what: string; children: (value: T) => ReactNode }) {
  if (state.kind === 'loading') {
    return (
      <p className="muted hhist__empty" aria-busy="true">
        Loading…
      </p>
    )
  }
  if (state.kind === 'error') {
    return (
      <p className="error-text hhist__empty" role="alert">
        The {what} could not be loaded: {state.error.message}
      </p>
    )
  }
  return <>{children(state.value)}</>
}
