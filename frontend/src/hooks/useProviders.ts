import { useCallback, useEffect, useState } from 'react'
import {
  ApiError,
  toApiError,
  createProvider,
  deleteProvider,
  listPresets,
  listProviders,
  patchProvider,
  replaceProvider,
} from '../api/client'
import type { Preset, Provider, ProviderWrite } from '../api/types'

export type ProvidersState =
  | { kind: 'loading' }
  | { kind: 'ready'; providers: Provider[] }
  | { kind: 'error'; error: ApiError }

export interface UseProviders {
  state: ProvidersState
  /** Presets for "Add provider"; [] until loaded or when unavailable. */
  presets: Preset[]
  reload: () => void
  create: (body: ProviderWrite) => Promise<Provider>
  replace: (id: number, body: ProviderWrite) => Promise<Provider>
  setEnabled: (id: number, enabled: boolean) => Promise<Provider>
  remove: (id: number) => Promise<void>
}

/**
 * The provider list and the actions on it. Every successful change updates
 * the list in place and calls `onChanged` (the status bar's count).
 * Failures are thrown as ApiError for the caller to place.
 */
export function useProviders(onChanged?: () => void): UseProviders {
  const [state, setState] = useState<ProvidersState>({ kind: 'loading' })
  const [presets, setPresets] = useState<Preset[]>([])
  const [attempt, setAttempt] = useState(0)

  useEffect(() => {
    const ctrl = new AbortController()
    listProviders(ctrl.signal).then(
      (providers) => setState({ kind: 'ready', providers }),
      (err: unknown) => {
        if (!ctrl.signal.aborted) setState({ kind: 'error', error: toApiError(err) })
      },
    )
    return () => ctrl.abort()
  }, [attempt])

  useEffect(() => {
    const ctrl = new AbortController()
    // Presets are a convenience: without them "Custom" still works.
    listPresets(ctrl.signal).then(setPresets, () => {})
    return () => ctrl.abort()
  }, [])

  const reload = useCallback(() => {
    setState({ kind: 'loading' })
    setAttempt((n) => n + 1)
  }, [])

  const update = useCallback(
    (fn: (list: Provider[]) => Provider[]) => {
      setState((s) => (s.kind === 'ready' ? { kind: 'ready', providers: fn(s.providers) } : s))
      onChanged?.()
    },
    [onChanged],
  )

  const upsert = useCallback(
    (p: Provider) =>
      update((list) =>
        list.some((x) => x.id === p.id) ? list.map((x) => (x.id === p.id ? p : x)) : [...list, p],
      ),
    [update],
  )

  const create = useCallback(
    async (body: ProviderWrite) => {
      const p = await createProvider(body)
      upsert(p)
      return p
    },
    [upsert],
  )

  const replace = useCallback(
    async (id: number, body: ProviderWrite) => {
      const p = await replaceProvider(id, body)
      upsert(p)
      return p
    },
    [upsert],
  )

  const setEnabled = useCallback(
    async (id: number, enabled: boolean) => {
      const p = await patchProvider(id, { enabled })
      upsert(p)
      return p
    },
    [upsert],
  )

  const remove = useCallback(
    async (id: number) => {
      await deleteProvider(id)
      update((list) => list.filter((x) => x.id !== id))
    },
    [update],
  )

  return { state, presets, reload, create, replace, setEnabled, remove }
}
