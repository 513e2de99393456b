import { useEffect, useId, useRef, useState, type FormEvent } from 'react'
import type { CheckOptions, Provider } from '../../api/types'
import { toApiError } from '../../api/client'
import {
  CONCURRENCY,
  TIMEOUT,
  buildCheckOptions,
  defaultOptions,
  optionsErrorsFromApi,
  type OptionsErrors,
  type OptionsForm,
} from '../../lib/health'
import { Field } from '../Field'
import { Icon } from '../Icon'
import { Spinner } from '../Spinner'

interface CheckOptionsPanelProps {
  provider: Provider
  /** Runs the check; rejects with an ApiError to place at a field. */
  run: (options: CheckOptions) => Promise<unknown>
  /** Another check of this provider (e.g. "Check all") is in flight. */
  busy: boolean
  onClose: () => void
}

/** The "Run health check" options, inline under the provider: models, concurrency, timeout. */
export function CheckOptionsPanel({ provider, run, busy, onClose }: CheckOptionsPanelProps) {
  const [form, setForm] = useState<OptionsForm>(() => defaultOptions(provider.models))
  const [errors, setErrors] = useState<OptionsErrors>({})
  const [submitting, setSubmitting] = useState(false)
  const runRef = useRef<HTMLButtonElement>(null)
  const id = useId()
  const label = provider.name || provider.key
  const aliases = provider.models.map((m) => m.alias)
  const allPicked = aliases.every((a) => form.models.includes(a))
  const working = submitting || busy

  useEffect(() => {
    runRef.current?.focus()
  }, [])

  function set<K extends keyof OptionsForm>(key: K, value: OptionsForm[K]) {
    setForm((f) => ({ ...f, [key]: value }))
    const field = key === 'models' ? 'models' : key
    setErrors((e) => {
      if (!e[field] && !e.form) return e
      const { [field]: _dropped, form: _form, ...rest } = e
      return rest
    })
  }

  function toggle(alias: string, on: boolean) {
    set('models', on ? [...form.models, alias] : form.models.filter((a) => a !== alias))
  }

  async function onSubmit(e: FormEvent) {
    e.preventDefault()
    if (working) return
    const built = buildCheckOptions(form, provider.models)
    if (!built.ok) {
      setErrors(built.errors)
      return
    }
    setErrors({})
    setSubmitting(true)
    try {
      await run(built.body)
      onClose()
    } catch (err) {
      setErrors(optionsErrorsFromApi(toApiError(err), built.body.models ?? []))
      setSubmitting(false)
    }
  }

  const modelsErrId = `${id}-models-error`
  return (
    <form
      className="hopts"
      aria-label={`Health check options for ${label}`}
      noValidate
      onSubmit={onSubmit}
      onKeyDown={(e) => {
        if (e.key === 'Escape' && !submitting) {
          e.stopPropagation()
          onClose()
        }
      }}
    >
      <fieldset className="hopts__models field" aria-describedby={errors.models ? modelsErrId : undefined} disabled={submitting}>
        <legend className="field__label">
          Models{' '}
          {aliases.length > 1 && (
            <button type="button" className="linkish hopts__all" onClick={() => set('models', allPicked ? [] : aliases)}>
              {allPicked ? 'Clear' : 'Select all'}
            </button>
          )}
        </legend>
        {aliases.length === 0 ? (
          <p className="field__hint">No models are mapped; the check will report the provider as unknown.</p>
        ) : (
          <ul className="hopts__list">
            {provider.models.map((m) => (
              <li key={m.alias}>
                <label className="hopts__model">
                  <input type="checkbox" checked={form.models.includes(m.alias)} onChange={(e) => toggle(m.alias, e.target.checked)} />
                  <code>{m.alias}</code>
                  {m.upstream !== m.alias && <span className="hopts__upstream">→ {m.upstream}</span>}
                </label>
              </li>
            ))}
          </ul>
        )}
        {errors.models && (
          <p id={modelsErrId} className="field__error">
            {errors.models}
          </p>
        )}
      </fieldset>

      <div className="hopts__numbers">
        <Field
          label="Concurrency"
          type="number"
          inputMode="numeric"
          min={CONCURRENCY.min}
          max={CONCURRENCY.max}
          value={form.concurrency}
          onChange={(v) => set('concurrency', v)}
          hint={`${CONCURRENCY.min}–${CONCURRENCY.max} models at once`}
          error={errors.concurrency}
          disabled={submitting}
        />
        <Field
          label="Timeout (seconds)"
          type="number"
          inputMode="numeric"
          min={TIMEOUT.min}
          max={TIMEOUT.max}
          value={form.timeout}
          onChange={(v) => set('timeout', v)}
          hint={`${TIMEOUT.min}–${TIMEOUT.max} s per model`}
          error={errors.timeout}
          disabled={submitting}
        />
      </div>

      <div className="hopts__foot">
        {errors.form && (
          <p className="field__error hopts__formerror" role="alert">
            <Icon name="alert" size={14} />
            {errors.form}
          </p>
        )}
        {submitting && (
          <p className="hopts__wait muted" role="status">
            Checking {form.models.length || 'every'} model{form.models.length === 1 ? '' : 's'} — this can take up to the timeout.
          </p>
        )}
        <button type="button" className="btn" onClick={onClose} disabled={submitting}>
          Cancel
        </button>
        <button ref={runRef} type="submit" className="btn btn--primary" disabled={working}>
          {working ? <Spinner /> : <Icon name="health" size={15} />}
          {working ? 'Running…' : 'Run'}
        </button>
      </div>
    </form>
  )
}
