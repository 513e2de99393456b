/** The dashboard's pages, in navigation order. */
export const ROUTES = [
  { id: 'providers', label: 'Providers' },
  { id: 'routes', label: 'Routes' },
  { id: 'health', label: 'Health' },
  { id: 'logs', label: 'Live logs' },
  { id: 'connect', label: 'Connect' },
  { id: 'settings', label: 'Settings' },
] as const

export type RouteId = (typeof ROUTES)[number]['id']

export const DEFAULT_ROUTE: RouteId = 'providers'

/** Hash routing (`#/connect`): the desktop webview loads wails://wails/, and
 * the server's SPA fallback is not needed for deep links. */
export function routeFromHash(hash: string): RouteId {
  const id = hash.replace(/^#\/?/, '').split(/[/?]/)[0] ?? ''
  const found = ROUTES.find((r) => r.id === id)
  return found ? found.id : DEFAULT_ROUTE
}

export function hrefFor(id: RouteId): string {
  return `#/${id}`
}

/** Opens the Providers page with "Add provider" already open. */
export const ADD_PROVIDER_HREF = '#/providers/new'
