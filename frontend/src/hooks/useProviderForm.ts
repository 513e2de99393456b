import { useCallback, useReducer, useRef, useState, type Dispatch } from 'react'
import type { DiscoverResult, Provider, ProviderWrite } from '../api/types'
import {
  NOTHING_SENT,
  buildProviderBody,
  discoverBody,
  errorsFromApi,
  providerFormReducer,
  type ProviderFormAction,
  type ProviderFormState,
  type SentRows,
} from '../lib/providerForm'
import { discoverModels, toApiError } from '../api/client'

/** What "Test connection" / "Fetch models" last found, and which one asked. */
export interface Probe {
  kind: 'test' | 'fetch'
  result: DiscoverResult
}

export interface UseProviderForm {
  form: ProviderFormState
  dispatch: Dispatch<ProviderFormAction>
  saving: boolean
  /** Validates, sends, and on failure puts the API's message at the field it names.
   * Resolves to the saved provider, or null when it was not saved. */
  submit: () => Promise<Provider | null>
  /** Which probe is running, if any. */
  probing: Probe['kind'] | null
  /** The last probe's answer; null before the first or after a refused one. */
  probe: Probe | null
  /** The upstream's model names from the last successful "Fetch models"; null before. */
  discovered: string[] | null
  /** Asks the upstream (POST /providers/discover) with what the form holds now.
   * A refusal (e.g. a bad base URL) is shown at its field. */
  discover: (kind: Probe['kind']) => Promise<void>
}

/** The provider form: its state, a submit that never loses the user's input, and the connection probe. */
export function useProviderForm(
  initial: () => ProviderFormState,
  save: (body: ProviderWrite) => Promise<Provider>,
  providerId?: number,
): UseProviderForm {
  const [form, dispatch] = useReducer(providerFormReducer, undefined, initial)
  const [saving, setSaving] = useState(false)
  const [probing, setProbing] = useState<Probe['kind'] | null>(null)
  const [probe, setProbe] = useState<Probe | null>(null)
  const [discovered, setDiscovered] = useState<string[] | null>(null)
  const sentRef = useRef<SentRows>(NOTHING_SENT)

  const submit = useCallback(async () => {
    const built = buildProviderBody(form.values)
    if (!built.ok) {
      dispatch({ type: 'errors', errors: built.errors })
      return null
    }
    sentRef.current = built.sent
    setSaving(true)
    try {
      const saved = await save(built.body)
      dispatch({ type: 'errors', errors: {} })
      return saved
    } catch (err) {
      dispatch({ type: 'errors', errors: errorsFromApi(toApiError(err), sentRef.current) })
      return null
    } finally {
      setSaving(false)
    }
  }, [form.values, save])

  const discover = useCallback(
    async (kind: Probe['kind']) => {
      setProbing(kind)
      setProbe(null)
      try {
        const result = await discoverModels(discoverBody(form.values, providerId))
        setProbe({ kind, result })
        // "Test connection" also refreshes a list shown before; only a
        // list that came back replaces it.
        if (result.models.length > 0 && (kind === 'fetch' || discovered !== null)) setDiscovered(result.models.map((m) => m.id))
        else if (kind === 'fetch') setDiscovered([])
      } catch (err) {
        dispatch({ type: 'errors', errors: errorsFromApi(toApiError(err), NOTHING_SENT) })
      } finally {
        setProbing(null)
      }
    },
    [form.values, providerId, discovered],
  )

  return { form, dispatch, saving, submit, probing, probe, discovered, discover }
}
