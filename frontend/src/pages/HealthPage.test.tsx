import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/react'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { App } from '../App'
import type { CheckResult, Provider } from '../api/types'
import { CHECK_DEGRADED, CHECK_HEALTHY, PROVIDER, SUMMARY, jsonResponse, sentBody, stubApi } from '../test/helpers'
import { FakeSocket, msg } from '../test/fakeSocket'

// uPlot measures the screen when imported, which jsdom cannot: the charts get a stand-in.
const charts = vi.hoisted(() => ({ made: 0 }))
vi.mock('uplot', () => ({
  default: class {
    constructor() {
      charts.made++
    }
    setSize() {}
    destroy() {}
  },
}))

const SECOND: Provider = {
  ...PROVIDER,
  id: 8,
  key: 'anthropic',
  name: 'Anthropic',
  type: 'anthropic',
  base_url: 'https://api.anthropic.com',
  models: [{ alias: 'claude', upstream: 'claude-sonnet-4-5' }],
  health_check_interval_secs: 300,
}

const SECOND_CHECK: CheckResult = {
  ...CHECK_HEALTHY,
  check_id: 'hc_0000000000000003',
  provider_id: 8,
  provider_key: 'anthropic',
  provider_type: 'anthropic',
  models: [{ model: 'claude', upstream_model: 'claude-sonnet-4-5', status: 'healthy', response_time_ms: 640, status_code: 200, error: null }],
  summary: { total_models: 1, healthy_models: 1, unhealthy_models: 0 },
  trigger: 'api',
}

async function click(el: HTMLElement) {
  await act(async () => {
    fireEvent.click(el)
  })
}

function type(el: HTMLElement, value: string) {
  fireEvent.change(el, { target: { value } })
}

function callsTo(mock: ReturnType<typeof stubApi>, route: string) {
  return mock.mock.calls.filter(([url, init]) => `${init?.method ?? 'GET'} ${String(url).split('?')[0]}` === route)
}

/** A fake server: the providers, each one's stored history (newest first), and the summary. */
function stubHealthApi(history: Record<number, CheckResult[]>, extra: Parameters<typeof stubApi>[0] = {}) {
  const historyOf = (id: number) => (_init: RequestInit | undefined, url: string) => {
    const limit = Number(new URL(url, 'http://x').searchParams.get('limit') ?? '50')
    return jsonResponse({ data: (history[id] ?? []).slice(0, limit) })
  }
  return stubApi({
    'GET /admin/v1/providers': () => jsonResponse({ data: [PROVIDER, SECOND] }),
    'GET /admin/v1/providers/7/health/history': historyOf(7),
    'GET /admin/v1/providers/8/health/history': historyOf(8),
    'GET /admin/v1/providers/7/health/summary': () => jsonResponse(SUMMARY),
    'GET /admin/v1/providers/8/health/summary': () => jsonResponse({ ...SUMMARY, provider_id: 8, models: [] }),
    'GET /admin/v1/health/running': () => jsonResponse({ data: [] }),
    ...extra,
  })
}

async function openHealth() {
  window.location.hash = '#/health'
  render(<App />)
  return screen.findByTestId('health-openai')
}

function describedText(el: HTMLElement): string | null | undefined {
  return document.getElementById(el.getAttribute('aria-describedby') ?? '')?.textContent
}

/** The page's live socket, opened. */
async function liveSocket(): Promise<FakeSocket> {
  await waitFor(() => expect(FakeSocket.all.length).toBeGreaterThan(0))
  const sock = FakeSocket.last()
  await act(async () => sock.open())
  return sock
}

async function send(sock: FakeSocket, ...lines: string[]) {
  await act(async () => sock.frame(lines.join('\n')))
}

