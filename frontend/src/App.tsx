import { useEffect, useRef } from 'react'
import { Sidebar } from './components/Sidebar'
import { StatusBar } from './components/StatusBar'
import { useHashRoute } from './hooks/useHashRoute'
import { useStatus } from './hooks/useStatus'
import type { RouteId } from './lib/routes'
import { ConnectPage } from './pages/ConnectPage'
import { HealthPage } from './pages/HealthPage'
import { LogsPage } from './pages/LogsPage'
import { ProvidersPage } from './pages/ProvidersPage'
import { SettingsPage } from './pages/SettingsPage'
import type { UseStatus } from './hooks/useStatus'

export function App() {
  const route = useHashRoute()
  const status = useStatus()
  const { refresh } = status
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
        <div className="main__inner" key={route}>
          <Page route={route} status={status} />
        </div>
      </main>
      <StatusBar state={status.state} onRetry={status.reload} />
    </div>
  )
}

function Page({ route, status }: { route: RouteId; status: UseStatus }) {
  switch (route) {
    case 'providers':
      return <ProvidersPage state={status.state} onChanged={status.refresh} />
    case 'health':
      return <HealthPage />
    case 'logs':
      return <LogsPage />
    case 'connect':
      return <ConnectPage state={status.state} onRetry={status.reload} />
    case 'settings':
      return <SettingsPage state={status.state} onRetry={status.reload} />
  }
}
