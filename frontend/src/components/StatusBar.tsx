import { isUnauthorized } from '../api/client'
import type { StatusState } from '../hooks/useStatus'
import { CopyButton } from './CopyButton'
import { Icon } from './Icon'
import { hrefFor } from '../lib/routes'

interface StatusBarProps {
  state: StatusState
  onRetry: () => void
}

/** Bottom bar: is the proxy up, where SDKs should point, which version. */
export function StatusBar({ state, onRetry }: StatusBarProps) {
  return (
    <footer className="statusbar" aria-label="Proxy status">
      {state.kind === 'loading' && (
        <span className="statusbar__state">
          <span className="dot dot--pending" aria-hidden="true" />
          Connecting to the proxy…
        </span>
      )}

      {state.kind === 'error' && isUnauthorized(state.error) && (
        <span className="statusbar__state" data-testid="statusbar-locked">
          <Icon name="key" size={15} />
          Waiting for the admin token
        </span>
      )}

      {state.kind === 'error' && !isUnauthorized(state.error) && (
        <div className="statusbar__error" role="alert">
          <Icon name="alert" size={16} />
          <span>
            <strong>Proxy status unavailable.</strong> {state.error.message}
          </span>
          <button type="button" className="btn btn--small" onClick={onRetry}>
            <Icon name="retry" size={14} />
            Retry
          </button>
        </div>
      )}

      {state.kind === 'ready' && (
        <>
          <span className="statusbar__state" title={`Listening on ${state.status.addr}`}>
            <span className="dot dot--ok" aria-hidden="true" />
            Running
          </span>
          <a className="statusbar__count" href={hrefFor('providers')} data-testid="statusbar-providers">
            {state.status.providers === 1 ? '1 provider' : `${state.status.providers} providers`}
          </a>
          <UrlChip label="OpenAI" url={state.status.openai_base_url} />
          <UrlChip label="Anthropic" url={state.status.anthropic_base_url} />
          <span className="statusbar__version">v{state.status.version}</span>
        </>
      )}
    </footer>
  )
}

function UrlChip({ label, url }: { label: string; url: string }) {
  return (
    <span className="urlchip">
      <span className="urlchip__label">{label}</span>
      <code className="urlchip__url" title={url} data-testid={`statusbar-${label.toLowerCase()}-url`}>
        {url}
      </code>
      <CopyButton text={url} label={`Copy ${label} base URL`} className="copy-btn--ghost" />
    </span>
  )
}
