import { describe, expect, it } from 'vitest'
import type { CheckResult, Provider } from '../api/types'
import { defaultAlias, routableAliases, uniqueAliases } from './aliases'
import {
  ANY_KEY,
  LOCAL_KEY_PLACEHOLDER,
  PROVIDER_KEY_PLACEHOLDER,
  connectSnippets,
  shellWord,
  snippetKey,
} from './snippets'

const OPENAI = 'http://127.0.0.1:8750/v1'
const ANTHROPIC = 'http://127.0.0.1:8750'

describe('connectSnippets', () => {
  it('OpenAI alias: curl, OpenAI Python/JS and OPENAI_BASE_URL tools, each with the alias and the /v1 base URL', () => {
    const snippets = connectSnippets({ openaiBaseURL: OPENAI, anthropicBaseURL: ANTHROPIC, model: 'my-fast', dialect: 'openai', apiKey: ANY_KEY })
    expect(snippets.map((s) => s.label)).toEqual(['curl', 'OpenAI Python', 'OpenAI JS', 'OPENAI_BASE_URL tools'])
    for (const s of snippets) {
      expect(s.code, s.id).toContain('my-fast')
      expect(s.code, s.id).toContain(OPENAI)
      expect(s.code, s.id).not.toContain('gpt-4o')
    }
    const curl = snippets[0]!.code
    expect(curl).toContain(`curl ${OPENAI}/chat/completions`)
    expect(curl).toContain(`-d '{"model":"my-fast","messages":[{"role":"user","content":"Hello!"}]}'`)
    expect(curl).toContain("-H 'Authorization: Bearer sluicegate'")
    expect(snippets[1]!.code).toContain(`base_url="${OPENAI}"`)
    expect(snippets[1]!.code).toContain('model="my-fast"')
    expect(snippets[2]!.code).toContain(`baseURL: "${OPENAI}"`)
    expect(snippets[3]!.code).toContain(`export OPENAI_BASE_URL=${OPENAI}`)
  })

  it('Anthropic alias: curl, Anthropic Python/JS and Claude Code with the model env vars, on the root base URL', () => {
    const snippets = connectSnippets({ openaiBaseURL: OPENAI, anthropicBaseURL: ANTHROPIC, model: 'sonnet', dialect: 'anthropic', apiKey: ANY_KEY })
    expect(snippets.map((s) => s.label)).toEqual(['curl', 'Anthropic Python', 'Anthropic JS', 'Claude Code'])
    for (const s of snippets) {
      expect(s.code, s.id).toContain('sonnet')
      expect(s.code, s.id).toContain(ANTHROPIC)
      expect(s.code, s.id).not.toContain('/v1"')
    }
    expect(snippets[0]!.code).toContain(`curl ${ANTHROPIC}/v1/messages`)
    expect(snippets[0]!.code).toContain('anthropic-version: 2023-06-01')
    expect(snippets[1]!.code).toContain(`base_url="${ANTHROPIC}"`)
    expect(snippets[2]!.code).toContain(`baseURL: "${ANTHROPIC}"`)
    const claude = snippets[3]!.code
    expect(claude).toContain(`ANTHROPIC_BASE_URL=${ANTHROPIC}`)
    expect(claude).toContain('ANTHROPIC_MODEL=sonnet')
    expect(claude).toContain('ANTHROPIC_SMALL_FAST_MODEL=sonnet')
    expect(claude).not.toContain('ANTHROPIC_AUTH_TOKEN')
    expect(claude.trim().endsWith('claude')).toBe(true)
  })

  it('uses the placeholder key everywhere when local access keys are set', () => {
    for (const dialect of ['openai', 'anthropic'] as const) {
      const snippets = connectSnippets({ openaiBaseURL: OPENAI, anthropicBaseURL: ANTHROPIC, model: 'm', dialect, apiKey: snippetKey(true, true) })
      for (const s of snippets) {
        expect(s.code, s.id).toContain(LOCAL_KEY_PLACEHOLDER)
        expect(s.code, s.id).not.toContain(`"${ANY_KEY}"`)
      }
    }
  })

  it('quotes an alias with shell-special characters so curl still sends it', () => {
    const [curl] = connectSnippets({ openaiBaseURL: OPENAI, anthropicBaseURL: ANTHROPIC, model: "it's/model", dialect: 'openai', apiKey: ANY_KEY })
    expect(curl!.code).toContain(`'{"model":"it'\\''s/model"`)
  })
})

