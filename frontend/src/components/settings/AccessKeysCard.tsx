import { useState, type FormEvent } from 'react'
import { toApiError, type Settings, type SettingsInput } from '../../api/client'
import { generateProxyKey, proxyKeyError } from '../../lib/settingsForm'
import { Field } from '../Field'
import { Icon } from '../Icon'

interface AccessKeysCardProps {
  settings: Settings
  save: (input: SettingsInput) => Promise<Settings>
}

/**
 * Local access keys: clients must send one when any is set. The API returns
 * them masked and keeps the key a masked value stands for when it is sent
 * back, so adding or removing one sends the masked list with the change.
 */
export function AccessKeysCard({ settings, save }: AccessKeysCardProps) {
  const keys = settings.proxy_keys ?? []
  const [draft, setDraft] = useState('')
  const [error, setError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  const [added, setAdded] = useState<string | null>(null)

  async function put(next: string[]) {
    setBusy(true)
    setError(null)
    try {
      await save({ proxy_keys: next })
      return true
    } catch (err) {
      setError(toApiError(err).message)
      return false
    } finally {
      setBusy(false)
    }
  }

  async function onAdd(e: FormEvent) {
    e.preventDefault()
    const key = draft.trim()
    const problem = proxyKeyError(key)
    if (problem) {
      setError(problem)
      return
    }
    if (await put([...keys, key])) {
      setAdded(`Key ending in ${key.slice(-4)} added.`)
      setDraft('')
    }
  }

  return (
    <section className="card" aria-labelledby="settings-keys">
      <h2 id="settings-keys" className="card__title">Local access keys</h2>
      <p className="card__lead">
        {keys.length === 0
          ? 'None set: any program on this machine may use the proxy without a key. Add one to require it (as "Authorization: Bearer KEY" or "x-api-key: KEY").'
          : 'Clients must send one of these keys as their API key. Keys are shown masked: copy a new key before adding it, it is not shown again.'}
      </p>
      {keys.length > 0 && (
        <ul className="settings-keys" aria-label="Local access keys">
          {keys.map((k, i) => (
            <li key={`${k}:${i}`} className="settings-keys__item">
              <code>{k}</code>
              <button
                type="button"
                className="btn btn--small"
                disabled={busy}
                aria-label={`Remove key ${k}`}
                onClick={() => void put(keys.filter((_, j) => j !== i))}
              >
                <Icon name="trash" size={14} />
                Remove
              </button>
            </li>
          ))}
        </ul>
      )}
      {added && (
        <p className="muted" role="status">
          {added}
        </p>
      )}
      <form className="settings-keys__form" onSubmit={onAdd}>
        <Field
          label="New key"
          value={draft}
          onChange={(v) => {
            setDraft(v)
            setError(null)
          }}
          mono
          error={error ?? undefined}
          placeholder="a long random string"
        />
        <div className="settings-keys__actions">
          <button type="button" className="btn btn--small" onClick={() => setDraft(generateProxyKey())}>
            <Icon name="retry" size={14} />
            Generate
          </button>
          <button type="submit" className="btn btn--primary btn--small" disabled={busy}>
            <Icon name="plus" size={14} />
            Add key
          </button>
        </div>
      </form>
    </section>
  )
}
