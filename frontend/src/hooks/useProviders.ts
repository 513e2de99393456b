import { useCallback } from 'react'
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
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

/** The react-query key of GET /admin/v1/providers (other pages invalidate it). */
export const PROVIDERS_KEY = ['providers'] as const
const PRESETS_KEY = ['presets'] as const

/**
 * The provider list and the actions on it, through the shared query cache.
 * Every successful change updates the cached list in place and calls
 * `onChanged` (the status bar's count). Failures are thrown as ApiError for
 * the caller to place.
 */
export function useProviders(onChanged?: () => void): UseProviders {
  const qc = useQueryClient()
  const list = useQuery({ queryKey: PROVIDERS_KEY, queryFn: ({ signal }) => listProviders(signal) })
  // Presets are a convenience: without them "Custom" still works, so a
  // failure is not retried or shown.
  const presets = useQuery({ queryKey: PRESETS_KEY, queryFn: ({ signal }) => listPresets(signal), staleTime: Infinity, retry: false })

  const changed = useCallback(
    (fn: (list: Provider[]) => Provider[]) => {
      qc.setQueryData<Provider[]>(PROVIDERS_KEY, (old) => (old ? fn(old) : old))
      onChanged?.()
    },
    [qc, onChanged],
  )
  const upsert = useCallback(
    (p: Provider) => changed((l) => (l.some((x) => x.id === p.id) ? l.map((x) => (x.id === p.id ? p : x)) : [...l, p])),
    [changed],
  )

  const create = useMutation({ mutationFn: createProvider, onSuccess: upsert })
  const replace = useMutation({ mutationFn: (v: { id: number; body: ProviderWrite }) => replaceProvider(v.id, v.body), onSuccess: upsert })
  const setEnabled = useMutation({ mutationFn: (v: { id: number; enabled: boolean }) => patchProvider(v.id, { enabled: v.enabled }), onSuccess: upsert })
  const remove = useMutation({
    mutationFn: deleteProvider,
    onSuccess: (_: void, id: number) => changed((l) => l.filter((x) => x.id !== id)),
  })

  let state: ProvidersState
  if (list.data) state = { kind: 'ready', providers: list.data }
  else if (list.isError) state = { kind: 'error', error: toApiError(list.error) }
  else state = { kind: 'loading' }

  const { refetch } = list
  const { mutateAsync: createAsync } = create
  const { mutateAsync: replaceAsync } = replace
  const { mutateAsync: enableAsync } = setEnabled
  const { mutateAsync: removeAsync } = remove
  return {
    state,
    presets: presets.data ?? [],
    reload: useCallback(() => void refetch(), [refetch]),
    create: createAsync,
    replace: useCallback((id: number, body: ProviderWrite) => replaceAsync({ id, body }), [replaceAsync]),
    setEnabled: useCallback((id: number, enabled: boolean) => enableAsync({ id, enabled }), [enableAsync]),
    remove: removeAsync,
  }
}
