import { useState, type FormEvent } from 'react'
import type { DesktopPrefs as DesktopPrefsInput, DesktopSettingsData as DesktopSettings } from '../../api/wails'
import { useDesktopSettings } from '../../hooks/useDesktopSettings'
import { overrideNote, validateDesktopAddr } from '../../lib/desktop'
import { LoadError } from '../Callouts'
import { Field } from '../Field'
import { Switch } from '../Switch'
import '../../styles/desktop.css'

/** The Desktop section of Settings: shown only in the desktop window. */
export function DesktopCard() {
  const { query, save } = useDesktopSettings()
  if (query.isPending) {
    return (
      <p className="muted" aria-busy="true">
        Loading the desktop settings…
      </p>
    )
  }
  if (query.isError) {
    return <LoadError title="The desktop settings are unavailable" message={query.error.message} onRetry={() => void query.refetch()} />
  }
  // Not keyed by the data: a save updates the cache, and the form (with
  // its "Saved" message) stays.
  return <DesktopForm settings={query.data} save={save.mutateAsync} />
}

interface DesktopFormProps {
  settings: DesktopSettings
  save: (input: DesktopPrefsInput) => Promise<DesktopSettings>
}

function DesktopForm({ settings, save }: DesktopFormProps) {
  const [values, setValues] = useState<DesktopPrefsInput>({
    addr: settings.addr,
    close_to_tray: settings.close_to_tray,
    notifications: settings.notifications,
    start_at_login: settings.start_at_login,
  })
  const [addrError, setAddrError] = useState<string | undefined>()
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null)
  const [busy, setBusy] = useState(false)

  function set<K extends keyof DesktopPrefsInput>(k: K, v: DesktopPrefsInput[K]) {
    setValues((old) => ({ ...old, [k]: v }))
    setMessage(null)
    if (k === 'addr') setAddrError(undefined)
  }

  async function onSubmit(e: FormEvent) {
    e.preventDefault()
    const err = validateDesktopAddr(values.addr)
    if (err) {
      setAddrError(err)
      setMessage({ ok: false, text: 'Check the listen address.' })
      return
    }
    setBusy(true)
    try {
      const next = await save({ ...values, addr: values.addr.trim() })
      const addrChanged = next.addr !== settings.addr
      setMessage({ ok: true, text: addrChanged ? 'Saved. The new address applies when you restart Sluicegate.' : 'Saved.' })
    } catch (e2) {
      setMessage({ ok: false, text: e2 instanceof Error ? e2.message : String(e2) })
    } finally {
      setBusy(false)
    }
  }

  const trayHint = settings.tray_available
    ? 'The proxy keeps running; open the window again from the tray icon.'
    : 'No tray was found on this desktop, so closing the window quits Sluicegate.'
  return (
    <section className="card" aria-labelledby="settings-desktop">
      <h2 id="settings-desktop" className="card__title">Desktop</h2>
      <form className="settings-form desktop-settings__grid" onSubmit={onSubmit} noValidate>
        <Field
          className="desktop-settings__addr"
          label="Listen address"
          value={values.addr}
          onChange={(v) => set('addr', v)}
          error={addrError}
          placeholder={settings.default_addr}
          mono
          hint={
            <>
              Now listening on <code>{settings.current_addr}</code>. Empty means {settings.default_addr}. Applied on restart.
              {settings.addr_override && <> {overrideNote}</>}
            </>
          }
        />
        <div className="settings-form__switch">
          <Switch
            checked={values.close_to_tray && settings.tray_available}
            onChange={(v) => set('close_to_tray', v)}
            disabled={!settings.tray_available}
            label="Closing the window keeps Sluicegate running in the tray"
            text="Closing the window keeps Sluicegate running in the tray"
          />
          <p className="field__hint">{trayHint}</p>
        </div>
        <div className="settings-form__switch">
          <Switch
            checked={values.notifications}
            onChange={(v) => set('notifications', v)}
            label="Notify me when a provider turns unhealthy or recovers"
            text="Notify me when a provider turns unhealthy or recovers"
          />
          <p className="field__hint">After scheduled health checks and checks started from the tray.</p>
        </div>
        <div className="settings-form__switch">
          <Switch
            checked={values.start_at_login}
            onChange={(v) => set('start_at_login', v)}
            disabled={!settings.autostart_supported}
            label="Start Sluicegate at login, hidden in the tray"
            text="Start Sluicegate at login, hidden in the tray"
          />
          <p className="field__hint">
            {settings.autostart_supported
              ? 'Adds Sluicegate to your desktop’s startup applications (~/.config/autostart).'
              : 'Not available on this platform yet.'}
          </p>
        </div>
        <div className="settings-form__actions">
          <button type="submit" className="btn btn--primary" disabled={busy}>
            Save desktop settings
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
