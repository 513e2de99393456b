// Client set-up snippets for the Connect page, built from the live base URLs
// and one of the user's own model aliases. An alias of an OpenAI-type
// provider is offered through /v1/chat/completions, one of an
// Anthropic-type provider through /v1/messages: the snippets follow the
// alias's own dialect, which needs no translation.

import type { Dialect } from '../api/types'

export interface Snippet {
  id: string
  label: string
  language: string
  code: string
}

/** Stands for one of the local access keys set in Settings. */
export const LOCAL_KEY_PLACEHOLDER = 'YOUR_SLUICEGATE_KEY'
/** Stands for the user's own provider key (the provider has none stored). */
export const PROVIDER_KEY_PLACEHOLDER = 'YOUR_PROVIDER_API_KEY'
/** Any value works when the provider's key is stored in Sluicegate. */
export const ANY_KEY = 'sluicegate'
/** Shown when no alias exists yet. */
export const ALIAS_PLACEHOLDER = 'YOUR_MODEL_ALIAS'

/**
 * The API key a client should send: a local access key when Settings has
 * any (the proxy then refuses requests without one), else anything when the
 * provider's key is stored (the proxy replaces it), else the user's own
 * provider key, which passes through unchanged.
 */
export function snippetKey(localKeysSet: boolean, providerHasKey: boolean): string {
  if (localKeysSet) return LOCAL_KEY_PLACEHOLDER
  return providerHasKey ? ANY_KEY : PROVIDER_KEY_PLACEHOLDER
}

export interface SnippetInput {
  openaiBaseURL: string
  anthropicBaseURL: string
  /** The alias every snippet calls. */
  model: string
  /** Its provider's dialect: which snippets apply. */
  dialect: Dialect
  /** What the client sends as its API key (see snippetKey). */
  apiKey: string
  /** Claude Code's small, fast model; defaults to model. */
  smallModel?: string
}

/** A string literal for Python and JavaScript (JSON's syntax is valid in both). */
function lit(s: string): string {
  return JSON.stringify(s)
}

/** A shell word: bare when it is safe, else in single quotes. */
export function shellWord(s: string): string {
  if (/^[A-Za-z0-9_./:@%+=,-]+$/.test(s)) return s
  return `'${s.replaceAll("'", `'\\''`)}'`
}

/** JSON inside a single-quoted shell argument. */
function shellJSON(v: unknown): string {
  return `'${JSON.stringify(v).replaceAll("'", `'\\''`)}'`
}

const HELLO = [{ role: 'user', content: 'Hello!' }]

/** The snippets for one alias, the dialect's curl first. */
export function connectSnippets(input: SnippetInput): Snippet[] {
  return input.dialect === 'openai' ? openAISnippets(input) : anthropicSnippets(input)
}

function openAISnippets({ openaiBaseURL: base, model, apiKey }: SnippetInput): Snippet[] {
  return [
    {
      id: 'openai-curl',
      label: 'curl',
      language: 'Shell',
      code: `curl ${shellWord(`${base}/chat/completions`)} \\
  -H "Content-Type: application/json" \\
  -H ${shellWord(`Authorization: Bearer ${apiKey}`)} \\
  -d ${shellJSON({ model, messages: HELLO })}`,
    },
    {
      id: 'openai-python',
      label: 'OpenAI Python',
      language: 'Python',
      code: `from openai import OpenAI

client = OpenAI(
    base_url=${lit(base)},
    api_key=${lit(apiKey)},
)

reply = client.chat.completions.create(
    model=${lit(model)},
    messages=[{"role": "user", "content": "Hello!"}],
)
print(reply.choices[0].message.content)`,
    },
    {
      id: 'openai-js',
      label: 'OpenAI JS',
      language: 'JavaScript',
      code: `import OpenAI from "openai";

const client = new OpenAI({
  baseURL: ${lit(base)},
  apiKey: ${lit(apiKey)},
});

const reply = await client.chat.completions.create({
  model: ${lit(model)},
  messages: [{ role: "user", content: "Hello!" }],
});
console.log(reply.choices[0].message.content);`,
    },
    {
      id: 'openai-env',
      label: 'OPENAI_BASE_URL tools',
      language: 'Shell',
      code: `# Tools built on the OpenAI SDKs (LangChain, LiteLLM, aider, …) read these:
export OPENAI_BASE_URL=${shellWord(base)}
export OPENAI_API_KEY=${shellWord(apiKey)}
# then choose the model ${shellWord(model)} in the tool, e.g. its --model option`,
    },
  ]
}

function anthropicSnippets({ anthropicBaseURL: base, model, apiKey, smallModel }: SnippetInput): Snippet[] {
  const claudeEnv = [`ANTHROPIC_BASE_URL=${shellWord(base)}`]
  // Claude Code keeps its own login (or ANTHROPIC_API_KEY) unless told
  // otherwise; the proxy swaps in a stored provider key, so only a local
  // access key has to be given here.
  if (apiKey === LOCAL_KEY_PLACEHOLDER) claudeEnv.push(`ANTHROPIC_AUTH_TOKEN=${apiKey}`)
  if (apiKey === PROVIDER_KEY_PLACEHOLDER) claudeEnv.push(`ANTHROPIC_API_KEY=${apiKey}`)
  claudeEnv.push(`ANTHROPIC_MODEL=${shellWord(model)}`, `ANTHROPIC_SMALL_FAST_MODEL=${shellWord(smallModel || model)}`)
  return [
    {
      id: 'anthropic-curl',
      label: 'curl',
      language: 'Shell',
      code: `curl ${shellWord(`${base}/v1/messages`)} \\
  -H "Content-Type: application/json" \\
  -H "anthropic-version: 2023-06-01" \\
  -H ${shellWord(`x-api-key: ${apiKey}`)} \\
  -d ${shellJSON({ model, max_tokens: 1024, messages: HELLO })}`,
    },
    {
      id: 'anthropic-python',
      label: 'Anthropic Python',
      language: 'Python',
      code: `import anthropic

client = anthropic.Anthropic(
    base_url=${lit(base)},
    api_key=${lit(apiKey)},
)

message = client.messages.create(
    model=${lit(model)},
    max_tokens=1024,
    messages=[{"role": "user", "content": "Hello!"}],
)
print(message.content[0].text)`,
    },
    {
      id: 'anthropic-js',
      label: 'Anthropic JS',
      language: 'JavaScript',
      code: `import Anthropic from "@anthropic-ai/sdk";

const client = new Anthropic({
  baseURL: ${lit(base)},
  apiKey: ${lit(apiKey)},
});

const message = await client.messages.create({
  model: ${lit(model)},
  max_tokens: 1024,
  messages: [{ role: "user", content: "Hello!" }],
});
console.log(message.content);`,
    },
    {
      id: 'claude-code',
      label: 'Claude Code',
      language: 'Shell',
      code: `${claudeEnv.join(' \\\n')} \\\nclaude`,
    },
  ]
}

/** The fix for a proxy that would capture requests to this machine. */
export const NO_PROXY_FIX = `export NO_PROXY=127.0.0.1,localhost
export no_proxy=127.0.0.1,localhost`
