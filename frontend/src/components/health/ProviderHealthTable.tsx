import { Fragment, type ReactNode } from 'react'
import type { CheckResult, Provider } from '../../api/types'
import { formatDateTime } from '../../lib/format'
import { checkStatus, disabledNote, finishedAgo, scheduleLabel, triggerLabel } from '../../lib/health'
import type { LiveCheck } from '../../lib/healthLive'
import { Icon } from '../Icon'
import { Spinner } from '../Spinner'
import { HealthBadge } from './HealthBadge'

interface ProviderHealthTableProps {
  providers: Provider[]
  last: ReadonlyMap<number, CheckResult | null>
  /** Providers with a check in flight (null: only our request is known so far). */
  running: ReadonlyMap<number, LiveCheck | null>
  selectedId: number | null
  /** The provider whose options panel is open. */
  optionsFor: number | null
  now: number
  onSelect: (p: Provider) => void
  onOpenOptions: (p: Provider) => void
  /** The options panel, rendered under its provider's row. */
  renderOptions: (p: Provider) => ReactNode
}

const COLUMNS = 6

/** Every provider with its last status, when and how it was checked, its schedule, and "Run health check". */
export function ProviderHealthTable(props: ProviderHealthTableProps) {
  const { providers, last, running, selectedId, optionsFor, now, onSelect, onOpenOptions, renderOptions } = props
  return (
    <div className="table-wrap">
      <table className="ptable htable">
        <caption className="visually-hidden">Providers and their last health check</caption>
        <thead>
          <tr>
            <th scope="col">Provider</th>
            <th scope="col">Status</th>
            <th scope="col">Last checked</th>
            <th scope="col">Models</th>
            <th scope="col">Schedule</th>
            <th scope="col"><span className="visually-hidden">Actions</span></th>
          </tr>
        </thead>
        <tbody>
          {providers.map((p) => {
            const label = p.name || p.key
            const check = last.get(p.id)
            const busy = running.has(p.id)
            const live = running.get(p.id)
            const shown = check ? checkStatus(check) : null
            const note = disabledNote(p.enabled, busy ? 'checking' : shown)
            const selected = p.id === selectedId
            const classes = ['htable__row', selected ? 'htable__row--selected' : '', p.enabled ? '' : 'ptable__row--off'].filter(Boolean)
            return (
              <Fragment key={p.id}>
                <tr className={classes.join(' ')} data-testid={`health-${p.key}`} onClick={() => onSelect(p)}>
                  <th scope="row" className="ptable__id">
                    <button
                      type="button"
                      className="htable__select"
                      aria-pressed={selected}
                      aria-label={`Show health of ${label}`}
                      onClick={(e) => {
                        e.stopPropagation()
                        onSelect(p)
                      }}
                    >
                      <span className="ptable__name">{label}</span>
                      <code className="ptable__key">{p.key}</code>
                    </button>
                  </th>
                  <td data-testid="provider-status">
                    {busy ? (
                      <span className="hbadge hbadge--neutral" role="status">
                        <Spinner size={11} />
                        Checking…
                        {live && live.models_total > 0 && (
                          <span className="htable__progress">
                            {live.models.length}/{live.models_total}
                          </span>
                        )}
                      </span>
                    ) : check === undefined ? (
                      <span className="muted">…</span>
                    ) : (
                      <HealthBadge status={shown} />
                    )}
                    {note && <span className="htable__off">{note}</span>}
                  </td>
                  <td className="htable__when">
                    {check ? (
                      <>
                        <time dateTime={check.checked_at} title={formatDateTime(check.checked_at)}>
                          {finishedAgo(check.checked_at, now)}
                        </time>
                        <span className="htable__sub">{triggerLabel(check.trigger)}</span>
                      </>
                    ) : (
                      <span className="muted">{check === null ? 'Never' : ''}</span>
                    )}
                  </td>
                  <td className="htable__models">
                    {check && check.summary.total_models > 0 ? (
                      <span>
                        <strong>{check.summary.healthy_models}</strong>
                        <span className="muted"> / {check.summary.total_models} healthy</span>
                      </span>
                    ) : (
                      <span className="muted">{p.models.length === 0 ? 'No models mapped' : `${p.models.length} mapped`}</span>
                    )}
                  </td>
                  <td className="htable__schedule">
                    <span className={p.health_check_interval_secs > 0 ? undefined : 'muted'}>{scheduleLabel(p.health_check_interval_secs)}</span>
                  </td>
                  <td className="ptable__actions" onClick={(e) => e.stopPropagation()}>
                    <button
                      type="button"
                      className="btn btn--small"
                      aria-label={`Run health check for ${label}`}
                      aria-expanded={optionsFor === p.id}
                      disabled={busy}
                      onClick={() => onOpenOptions(p)}
                    >
                      {busy ? <Spinner size={12} /> : <Icon name="health" size={14} />}
                      {busy ? 'Checking…' : 'Run health check'}
                    </button>
                  </td>
                </tr>
                {optionsFor === p.id && (
                  <tr className="htable__optrow">
                    <td colSpan={COLUMNS}>{renderOptions(p)}</td>
                  </tr>
                )}
              </Fragment>
            )
          })}
        </tbody>
      </table>
    </div>
  )
}
