import { QueryClient, QueryClientProvider } from '@tanstack/react-query'
import { useCallback, useEffect, useRef, useState } from 'react'
import { DesktopGate } from './components/desktop/DesktopGate'
import { Sidebar } from './components/Sidebar'
import { StatusBar } from './components/StatusBar'
import { TokenPrompt } from './components/TokenPrompt'
import { useAdminToken } from './hooks/useAdminToken'
import { useHashRoute } from './hooks/useHashRoute'
import { useStatus } from './hooks/useStatus'
import type { RouteId } from './lib/routes'
import { ConnectPage } from './pages/ConnectPage'
import { HealthPage } from './pages/HealthPage'
import { LogsPage } from './pages/LogsPage'
import { ProvidersPage } from './pages/ProvidersPage'
import { RoutesPage } from './pages/RoutesPage'
import { SettingsPage } from './pages/SettingsPage'
import type { UseStatus } from './hooks/useStatus'

export function App() {
  // One cache per app instance (not per module), so tests stay isolated.
  const [queryClient] = useState(newQueryClient)
  return (
    <QueryClientProvider client={queryClient}>
      {/* In the desktop window: the dashboard once the server runs, or the port conflict screen. */}
      <DesktopGate>
        <Shell />
      </DesktopGate>
    </QueryClientProvider>
  )
}

// Shell is the app inside the query cache (useStatus is a query).
function Shell() {
  const route = useHashRoute()
  const status = useStatus()
  const { refresh, reload } = status
  const auth = useAdminToken()
  const { forget } = auth
  // Bumped when a token was accepted: the current page mounts again and
  // loads its data with the token.
  const [epoch, setEpoch] = useState(0)
  const onConnected = useCallback(() => {
    reload()
    setEpoch((n) => n + 1)
  }, [reload])
  const onForget = useCallback(() => {
    forget()
    reload()
  }, [forget, reload])
  // Providers can change outside this page (another tab, the CLI, the
  // admin API): the status bar's count is refreshed on every navigation
  // (not on the first render, which loads it anyway).
  const shownRoute = useRef(route)
  useEffect(() => {
    if (shownRoute.current !== route) {
      shownRoute.current = route
      refresh()
    }
  }, [route, refresh])
  return (
    <div className="shell">
      <Sidebar current={route} />
      <main className="main" id="main">
        <div className="main__inner" key={`${route}:${epoch}`}>
          {auth.required ? (
            <TokenPrompt refused={auth.refused} connect={auth.connect} onConnected={onConnected} />
          ) : (
            <Page route={route} status={status} hasToken={auth.hasToken} onForgetToken={onForget} />
          )}
        </div>
      </main>
      <StatusBar state={status.state} onRetry={status.reload} />
    </div>
  )
}

// newQueryClient is the server-state cache: data is refetched on focus and
// when live events say it changed; a failed request is retried once.
function newQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: { queries: { retry: 1, staleTime: 5_000, refetchOnWindowFocus: true } },
  })
}

interface PageProps {
  route: RouteId
  status: UseStatus
  hasToken: boolean
  onForgetToken: () => void
}

function Page({ route, status, hasToken, onForgetToken }: PageProps) {
  switch (route) {
    case 'providers':
      return <ProvidersPage state={status.state} onChanged={status.refresh} />
    case 'routes':
      return <RoutesPage />
    case 'health':
      return <HealthPage />
    case 'logs':
      return <LogsPage />
    case 'connect':
      return <ConnectPage state={status.state} onRetry={status.reload} />
    case 'settings':
      return (
        <SettingsPage state={status.state} onRetry={status.reload} hasToken={hasToken} onForgetToken={onForgetToken} />
      )
  }
}
