import type { AliasHealth, RoutableAlias } from '../../lib/aliases'
import { NOT_CHECKED, statusMeta, type StatusMeta } from '../../lib/health'

/** The badge of an alias: the dashboard's one status vocabulary (statusMeta). */
function healthLook(h: AliasHealth): StatusMeta {
  return h === 'unchecked' ? NOT_CHECKED : statusMeta(h)
}

/** The aliases a client can call, with their provider and last health. */
export function AliasTable({ aliases }: { aliases: RoutableAlias[] }) {
  return (
    <div className="connect-aliases" role="region" aria-label="Routable model aliases" tabIndex={0}>
      <table className="connect-aliases__table">
        <thead>
          <tr>
            <th scope="col">Alias (the request’s model)</th>
            <th scope="col">Provider</th>
            <th scope="col">API</th>
            <th scope="col">Health</th>
          </tr>
        </thead>
        <tbody>
          {aliases.map((a) => {
            const look = healthLook(a.health)
            return (
              <tr key={`${a.providerId}:${a.alias}`}>
                <td>
                  <code>{a.alias}</code>
                  {a.upstream !== a.alias && <span className="connect-aliases__upstream"> → {a.upstream}</span>}
                </td>
                <td>{a.providerName}</td>
                <td>
                  <span className={`tag tag--${a.dialect}`}>{a.dialect === 'openai' ? 'OpenAI' : 'Anthropic'}</span>
                </td>
                <td>
                  <span className={`hbadge hbadge--small hbadge--${look.tone}`}>
                    <span className="hbadge__dot" aria-hidden="true" />
                    {look.label}
                  </span>
                </td>
              </tr>
            )
          })}
        </tbody>
      </table>
    </div>
  )
}
