import type { Provider } from '../../api/types'
import { TYPE_LABEL } from '../../lib/providerForm'
import { Icon } from '../Icon'
import { Switch } from '../Switch'

interface ProviderTableProps {
  providers: Provider[]
  /** Ids whose enable switch is waiting for the server. */
  pending: ReadonlySet<number>
  onToggle: (p: Provider, enabled: boolean) => void
  onEdit: (p: Provider) => void
  onDelete: (p: Provider) => void
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`
}

/** The providers, one row each: identity, type, base URL, models, key, enabled, actions. */
export function ProviderTable({ providers, pending, onToggle, onEdit, onDelete }: ProviderTableProps) {
  return (
    <div className="table-wrap">
      <table className="ptable">
        <caption className="visually-hidden">Providers</caption>
        <thead>
          <tr>
            <th scope="col">Provider</th>
            <th scope="col">Type</th>
            <th scope="col">Base URL</th>
            <th scope="col">Models</th>
            <th scope="col">API key</th>
            <th scope="col">Enabled</th>
            <th scope="col"><span className="visually-hidden">Actions</span></th>
          </tr>
        </thead>
        <tbody>
          {providers.map((p) => (
            <tr key={p.id} className={p.enabled ? undefined : 'ptable__row--off'} data-testid={`provider-${p.key}`}>
              <th scope="row" className="ptable__id">
                <span className="ptable__name">{p.name || p.key}</span>
                <code className="ptable__key">{p.key}</code>
              </th>
              <td>
                <span className={`tag tag--${p.type}`}>{TYPE_LABEL[p.type]}</span>
              </td>
              <td className="ptable__url">
                <code title={p.base_url}>{p.base_url}</code>
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
              <td>
                {p.api_key ? (
                  <code className="ptable__keyhint" title="Stored key (masked)">
                    <Icon name="key" size={13} />
                    {p.api_key}
                  </code>
                ) : (
                  <span className="muted">None</span>
                )}
              </td>
              <td>
                <Switch
                  checked={p.enabled}
                  disabled={pending.has(p.id)}
                  label={`Enable ${p.name || p.key}`}
                  onChange={(enabled) => onToggle(p, enabled)}
                />
              </td>
              <td className="ptable__actions">
                <button type="button" className="icon-btn" aria-label={`Edit ${p.name || p.key}`} title="Edit" onClick={() => onEdit(p)}>
                  <Icon name="edit" size={16} />
                </button>
                <button
                  type="button"
                  className="icon-btn icon-btn--danger"
                  aria-label={`Delete ${p.name || p.key}`}
                  title="Delete"
                  onClick={() => onDelete(p)}
                >
                  <Icon name="trash" size={16} />
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}
