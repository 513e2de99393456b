import { useCallback, useSyncExternalStore } from 'react'
import { ApiError, isUnauthorized, verifyAdminToken } from '../api/client'
import {
  clearAdminToken,
  getAdminAuthState,
  setAdminToken,
  subscribeAdminAuth,
  type AdminAuthState,
} from '../lib/adminToken'

export type ConnectResult =
  | { ok: true }
  | { ok: false; refused: true }
  | { ok: false; refused: false; error: ApiError }

export interface UseAdminToken extends AdminAuthState {
  /** Tries the token; stores it for this tab only when the server accepts it. */
  connect: (token: string) => Promise<ConnectResult>
  /** Forgets the token stored for this tab. */
  forget: () => void
}

/** Whether the server wants the admin token, and the actions of its prompt. */
export function useAdminToken(): UseAdminToken {
  const state = useSyncExternalStore(subscribeAdminAuth, getAdminAuthState, getAdminAuthState)

  const connect = useCallback(async (token: string): Promise<ConnectResult> => {
    try {
      await verifyAdminToken(token)
    } catch (err) {
      if (isUnauthorized(err)) return { ok: false, refused: true }
      const error = err instanceof ApiError ? err : new ApiError(0, 'unknown', err instanceof Error ? err.message : String(err))
      return { ok: false, refused: false, error }
    }
    setAdminToken(token)
    return { ok: true }
  }, [])

  const forget = useCallback(() => clearAdminToken(), [])

  return { ...state, connect, forget }
}
