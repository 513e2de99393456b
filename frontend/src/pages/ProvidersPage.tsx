import { useCallback, useEffect, useState } from 'react'
import type { Provider } from '../api/types'
import { Icon } from '../components/Icon'
import { LoadError, NoticeBar, type Notice } from '../components/Callouts'
import { PageHeader } from '../components/PageHeader'
import { DeleteProviderDialog } from '../components/providers/DeleteProviderDialog'
import { ProviderForm } from '../components/providers/ProviderForm'
import { ProviderTable } from '../components/providers/ProviderTable'
import type { StatusState } from '../hooks/useStatus'
import { toApiError } from '../api/client'
import { useProviderOverview } from '../hooks/useProviderOverview'
import { useProviders } from '../hooks/useProviders'
import { checkRunningText } from '../lib/providerOverview'
import { statusMeta } from '../lib/health'
import { ADD_PROVIDER_HREF, hrefFor } from '../lib/routes'

interface ProvidersPageProps {
  state: StatusState
  /** Called after a provider was added, changed or deleted. */
  onChanged?: () => void
}

type Dialog = { kind: 'add' } | { kind: 'edit'; provider: Provider } | { kind: 'delete'; provider: Provider } | null


/** `#/providers/new` (e.g. from Connect) opens "Add provider" directly. */
function dialogFromHash(): Dialog {
  return window.location.hash === ADD_PROVIDER_HREF ? { kind: 'add' } : null
}

export function ProvidersPage({ state, onChanged }: ProvidersPageProps) {
  const providers = useProviders(onChanged)
  const [dialog, setDialog] = useState<Dialog>(dialogFromHash)
  const [pending, setPending] = useState<ReadonlySet<number>>(new Set())
  const [notice, setNotice] = useState<Notice | null>(null)
  const close = useCallback(() => setDialog(null), [])

  useEffect(() => {
    // Back to the page's own address, so a reload does not reopen the dialog.
    if (window.location.hash === ADD_PROVIDER_HREF) window.history.replaceState(null, '', hrefFor('providers'))
  }, [])

  const list = providers.state.kind === 'ready' ? providers.state.providers : []
  // The live stream is followed once the list loaded (the admin token, if
  // one is needed, is known to work by then).
  const overview = useProviderOverview(list, providers.state.kind === 'ready')
  const label = (p: Provider) => p.name || p.key

  async function checkNow(p: Provider) {
    setNotice(null)
    try {
      const c = await overview.checkNow(p)
      setNotice({ kind: c.status === 'healthy' ? 'ok' : 'error', text: `${label(p)}: ${statusMeta(c.status).label.toLowerCase()}, ${c.summary.healthy_models} of ${c.summary.total_models} models healthy.` })
    } catch (err) {
      const e = toApiError(err)
      // Not a failure: the running check's result will show in the row.
      if (e.code === 'check_running') setNotice({ kind: 'info', text: checkRunningText(label(p)) })
      else setNotice({ kind: 'error', text: `Could not check ${label(p)}: ${e.message}` })
    }
  }

  async function toggle(p: Provider, enabled: boolean) {
    setPending((s) => new Set(s).add(p.id))
    setNotice(null)
    try {
      await providers.setEnabled(p.id, enabled)
    } catch (err) {
      setNotice({ kind: 'error', text: `Could not ${enabled ? 'enable' : 'disable'} ${label(p)}: ${toApiError(err).message}` })
    } finally {
      setPending((s) => {
        const next = new Set(s)
        next.delete(p.id)
        return next
      })
    }
  }

  const addButton = (
    <button type="button" className="btn btn--primary" onClick={() => setDialog({ kind: 'add' })}>
      <Icon name="plus" size={15} />
      Add provider
    </button>
  )

  return (
    <>
      <PageHeader
        title="Providers"
        lead="The upstream APIs Sluicegate routes to, and the model aliases that pick them."
        actions={providers.state.kind === 'ready' && list.length > 0 ? addButton : undefined}
      />
      <div className="stack">
        {notice && <NoticeBar notice={notice} onDismiss={() => setNotice(null)} />}

        {providers.state.kind === 'loading' && (
          <p className="muted" aria-busy="true">
            Loading providers…
          </p>
        )}

        {providers.state.kind === 'error' && (

          <LoadError title="The providers could not be loaded" message={providers.state.error.message} onRetry={providers.reload} />

        )}

        {providers.state.kind === 'ready' && list.length > 0 && (
          <ProviderTable
            providers={list}
            overview={overview.byId}
            pending={pending}
            checking={overview.checking}
            onToggle={toggle}
            onCheck={(p) => void checkNow(p)}
            onEdit={(p) => setDialog({ kind: 'edit', provider: p })}
            onDelete={(p) => setDialog({ kind: 'delete', provider: p })}
          />
        )}
        {providers.state.kind === 'ready' && list.length > 0 && (
          <p className="table-note">
            Clients pick a provider by sending one of its aliases as <code>model</code>, or{' '}
            <code>key/upstream-model</code>. Changes apply to the next request.{' '}
            <a href={hrefFor('routes')}>See the routes →</a> <a href={hrefFor('connect')}>Connect a client →</a>
          </p>
        )}

        {providers.state.kind === 'ready' && list.length === 0 && (
          <>
            <section className="card empty" aria-labelledby="providers-empty">
              <div className="empty__icon">
                <Icon name="providers" size={22} />
              </div>
              <h2 id="providers-empty" className="empty__title">No providers yet</h2>
              <div className="empty__body">
                <p>
                  Add OpenAI, Anthropic, OpenRouter, a local Ollama or any OpenAI- or Anthropic-compatible
                  API. Its key is stored on this computer only.
                </p>
                <div>{addButton}</div>
              </div>
            </section>
            <GetStarted state={state} onAdd={() => setDialog({ kind: 'add' })} />
          </>
        )}
      </div>

      {dialog?.kind === 'add' && (
        <ProviderForm
          mode="create"
          presets={providers.presets}
          takenKeys={list.map((p) => p.key)}
          save={providers.create}
          onClose={close}
          onSaved={(p) => {
            setNotice({ kind: 'ok', text: `Added ${label(p)}.` })
            close()
          }}
        />
      )}
      {dialog?.kind === 'edit' && (
        <ProviderForm
          mode="edit"
          provider={dialog.provider}
          save={(body) => providers.replace(dialog.provider.id, body)}
          onClose={close}
          onSaved={(p) => {
            setNotice({ kind: 'ok', text: `Saved ${label(p)}.` })
            close()
          }}
        />
      )}
      {dialog?.kind === 'delete' && (
        <DeleteProviderDialog
          provider={dialog.provider}
          remove={async (id) => {
            await providers.remove(id)
            setNotice({ kind: 'ok', text: `Deleted ${label(dialog.provider)}.` })
          }}
          onClose={close}
        />
      )}
    </>
  )
}

