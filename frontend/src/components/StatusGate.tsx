import type { ReactNode } from 'react'
import type { Status } from '../api/types'
import type { StatusState } from '../hooks/useStatus'
import { Icon } from './Icon'

interface StatusGateProps {
  state: StatusState
  onRetry: () => void
  children: (status: Status) => ReactNode
}

/** Renders children once the status is known; a loading line or an error
 * card with Retry otherwise, so a page is never blank. */
export function StatusGate({ state, onRetry, children }: StatusGateProps) {
  if (state.kind === 'ready') return <>{children(state.status)}</>
  if (state.kind === 'loading') {
    return (
      <p className="muted" aria-busy="true">
        Loading the proxy’s addresses…
      </p>
    )
  }
  return (
    <section className="card callout callout--error" role="alert">
      <Icon name="alert" size={20} />
      <div>
        <h2 className="callout__title">The proxy’s addresses are unavailable</h2>
        <p>{state.error.message}</p>
        <p className="muted">
          Check that Sluicegate is still running, then try again.
        </p>
        <button type="button" className="btn" onClick={onRetry}>
          <Icon name="retry" size={15} />
          Retry
        </button>
      </div>
    </section>
  )
}
