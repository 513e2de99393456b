import { useEffect, useState } from 'react'
import { toApiError } from '../api/client'
import { LoadError } from '../components/Callouts'
import { Icon } from '../components/Icon'
import { PageHeader } from '../components/PageHeader'
import { ResolveBox } from '../components/routes/ResolveBox'
import { RouteCard } from '../components/routes/RouteCard'
import { useRoutes } from '../hooks/useRoutes'
import { hrefFor } from '../lib/routes'
import { nextCircuitChangeMs } from '../lib/routing'
import '../styles/routing.css'

/** Every alias and pattern, its providers in try order and their circuits, live; and a resolver to test a name. */
export function RoutesPage() {
  const routes = useRoutes({ live: true })
  const now = useCircuitClock(routes.data)
  return (
    <>
      <PageHeader
        title="Routes"
        lead="Which provider serves each model name, in the order Sluicegate tries them, and whether a provider is being skipped."
      />
      <div className="stack">
        <ResolveBox />
        {routes.isPending && (
          <p className="muted" aria-busy="true">
            Loading routes…
          </p>
        )}
        {routes.isError && (
          <LoadError title="The routes could not be loaded" message={toApiError(routes.error).message} onRetry={() => void routes.refetch()} />
        )}
        {routes.data && routes.data.length === 0 && (
          <section className="card empty">
            <div className="empty__icon">
              <Icon name="routes" size={22} />
            </div>
            <h2 className="empty__title">No routes yet</h2>
            <p className="empty__body">
              Each model alias of an enabled provider is a route. <a href={hrefFor('providers')}>Add or edit a provider →</a>
            </p>
          </section>
        )}
        {routes.data && routes.data.length > 0 && (
          <div className="routes">
            {routes.data.map((r) => (
              <RouteCard key={r.alias} route={r} now={now} />
            ))}
          </div>
        )}
        <p className="table-note">
          A request goes to the next provider of a group only when the current one gave no response, or answered one of
          its “fail over on” statuses. A provider whose circuit is open is tried last until it closes.
        </p>
      </div>
    </>
  )
}

/** The time the badges are drawn for, moved on when an open circuit's time runs out. */
function useCircuitClock(routes: Parameters<typeof nextCircuitChangeMs>[0] | undefined): Date {
  const [now, setNow] = useState(() => new Date())
  useEffect(() => {
    setNow(new Date())
    if (!routes) return
    const wait = nextCircuitChangeMs(routes)
    if (wait === null) return
    const t = setTimeout(() => setNow(new Date()), wait + 50)
    return () => clearTimeout(t)
  }, [routes])
  return now
}
