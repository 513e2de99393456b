import { act, fireEvent, render, screen, within } from '@testing-library/react'
import { describe, expect, it } from 'vitest'
import { App } from '../App'
import { PRESETS, PROVIDER, STATUS, jsonResponse, sentBody, stubApi } from '../test/helpers'

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
  })

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
})
