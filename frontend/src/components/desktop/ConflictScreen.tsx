import { useId, useState, type FormEvent } from 'react'
import { quitApp, startOnAddr, type StartupState } from '../../api/wails'
import { holderText, parsePort, withPort } from '../../lib/desktop'
import { Icon } from '../Icon'
import '../../styles/desktop.css'

interface ConflictScreenProps {
  state: StartupState
  /** The server started (or the new port is taken too): the new state. */
  onState: (next: StartupState) => void
}

/**
 * Shown by the desktop window instead of the dashboard when its address is
 * taken: who holds it, and the three ways out.
 */
export function ConflictScreen({ state, onState }: ConflictScreenProps) {
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const [changing, setChanging] = useState(false)

  async function start(addr: string, remember: boolean) {
    setBusy(true)
    setError(null)
    try {
      onState(await startOnAddr(addr, remember))
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err))
    } finally {
      setBusy(false)
    }
  }

  async function quit() {
    setBusy(true)
    try {
      await quitApp()
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err))
      setBusy(false)
    }
  }

  const suggested = state.suggested_addr && state.suggested_port ? state.suggested_port : null
  return (
    <main className="conflict" aria-labelledby="conflict-title">
      <section className="card conflict__card">
        <div className="conflict__icon" aria-hidden="true">
          <Icon name="alert" size={28} />
        </div>
        <h1 id="conflict-title" className="conflict__title">
          Sluicegate can’t use <code>{state.addr}</code>
        </h1>
        <p className="conflict__lead">{holderText(state)}</p>
        {state.holder === 'sluicegate' && (
          <p className="muted">
            You can use that one instead: its dashboard is at{' '}
            <code>http://{state.addr}/</code>. Or run this one on another port.
          </p>
        )}
        <div className="conflict__actions">
          {suggested !== null && (
            <button type="button" className="btn btn--primary" disabled={busy} onClick={() => void start(state.suggested_addr!, false)}>
              Use port {suggested} instead
            </button>
          )}
          <button
            type="button"
            className="btn"
            disabled={busy}
            aria-expanded={changing}
            onClick={() => setChanging((v) => !v)}
          >
            Change port…
          </button>
          <button type="button" className="btn btn--ghost" disabled={busy} onClick={() => void quit()}>
            Quit
          </button>
        </div>
        {suggested !== null && (
          <p className="field__hint">
            “Use port {suggested}” is for this time only; point your tools at <code>{withPort(state.addr, suggested)}</code>.
          </p>
        )}
        {changing && <ChangePortForm addr={state.addr} busy={busy} onSubmit={(addr) => void start(addr, true)} override={state.addr_override} />}
        {error && (
          <p className="error-text" role="alert">
            {error}
          </p>
        )}
      </section>
    </main>
  )
}

interface ChangePortFormProps {
  addr: string
  busy: boolean
  override: boolean
  onSubmit: (addr: string) => void
}

/** A port to use now and from now on (saved as the desktop address). */
function ChangePortForm({ addr, busy, override, onSubmit }: ChangePortFormProps) {
  const id = useId()
  const [text, setText] = useState('')
  const [error, setError] = useState<string | null>(null)
  function submit(e: FormEvent) {
    e.preventDefault()
    const parsed = parsePort(text)
    if ('error' in parsed) {
      setError(parsed.error)
      return
    }
    setError(null)
    onSubmit(withPort(addr, parsed.port))
  }
  return (
    <form className="conflict__form" onSubmit={submit} noValidate>
      <div className={`field${error ? ' field--error' : ''}`}>
        <label htmlFor={id} className="field__label">
          New port
        </label>
        <div className="conflict__row">
          <input
            id={id}
            className="input input--mono conflict__port"
            inputMode="numeric"
            value={text}
            onChange={(e) => setText(e.target.value)}
            aria-invalid={error ? true : undefined}
            aria-describedby={`${id}-hint`}
            autoComplete="off"
            placeholder="8751"
          />
          <button type="submit" className="btn btn--primary" disabled={busy}>
            Use and remember
          </button>
        </div>
        <p id={`${id}-hint`} className={error ? 'field__error' : 'field__hint'}>
          {error ??
            (override
              ? 'Saved as the desktop app’s address; while you start it with --addr or SLUICEGATE_ADDR, that one wins.'
              : 'Saved as the desktop app’s address (Settings → Desktop) for the next starts too.')}
        </p>
      </div>
    </form>
  )
}
