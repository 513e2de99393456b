// Client set-up snippets for the Connect page, built from the live base URLs.

export interface Snippet {
  id: string
  label: string
  language: string
  code: string
}

/** Example aliases; the comment next to each says where real ones come from. */
const OPENAI_MODEL = 'gpt-4o'
const ANTHROPIC_MODEL = 'claude-sonnet-4-5'

export function openAISnippets(baseURL: string): Snippet[] {
  return [
    {
      id: 'openai-python',
      label: 'Python',
      language: 'Python',
      code: `from openai import OpenAI

client = OpenAI(
    base_url="${baseURL}",
    api_key="sluicegate",  # see "About keys" below
)

reply = client.chat.completions.create(
    model="${OPENAI_MODEL}",  # a model alias from Providers
    messages=[{"role": "user", "content": "Hello!"}],
)
print(reply.choices[0].message.content)`,
    },
    {
      id: 'openai-typescript',
      label: 'TypeScript',
      language: 'TypeScript',
      code: `import OpenAI from "openai";

const client = new OpenAI({
  baseURL: "${baseURL}",
  apiKey: "sluicegate", // see "About keys" below
});

const reply = await client.chat.completions.create({
  model: "${OPENAI_MODEL}", // a model alias from Providers
  messages: [{ role: "user", content: "Hello!" }],
});
console.log(reply.choices[0].message.content);`,
    },
    {
      id: 'openai-curl',
      label: 'curl',
      language: 'Shell',
      code: `curl ${baseURL}/chat/completions \\
  -H "Content-Type: application/json" \\
  -d '{"model": "${OPENAI_MODEL}", "messages": [{"role": "user", "content": "Hello!"}]}'`,
    },
  ]
}

export function anthropicSnippets(baseURL: string): Snippet[] {
  return [
    {
      id: 'anthropic-python',
      label: 'Python',
      language: 'Python',
      code: `import anthropic

client = anthropic.Anthropic(
    base_url="${baseURL}",
    api_key="sluicegate",  # see "About keys" below
)

message = client.messages.create(
    model="${ANTHROPIC_MODEL}",  # a model alias from Providers
    max_tokens=1024,
    messages=[{"role": "user", "content": "Hello!"}],
)
print(message.content[0].text)`,
    },
    {
      id: 'anthropic-typescript',
      label: 'TypeScript',
      language: 'TypeScript',
      code: `import Anthropic from "@anthropic-ai/sdk";

const client = new Anthropic({
  baseURL: "${baseURL}",
  apiKey: "sluicegate", // see "About keys" below
});

const message = await client.messages.create({
  model: "${ANTHROPIC_MODEL}", // a model alias from Providers
  max_tokens: 1024,
  messages: [{ role: "user", content: "Hello!" }],
});
console.log(message.content);`,
    },
  ]
}

/** Claude Code reads ANTHROPIC_BASE_URL from its environment. */
export function claudeCodeSnippet(anthropicBaseURL: string): string {
  return `ANTHROPIC_BASE_URL=${anthropicBaseURL} claude`
}

/** Both official SDK families read their base URL from these variables. */
export function envSnippet(openAIBaseURL: string, anthropicBaseURL: string): string {
  return `export OPENAI_BASE_URL=${openAIBaseURL}
export ANTHROPIC_BASE_URL=${anthropicBaseURL}`
}
