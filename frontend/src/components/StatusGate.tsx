import type { ReactNode } from 'react'
import type { Status } from '../api/types'
import type { StatusState } from '../hooks/useStatus'
import { LoadError } from './Callouts'

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
    <LoadError
      title="The proxy’s addresses are unavailable"
      message={state.error.message}
      hint="Check that Sluicegate is still running, then try again."
      onRetry={onRetry}
    />
  )
}
