import type { Status } from '../api/types'
import { CodeBlock } from '../components/CodeBlock'
import { CopyButton } from '../components/CopyButton'
import { PageHeader } from '../components/PageHeader'
import { SnippetTabs } from '../components/SnippetTabs'
import { StatusGate } from '../components/StatusGate'
import type { StatusState } from '../hooks/useStatus'
import { ADD_PROVIDER_HREF } from '../lib/routes'
import { anthropicSnippets, claudeCodeSnippet, envSnippet, openAISnippets } from '../lib/snippets'

interface ConnectPageProps {
  state: StatusState
  onRetry: () => void
}

export function ConnectPage({ state, onRetry }: ConnectPageProps) {
  return (
    <>
      <PageHeader
        title="Connect"
        lead="Point any OpenAI or Anthropic client at Sluicegate by changing one base URL."
      />
      <StatusGate state={state} onRetry={onRetry}>
        {(status) => <ConnectGuide status={status} />}
      </StatusGate>
    </>
  )
}

function ConnectGuide({ status }: { status: Status }) {
  const openai = status.openai_base_url
  const anthropic = status.anthropic_base_url
  return (
    <div className="stack">
      {status.providers === 0 && (
        <p className="callout callout--info">
          No providers are configured yet, so requests will not route anywhere until you add one.{' '}
          <a href={ADD_PROVIDER_HREF}>Add a provider →</a>
        </p>
      )}

      <section className="card" aria-labelledby="connect-urls">
        <h2 id="connect-urls" className="card__title">Base URLs</h2>
        <dl className="urls">
          <BaseURL name="OpenAI-compatible" hint="OpenAI SDKs, LangChain, LiteLLM, curl" url={openai} />
          <BaseURL name="Anthropic" hint="Anthropic SDKs and Claude Code" url={anthropic} />
        </dl>
      </section>

      <section className="card" aria-labelledby="connect-openai">
        <h2 id="connect-openai" className="card__title">OpenAI SDK</h2>
        <p className="card__lead">
          Chat completions, responses, embeddings and the rest of <code>/v1</code>, routed by the
          request’s <code>model</code>.
        </p>
        <SnippetTabs title="OpenAI SDK" snippets={openAISnippets(openai)} />
      </section>

      <section className="card" aria-labelledby="connect-anthropic">
        <h2 id="connect-anthropic" className="card__title">Anthropic SDK</h2>
        <p className="card__lead">
          The Messages API, streaming included, passed through unchanged.
        </p>
        <SnippetTabs title="Anthropic SDK" snippets={anthropicSnippets(anthropic)} />
      </section>

      <section className="card" aria-labelledby="connect-claude">
        <h2 id="connect-claude" className="card__title">Claude Code</h2>
        <p className="card__lead">
          Start Claude Code with <code>ANTHROPIC_BASE_URL</code> set, or export it in your shell
          profile.
        </p>
        <CodeBlock code={claudeCodeSnippet(anthropic)} language="Shell" copyLabel="Copy Claude Code command" />
      </section>

      <section className="card" aria-labelledby="connect-env">
        <h2 id="connect-env" className="card__title">Environment variables</h2>
        <p className="card__lead">
          The official SDKs read these when no base URL is passed in code.
        </p>
        <CodeBlock code={envSnippet(openai, anthropic)} language="Shell" copyLabel="Copy environment variables" />
      </section>

      <section className="card" aria-labelledby="connect-keys">
        <h2 id="connect-keys" className="card__title">About keys</h2>
        <ul className="bullets">
          <li>
            When a provider has an API key stored in Sluicegate, the proxy sends that key upstream
            and drops the client’s, so any placeholder such as <code>sluicegate</code> works.
          </li>
          <li>When a provider has no key, the client’s own key passes through unchanged.</li>
          <li>
            If you set local access keys in Settings, clients must send one of them as their API
            key.
          </li>
        </ul>
      </section>
    </div>
  )
}

function BaseURL({ name, hint, url }: { name: string; hint: string; url: string }) {
  return (
    <div className="urls__row">
      <dt>
        <span className="urls__name">{name}</span>
        <span className="urls__hint">{hint}</span>
      </dt>
      <dd>
        <code className="urls__value">{url}</code>
        <CopyButton text={url} label={`Copy ${name} base URL`} showText />
      </dd>
    </div>
  )
}
