import { ComingSoon } from '../components/ComingSoon'
import { Icon } from '../components/Icon'
import { PageHeader } from '../components/PageHeader'
import type { StatusState } from '../hooks/useStatus'
import { hrefFor } from '../lib/routes'

interface ProvidersPageProps {
  state: StatusState
}

export function ProvidersPage({ state }: ProvidersPageProps) {
  return (
    <>
      <PageHeader
        title="Providers"
        lead="The upstream APIs Sluicegate routes to, and the model aliases that pick them."
      />
      <div className="stack">
        <ComingSoon icon="providers" title="Provider management">
          <p>
            Here you will add OpenAI, Anthropic, OpenRouter, Ollama and other OpenAI- or
            Anthropic-compatible endpoints from presets, store their keys locally, and map model
            aliases to upstream models.
          </p>
        </ComingSoon>
        <GetStarted state={state} />
      </div>
    </>
  )
}

function GetStarted({ state }: { state: StatusState }) {
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
              Its base URL, its API key and the model aliases it serves. This page will do it in
              the next release.
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
