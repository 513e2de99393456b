import { useId, useState, type FormEvent } from 'react'
import { toApiError, type Settings, type SettingsInput } from '../../api/client'
import {
  formFieldOf,
  settingsToForm,
  validateSettingsForm,
  type SettingsFormErrors,
  type SettingsFormValues,
} from '../../lib/settingsForm'
import { Field } from '../Field'
import { Switch } from '../Switch'

interface ProxySettingsCardProps {
  settings: Settings
  save: (input: SettingsInput) => Promise<Settings>
}

/** CORS origins, body limits, body capture and retention, saved together. */
export function ProxySettingsCard({ settings, save }: ProxySettingsCardProps) {
  const [values, setValues] = useState<SettingsFormValues>(() => settingsToForm(settings))
  const [errors, setErrors] = useState<SettingsFormErrors>({})
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null)
  const [busy, setBusy] = useState(false)
  const originsId = useId()

  function set<K extends keyof SettingsFormValues>(key: K, v: SettingsFormValues[K]) {
    setValues((old) => ({ ...old, [key]: v }))
    setErrors((old) => ({ ...old, [key]: undefined }))
    setMessage(null)
  }

  async function onSubmit(e: FormEvent) {
    e.preventDefault()
    const { errors: found, input } = validateSettingsForm(values)
    setErrors(found)
    if (!input) {
      setMessage({ ok: false, text: 'Some values are out of range; see the fields marked below.' })
      return
    }
    setBusy(true)
    try {
      const next = await save(input)
      setValues(settingsToForm(next))
      setMessage({ ok: true, text: 'Settings saved. They apply to the next request.' })
    } catch (err) {
      const apiErr = toApiError(err)
      const field = formFieldOf(apiErr.field)
      if (field) setErrors({ [field]: apiErr.message })
      setMessage({ ok: false, text: apiErr.message })
    } finally {
      setBusy(false)
    }
  }

  return (
    <section className="card" aria-labelledby="settings-proxy">
      <h2 id="settings-proxy" className="card__title">Proxy</h2>
      <form className="settings-form" onSubmit={onSubmit} noValidate>
        <div className={`field${errors.corsOrigins ? ' field--error' : ''}`}>
          <label htmlFor={originsId} className="field__label">
            Allowed browser origins (CORS)
          </label>
          <textarea
            id={originsId}
            className="input input--mono settings-form__origins"
            rows={3}
            value={values.corsOrigins}
            onChange={(e) => set('corsOrigins', e.target.value)}
            aria-invalid={errors.corsOrigins ? true : undefined}
            aria-describedby={`${originsId}-hint`}
            placeholder="https://app.example.com"
            spellCheck={false}
          />
          <p id={`${originsId}-hint`} className={errors.corsOrigins ? 'field__error' : 'field__hint'}>
            {errors.corsOrigins ??
              'One per line. Web pages on these origins may call /v1 from a browser; pages on this machine (loopback origins) always may.'}
          </p>
        </div>
        <div className="settings-form__grid">
          <Field
            label="Request body limit (MiB)"
            value={values.maxBodyMiB}
            onChange={(v) => set('maxBodyMiB', v)}
            error={errors.maxBodyMiB}
            hint="A larger request is refused with 413."
            inputMode="decimal"
          />
          <Field
            label="Bodies held in memory (MiB)"
            value={values.maxBufferedMiB}
            onChange={(v) => set('maxBufferedMiB', v)}
            error={errors.maxBufferedMiB}
            hint="All requests together; beyond it, 503 overloaded."
            inputMode="decimal"
          />
          <Field
            label="Keep request logs (days)"
            value={values.logRetentionDays}
            onChange={(v) => set('logRetentionDays', v)}
            error={errors.logRetentionDays}
            inputMode="numeric"
          />
          <Field
            label="Keep at most (log rows)"
            value={values.logRetentionRows}
            onChange={(v) => set('logRetentionRows', v)}
            error={errors.logRetentionRows}
            inputMode="numeric"
          />
          <Field
            label="Keep health history (days)"
            value={values.historyRetentionDays}
            onChange={(v) => set('historyRetentionDays', v)}
            error={errors.historyRetentionDays}
            inputMode="numeric"
          />
        </div>
        <div className="settings-form__switch">
          <Switch
            checked={values.logBodies}
            onChange={(v) => set('logBodies', v)}
            label="Capture request and response bodies in the request log"
            text="Capture request and response bodies in the request log"
          />
          <p className="field__hint">
            The first 64 KiB of each, with known secrets redacted. Bodies may hold private data.
          </p>
        </div>
        <div className="settings-form__actions">
          <button type="submit" className="btn btn--primary" disabled={busy}>
            Save settings
          </button>
          {message && (
            <span className={message.ok ? 'settings-form__ok' : 'error-text'} role={message.ok ? 'status' : 'alert'}>
              {message.text}
            </span>
          )}
        </div>
      </form>
    </section>
  )
}
