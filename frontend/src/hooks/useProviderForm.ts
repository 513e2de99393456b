import { useCallback, useReducer, useRef, useState, type Dispatch } from 'react'
import type { Provider, ProviderWrite } from '../api/types'
import {
  NOTHING_SENT,
  buildProviderBody,
  errorsFromApi,
  providerFormReducer,
  type ProviderFormAction,
  type ProviderFormState,
  type SentRows,
} from '../lib/providerForm'
import { toApiError } from '../api/client'

export interface UseProviderForm {
  form: ProviderFormState
  dispatch: Dispatch<ProviderFormAction>
  saving: boolean
  /** Validates, sends, and on failure puts the API's message at the field it names.
   * Resolves to the saved provider, or null when it was not saved. */
  submit: () => Promise<Provider | null>
}

/** The provider form: its state, and a submit that never loses the user's input. */
export function useProviderForm(
  initial: () => ProviderFormState,
  save: (body: ProviderWrite) => Promise<Provider>,
): UseProviderForm {
  const [form, dispatch] = useReducer(providerFormReducer, undefined, initial)
  const [saving, setSaving] = useState(false)
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

  return { form, dispatch, saving, submit }
}
