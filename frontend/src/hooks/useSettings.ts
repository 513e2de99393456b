import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { getSettings, updateSettings, type Settings, type SettingsInput } from '../api/client'

export const SETTINGS_QUERY_KEY = ['settings'] as const

/** GET /admin/v1/settings and a PUT that updates the cached answer. */
export function useSettings() {
  const client = useQueryClient()
  const query = useQuery({ queryKey: SETTINGS_QUERY_KEY, queryFn: ({ signal }) => getSettings(signal) })
  const save = useMutation({
    mutationFn: (input: SettingsInput) => updateSettings(input),
    onSuccess: (next: Settings) => client.setQueryData(SETTINGS_QUERY_KEY, next),
  })
  return { query, save }
}
