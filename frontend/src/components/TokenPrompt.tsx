import { useRef, useState, type FormEvent } from 'react'
import type { ConnectResult } from '../hooks/useAdminToken'
import { Field } from './Field'
import { Icon } from './Icon'
import { Spinner } from './Spinner'

interface TokenPromptProps {
  /** A token stored for this tab was refused (e.g. the server restarted with another). */
  refused: boolean
  connect: (token: string) => Promise<ConnectResult>
  /** The token was accepted and stored: reload what the page shows. */
  onConnected: () => void
}

export const REFUSED_MESSAGE = 'That token was refused'

/** Shown in place of the page while the server wants the admin token. */
export function TokenPrompt({ refused, connect, onConnected }: TokenPromptProps) {
  const [token, setToken] = useState('')
  const [error, setError] = useState<string | undefined>(refused ? REFUSED_MESSAGE : undefined)
  const [busy, setBusy] = useState(false)
  const form = useRef<HTMLFormElement>(null)
  // Back to the field, so that its error (aria-describedby) is read out.
  const focusField = () => form.current?.querySelector('input')?.focus()

  async function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault()
    if (busy) return
    if (token.trim() === '') {
      setError('Enter the admin token')
      focusField()
      return
    }
    setBusy(true)
    setError(undefined)
    const result = await connect(token)
    setBusy(false)
    if (result.ok) {
      onConnected()
    } else {
      setError(result.refused ? REFUSED_MESSAGE : result.error.message)
      focusField()
    }
  }

  return (
    <section className="card token-prompt" aria-labelledby="token-prompt-title">
      <div className="token-prompt__icon" aria-hidden="true">
        <Icon name="key" size={22} />
      </div>
      <div className="token-prompt__body">
        <h1 id="token-prompt-title" className="token-prompt__title">Admin token required</h1>
        <p className="muted">
          This Sluicegate server was started with <code>--admin-token</code> (or{' '}
          <code>SLUICEGATE_ADMIN_TOKEN</code>), so the dashboard needs that token to show and
          change anything. It is kept for this browser tab only.
        </p>
        <form ref={form} className="token-prompt__form" onSubmit={onSubmit} aria-busy={busy} noValidate>
          <Field
            label="Admin token"
            type="password"
            value={token}
            onChange={(v) => {
              setToken(v)
              if (error) setError(undefined)
            }}
            error={error}
            mono
            autoFocus
            autoComplete="current-password"
            name="admin-token"
            readOnly={busy}
          />
          <button type="submit" className="btn btn--primary">
            {busy ? <Spinner /> : <Icon name="key" size={15} />}
            {busy ? 'Connecting…' : 'Connect'}
          </button>
        </form>
      </div>
    </section>
  )
}
