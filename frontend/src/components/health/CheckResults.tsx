import { useState, type ReactNode } from 'react'
import type { CheckResult, ModelCheckResult, ModelMapping } from '../../api/types'
import { errorTypeLabel, formatMs } from '../../lib/health'
import { liveRows, type LiveCheck } from '../../lib/healthLive'
import { Spinner } from '../Spinner'
import { HealthBadge } from './HealthBadge'

/** Messages longer than this start clamped, with "Show all". */
const LONG_MESSAGE = 140

/** One row per model of a check: alias, upstream model, status, latency, status code, error and note. */
export function CheckResults({ check }: { check: CheckResult }) {
  if (check.models.length === 0) {
    return (
      <p className="hresults__none muted">
        {check.status === 'disabled'
          ? 'The provider is disabled, so no model was called.'
          : 'No models were checked: the provider has no model mapped.'}
      </p>
    )
  }
  return (
    <ResultsTable>
      {check.models.map((m) => (
        <ResultRow key={m.model} m={m} />
      ))}
    </ResultsTable>
  )
}

/** A running check: each model's row as it completes, the others marked as running. */
export function LiveCheckResults({ check, mapped }: { check: LiveCheck; mapped: readonly ModelMapping[] }) {
  const { rows, unnamedPending } = liveRows(check, mapped)
  return (
    <ResultsTable>
      {rows.map((r) =>
        r.kind === 'done' ? <ResultRow key={r.result.model} m={r.result} /> : <PendingRow key={r.model} model={r.model} upstream={r.upstream} />,
      )}
      {unnamedPending > 0 && (
        <tr data-testid="result-pending">
          <td colSpan={6} className="muted">
            <Spinner size={11} /> {unnamedPending} more model{unnamedPending === 1 ? '' : 's'} still running…
          </td>
        </tr>
      )}
    </ResultsTable>
  )
}

function PendingRow({ model, upstream }: { model: string; upstream: string }) {
  return (
    <tr data-testid={`result-${model}`} aria-busy="true">
      <th scope="row">
        <code className="rtable__model">{model}</code>
      </th>
      <td>
        <code className="rtable__upstream" title={upstream}>
          {upstream}
        </code>
      </td>
      <td>
        <span className="hbadge hbadge--neutral hbadge--small" data-status="checking">
          <Spinner size={10} />
          Checking…
        </span>
      </td>
      <td className="num muted">—</td>
      <td className="num muted">—</td>
      <td className="muted">Waiting for the answer</td>
    </tr>
  )
}

function ResultsTable({ children }: { children: ReactNode }) {
  return (
    <div className="hresults__wrap">
      <table className="ptable rtable">
        <caption className="visually-hidden">Results per model</caption>
        <thead>
          <tr>
            <th scope="col">Model</th>
            <th scope="col">Upstream model</th>
            <th scope="col">Status</th>
            <th scope="col" className="num">Latency</th>
            <th scope="col" className="num">Code</th>
            <th scope="col">Error / note</th>
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  )
}

function ResultRow({ m }: { m: ModelCheckResult }) {
  return (
    <tr data-testid={`result-${m.model}`}>
      <th scope="row">
        <code className="rtable__model">{m.model}</code>
      </th>
      <td>
        <code className="rtable__upstream" title={m.upstream_model}>
          {m.upstream_model}
        </code>
      </td>
      <td>
        <HealthBadge status={m.status} size="small" />
      </td>
      <td className="num">{formatMs(m.response_time_ms)}</td>
      <td className="num">
        {m.status_code === null ? (
          <span className="muted" title="No response arrived">—</span>
        ) : (
          <code className={m.status_code >= 200 && m.status_code < 300 ? 'rtable__code' : 'rtable__code rtable__code--bad'}>{m.status_code}</code>
        )}
      </td>
      <td className="rtable__detail">
        {m.status === 'cancelled' ? (
          <span className="muted">Stopped by the cancel before it answered</span>
        ) : (
          m.error && <ErrorText type={m.error.type} message={m.error.message} />
        )}
        {m.note && (
          <p className="rtable__note">
            <span className="rtable__notelabel">Note</span> {m.note}
          </p>
        )}
        {!m.error && !m.note && m.status !== 'cancelled' && <span className="muted">—</span>}
      </td>
    </tr>
  )
}

function ErrorText({ type, message }: { type: string; message: string }) {
  const [open, setOpen] = useState(false)
  const long = message.length > LONG_MESSAGE
  return (
    <div className="rtable__error">
      <span className="rtable__etype">{errorTypeLabel(type)}</span>
      <p className={long && !open ? 'rtable__msg rtable__msg--clamped' : 'rtable__msg'} title={message}>
        {message}
      </p>
      {long && (
        <button type="button" className="linkish rtable__more" aria-expanded={open} onClick={() => setOpen((o) => !o)}>
          {open ? 'Show less' : 'Show all'}
        </button>
      )}
    </div>
  )
}