function GetStarted({ state, onAdd }: { state: StatusState; onAdd: () => void }) {
  const running = state.kind === 'ready'
  return (
    <section className="card" aria-labelledby="get-started">
      <h2 id="get-started" className="card__title">Get started</h2>
      <ol className="steps">
        <li className={running ? 'steps__item steps__item--done' : 'steps__item'}>
          <span className="steps__mark" aria-hidden="true">
            {running ? <Icon name="check" size={14} /> : '1'}
          </span>
          <div>
            <p className="steps__title">The proxy is running</p>
            <p className="steps__text">
              {state.kind === 'ready' && (
                <>
                  Listening on <code>{state.status.addr}</code>, on this computer only.
                </>
              )}
              {state.kind === 'loading' && 'Checking…'}
              {state.kind === 'error' && 'Not reachable right now; see the status bar below.'}
            </p>
          </div>
        </li>
        <li className="steps__item">
          <span className="steps__mark" aria-hidden="true">2</span>
          <div>
            <p className="steps__title">Add a provider</p>
            <p className="steps__text">
              Its base URL, its API key and the model aliases it serves.{' '}
              <button type="button" className="linkish" onClick={onAdd}>
                Add provider →
              </button>
            </p>
          </div>
        </li>
        <li className="steps__item">
          <span className="steps__mark" aria-hidden="true">3</span>
          <div>
            <p className="steps__title">Point your clients at Sluicegate</p>
            <p className="steps__text">
              Set one base URL in your SDK or in Claude Code.{' '}
              <a href={hrefFor('connect')}>Open Connect →</a>
            </p>
          </div>
        </li>
      </ol>
    </section>
  )
}
