import type { LogDetail } from '../../api/types'
import type { DetailState } from '../../hooks/useLiveLogs'
import type { LogRow } from '../../lib/logStore'
import { ms, prettyBody, statusTone, tokens } from '../../lib/logFormat'
import { formatDateTime } from '../../lib/format'
import { Icon } from '../Icon'
import { Spinner } from '../Spinner'

interface LogDetailPanelProps {
  row: LogRow
  detail: DetailState
  onClose: () => void
}

/** The side panel of one request: its figures, error, headers and bodies. */
export function LogDetailPanel({ row, detail, onClose }: LogDetailPanelProps) {
  return (
    <aside className="card ldetail" aria-label="Request detail" data-testid="log-detail">
      <div className="ldetail__head">
        <h2 className="card__title">
          <span className="ltable__method">{row.method}</span> <code>{row.path}</code>
        </h2>
        <button type="button" className="icon-btn" aria-label="Close detail" onClick={onClose}>
          <Icon name="close" size={16} />
        </button>
      </div>
      <dl className="ldetail__facts">
        <dt>Request ID</dt>
        <dd>
          <code>{row.id}</code>
        </dd>
        <dt>Started</dt>
        <dd>{formatDateTime(row.started_at)}</dd>
        <dt>Status</dt>
        <dd>
          {row.in_flight ? (
            'In flight'
          ) : (
            <span className={`hbadge hbadge--small hbadge--${statusTone(row.status)}`}>{row.status}</span>
          )}
        </dd>
        <dt>Model</dt>
        <dd>
          {row.model || '—'}
          {row.upstream_model && row.upstream_model !== row.model ? ` → ${row.upstream_model}` : ''}
        </dd>
        <dt>Provider</dt>
        <dd>{row.provider_key || '—'}</dd>
        <dt>Latency / TTFB</dt>
        <dd>
          {ms(row.latency_ms)} / {ms(row.ttfb_ms)}
        </dd>
        <dt>Tokens (in → out)</dt>
        <dd>{tokens(row)}</dd>
        <dt>Stream</dt>
        <dd>{row.stream ? 'yes' : 'no'}</dd>
      </dl>
      {row.error_source && (
        <div className="callout callout--error ldetail__error" role="note">
          <Icon name="alert" size={16} />
          <div>
            <strong>
              {row.error_source === 'upstream' ? 'The provider failed' : 'Sluicegate failed'}
              {row.error_type ? ` (${row.error_type})` : ''}
            </strong>
            {row.error_message && <p className="ldetail__msg">{row.error_message}</p>}
          </div>
        </div>
      )}
      <DetailBody row={row} detail={detail} />
    </aside>
  )
}

function DetailBody({ row, detail }: { row: LogRow; detail: DetailState }) {
  if (row.in_flight) return <p className="muted">Headers and bodies appear when the request has finished.</p>
  if (detail.kind === 'loading')
    return (
      <p className="muted">
        <Spinner size={12} /> Loading headers and bodies…
      </p>
    )
  if (detail.kind === 'error') return <p className="error-text">Could not load the detail: {detail.message}</p>
  return <Capture d={detail.detail} />
}

function Capture({ d }: { d: LogDetail }) {
  return (
    <>
      <Headers title="Request headers" headers={d.request_headers} />
      <Body title="Request body" body={d.request_body} truncated={d.request_body_truncated} />
      <Headers title="Response headers" headers={d.response_headers} />
      <Body title="Response body" body={d.response_body} truncated={d.response_body_truncated} />
    </>
  )
}

function Headers({ title, headers }: { title: string; headers: Record<string, string[]> }) {
  const names = Object.keys(headers).sort()
  return (
    <section className="ldetail__section">
      <h3 className="ldetail__subtitle">{title}</h3>
      {names.length === 0 ? (
        <p className="muted">None captured.</p>
      ) : (
        <dl className="ldetail__headers">
          {names.map((n) => (
            <div key={n} className="ldetail__header">
              <dt>{n}</dt>
              <dd>{(headers[n] ?? []).join(', ')}</dd>
            </div>
          ))}
        </dl>
      )}
    </section>
  )
}

function Body({ title, body, truncated }: { title: string; body: string; truncated: boolean }) {
  return (
    <section className="ldetail__section">
      <h3 className="ldetail__subtitle">
        {title}
        {truncated && <span className="badge">truncated at 64 KiB</span>}
      </h3>
      {body === '' ? <p className="muted">Empty or not captured.</p> : <pre className="ldetail__body">{prettyBody(body)}</pre>}
    </section>
  )
}
