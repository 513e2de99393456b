import type { Route } from '../../api/types'
import { TYPE_LABEL } from '../../lib/providerForm'
import { circuitBadge, formatFailoverOn, routeKind, upstreamText } from '../../lib/routing'

interface RouteCardProps {
  route: Route
  /** For "open until" versus "half-open". */
  now: Date
}

/** One alias or pattern: its members in try order, their failover statuses and circuits. */
export function RouteCard({ route: r, now }: RouteCardProps) {
  const headId = `route-${r.alias}`
  return (
    <section className="card route" aria-labelledby={headId} data-testid="route">
      <div className="route__head">
        <h2 id={headId} className="route__alias">
          {r.alias}
        </h2>
        <span className="badge">{routeKind(r)}</span>
      </div>
      <div className="table-wrap">
        <table className="ptable route__members">
          <caption className="visually-hidden">Providers serving {r.alias}, in the order they are tried</caption>
          <thead>
            <tr>
              <th scope="col" className="route__order">
                #
              </th>
              <th scope="col">Provider</th>
              <th scope="col">Upstream model</th>
              <th scope="col" className="num">
                Priority
              </th>
              <th scope="col">Fail over on</th>
              <th scope="col">Circuit</th>
            </tr>
          </thead>
          <tbody>
            {r.members.map((m, i) => {
              const badge = circuitBadge(m.circuit, now)
              return (
                <tr key={m.provider_key} data-testid="route-member" data-provider={m.provider_key}>
                  <td className="route__order">{r.group ? i + 1 : '—'}</td>
                  <th scope="row">
                    {m.provider_key}
                    <span className="route__type">{TYPE_LABEL[m.provider_type]}</span>
                  </th>
                  <td>
                    <code>{upstreamText(m.upstream, r.pattern)}</code>
                  </td>
                  <td className="num">{m.priority > 0 ? m.priority : '—'}</td>
                  <td>{m.failover_on.length > 0 ? formatFailoverOn(m.failover_on) : r.group ? 'no response only' : '—'}</td>
                  <td>
                    <span className={`hbadge hbadge--small hbadge--${badge.tone}`} data-testid="circuit">
                      {badge.label}
                    </span>
                    {badge.detail && (
                      <span className="route__reason">
                        {badge.detail}
                        {r.group && badge.tone === 'danger' ? ' · tried last until then' : ''}
                      </span>
                    )}
                  </td>
                </tr>
              )
            })}
          </tbody>
        </table>
      </div>
      {r.pattern && (
        <p className="route__catches" data-testid="route-catches">
          {r.catches.length > 0 ? (
            <>
              Caught recently: <code>{r.catches.slice(0, 12).join(', ')}</code>
              {r.catches.length > 12 ? ', …' : ''}
            </>
          ) : (
            'No recent request was caught by this pattern.'
          )}
        </p>
      )}
    </section>
  )
}
