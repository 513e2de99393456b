import { act, fireEvent, render, screen, within } from '@testing-library/react'
import { describe, expect, it } from 'vitest'
import { App } from '../App'
import { CHECK_DEGRADED, PRESETS, PROVIDER, STATUS, jsonResponse, sentBody, stubApi } from '../test/helpers'
import { FakeSocket } from '../test/fakeSocket'

function input(dialog: HTMLElement, name: string): HTMLInputElement {
  return within(dialog).getByLabelText(name) as HTMLInputElement
}

function type(el: HTMLElement, value: string) {
  fireEvent.change(el, { target: { value } })
}

async function click(el: HTMLElement) {
  await act(async () => {
    fireEvent.click(el)
  })
}

function callsTo(mock: ReturnType<typeof stubApi>, route: string) {
  return mock.mock.calls.filter(([url, init]) => `${init?.method ?? 'GET'} ${url}` === route)
}

describe('Providers page', () => {
  it('shows a provider added elsewhere as soon as the live stream says so', { timeout: 20_000 }, async () => {
    const api = stubApi({
      'GET /admin/v1/providers': [() => jsonResponse({ data: [] }), () => jsonResponse({ data: [PROVIDER] })],
    })
    render(<App />)
    expect(await screen.findByText('No providers yet')).toBeTruthy()
    const sock = FakeSocket.all.find((s) => s.url.includes('provider.changed'))
    if (!sock) throw new Error('the page does not follow provider.changed')
    await act(async () => {
      sock.open()
      sock.frame(JSON.stringify({ type: 'provider.changed', ts: '2026-11-27T00:00:00Z', data: { id: 7, action: 'created' } }))
    })
    // The provider's row (its name shows elsewhere too once the page's
    // other data arrives, so the name alone may match twice).
    const row = await screen.findByTestId('provider-openai')
    expect(within(row).getByRole('rowheader').textContent).toContain('OpenAI')
    expect(callsTo(api, 'GET /admin/v1/providers').length).toBeGreaterThanOrEqual(2)
  })

  it('adds a provider from a preset; a 409 on the second alias shows at that row and keeps the input', async () => {
    const created = { ...PROVIDER, id: 1, models: [{ alias: 'gpt-4o', upstream: 'gpt-4o-2024-08-06' }, { alias: 'fast', upstream: 'gpt-4o-mini' }] }
    const api = stubApi({
      'GET /admin/v1/presets': () => jsonResponse({ data: PRESETS }),
      'POST /admin/v1/providers': [
        () =>
          jsonResponse(
            { error: { code: 'conflict', message: 'alias "fast" is already served by the enabled provider "groq"', field: 'models[1].alias' } },
            409,
          ),
        () => jsonResponse(created, 201),
      ],
    })
    render(<App />)
    expect(await screen.findByText('No providers yet')).toBeTruthy()
    await click(screen.getAllByRole('button', { name: 'Add provider' })[0]!)

    const picker = screen.getByRole('dialog', { name: 'Add provider' })
    expect(within(picker).getByRole('button', { name: /Custom/ })).toBeTruthy()
    await click(within(picker).getByRole('button', { name: /^OpenAI,/ }))

    const dialog = screen.getByRole('dialog', { name: 'Add OpenAI' })
    expect(input(dialog, 'Key').value).toBe('openai')
    expect(input(dialog, 'Name').value).toBe('OpenAI')
    expect(input(dialog, 'Base URL').value).toBe('https://api.openai.com/v1')
    expect((within(dialog).getByRole('radio', { name: 'OpenAI-compatible' }) as HTMLInputElement).checked).toBe(true)
    expect(input(dialog, 'API key').type).toBe('password')

    type(input(dialog, 'API key'), 'sk-secret-9999')
    type(input(dialog, 'Model 1 alias'), 'gpt-4o')
    type(input(dialog, 'Model 1 upstream model'), 'gpt-4o-2024-08-06')
    await click(within(dialog).getByRole('button', { name: 'Add model' }))
    type(input(dialog, 'Model 2 alias'), 'fast')
    type(input(dialog, 'Model 2 upstream model'), 'gpt-4o-mini')
    await click(within(dialog).getByRole('button', { name: 'Add provider' }))

    const alias2 = input(dialog, 'Model 2 alias')
    expect(alias2.getAttribute('aria-invalid')).toBe('true')
    const describedBy = alias2.getAttribute('aria-describedby') ?? ''
    expect(document.getElementById(describedBy)?.textContent).toMatch(/already served by the enabled provider "groq"/)
    expect(input(dialog, 'Model 1 alias').getAttribute('aria-invalid')).toBeNull()
    // Nothing typed is lost.
    expect(alias2.value).toBe('fast')
    expect(input(dialog, 'API key').value).toBe('sk-secret-9999')
    expect(screen.getByRole('dialog', { name: 'Add OpenAI' })).toBe(dialog)

    await click(within(dialog).getByRole('button', { name: 'Add provider' }))
    expect(screen.queryByRole('dialog')).toBeNull()
    const posts = callsTo(api, 'POST /admin/v1/providers')
    expect(posts).toHaveLength(2)
    expect(sentBody(posts[1])).toMatchObject({
      key: 'openai',
      type: 'openai',
      base_url: 'https://api.openai.com/v1',
      api_key: 'sk-secret-9999',
      models: created.models,
    })
    const row = screen.getByTestId('provider-openai')
    expect(within(row).getByText('2 models')).toBeTruthy()
    expect(within(row).getByText('…abcd')).toBeTruthy()
    expect(screen.getByText('Added OpenAI.').closest('[role="status"]')).toBeTruthy()
    // The status bar's provider count is fetched again.
    expect(callsTo(api, 'GET /admin/v1/status').length).toBeGreaterThanOrEqual(2)
    // The first test of the file also pays for the app's first render; the machine may be shared.
  }, 20_000)

  it('a 400 for base_url shows at the Base URL field, without the field-name prefix', async () => {
    stubApi({
      'POST /admin/v1/providers': () =>
        jsonResponse({ error: { code: 'invalid_field', message: 'base_url: must be an absolute http:// or https:// URL', field: 'base_url' } }, 400),
    })
    render(<App />)
    await click(await screen.findByRole('button', { name: 'Add provider' }))
    await click(within(screen.getByRole('dialog')).getByRole('button', { name: /Custom/ }))
    const dialog = screen.getByRole('dialog', { name: 'Add a custom provider' })
    type(input(dialog, 'Key'), 'x')
    type(input(dialog, 'Base URL'), 'ftp://x')
    type(input(dialog, 'Model 1 alias'), 'm')
    type(input(dialog, 'Model 1 upstream model'), 'm')
    await click(within(dialog).getByRole('button', { name: 'Add provider' }))
    const url = input(dialog, 'Base URL')
    expect(url.getAttribute('aria-invalid')).toBe('true')
    expect(within(dialog).getByText('Must be an absolute http:// or https:// URL')).toBeTruthy()
    expect(url.value).toBe('ftp://x')
  })

  it('edits with PUT: no api_key unless typed, "" after Remove key', async () => {
    const api = stubApi({
      'GET /admin/v1/providers': () => jsonResponse({ data: [PROVIDER] }),
      'PUT /admin/v1/providers/7': (init) => jsonResponse({ ...PROVIDER, ...(JSON.parse(String(init?.body)) as object), api_key: '' }),
    })
    render(<App />)
    await click(await screen.findByRole('button', { name: 'Edit OpenAI' }))
    let dialog = screen.getByRole('dialog', { name: 'Edit OpenAI' })
    expect(input(dialog, 'API key').value).toBe('')
    expect(within(dialog).getByText(/leave empty to keep/).textContent).toContain('Stored key …abcd')
    expect(input(dialog, 'Model 2 upstream model').value).toBe('gpt-4o-mini')
    expect(input(dialog, 'Header 1 name').value).toBe('OpenAI-Organization')
    type(input(dialog, 'Model 2 upstream model'), 'gpt-4.1-mini')
    await click(within(dialog).getByRole('button', { name: 'Save changes' }))
    let puts = callsTo(api, 'PUT /admin/v1/providers/7')
    expect(sentBody(puts[0])).not.toHaveProperty('api_key')
    expect(sentBody(puts[0])).toMatchObject({ key: 'openai', models: [PROVIDER.models[0], { alias: 'mini', upstream: 'gpt-4.1-mini' }] })

    await click(screen.getByRole('button', { name: 'Edit OpenAI' }))
    dialog = screen.getByRole('dialog', { name: 'Edit OpenAI' })
    // The saved provider came back without a key, so there is nothing to remove now.
    expect(within(dialog).queryByRole('button', { name: 'Remove key' })).toBeNull()
    await click(within(dialog).getByRole('button', { name: 'Cancel' }))
    expect(screen.queryByRole('dialog')).toBeNull()
  })

  it('"Remove key" sends api_key "" with the PUT', async () => {
    const api = stubApi({
      'GET /admin/v1/providers': () => jsonResponse({ data: [PROVIDER] }),
      'PUT /admin/v1/providers/7': () => jsonResponse({ ...PROVIDER, api_key: '' }),
    })
    render(<App />)
    await click(await screen.findByRole('button', { name: 'Edit OpenAI' }))
    const dialog = screen.getByRole('dialog', { name: 'Edit OpenAI' })
    await click(within(dialog).getByRole('button', { name: 'Remove key' }))
    expect(within(dialog).getByText(/will be removed when you save/)).toBeTruthy()
    await click(within(dialog).getByRole('button', { name: 'Save changes' }))
    expect(sentBody(callsTo(api, 'PUT /admin/v1/providers/7')[0])).toMatchObject({ api_key: '' })
    expect(within(screen.getByTestId('provider-openai')).getAllByText('no stored key').length).toBeGreaterThan(0)
  })

  it('the enabled switch PATCHes {"enabled":false}, and a refusal is shown', async () => {
    const api = stubApi({
      'GET /admin/v1/providers': () => jsonResponse({ data: [PROVIDER] }),
      'PATCH /admin/v1/providers/7': [
        () => jsonResponse({ ...PROVIDER, enabled: false }),
        () => jsonResponse({ error: { code: 'conflict', message: 'alias "gpt-4o" is already served', field: 'models[0].alias' } }, 409),
      ],
    })
    render(<App />)
    const sw = await screen.findByRole('switch', { name: 'Enable OpenAI' })
    expect(sw.getAttribute('aria-checked')).toBe('true')
    await click(sw)
    expect(sentBody(callsTo(api, 'PATCH /admin/v1/providers/7')[0])).toEqual({ enabled: false })
    expect(screen.getByRole('switch', { name: 'Enable OpenAI' }).getAttribute('aria-checked')).toBe('false')
    await click(screen.getByRole('switch', { name: 'Enable OpenAI' }))
    expect(screen.getByRole('alert').textContent).toContain('Could not enable OpenAI: alias "gpt-4o" is already served')
    expect(screen.getByRole('switch', { name: 'Enable OpenAI' }).getAttribute('aria-checked')).toBe('false')
  })

  it('delete asks in a dialog naming the provider, and Cancel keeps it', async () => {
    const api = stubApi({
      'GET /admin/v1/providers': () => jsonResponse({ data: [PROVIDER] }),
      'DELETE /admin/v1/providers/7': () => new Response(null, { status: 204 }),
      'GET /admin/v1/status': () => jsonResponse({ ...STATUS, providers: 1 }),
    })
    render(<App />)
    expect(await screen.findByTestId('statusbar-providers')).toBeTruthy()
    await click(await screen.findByRole('button', { name: 'Delete OpenAI' }))
    let confirm = screen.getByRole('alertdialog', { name: 'Delete OpenAI?' })
    expect(confirm.textContent).toMatch(/health history goes with it/)
    await click(within(confirm).getByRole('button', { name: 'Cancel' }))
    expect(callsTo(api, 'DELETE /admin/v1/providers/7')).toHaveLength(0)
    expect(screen.getByTestId('provider-openai')).toBeTruthy()

    await click(screen.getByRole('button', { name: 'Delete OpenAI' }))
    confirm = screen.getByRole('alertdialog', { name: 'Delete OpenAI?' })
    await click(within(confirm).getByRole('button', { name: 'Delete provider' }))
    expect(callsTo(api, 'DELETE /admin/v1/providers/7')).toHaveLength(1)
    expect(screen.queryByTestId('provider-openai')).toBeNull()
    expect(screen.getByText('No providers yet')).toBeTruthy()
  })

  it('#/providers/new (the Connect page link) opens "Add provider"', async () => {
    window.location.hash = '#/providers/new'
    stubApi({ 'GET /admin/v1/presets': () => jsonResponse({ data: PRESETS }) })
    render(<App />)
    expect(screen.getByRole('dialog', { name: 'Add provider' })).toBeTruthy()
    expect(await screen.findByRole('button', { name: /^Ollama \(local\),/ })).toBeTruthy()
    expect(window.location.hash).toBe('#/providers')
  })

  it('"Fetch models" lists the upstream’s models as checkboxes; the ticked ones are saved as aliases', async () => {
    const api = stubApi({
      'GET /admin/v1/presets': () => jsonResponse({ data: PRESETS }),
      'POST /admin/v1/providers/discover': () =>
        jsonResponse({ reachable: true, status_code: 200, latency_ms: 12, models: [{ id: 'llama3' }, { id: 'qwen2' }], error: null }),
      'POST /admin/v1/providers': (init) => jsonResponse({ ...PROVIDER, id: 3, key: 'ollama', models: (JSON.parse(String(init?.body)) as { models: unknown }).models }, 201),
    })
    render(<App />)
    await click((await screen.findAllByRole('button', { name: 'Add provider' }))[0]!)
    await click(within(screen.getByRole('dialog')).getByRole('button', { name: /^Ollama/ }))
    const dialog = screen.getByRole('dialog', { name: 'Add Ollama (local)' })
    await click(within(dialog).getByRole('button', { name: 'Fetch models' }))
    expect(sentBody(callsTo(api, 'POST /admin/v1/providers/discover')[0])).toEqual({ type: 'openai', base_url: 'http://127.0.0.1:11434/v1' })
    expect(within(dialog).getByTestId('probe-result').textContent).toBe('Connected: HTTP 200 in 12 ms, 2 models listed.')
    await click(within(dialog).getByRole('checkbox', { name: 'qwen2' }))
    expect(input(dialog, 'Model 1 alias').value).toBe('qwen2')
    await click(within(dialog).getByRole('button', { name: 'Add provider' }))
    expect(sentBody(callsTo(api, 'POST /admin/v1/providers')[0])).toMatchObject({ models: [{ alias: 'qwen2', upstream: 'qwen2' }] })
    expect(screen.queryByRole('dialog')).toBeNull()
  })

  it('"Test connection" shows the provider’s own error message', async () => {
    stubApi({
      'GET /admin/v1/presets': () => jsonResponse({ data: PRESETS }),
      'POST /admin/v1/providers/discover': () =>
        jsonResponse({ reachable: true, status_code: 401, latency_ms: 30, models: [], error: { type: 'upstream_error', message: 'Incorrect API key provided' } }),
    })
    render(<App />)
    await click((await screen.findAllByRole('button', { name: 'Add provider' }))[0]!)
    await click(within(screen.getByRole('dialog')).getByRole('button', { name: /^OpenAI,/ }))
    const dialog = screen.getByRole('dialog', { name: 'Add OpenAI' })
    // The preset's typical models are offered before anything is fetched.
    expect(within(dialog).getByRole('checkbox', { name: 'gpt-4o-mini' })).toBeTruthy()
    await click(within(dialog).getByRole('button', { name: 'Test connection' }))
    expect(within(dialog).getByTestId('probe-result').textContent).toBe('Reachable, but it answered HTTP 401 in 30 ms: Incorrect API key provided')
  })

  it('saving with no models warns first and sends nothing until confirmed', async () => {
    const api = stubApi({ 'POST /admin/v1/providers': () => jsonResponse({ ...PROVIDER, models: [] }, 201) })
    render(<App />)
    await click(await screen.findByRole('button', { name: 'Add provider' }))
    await click(within(screen.getByRole('dialog')).getByRole('button', { name: /Custom/ }))
    const dialog = screen.getByRole('dialog', { name: 'Add a custom provider' })
    type(input(dialog, 'Key'), 'x')
    type(input(dialog, 'Base URL'), 'https://api.example.com/v1')
    await click(within(dialog).getByRole('button', { name: 'Add provider' }))
    expect(within(dialog).getByRole('alert').textContent).toMatch(/No models are mapped/)
    expect(callsTo(api, 'POST /admin/v1/providers')).toHaveLength(0)
    await click(within(dialog).getByRole('button', { name: 'save without models' }))
    expect(callsTo(api, 'POST /admin/v1/providers')).toHaveLength(1)
    expect(screen.queryByRole('dialog')).toBeNull()
  })

  it('an endpoint base URL refused by the API offers its suggested base URL in one click', async () => {
    stubApi({
      'POST /admin/v1/providers': () =>
        jsonResponse(
          {
            error: {
              code: 'invalid_field',
              field: 'base_url',
              message:
                'base_url: must be the API\'s base URL, not an endpoint: it ends in /chat/completions, which Sluicegate appends itself; use "https://api.example.com/v1"',
            },
          },
          400,
        ),
    })
    render(<App />)
    await click(await screen.findByRole('button', { name: 'Add provider' }))
    await click(within(screen.getByRole('dialog')).getByRole('button', { name: /Custom/ }))
    const dialog = screen.getByRole('dialog', { name: 'Add a custom provider' })
    type(input(dialog, 'Key'), 'x')
    type(input(dialog, 'Base URL'), 'https://api.example.com/v1/chat/completions')
    type(input(dialog, 'Model 1 alias'), 'm')
    await click(within(dialog).getByRole('button', { name: 'Add provider' }))
    expect(input(dialog, 'Base URL').getAttribute('aria-invalid')).toBe('true')
    await click(within(dialog).getByRole('button', { name: 'Use https://api.example.com/v1' }))
    expect(input(dialog, 'Base URL').value).toBe('https://api.example.com/v1')
    expect(input(dialog, 'Base URL').getAttribute('aria-invalid')).toBeNull()
  })

  it('each row shows its last check, last hour’s traffic and last error; "Check now" while one runs says so', async () => {
    const api = stubApi({
      'GET /admin/v1/providers': () => jsonResponse({ data: [PROVIDER] }),
      'GET /admin/v1/providers/7/health/history': () => jsonResponse({ data: [CHECK_DEGRADED] }),
      'GET /admin/v1/stats': () =>
        jsonResponse({
          window: '1h',
          requests: 40,
          errors: 3,
          by_status: {},
          by_provider: [{ provider_key: 'openai', requests: 40, errors: 3, latency_p50_ms: 1, latency_p95_ms: 2, ttfb_p50_ms: 1, prompt_tokens: 0, completion_tokens: 0 }],
          by_model: [],
        }),
      'POST /admin/v1/providers/7/health': () =>
        jsonResponse({ error: { code: 'check_running', message: 'a check of this provider is running', check_id: 'hc_1' } }, 409),
    })
    render(<App />)
    const row = await screen.findByTestId('provider-openai')
    expect(await within(row).findByText('Degraded')).toBeTruthy()
    expect(within(row).getByTestId('provider-health').textContent).toMatch(/412 ms · finished/)
    expect(within(row).getByText(/mini: You exceeded your current quota/)).toBeTruthy()
    expect(await within(row).findByText('40 requests')).toBeTruthy()
    expect(within(row).getByText('7.5% errors')).toBeTruthy()
    expect(api.mock.calls.some(([url]) => String(url) === '/admin/v1/providers/7/health/history?limit=1')).toBe(true)
    await click(within(row).getByRole('button', { name: 'Check OpenAI now' }))
    expect(screen.getByText(/A health check of OpenAI is already running/)).toBeTruthy()
  })
})