// Whole-app renders in jsdom are slow on a loaded machine: a generous bound.
describe('Health page', { timeout: 20_000 }, () => {
  beforeEach(() => {
    FakeSocket.reset()
    vi.stubGlobal('WebSocket', FakeSocket)
  })

  it('runs a check with the default options and shows each model, the failing one with the upstream message', async () => {
    const history: Record<number, CheckResult[]> = {}
    let answer: (r: Response) => void = () => {}
    const api = stubHealthApi(history, {
      'POST /admin/v1/providers/7/health': () =>
        new Promise<Response>((resolve) => {
          answer = resolve
        }),
    })
    const row = await openHealth()
    expect(await within(row).findByText('Not checked')).toBeTruthy()
    expect(within(row).getByText('Never')).toBeTruthy()
    expect(within(row).getByText('not scheduled')).toBeTruthy()
    expect(within(screen.getByTestId('health-anthropic')).getByText('every 5 min')).toBeTruthy()
    expect(screen.getByText(/OpenAI has not been checked yet/)).toBeTruthy()

    const run = within(row).getByRole('button', { name: 'Run health check for OpenAI' })
    await click(run)
    const form = screen.getByRole('form', { name: 'Health check options for OpenAI' })
    expect((within(form).getByRole('checkbox', { name: /^gpt-4o/ }) as HTMLInputElement).checked).toBe(true)
    expect((within(form).getByRole('checkbox', { name: /^mini/ }) as HTMLInputElement).checked).toBe(true)
    expect((within(form).getByLabelText('Concurrency') as HTMLInputElement).value).toBe('2')
    expect((within(form).getByLabelText('Timeout (seconds)') as HTMLInputElement).value).toBe('30')

    await click(within(form).getByRole('button', { name: 'Run' }))
    // Running: spinner text, buttons disabled, and no client-side timeout.
    expect(run.textContent).toContain('Checking…')
    expect((run as HTMLButtonElement).disabled).toBe(true)
    expect((within(form).getByRole('button', { name: /Running/ }) as HTMLButtonElement).disabled).toBe(true)
    const posts = callsTo(api, 'POST /admin/v1/providers/7/health')
    expect(posts).toHaveLength(1)
    expect(sentBody(posts[0])).toEqual({ max_concurrent: 2, timeout_secs: 30 })
    expect(posts[0]?.[1]?.signal).toBeUndefined()

    history[7] = [CHECK_DEGRADED]
    await act(async () => {
      answer(jsonResponse(CHECK_DEGRADED))
    })

    expect(screen.queryByRole('form')).toBeNull()
    expect((run as HTMLButtonElement).disabled).toBe(false)
    expect(within(row).getByTestId('provider-status').textContent).toBe('Degraded')
    expect(within(row).getByText('on demand')).toBeTruthy()

    const results = screen.getByTestId('health-results')
    expect(within(results).getByRole('heading', { name: 'Latest check · OpenAI' })).toBeTruthy()
    expect(results.textContent).toContain('1 of 2 models healthy')
    const good = within(results).getByTestId('result-gpt-4o')
    expect(good.textContent).toContain('gpt-4o-2024-08-06')
    expect(good.textContent).toContain('Healthy')
    expect(good.textContent).toContain('412 ms')
    expect(good.textContent).toContain('200')
    const bad = within(results).getByTestId('result-mini')
    expect(bad.textContent).toContain('Unhealthy')
    expect(bad.textContent).toContain('429')
    expect(bad.textContent).toContain('Upstream error')
    const msg = within(bad).getByText('You exceeded your current quota, please check your plan and billing details.')
    expect(msg.getAttribute('title')).toBe(CHECK_DEGRADED.models[1]?.error?.message)

    // The history was fetched again and lists the run, selected.
    const item = await screen.findByTestId(`history-${CHECK_DEGRADED.check_id}`)
    expect(item.getAttribute('aria-current')).toBe('true')
    expect(item.textContent).toContain('1/2 healthy')
    expect(screen.getByText('OpenAI is degraded: 1 of 2 models healthy.')).toBeTruthy()
    // The summary: uptime and p50/p95 per model, and the latency and uptime charts (uPlot).
    const mini = screen.getByTestId('summary-mini')
    expect(mini.textContent).toContain('50%')
    expect(screen.getByRole('img', { name: /Latency of each model's checks over the last 24 hours/ })).toBeTruthy()
    expect(screen.getByRole('img', { name: /Share of healthy checks per model over the last 24 hours/ })).toBeTruthy()
    await waitFor(() => expect(charts.made).toBeGreaterThan(0))
  })

  it('shows the API’s validation error at the option it names, and keeps the panel open', async () => {
    const api = stubHealthApi({}, {
      'POST /admin/v1/providers/7/health': [
        () => jsonResponse({ error: { code: 'invalid_field', message: 'timeout_secs: must be 1..120 seconds, got 500', field: 'timeout_secs' } }, 400),
        () => jsonResponse(CHECK_DEGRADED),
      ],
    })
    const row = await openHealth()
    await click(within(row).getByRole('button', { name: 'Run health check for OpenAI' }))
    const form = screen.getByRole('form', { name: 'Health check options for OpenAI' })

    // Nothing picked: said at the list, nothing sent.
    await click(within(form).getByRole('button', { name: 'Clear' }))
    await click(within(form).getByRole('button', { name: 'Run' }))
    expect(within(form).getByText('Pick at least one model.')).toBeTruthy()
    expect(callsTo(api, 'POST /admin/v1/providers/7/health')).toHaveLength(0)
    await click(within(form).getByRole('checkbox', { name: /^mini/ }))
    expect(within(form).queryByText('Pick at least one model.')).toBeNull()

    const timeout = within(form).getByLabelText('Timeout (seconds)')
    type(timeout, '500')
    await click(within(form).getByRole('button', { name: 'Run' }))
    expect(sentBody(callsTo(api, 'POST /admin/v1/providers/7/health')[0])).toEqual({ models: ['mini'], max_concurrent: 2, timeout_secs: 500 })
    expect(timeout.getAttribute('aria-invalid')).toBe('true')
    expect(describedText(timeout)).toBe('Must be 1..120 seconds, got 500')
    expect(within(form).getByLabelText('Concurrency').getAttribute('aria-invalid')).toBeNull()
    expect((timeout as HTMLInputElement).value).toBe('500')
    expect(screen.getByRole('form', { name: 'Health check options for OpenAI' })).toBe(form)

    // Editing the field clears its error; the next run goes through.
    type(timeout, '20')
    expect(timeout.getAttribute('aria-invalid')).toBeNull()
    await click(within(form).getByRole('button', { name: 'Run' }))
    expect(screen.queryByRole('form')).toBeNull()
  })

  it('picking a check in the history shows that check’s results', async () => {
    stubHealthApi({ 7: [CHECK_DEGRADED, CHECK_HEALTHY] })
    await openHealth()
    const results = screen.getByTestId('health-results')
    expect(await within(results).findByTestId('result-mini')).toBeTruthy()
    expect(results.textContent).toContain('You exceeded your current quota')

    const older = await screen.findByTestId(`history-${CHECK_HEALTHY.check_id}`)
    expect(older.textContent).toContain('by schedule')
    expect(older.textContent).toContain('2/2 healthy')
    await click(older)
    expect(older.getAttribute('aria-current')).toBe('true')
    expect(within(results).getByRole('heading', { name: 'Earlier check · OpenAI' })).toBeTruthy()
    expect(results.textContent).not.toContain('You exceeded your current quota')
    const mini = within(results).getByTestId('result-mini')
    expect(mini.textContent).toContain('Healthy')
    expect(mini.textContent).toContain('retried with max_completion_tokens')

    await click(within(results).getByRole('button', { name: 'Show latest' }))
    expect(within(results).getByRole('heading', { name: 'Latest check · OpenAI' })).toBeTruthy()
    expect(results.textContent).toContain('You exceeded your current quota')
  })

  it('selecting another provider shows its checks', async () => {
    stubHealthApi({ 7: [CHECK_DEGRADED], 8: [SECOND_CHECK] })
    await openHealth()
    await click(screen.getByRole('button', { name: 'Show health of Anthropic' }))
    const results = screen.getByTestId('health-results')
    expect(within(results).getByRole('heading', { name: 'Latest check · Anthropic' })).toBeTruthy()
    expect(await within(results).findByTestId('result-claude')).toBeTruthy()
    expect(await screen.findByText('No checks in the last 24 hours.')).toBeTruthy()
  })

  it('"Check all" checks every provider and reports the outcome', async () => {
    const api = stubHealthApi({}, {
      'POST /admin/v1/health/check': () =>
        jsonResponse({ providers: [CHECK_DEGRADED, SECOND_CHECK], total_providers: 2, healthy_providers: 1, unhealthy_providers: 0 }),
    })
    const row = await openHealth()
    await click(screen.getByRole('button', { name: 'Check all' }))
    expect(callsTo(api, 'POST /admin/v1/health/check')).toHaveLength(1)
    expect(screen.getByText('Checked 2 providers: 1 healthy, 1 degraded.')).toBeTruthy()
    expect(within(row).getByTestId('provider-status').textContent).toBe('Degraded')
    expect(within(screen.getByTestId('health-anthropic')).getByTestId('provider-status').textContent).toBe('Healthy')
    expect(within(screen.getByTestId('health-results')).getByTestId('result-mini')).toBeTruthy()
  })

  it('without providers: an empty state linking to "Add provider"', async () => {
    stubApi({})
    window.location.hash = '#/health'
    render(<App />)
    expect(await screen.findByText('No providers to check')).toBeTruthy()
    expect(screen.getByRole('link', { name: 'Add a provider →' }).getAttribute('href')).toBe('#/providers/new')
    expect(screen.queryByRole('button', { name: 'Check all' })).toBeNull()
  })

  it('a failed provider list offers Retry', async () => {
    stubApi({
      // Failed twice: react-query's one automatic retry does not hide it.
      'GET /admin/v1/providers': [
        () => jsonResponse({ error: { code: 'internal', message: 'database is locked' } }, 500),
        () => jsonResponse({ error: { code: 'internal', message: 'database is locked' } }, 500),
        () => jsonResponse({ data: [PROVIDER] }),
      ],
      'GET /admin/v1/health/running': () => jsonResponse({ data: [] }),
    })
    window.location.hash = '#/health'
    render(<App />)
    // The list is asked again once (react-query's retry) before the error shows.
    expect((await screen.findByRole('alert', {}, { timeout: 4000 })).textContent).toContain('database is locked')
    await click(screen.getByRole('button', { name: 'Retry' }))
    expect(await screen.findByTestId('health-openai')).toBeTruthy()
  })
  it('fills each model’s row as it completes, and cancels the running check', async () => {
    let answer: (r: Response) => void = () => {}
    const api = stubHealthApi({}, {
      'POST /admin/v1/providers/7/health': () =>
        new Promise<Response>((resolve) => {
          answer = resolve
        }),
      'DELETE /admin/v1/health/checks/hc_live': () => new Response(null, { status: 204 }),
    })
    const row = await openHealth()
    const sock = await liveSocket()
    expect(sock.url).toContain('types=health.started,health.model,health.finished')
    await click(within(row).getByRole('button', { name: 'Run health check for OpenAI' }))
    await click(within(screen.getByRole('form')).getByRole('button', { name: 'Run' }))

    await send(sock, msg('health.started', { check_id: 'hc_live', provider_id: 7, provider_key: 'openai', trigger: 'api', models_total: 2 }))
    // The check is seen running: the options panel has done its part.
    expect(screen.queryByRole('form')).toBeNull()
    const results = screen.getByTestId('health-results')
    expect(within(results).getByRole('heading', { name: 'Running check · OpenAI' })).toBeTruthy()
    expect(within(results).getByTestId('result-mini').textContent).toContain('Checking…')

    const fast = { model: 'gpt-4o', upstream_model: 'gpt-4o-2024-08-06', status: 'healthy', response_time_ms: 9, status_code: 200, error: null }
    await send(sock, msg('health.model', { check_id: 'hc_live', provider_id: 7, ...fast }))
    expect(within(results).getByTestId('result-gpt-4o').textContent).toContain('Healthy')
    expect(within(results).getByTestId('result-gpt-4o').textContent).toContain('9 ms')
    expect(within(results).getByTestId('result-mini').textContent).toContain('Checking…')
    expect(results.textContent).toContain('1 of 2 models answered')
    expect(within(row).getByTestId('provider-status').textContent).toContain('1/2')

    await click(within(results).getByRole('button', { name: 'Cancel check' }))
    expect(callsTo(api, 'DELETE /admin/v1/health/checks/hc_live')).toHaveLength(1)

    const cancelled: CheckResult = {
      ...CHECK_HEALTHY,
      check_id: 'hc_live',
      status: 'healthy',
      trigger: 'api',
      checked_at: new Date().toISOString(),
      models: [
        fast as CheckResult['models'][number],
        { model: 'mini', upstream_model: 'gpt-4o-mini', status: 'cancelled', response_time_ms: 3000, status_code: null, error: { type: 'canceled', message: 'the check was cancelled' } },
      ],
      summary: { total_models: 2, healthy_models: 1, unhealthy_models: 0 },
    }
    await send(sock, msg('health.finished', cancelled))
    await act(async () => answer(jsonResponse(cancelled)))
    expect(within(results).getByRole('heading', { name: 'Latest check · OpenAI' })).toBeTruthy()
    expect(within(results).getByTestId('result-mini').textContent).toContain('Cancelled')
    // The average leaves the cancelled model out; the time is when it finished.
    expect(results.textContent).toContain('avg 9 ms · 1 cancelled')
    expect(results.textContent).toContain('finished just now')
  })

  it('attaches to a check already running when the page opens', async () => {
    const running = {
      check_id: 'hc_sched',
      provider_id: 7,
      provider_key: 'openai',
      trigger: 'schedule',
      started_at: '2026-11-25T21:00:00Z',
      models_total: 2,
      models: [{ model: 'gpt-4o', upstream_model: 'gpt-4o-2024-08-06', status: 'healthy', response_time_ms: 11, status_code: 200, error: null }],
    }
    stubHealthApi({ 7: [CHECK_DEGRADED] }, { 'GET /admin/v1/health/running': () => jsonResponse({ data: [running] }) })
    const row = await openHealth()
    const results = screen.getByTestId('health-results')
    expect(await within(results).findByRole('heading', { name: 'Running check · OpenAI' })).toBeTruthy()
    expect(results.textContent).toContain('by schedule')
    expect(within(results).getByTestId('result-gpt-4o').textContent).toContain('11 ms')
    expect(within(results).getByTestId('result-mini').textContent).toContain('Checking…')
    // A second check of the same provider is not offered while it runs.
    expect((within(row).getByRole('button', { name: 'Run health check for OpenAI' }) as HTMLButtonElement).disabled).toBe(true)
  })

  it('a 409 check_running attaches to that check instead of starting a second one', async () => {
    const running = { check_id: 'hc_other', provider_id: 7, provider_key: 'openai', trigger: 'api', started_at: '2026-11-25T21:00:00Z', models_total: 2, models: [] }
    const api = stubHealthApi({}, {
      'GET /admin/v1/health/running': [() => jsonResponse({ data: [] }), () => jsonResponse({ data: [running] })],
      'POST /admin/v1/providers/7/health': () =>
        jsonResponse(
          { error: { code: 'check_running', message: 'provider "openai" is already being checked (check hc_other); …', check_id: 'hc_other' } },
          409,
        ),
    })
    const row = await openHealth()
    await click(within(row).getByRole('button', { name: 'Run health check for OpenAI' }))
    await click(within(screen.getByRole('form')).getByRole('button', { name: 'Run' }))
    const results = screen.getByTestId('health-results')
    expect(await within(results).findByRole('heading', { name: 'Running check · OpenAI' })).toBeTruthy()
    expect(screen.getByText('OpenAI was already being checked: its running check is shown.')).toBeTruthy()
    // No internal id reaches the page.
    expect(document.body.textContent).not.toContain('hc_other')
    expect(callsTo(api, 'POST /admin/v1/providers/7/health')).toHaveLength(1)
  })

  it('a scheduled check’s result appears by itself', async () => {
    const history: Record<number, CheckResult[]> = { 7: [CHECK_HEALTHY] }
    stubHealthApi(history)
    const row = await openHealth()
    await waitFor(() => expect(within(row).getByTestId('provider-status').textContent).toBe('Healthy'))
    const sock = await liveSocket()
    const scheduled: CheckResult = { ...CHECK_DEGRADED, check_id: 'hc_9999999999999999', trigger: 'schedule' }
    history[7] = [scheduled, CHECK_HEALTHY]
    await send(sock, msg('health.finished', scheduled))
    expect(within(row).getByTestId('provider-status').textContent).toBe('Degraded')
    expect(within(row).getByText('by schedule')).toBeTruthy()
    // The history is read again and lists it.
    expect(await screen.findByTestId('history-hc_9999999999999999')).toBeTruthy()
  })

  it('names a provider without models and says "Disabled" once', async () => {
    const empty: Provider = { ...SECOND, id: 9, key: 'local', name: 'Local', models: [], enabled: false }
    const disabledCheck: CheckResult = { ...SECOND_CHECK, check_id: 'hc_0000000000000009', provider_id: 9, status: 'disabled', models: [], summary: { total_models: 0, healthy_models: 0, unhealthy_models: 0 } }
    stubHealthApi({ 9: [disabledCheck] }, {
      'GET /admin/v1/providers': () => jsonResponse({ data: [PROVIDER, empty] }),
      'GET /admin/v1/providers/9/health/history': () => jsonResponse({ data: [disabledCheck] }),
    })
    await openHealth()
    const row = screen.getByTestId('health-local')
    await waitFor(() => expect(within(row).getByTestId('provider-status').textContent).toBe('Disabled'))
    expect(row.textContent).toContain('No models mapped')
    expect(row.textContent).not.toContain('Unknown')
  })
})
