import type { Provider } from '../../api/types'
import { formatDateTime } from '../../lib/format'
import { relativeTime } from '../../lib/health'
import { TYPE_LABEL } from '../../lib/providerForm'
import type { ProviderOverview } from '../../lib/providerOverview'
import { Icon } from '../Icon'
import { Switch } from '../Switch'
import '../../styles/providers.css'

interface ProviderTableProps {
  providers: Provider[]
  /** Each provider's health and traffic by id; a missing entry shows dashes. */
  overview: ReadonlyMap<number, ProviderOverview>
  /** Ids whose enable switch is waiting for the server. */
  pending: ReadonlySet<number>
  /** Ids whose "Check now" is running. */
  checking: ReadonlySet<number>
  onToggle: (p: Provider, enabled: boolean) => void
  onCheck: (p: Provider) => void
  onEdit: (p: Provider) => void
  onDelete: (p: Provider) => void
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`
}

/**
 * The providers, one row each: identity (type, base URL, key), last health
 * check, last hour's traffic, models, and the enable switch with the
 * actions, which stay in view: a sticky last column, and below ~900 px of
 * table width each row becomes a two-line card.
 */
export function ProviderTable(props: ProviderTableProps) {
  const { providers, overview } = props
  return (
    <div className="table-wrap provtable-wrap">
      <table className="ptable provtable">
        <caption className="visually-hidden">Providers</caption>
        <thead>
          <tr>
            <th scope="col">Provider</th>
            <th scope="col">Health</th>
            <th scope="col">Last hour</th>
            <th scope="col">Models</th>
            <th scope="col" className="provtable__actions">
              Enabled<span className="visually-hidden"> and actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {providers.map((p) => (
            <ProviderRow key={p.id} p={p} o={overview.get(p.id)} {...props} />
          ))}
        </tbody>
      </table>
    </div>
  )
}

function ProviderRow({ p, o, pending, checking, onToggle, onCheck, onEdit, onDelete }: ProviderTableProps & { p: Provider; o: ProviderOverview | undefined }) {
  const label = p.name || p.key
  const busy = checking.has(p.id)
  return (
    <tr className={p.enabled ? undefined : 'ptable__row--off'} data-testid={`provider-${p.key}`}>
      <th scope="row" className="ptable__id provtable__id">
        <span className="ptable__name">
          {label} <span className={`tag tag--${p.type}`}>{TYPE_LABEL[p.type]}</span>
        </span>
        <code className="provtable__url" title={p.base_url}>
          {p.base_url}
        </code>
        <span className="provtable__meta">
          <code className="ptable__key">{p.key}</code>
          {p.api_key ? (
            <code className="ptable__keyhint" title="Stored key (masked)">
              <Icon name="key" size={12} />
              {p.api_key}
            </code>
          ) : (
            <span className="muted">no stored key</span>
          )}
        </span>
      </th>
      <td className="provtable__health" data-testid="provider-health">
        {o ? (
          <>
            <span className={`hbadge hbadge--small hbadge--${o.health.tone}`}>
              <span className="hbadge__dot" aria-hidden="true" />
              {o.health.label}
            </span>
            {o.checkedAt && (
              <span className="provtable__sub" title={`Finished ${formatDateTime(o.checkedAt)}`}>
                {o.latency && <>{o.latency} · </>}finished {relativeTime(o.checkedAt)}
              </span>
            )}
            {o.lastError && (
              <span className="provtable__error" title={o.lastError}>
                {o.lastError}
              </span>
            )}
          </>
        ) : (
          <span className="muted">—</span>
        )}
      </td>
      <td className="provtable__traffic" data-testid="provider-traffic">
        {o?.requests == null ? (
          <span className="muted">—</span>
        ) : (
          <>
            <span className="provtable__count">{plural(o.requests, 'request', 'requests')}</span>
            {o.errorRate && (
              <span className={o.errorRateHigh ? 'provtable__sub provtable__sub--bad' : 'provtable__sub'}>{o.errorRate} errors</span>
            )}
          </>
        )}
      </td>
      <td className="ptable__models" title={p.models.map((m) => `${m.alias} → ${m.upstream}`).join('\n') || undefined}>
        {p.models.length === 0 ? (
          <span className="muted">None</span>
        ) : (
          <>
            <span className="ptable__count">{plural(p.models.length, 'model', 'models')}</span>
            <span className="ptable__aliases">
              {p.models.slice(0, 2).map((m) => m.alias).join(', ')}
              {p.models.length > 2 ? ', …' : ''}
            </span>
          </>
        )}
      </td>
      <td className="provtable__actions">
        <div className="provtable__buttons">
          <Switch checked={p.enabled} disabled={pending.has(p.id)} label={`Enable ${label}`} onChange={(enabled) => onToggle(p, enabled)} />
          <button
            type="button"
            className="btn btn--small"
            onClick={() => onCheck(p)}
            disabled={busy || !p.enabled || p.models.length === 0}
            aria-label={`Check ${label} now`}
            title={!p.enabled ? 'Disabled providers are not checked' : p.models.length === 0 ? 'Map a model first' : 'Run a health check now'}
          >
            {busy ? 'Checking…' : 'Check now'}
          </button>
          <button type="button" className="icon-btn" aria-label={`Edit ${label}`} title="Edit" onClick={() => onEdit(p)}>
            <Icon name="edit" size={16} />
          </button>
          <button type="button" className="icon-btn icon-btn--danger" aria-label={`Delete ${label}`} title="Delete" onClick={() => onDelete(p)}>
            <Icon name="trash" size={16} />
          </button>
        </div>
      </td>
    </tr>
  )
}
