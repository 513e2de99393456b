import type { LogDetail, LogEntry } from '../../api/types'
import type { DetailState } from '../../hooks/useLiveLogs'
import { buildCurl, KEY_PLACEHOLDER, proxyRoot } from '../../lib/curl'
import type { LogRow } from '../../lib/logStore'
import { ms, prettyBody, statusTone, tokens } from '../../lib/logFormat'
import { isEventStream, splitSSE } from '../../lib/sse'
import { formatDateTime } from '../../lib/format'
import { attemptStep, attemptText, chainText, triedMoreThanOnce } from '../../lib/routing'
import { useCopy } from '../CopyButton'
import { Icon } from '../Icon'
import { Spinner } from '../Spinner'
import '../../styles/routing.css'

interface LogDetailPanelProps {
  row: LogRow
  /** Every attempt of the row's request in try order (one entry: tried once). */
  attempts: LogEntry[]
  /** Opens another attempt's detail. */
  onSelectAttempt: (e: LogEntry) => void
  detail: DetailState
  /** The proxy's OpenAI base URL ("http://127.0.0.1:8750/v1"), for "Copy as curl"; '' while unknown. */
  baseURL: string
  onClose: () => void
}

/** The side panel of one request: its figures, error, headers and bodies. */
export function LogDetailPanel({ row, attempts, onSelectAttempt, detail, baseURL, onClose }: LogDetailPanelProps) {
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
        {triedMoreThanOnce(row) && (
          <>
            <dt>Attempt</dt>
            <dd>{attemptText(row).replace(/^a/, 'A')}</dd>
          </>
        )}
      </dl>
      {attempts.length > 1 && <Attempts row={row} attempts={attempts} onSelect={onSelectAttempt} />}
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
      <DetailBody row={row} detail={detail} baseURL={baseURL} />
    </aside>
  )
}

function DetailBody({ row, detail, baseURL }: { row: LogRow; detail: DetailState; baseURL: string }) {
  if (row.in_flight) return <p className="muted">Headers and bodies appear when the request has finished.</p>
  if (detail.kind === 'loading')
    return (
      <p className="muted">
        <Spinner size={12} /> Loading headers and bodies…
      </p>
    )
  if (detail.kind === 'error') return <p className="error-text">Could not load the detail: {detail.message}</p>
  return <Capture d={detail.detail} baseURL={baseURL} />
}

function Capture({ d, baseURL }: { d: LogDetail; baseURL: string }) {
  // In a browser the dashboard and the proxy share an origin; the desktop
  // window needs the address from the status.
  const root = baseURL !== '' ? proxyRoot(baseURL) : window.location.origin
  const curl = buildCurl({ method: d.method, path: d.path, headers: d.request_headers, body: d.request_body }, root)
  return (
    <>
      <section className="ldetail__section ldetail__curl">
        <div className="ldetail__curl-row">
          <CopyCurlButton text={curl} />
          <span className="muted ldetail__hint">
            The key is left out: set <code>{KEY_PLACEHOLDER.slice(1)}</code> first
            {d.request_body_truncated ? '. The body was cut at 64 KiB, so the copy is incomplete.' : '.'}
          </span>
        </div>
        <details className="ldetail__curl-cmd">
          <summary>Show the command</summary>
          <pre className="ldetail__body" data-testid="curl-command">
            {curl}
          </pre>
        </details>
      </section>
      <Headers title="Request headers" headers={d.request_headers} />
      <Body title="Request body" body={d.request_body} truncated={d.request_body_truncated} />
      <Headers title="Response headers" headers={d.response_headers} />
      {isEventStream(d.response_headers) ? (
        <EventsBody body={d.response_body} truncated={d.response_body_truncated} />
      ) : (
        <Body title="Response body" body={d.response_body} truncated={d.response_body_truncated} />
      )}
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

function Truncated({ truncated }: { truncated: boolean }) {
  return truncated ? <span className="badge">truncated at 64 KiB</span> : null
}

function Body({ title, body, truncated }: { title: string; body: string; truncated: boolean }) {
  return (
    <section className="ldetail__section">
      <h3 className="ldetail__subtitle">
        {title}
        <Truncated truncated={truncated} />
      </h3>
      {body === '' ? <p className="muted">Empty or not captured.</p> : <pre className="ldetail__body">{prettyBody(body)}</pre>}
    </section>
  )
}

/** An SSE response: one row per event, its data pretty-printed when JSON. */
function EventsBody({ body, truncated }: { body: string; truncated: boolean }) {
  const events = splitSSE(body)
  return (
    <section className="ldetail__section">
      <h3 className="ldetail__subtitle">
        Response events ({events.length})
        <Truncated truncated={truncated} />
      </h3>
      {events.length === 0 ? (
        <p className="muted">Empty or not captured.</p>
      ) : (
        <ol className="ldetail__events" data-testid="sse-events">
          {events.map((e, i) => (
            <li key={i} className="ldetail__event" data-testid="sse-event">
              {e.event && <span className="ldetail__event-name">{e.event}</span>}
              <pre className="ldetail__body ldetail__event-data">{prettyBody(e.data)}</pre>
            </li>
          ))}
        </ol>
      )}
    </section>
  )
}

/** "Copy as curl", saying "Copied" (or that it failed) for a moment. */
function CopyCurlButton({ text }: { text: string }) {
  const { state, copy: onClick } = useCopy(text)
  return (
    <button type="button" className="btn btn--small" onClick={onClick} data-state={state} data-testid="copy-curl">
      <Icon name={state === 'copied' ? 'check' : 'copy'} size={14} />
      <span>Copy as curl</span>
      <span className="visually-hidden" role="status" aria-live="polite">
        {state === 'copied' ? 'Copied' : state === 'failed' ? 'Copy failed' : ''}
      </span>
    </button>
  )
}

/** The attempts of one client request, each opening its own row; the shown one marked. */
function Attempts({ row, attempts, onSelect }: { row: LogRow; attempts: LogEntry[]; onSelect: (e: LogEntry) => void }) {
  return (
    <section className="ldetail__section" aria-label="Attempts" data-testid="log-attempts">
      <h3 className="ldetail__subtitle">Attempts</h3>
      <p className="muted">
        {chainText(attempts)}. The client got the last one’s response (request ID <code>{row.client_request_id}</code>).
      </p>
      <ol className="ldetail__attempts">
        {attempts.map((a) => (
          <li key={a.id}>
            <button
              type="button"
              className="linkish"
              aria-current={a.id === row.id ? 'true' : undefined}
              onClick={() => onSelect(a)}
            >
              {attemptStep(a)}
            </button>
            {a.error_message && (
              <span className="muted ldetail__attempt-msg" title={a.error_message}>
                {a.error_message}
              </span>
            )}
          </li>
        ))}
      </ol>
    </section>
  )
}
