import { useQuery, useQueryClient } from '@tanstack/react-query'
import type { ReactNode } from 'react'
import { hasStartupState, startupState, type StartupState } from '../../api/wails'
import { ConflictScreen } from './ConflictScreen'

const startupKey = ['desktop', 'startup'] as const

/**
 * In the desktop window, renders the dashboard only once the server runs;
 * a taken address shows the conflict screen instead. In a browser (and in
 * desktop builds without the binding) it renders the dashboard at once.
 */
export function DesktopGate({ children }: { children: ReactNode }) {
  if (!hasStartupState()) return <>{children}</>
  return <StartupGate>{children}</StartupGate>
}

function StartupGate({ children }: { children: ReactNode }) {
  const queryClient = useQueryClient()
  const query = useQuery({
    queryKey: startupKey,
    queryFn: startupState,
    staleTime: Infinity,
    retry: false,
    refetchOnWindowFocus: false,
  })
  if (query.isPending) {
    return (
      <p className="desktop-starting muted" aria-busy="true">
        Starting Sluicegate…
      </p>
    )
  }
  // No answer from the binding: show the dashboard, which explains itself.
  if (query.isError || query.data.state === 'running') return <>{children}</>
  const onState = (next: StartupState) => queryClient.setQueryData(startupKey, next)
  if (query.data.state === 'conflict') return <ConflictScreen state={query.data} onState={onState} />
  return (
    <main className="conflict" role="alert">
      <section className="card conflict__card">
        <h1 className="conflict__title">Sluicegate cannot start</h1>
        <p>{query.data.message}</p>
      </section>
    </main>
  )
}
