import { useSyncExternalStore } from 'react'
import { routeFromHash, type RouteId } from '../lib/routes'

function subscribe(onChange: () => void): () => void {
  window.addEventListener('hashchange', onChange)
  return () => window.removeEventListener('hashchange', onChange)
}

function snapshot(): RouteId {
  return routeFromHash(window.location.hash)
}

/** The current page, following `location.hash`. */
export function useHashRoute(): RouteId {
  return useSyncExternalStore(subscribe, snapshot, snapshot)
}