describe('snippetKey and shellWord', () => {
  it.each([
    [true, true, LOCAL_KEY_PLACEHOLDER],
    [true, false, LOCAL_KEY_PLACEHOLDER],
    [false, true, ANY_KEY],
    [false, false, PROVIDER_KEY_PLACEHOLDER],
  ])('local keys %s, provider key %s → %s', (local, provider, want) => {
    expect(snippetKey(local, provider)).toBe(want)
  })

  it.each([
    ['plain-alias_1.0', 'plain-alias_1.0'],
    ['http://127.0.0.1:8750/v1', 'http://127.0.0.1:8750/v1'],
    ['has space', "'has space'"],
    ["o'neil", "'o'\\''neil'"],
  ])('shellWord(%s) = %s', (input, want) => {
    expect(shellWord(input)).toBe(want)
  })
})

function provider(over: Partial<Provider>): Provider {
  return {
    id: 1, key: 'p', name: 'P', type: 'openai', base_url: 'http://x/v1', api_key: '', enabled: true, translate: true,
    models: [], headers: {}, connect_timeout_secs: 10, response_header_timeout_secs: 600,
    stream_idle_timeout_secs: 300, health_check_interval_secs: 0, created_at: '', updated_at: '',
    ...over,
  }
}

function check(providerId: number, models: Array<[string, 'healthy' | 'degraded' | 'unhealthy' | 'cancelled']>): CheckResult {
  return {
    check_id: 'c', provider_id: providerId, provider_key: '', status: 'healthy', checked_at: '', trigger: 'api',
    avg_response_time_ms: 0, duration_ms: 0,
    summary: { total_models: models.length, healthy_models: 0, unhealthy_models: 0 },
    models: models.map(([model, status]) => ({ model, upstream_model: model, status, response_time_ms: 1, status_code: 200, error: null })),
  } as CheckResult
}

describe('routableAliases', () => {
  const providers = [
    provider({ id: 1, key: 'oa', name: 'OpenAI', api_key: '…abcd', models: [{ alias: 'gpt', upstream: 'gpt-4o' }, { alias: 'mini', upstream: 'gpt-4o-mini' }] }),
    provider({ id: 2, key: 'an', name: '', type: 'anthropic', models: [{ alias: 'sonnet', upstream: 'claude-sonnet' }] }),
    provider({ id: 3, key: 'off', enabled: false, models: [{ alias: 'hidden', upstream: 'h' }] }),
    provider({ id: 4, key: 'oa2', models: [{ alias: 'gpt', upstream: 'gpt-4o' }] }),
  ]
  const checks = new Map([[1, check(1, [['gpt', 'healthy'], ['mini', 'unhealthy']])]])

  it('lists enabled providers’ aliases with provider, dialect, key and last health, sorted', () => {
    const got = routableAliases(providers, checks)
    expect(got.map((a) => [a.alias, a.providerKey, a.providerName, a.dialect, a.providerHasKey, a.health])).toEqual([
      ['gpt', 'oa', 'OpenAI', 'openai', true, 'healthy'],
      ['gpt', 'oa2', 'P', 'openai', false, 'unchecked'],
      ['mini', 'oa', 'OpenAI', 'openai', true, 'unhealthy'],
      ['sonnet', 'an', 'an', 'anthropic', false, 'unchecked'],
    ])
  })

  it('keeps a model’s own status (cancelled is not unhealthy): one vocabulary with Health', () => {
    const got = routableAliases(providers, new Map([[1, check(1, [['gpt', 'cancelled'], ['mini', 'degraded']])]]))
    expect(got.filter((a) => a.providerKey === 'oa').map((a) => [a.alias, a.health])).toEqual([
      ['gpt', 'cancelled'],
      ['mini', 'degraded'],
    ])
  })

  it('offers each alias once and defaults to the remembered, else the first healthy one', () => {
    const opts = uniqueAliases(routableAliases(providers, checks))
    expect(opts.map((a) => a.alias)).toEqual(['gpt', 'mini', 'sonnet'])
    expect(defaultAlias(opts, 'sonnet')?.alias).toBe('sonnet')
    expect(defaultAlias(opts, 'gone')?.alias).toBe('gpt')
    expect(defaultAlias([], null)).toBeUndefined()
  })
})
