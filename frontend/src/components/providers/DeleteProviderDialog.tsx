import { useState } from 'react'
import type { Provider } from '../../api/types'
import { toApiError } from '../../api/client'
import { Icon } from '../Icon'
import { Modal } from '../Modal'

interface DeleteProviderDialogProps {
  provider: Provider
  remove: (id: number) => Promise<void>
  onClose: () => void
}

/** "Delete provider X?" — confirmed in the page, with the server's error shown in place. */
export function DeleteProviderDialog({ provider, remove, onClose }: DeleteProviderDialogProps) {
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const name = provider.name || provider.key

  async function confirm() {
    setBusy(true)
    setError(null)
    try {
      await remove(provider.id)
      onClose()
    } catch (err) {
      setError(toApiError(err).message)
      setBusy(false)
    }
  }

  return (
    <Modal
      title={`Delete ${name}?`}
      alert
      size="small"
      busy={busy}
      onClose={onClose}
      description={
        <>
          Requests for its {provider.models.length === 1 ? 'alias' : 'aliases'} will no longer route, its stored
          API key is erased, and its health history goes with it. This cannot be undone.
        </>
      }
      footer={
        <>
          <button type="button" className="btn" onClick={onClose} disabled={busy} data-autofocus>
            Cancel
          </button>
          <button type="button" className="btn btn--danger" onClick={confirm} disabled={busy}>
            <Icon name="trash" size={15} />
            {busy ? 'Deleting…' : 'Delete provider'}
          </button>
        </>
      }
    >
      <p className="confirm__what">
        <code>{provider.key}</code>
        <span className="muted">{provider.base_url}</span>
      </p>
      {error && (
        <p className="field__error" role="alert">
          {error}
        </p>
      )}
    </Modal>
  )
}
