import { useState } from 'react'
import type { Status } from '../api/types'
import { hasDesktopSettings, isDesktop, openDataDir } from '../api/wails'
import { LoadError } from '../components/Callouts'
import { CopyButton } from '../components/CopyButton'
import { Icon } from '../components/Icon'
import { PageHeader } from '../components/PageHeader'
import { StatusGate } from '../components/StatusGate'
import { AccessKeysCard } from '../components/settings/AccessKeysCard'
import { BackupCard } from '../components/settings/BackupCard'
import { DesktopCard } from '../components/settings/DesktopCard'
import { ProxySettingsCard } from '../components/settings/ProxySettingsCard'
import { ThemeCard } from '../components/settings/ThemeCard'
import { useSettings } from '../hooks/useSettings'
import type { StatusState } from '../hooks/useStatus'
import { formatDateTime } from '../lib/format'
import '../styles/settings.css'

interface SettingsPageProps {
  state: StatusState
  onRetry: () => void
  /** This tab stores an admin token (the server was started with --admin-token). */
  hasToken?: boolean
  onForgetToken?: () => void
}

export function SettingsPage({ state, onRetry, hasToken = false, onForgetToken }: SettingsPageProps) {
  return (
    <>
      <PageHeader title="Settings" lead="How this Sluicegate instance runs and where it keeps its data." />
      <div className="stack">
        <StatusGate state={state} onRetry={onRetry}>
          {(status) => <InstanceCard status={status} />}
        </StatusGate>
        {hasDesktopSettings() && <DesktopCard />}
        <ProxySettings />
        <BackupCard />
        <ThemeCard />
        {hasToken && onForgetToken && <AdminTokenCard onForget={onForgetToken} />}
      </div>
    </>
  )
}

function ProxySettings() {
  const { query, save } = useSettings()
  if (query.isPending) {
    return (
      <p className="muted" aria-busy="true">
        Loading the settings…
      </p>
    )
  }
  if (query.isError) {
    return <LoadError title="The settings are unavailable" message={query.error.message} onRetry={() => void query.refetch()} />
  }
  const settings = query.data
  return (
    <>
      <AccessKeysCard settings={settings} save={save.mutateAsync} />
      {/* Keyed by the stored values: a save elsewhere (an import) resets the form. */}
      <ProxySettingsCard key={JSON.stringify({ ...settings, proxy_keys: [] })} settings={settings} save={save.mutateAsync} />
    </>
  )
}

function InstanceCard({ status }: { status: Status }) {
  return (
    <section className="card" aria-labelledby="settings-instance">
      <h2 id="settings-instance" className="card__title">This instance</h2>
      <dl className="facts">
        <dt>Version</dt>
        <dd>{status.version}</dd>
        <dt>Listening on</dt>
        <dd>
          <code>{status.addr}</code>
        </dd>
        <dt>Running since</dt>
        <dd>{formatDateTime(status.started_at)}</dd>
        <dt>Data folder</dt>
        <dd className="facts__row">
          <code>{status.data_dir}</code>
          <CopyButton text={status.data_dir} label="Copy data folder path" showText className="copy-btn--ghost" />
          {isDesktop() && <OpenDataDirButton />}
        </dd>
      </dl>
    </section>
  )
}

function AdminTokenCard({ onForget }: { onForget: () => void }) {
  return (
    <section className="card" aria-labelledby="settings-token">
      <h2 id="settings-token" className="card__title">Admin token</h2>
      <p className="card__lead">
        This browser tab sends the admin token you entered with every request to this server. It
        is kept until the tab closes; forget it to lock the dashboard now.
      </p>
      <button type="button" className="btn" onClick={onForget}>
        <Icon name="key" size={15} />
        Forget token
      </button>
    </section>
  )
}

function OpenDataDirButton() {
  const [error, setError] = useState<string | null>(null)
  async function onClick() {
    setError(null)
    try {
      await openDataDir()
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err))
    }
  }
  return (
    <>
      <button type="button" className="btn btn--small" onClick={onClick}>
        <Icon name="folder" size={15} />
        Open data folder
      </button>
      {error && (
        <span className="error-text" role="alert">
          {error}
        </span>
      )}
    </>
  )
}
