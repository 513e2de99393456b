import { useState } from 'react'
import type { Status } from '../api/types'
import { AliasPicker } from '../components/connect/AliasPicker'
import { AliasTable } from '../components/connect/AliasTable'
import { ProxyEnvWarning } from '../components/connect/ProxyEnvWarning'
import { CopyButton } from '../components/CopyButton'
import { PageHeader } from '../components/PageHeader'
import { SnippetTabs } from '../components/SnippetTabs'
import { StatusGate } from '../components/StatusGate'
import { useConnectData } from '../hooks/useConnectData'
import type { StatusState } from '../hooks/useStatus'
import { defaultAlias, uniqueAliases } from '../lib/aliases'
import { ADD_PROVIDER_HREF } from '../lib/routes'
import { ALIAS_PLACEHOLDER, connectSnippets, snippetKey } from '../lib/snippets'
import '../styles/connect.css'

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

const ALIAS_STORAGE_KEY = 'sluicegate.connect.alias'

function rememberedAlias(): string | null {
  try {
    return localStorage.getItem(ALIAS_STORAGE_KEY)
  } catch {
    return null
  }
}

function ConnectGuide({ status }: { status: Status }) {
  const data = useConnectData()
  const [picked, setPicked] = useState<string | null>(rememberedAlias)
  const options = uniqueAliases(data.aliases)
  const chosen = defaultAlias(options, picked)

  function choose(alias: string) {
    setPicked(alias)
    try {
      localStorage.setItem(ALIAS_STORAGE_KEY, alias)
    } catch {
      // Private mode: the choice lasts for this visit only.
    }
  }

  const base = {
    openaiBaseURL: status.openai_base_url,
    anthropicBaseURL: status.anthropic_base_url,
  }
  const snippets = chosen
    ? connectSnippets({ ...base, model: chosen.alias, dialect: chosen.dialect, apiKey: snippetKey(data.localKeysSet, chosen.providerHasKey) })
    : connectSnippets({ ...base, model: ALIAS_PLACEHOLDER, dialect: 'openai', apiKey: snippetKey(data.localKeysSet, true) })

  return (
    <div className="stack connect">
      <ProxyEnvWarning env={status.proxy_env} />

      <section className="card" aria-labelledby="connect-urls">
        <h2 id="connect-urls" className="card__title">Base URLs</h2>
        <dl className="urls">
          <BaseURL name="OpenAI-compatible" hint="OpenAI SDKs, LangChain, LiteLLM, curl" url={status.openai_base_url} />
          <BaseURL name="Anthropic" hint="Anthropic SDKs and Claude Code" url={status.anthropic_base_url} />
        </dl>
      </section>

      <section className="card" aria-labelledby="connect-models">
        <h2 id="connect-models" className="card__title">Your models</h2>
        <p className="card__lead">
          A client names one of these aliases as its <code>model</code>; Sluicegate sends the request
          to the provider that serves it.
        </p>
        {data.error ? (
          <p className="error-text" role="alert">
            The providers could not be loaded: {data.error.message}
          </p>
        ) : data.loading ? (
          <p className="muted" aria-busy="true">
            Loading your providers…
          </p>
        ) : data.aliases.length === 0 ? (
          <p className="callout callout--info">
            No enabled provider has a model alias yet, so requests will not route anywhere. Add a
            provider with at least one model, and the snippets below will use its alias.{' '}
            <a href={ADD_PROVIDER_HREF}>Add a provider →</a>
          </p>
        ) : (
          <AliasTable aliases={data.aliases} />
        )}
      </section>

      <section className="card" aria-labelledby="connect-snippets">
        <h2 id="connect-snippets" className="card__title">Call it</h2>
        {chosen ? (
          <>
            <AliasPicker aliases={options} value={chosen.alias} onChange={choose} />
            <p className="card__lead">
              {chosen.dialect === 'openai'
                ? 'An OpenAI-compatible alias: call it through the OpenAI API (chat completions, responses, embeddings).'
                : 'An Anthropic alias: call it through the Messages API (Anthropic SDKs, Claude Code).'}
            </p>
          </>
        ) : (
          <p className="card__lead">
            Replace <code>{ALIAS_PLACEHOLDER}</code> with an alias once a provider has one.
          </p>
        )}
        <SnippetTabs key={chosen?.dialect ?? 'none'} title="Connect" snippets={snippets} />
      </section>

      <section className="card" aria-labelledby="connect-keys">
        <h2 id="connect-keys" className="card__title">About keys</h2>
        <ul className="bullets">
          {data.localKeysSet ? (
            <li>
              Local access keys are set in Settings: clients must send one of them as their API key
              (replace <code>YOUR_SLUICEGATE_KEY</code>).
            </li>
          ) : (
            <li>No local access keys are set: any client on this machine may use the proxy.</li>
          )}
          <li>
            When a provider has an API key stored in Sluicegate, the proxy sends that key upstream
            and drops the client’s, so any placeholder such as <code>sluicegate</code> works.
          </li>
          <li>
            When a provider has no key, the client’s own key passes through unchanged (replace{' '}
            <code>YOUR_PROVIDER_API_KEY</code>).
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
