import { useQueryClient } from '@tanstack/react-query'
import { useId, useState, type ChangeEvent } from 'react'
import { exportConfig, importConfig, toApiError } from '../../api/client'
import { previewImport, type ImportPreview } from '../../lib/importPreview'
import { Icon } from '../Icon'

/** The file name of an export made now, e.g. sluicegate-config-2026-11-25.json. */
export function exportFileName(now: Date, withKeys: boolean): string {
  return `sluicegate-config-${now.toISOString().slice(0, 10)}${withKeys ? '-with-keys' : ''}.json`
}

function download(name: string, text: string) {
  const url = URL.createObjectURL(new Blob([text], { type: 'application/json' }))
  const a = document.createElement('a')
  a.href = url
  a.download = name
  document.body.append(a)
  a.click()
  a.remove()
  // Revoked on the next tick: the click has started the download by then.
  setTimeout(() => URL.revokeObjectURL(url), 0)
}

type Pending = { doc: unknown; preview: ImportPreview; name: string }

/** Export (with or without keys) and import with a preview of what changes. */
export function BackupCard() {
  const client = useQueryClient()
  const fileId = useId()
  const [withKeys, setWithKeys] = useState(false)
  const [pending, setPending] = useState<Pending | null>(null)
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null)
  const [busy, setBusy] = useState(false)

  async function onExport() {
    setMessage(null)
    try {
      const doc = await exportConfig(withKeys)
      download(exportFileName(new Date(), withKeys), JSON.stringify(doc, null, 2) + '\n')
    } catch (err) {
      setMessage({ ok: false, text: toApiError(err).message })
    }
  }

  async function onFile(e: ChangeEvent<HTMLInputElement>) {
    const file = e.target.files?.[0]
    e.target.value = '' // choosing the same file again previews it again
    setMessage(null)
    setPending(null)
    if (!file) return
    try {
      const [text, current] = await Promise.all([file.text(), exportConfig(false)])
      const parsed = previewImport(text, current)
      if (!parsed.ok) setMessage({ ok: false, text: parsed.error })
      else setPending({ doc: parsed.doc, preview: parsed.preview, name: file.name })
    } catch (err) {
      setMessage({ ok: false, text: toApiError(err).message })
    }
  }

  async function onConfirm() {
    if (!pending) return
    setBusy(true)
    try {
      await importConfig(pending.doc)
      setPending(null)
      setMessage({ ok: true, text: `Imported ${pending.name}.` })
      await client.invalidateQueries()
    } catch (err) {
      const e = toApiError(err)
      setMessage({ ok: false, text: e.field ? `${e.field}: ${e.message}` : e.message })
    } finally {
      setBusy(false)
    }
  }

  return (
    <section className="card" aria-labelledby="settings-backup">
      <h2 id="settings-backup" className="card__title">Export and import</h2>
      <p className="card__lead">
        The whole configuration (providers and settings) as one JSON file. Without keys, an import
        keeps the keys stored here.
      </p>
      <div className="settings-backup__row">
        <label className="settings-backup__check">
          <input type="checkbox" checked={withKeys} onChange={(e) => setWithKeys(e.target.checked)} />
          Include API keys and local access keys
        </label>
        <button type="button" className="btn" onClick={() => void onExport()}>
          <Icon name="external" size={15} />
          Export
        </button>
        <input id={fileId} type="file" accept="application/json,.json" className="visually-hidden" onChange={(e) => void onFile(e)} aria-label="Import a configuration file" />
        <label htmlFor={fileId} className="btn">
          <Icon name="folder" size={15} />
          Import…
        </label>
      </div>
      {withKeys && (
        <p className="callout callout--info">The file will hold your keys in clear text: keep it private.</p>
      )}
      {pending && <ImportPreviewPanel pending={pending} busy={busy} onConfirm={() => void onConfirm()} onCancel={() => setPending(null)} />}
      {message && (
        <p className={message.ok ? 'settings-form__ok' : 'error-text'} role={message.ok ? 'status' : 'alert'}>
          {message.text}
        </p>
      )}
    </section>
  )
}

function ImportPreviewPanel({ pending, busy, onConfirm, onCancel }: { pending: Pending; busy: boolean; onConfirm: () => void; onCancel: () => void }) {
  const p = pending.preview
  return (
    <div className="settings-preview" role="region" aria-label="Import preview">
      <h3 className="settings-preview__title">Importing {pending.name} would change:</h3>
      {p.empty ? (
        <p>Nothing: the file matches the configuration stored now.</p>
      ) : (
        <ul className="bullets">
          {p.created.length > 0 && <li>Create providers: {p.created.join(', ')}</li>}
          {p.updated.map((u) => (
            <li key={u.key}>
              Update provider {u.key}: {u.fields.join(', ')}
            </li>
          ))}
          {p.deleted.length > 0 && <li className="settings-preview__danger">Delete providers (and their history): {p.deleted.join(', ')}</li>}
          {p.settings.map((s) => (
            <li key={s.field}>
              Setting {s.field}: {s.from} → {s.to}
            </li>
          ))}
          {p.proxyKeys === 'replaced' && <li>Replace the local access keys with the file’s</li>}
        </ul>
      )}
      {p.unchanged.length > 0 && <p className="muted">Unchanged providers: {p.unchanged.join(', ')}</p>}
      {p.withKeys.length > 0 && <p className="muted">API keys from the file replace the stored ones of: {p.withKeys.join(', ')}</p>}
      <div className="settings-form__actions">
        <button type="button" className="btn btn--primary" disabled={busy || p.empty} onClick={onConfirm}>
          Import
        </button>
        <button type="button" className="btn" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </div>
  )
}
