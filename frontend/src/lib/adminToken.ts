// The admin token a browser tab sends when `sluicegate serve` was started with
// --admin-token (or SLUICEGATE_ADMIN_TOKEN). Kept in sessionStorage only: it
// lives as long as the tab, never in localStorage, the URL or a log line.
// The desktop window never needs one (its requests are answered in-process).

export const ADMIN_TOKEN_KEY = 'sluicegate.adminToken'

function storage(): Storage | null {
  try {
    return typeof window === 'undefined' ? null : window.sessionStorage
  } catch {
    // Storage disabled (e.g. by browser policy): the token lives in memory.
    return null
  }
}

/** Used only when sessionStorage is unavailable. */
let memoryToken: string | null = null

/** The stored token, or null when none is stored. */
export function getAdminToken(): string | null {
  const s = storage()
  if (!s) return memoryToken
  try {
    const t = s.getItem(ADMIN_TOKEN_KEY)
    return t === null || t === '' ? null : t
  } catch {
    return memoryToken
  }
}

function writeToken(token: string | null): void {
  memoryToken = token
  const s = storage()
  if (!s) return
  try {
    if (token === null) s.removeItem(ADMIN_TOKEN_KEY)
    else s.setItem(ADMIN_TOKEN_KEY, token)
  } catch {
    // Quota or policy: keep the in-memory copy.
  }
}

// ---- Whether the dashboard needs the token --------------------------------
//
// A tiny store for useSyncExternalStore: the API module reports a refused
// request here, the token prompt and Settings read it.

export interface AdminAuthState {
  /** An admin request was refused (401 unauthorized): ask for the token. */
  required: boolean
  /** A token was sent and refused (rather than none sent). */
  refused: boolean
  /** A token is stored for this tab. */
  hasToken: boolean
}

let state: AdminAuthState = { required: false, refused: false, hasToken: getAdminToken() !== null }
const listeners = new Set<() => void>()

function setState(next: AdminAuthState): void {
  if (next.required === state.required && next.refused === state.refused && next.hasToken === state.hasToken) return
  state = next
  for (const l of listeners) l()
}

export function getAdminAuthState(): AdminAuthState {
  return state
}

export function subscribeAdminAuth(listener: () => void): () => void {
  listeners.add(listener)
  return () => {
    listeners.delete(listener)
  }
}

/** Stores the token (trimmed) for this tab; the prompt goes away. */
export function setAdminToken(token: string): void {
  const t = token.trim()
  writeToken(t === '' ? null : t)
  setState({ required: false, refused: false, hasToken: t !== '' })
}

/** Forgets the stored token. The prompt appears at the next refused request. */
export function clearAdminToken(): void {
  writeToken(null)
  setState({ ...state, hasToken: false })
}

/**
 * Called by the API module when a request sent with `sentToken` (null: none)
 * was refused with 401 unauthorized. A request that was already in flight
 * when the token changed is ignored, so a stale answer cannot bring the
 * prompt back after a successful Connect.
 */
export function reportUnauthorized(sentToken: string | null): void {
  const current = getAdminToken()
  if (sentToken !== current) return
  if (current !== null) writeToken(null)
  setState({ required: true, refused: current !== null, hasToken: false })
}

/** Tests only: forget the token and the prompt. */
export function resetAdminAuth(): void {
  writeToken(null)
  state = { required: false, refused: false, hasToken: false }
  for (const l of listeners) l()
}
