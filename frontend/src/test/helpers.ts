import { vi } from 'vitest'
import type { CheckResult, HealthSummary, Preset, Provider, Status } from '../api/types'

export const STATUS: Status = {
  version: '0.1.0',
  addr: '127.0.0.1:8750',
  openai_base_url: 'http://127.0.0.1:8750/v1',
  anthropic_base_url: 'http://127.0.0.1:8750',
  data_dir: '/root/.config/sluicegate',
  started_at: '2026-11-25T21:00:00Z',
  providers: 0,
  proxy_env: { http_proxy: false, https_proxy: false, all_proxy: false, no_proxy_covers_loopback: false, loopback_proxied: false },
}

export function jsonResponse(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json' },
  })
}

/** Stubs global fetch with a mock that answers in order, then repeats the last answer. */
export function stubFetch(...answers: Array<() => Promise<Response>>) {
  let i = 0
  const fn = vi.fn((_input: RequestInfo | URL, _init?: RequestInit): Promise<Response> => {
    const answer = answers[Math.min(i, answers.length - 1)]
    i++
    if (!answer) return Promise.reject(new Error('no answer configured'))
    return answer()
  })
  vi.stubGlobal('fetch', fn)
  return fn
}

/** Installs navigator.clipboard (jsdom has none); returns its writeText mock. */
export function stubClipboard(writeText: (text: string) => Promise<void>) {
  const mock = vi.fn(writeText)
  Object.defineProperty(navigator, 'clipboard', {
    value: { writeText: mock },
    configurable: true,
  })
  return mock
}

export function removeClipboard() {
  Object.defineProperty(navigator, 'clipboard', { value: undefined, configurable: true })
}

/** Installs document.execCommand (jsdom has none); returns its mock. */
export function stubExecCommand(result: boolean) {
  const mock = vi.fn((_command: string) => result)
  Object.defineProperty(document, 'execCommand', { value: mock, configurable: true, writable: true })
  return mock
}

type Answer = (init: RequestInit | undefined, url: string) => Promise<Response> | Response

/**
 * Stubs global fetch with answers by "METHOD /path" (query ignored). A list
 * answers in order, then repeats its last entry. The providers list and the
 * presets default to empty; any other unknown route is a 404.
 */
export function stubApi(routes: Record<string, Answer | Answer[]>) {
  const calls = new Map<string, number>()
  const fn = vi.fn(async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url
    const route = `${(init?.method ?? 'GET').toUpperCase()} ${url.split('?')[0]}`
    const entry = routes[route]
    const n = calls.get(route) ?? 0
    calls.set(route, n + 1)
    const answer = Array.isArray(entry) ? entry[Math.min(n, entry.length - 1)] : entry
    if (answer) return answer(init, url)
    if (route === 'GET /admin/v1/providers' || route === 'GET /admin/v1/presets') return jsonResponse({ data: [] })
    if (route === 'GET /admin/v1/status') return jsonResponse(STATUS)
    return jsonResponse({ error: { code: 'not_found', message: `no stub for ${route}` } }, 404)
  })
  vi.stubGlobal('fetch', fn)
  return fn
}

/** The JSON body a fetch mock call sent. */
export function sentBody(call: unknown[] | undefined): unknown {
  const init = call?.[1] as RequestInit | undefined
  return typeof init?.body === 'string' ? (JSON.parse(init.body) as unknown) : undefined
}

/** A stored provider as GET returns it (the key masked). */
export const PROVIDER: Provider = {
  id: 7,
  key: 'openai',
  name: 'OpenAI',
  type: 'openai',
  base_url: 'https://api.openai.com/v1',
  api_key: '…abcd',
  enabled: true,
  translate: true,
  models: [
    { alias: 'gpt-4o', upstream: 'gpt-4o-2024-08-06' },
    { alias: 'mini', upstream: 'gpt-4o-mini' },
  ],
  headers: { 'OpenAI-Organization': 'org-1' },
  connect_timeout_secs: 10,
  response_header_timeout_secs: 600,
  stream_idle_timeout_secs: 300,
  health_check_interval_secs: 0,
  created_at: '2026-11-25T21:00:00Z',
  updated_at: '2026-11-25T21:00:00Z',
}

