import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { getDesktopSettings, setDesktopSettings, type DesktopPrefs as DesktopPrefsInput } from '../api/wails'

const key = ['desktop', 'settings'] as const

/** The desktop app's own preferences (window only), loaded and saved through the Wails bindings. */
export function useDesktopSettings() {
  const queryClient = useQueryClient()
  const query = useQuery({ queryKey: key, queryFn: getDesktopSettings, retry: false })
  const save = useMutation({
    mutationFn: (input: DesktopPrefsInput) => setDesktopSettings(input),
    onSuccess: (next) => queryClient.setQueryData(key, next),
  })
  return { query, save }
}