export const PRESETS: Preset[] = [
  { id: 'openai', name: 'OpenAI', type: 'openai', base_url: 'https://api.openai.com/v1', local: false, key_hint: 'sk-…', models: ['gpt-4o', 'gpt-4o-mini'] },
  { id: 'anthropic', name: 'Anthropic', type: 'anthropic', base_url: 'https://api.anthropic.com', local: false, models: ['claude-sonnet-4-5'] },
  { id: 'ollama', name: 'Ollama (local)', type: 'openai', base_url: 'http://127.0.0.1:11434/v1', local: true, models: [] },
]

/** A degraded check of PROVIDER: gpt-4o answered, mini hit a 429 with the provider's message. */
export const CHECK_DEGRADED: CheckResult = {
  check_id: 'hc_0000000000000002',
  provider_id: 7,
  provider_key: 'openai',
  provider_type: 'openai',
  status: 'degraded',
  models: [
    { model: 'gpt-4o', upstream_model: 'gpt-4o-2024-08-06', status: 'healthy', response_time_ms: 412, status_code: 200, error: null },
    {
      model: 'mini',
      upstream_model: 'gpt-4o-mini',
      status: 'unhealthy',
      response_time_ms: 98,
      status_code: 429,
      error: { type: 'upstream_error', message: 'You exceeded your current quota, please check your plan and billing details.' },
    },
  ],
  summary: { total_models: 2, healthy_models: 1, unhealthy_models: 1 },
  avg_response_time_ms: 255,
  checked_at: '2026-11-25T21:00:00Z',
  duration_ms: 415,
  trigger: 'api',
}

/** An older, healthy, scheduled check of PROVIDER, with a note from the adapted probe. */
export const CHECK_HEALTHY: CheckResult = {
  check_id: 'hc_0000000000000001',
  provider_id: 7,
  provider_key: 'openai',
  provider_type: 'openai',
  status: 'healthy',
  models: [
    { model: 'gpt-4o', upstream_model: 'gpt-4o-2024-08-06', status: 'healthy', response_time_ms: 380, status_code: 200, error: null },
    {
      model: 'mini',
      upstream_model: 'gpt-4o-mini',
      status: 'healthy',
      response_time_ms: 120,
      status_code: 200,
      error: null,
      note: 'retried with max_completion_tokens (the model rejected max_tokens)',
    },
  ],
  summary: { total_models: 2, healthy_models: 2, unhealthy_models: 0 },
  avg_response_time_ms: 250,
  checked_at: '2026-11-25T20:00:00Z',
  duration_ms: 390,
  trigger: 'schedule',
}

export const SUMMARY: HealthSummary = {
  provider_id: 7,
  window: '24h',
  from: '2026-11-24T21:00:00Z',
  to: '2026-11-25T21:00:00Z',
  models: [
    {
      model: 'gpt-4o',
      uptime_percent: 100,
      checks: 2,
      p50_ms: 380,
      p95_ms: 412,
      last_status: 'healthy',
      last_checked_at: '2026-11-25T21:00:00Z',
      series: [
        { at: '2026-11-25T20:00:00Z', response_time_ms: 380, status: 'healthy' },
        { at: '2026-11-25T21:00:00Z', response_time_ms: 412, status: 'healthy' },
      ],
    },
    {
      model: 'mini',
      uptime_percent: 50,
      checks: 2,
      p50_ms: 98,
      p95_ms: 120,
      last_status: 'unhealthy',
      last_checked_at: '2026-11-25T21:00:00Z',
      series: [
        { at: '2026-11-25T20:00:00Z', response_time_ms: 120, status: 'healthy' },
        { at: '2026-11-25T21:00:00Z', response_time_ms: 98, status: 'unhealthy' },
      ],
    },
  ],
}
