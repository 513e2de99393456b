import { act, fireEvent, render, screen, within } from '@testing-library/react'
import { describe, expect, it, vi } from 'vitest'
import { App } from './App'
import { STATUS, jsonResponse, removeClipboard, stubApi, stubClipboard, stubExecCommand, stubFetch } from './test/helpers'

function statusBar() {
  return screen.getByRole('contentinfo', { name: 'Proxy status' })
}

describe('status bar', () => {
  it('fetches the status again on navigation, so a provider added elsewhere is counted', async () => {
    stubApi({
      'GET /admin/v1/status': [
        async () => jsonResponse({ ...STATUS, providers: 0 }),
        async () => jsonResponse({ ...STATUS, providers: 2 }),
      ],
    })
    window.location.hash = '#/providers'
    render(<App />)
    expect(await within(statusBar()).findByText('0 providers')).toBeTruthy()
    await act(async () => {
      window.location.hash = '#/connect'
      window.dispatchEvent(new HashChangeEvent('hashchange'))
    })
    expect(await within(statusBar()).findByText('2 providers')).toBeTruthy()
  })

  it('shows both base URLs and the version from /admin/v1/status', async () => {
    stubFetch(async () => jsonResponse(STATUS))
    render(<App />)
    const bar = statusBar()
    expect(within(bar).getByText(/Connecting/)).toBeTruthy()
    expect(await within(bar).findByText('http://127.0.0.1:8750/v1')).toBeTruthy()
    expect(within(bar).getByText('http://127.0.0.1:8750')).toBeTruthy()
    expect(within(bar).getByText('v0.1.0')).toBeTruthy()
    expect(within(bar).getByRole('button', { name: 'Copy OpenAI base URL' })).toBeTruthy()
    expect(within(bar).getByRole('button', { name: 'Copy Anthropic base URL' })).toBeTruthy()
  })

  it('copies a base URL and says "Copied"', async () => {
    stubFetch(async () => jsonResponse(STATUS))
    const writeText = stubClipboard(async () => {})
    render(<App />)
    const button = await within(statusBar()).findByRole('button', { name: 'Copy OpenAI base URL' })
    await act(async () => {
      fireEvent.click(button)
    })
    expect(writeText).toHaveBeenCalledWith('http://127.0.0.1:8750/v1')
    expect(button.getAttribute('data-state')).toBe('copied')
    expect(within(button).getByRole('status').textContent).toBe('Copied')
  })

  it('copies through the Wails runtime, then execCommand, when the Clipboard API is missing', async () => {
    stubFetch(async () => jsonResponse(STATUS))
    removeClipboard()
    const ClipboardSetText = vi.fn((_t: string) => Promise.resolve(false))
    window.runtime = { ClipboardSetText, BrowserOpenURL: vi.fn() }
    const exec = stubExecCommand(true)
    render(<App />)
    const button = await within(statusBar()).findByRole('button', { name: 'Copy Anthropic base URL' })
    await act(async () => {
      fireEvent.click(button)
    })
    expect(ClipboardSetText).toHaveBeenCalledWith('http://127.0.0.1:8750')
    expect(exec).toHaveBeenCalledWith('copy')
    expect(button.getAttribute('data-state')).toBe('copied')
  })

  it('says so when copying fails everywhere', async () => {
    stubFetch(async () => jsonResponse(STATUS))
    removeClipboard()
    stubExecCommand(false)
    render(<App />)
    const button = await within(statusBar()).findByRole('button', { name: 'Copy OpenAI base URL' })
    await act(async () => {
      fireEvent.click(button)
    })
    expect(button.getAttribute('data-state')).toBe('failed')
  })

  it('shows an error with Retry when the status call fails, and recovers on retry', async () => {
    const fetchMock = stubApi({
      'GET /admin/v1/status': [() => Promise.reject(new TypeError('Failed to fetch')), () => jsonResponse(STATUS)],
    })
    render(<App />)
    const alert = await within(statusBar()).findByRole('alert')
    expect(alert.textContent).toMatch(/Proxy status unavailable/)
    expect(alert.textContent).toMatch(/Could not reach the Sluicegate server/)

    fireEvent.click(within(alert).getByRole('button', { name: 'Retry' }))
    expect(await within(statusBar()).findByText('http://127.0.0.1:8750/v1')).toBeTruthy()
    expect(within(statusBar()).queryByRole('alert')).toBeNull()
    expect(fetchMock.mock.calls.filter(([url]) => url === '/admin/v1/status')).toHaveLength(2)
  })

  it('shows the admin API message for an error response', async () => {
    stubFetch(async () => jsonResponse({ error: { code: 'internal_error', message: 'The database is locked.' } }, 500))
    render(<App />)
    const alert = await within(statusBar()).findByRole('alert')
    expect(alert.textContent).toContain('The database is locked.')
  })
})

describe('navigation and pages', () => {
  it('starts on Providers and switches pages with the hash', async () => {
    stubFetch(async () => jsonResponse(STATUS))
    render(<App />)
    expect(screen.getByRole('heading', { level: 1 }).textContent).toBe('Providers')
    const nav = screen.getByRole('navigation', { name: 'Main' })
    expect(within(nav).getByRole('link', { name: 'Providers' }).getAttribute('aria-current')).toBe('page')

    for (const [name, heading] of [
      ['Health', 'Health'],
      ['Live logs', 'Live logs'],
      ['Settings', 'Settings'],
      ['Connect', 'Connect'],
    ] as const) {
      const link = within(nav).getByRole('link', { name })
      await act(async () => {
        window.location.hash = link.getAttribute('href') ?? ''
        window.dispatchEvent(new HashChangeEvent('hashchange'))
      })
      expect(screen.getByRole('heading', { level: 1 }).textContent).toBe(heading)
      expect(link.getAttribute('aria-current')).toBe('page')
    }
  })

  it('Connect fills the snippets with the user’s own alias, switches them with the picker, and warns about a proxy', async () => {
    window.location.hash = '#/connect'
    const base = { enabled: true, headers: {}, connect_timeout_secs: 10, response_header_timeout_secs: 600, stream_idle_timeout_secs: 300, health_check_interval_secs: 0, created_at: '', updated_at: '' }
    stubApi({
      'GET /admin/v1/status': () =>
        jsonResponse({ ...STATUS, providers: 2, proxy_env: { https_proxy: true, no_proxy_covers_loopback: false, loopback_proxied: true } }),
      'GET /admin/v1/providers': () =>
        jsonResponse({
          data: [
            { ...base, id: 1, key: 'groq', name: 'Groq', type: 'openai', base_url: 'https://api.groq.com/openai/v1', api_key: '…abcd', models: [{ alias: 'my-llama', upstream: 'llama-3.3-70b' }] },
            { ...base, id: 2, key: 'claude', name: 'Claude', type: 'anthropic', base_url: 'https://api.anthropic.com', api_key: '…wxyz', models: [{ alias: 'my-sonnet', upstream: 'claude-sonnet-4-5' }] },
          ],
        }),
      'GET /admin/v1/settings': () => jsonResponse({ proxy_keys: [], cors_origins: [], max_body_bytes: 1024, max_buffered_bytes: 1048576, log_bodies: false, log_retention_days: 7, log_retention_rows: 1000, history_retention_days: 30 }),
      'GET /admin/v1/providers/1/health/history': () => jsonResponse({ data: [] }),
      'GET /admin/v1/providers/2/health/history': () => jsonResponse({ data: [] }),
    })
    render(<App />)
    const main = screen.getByRole('main')
    expect(await within(main).findByText('http://127.0.0.1:8750/v1')).toBeTruthy()
    expect(within(main).getByRole('alert').textContent).toMatch(/HTTPS_PROXY/)
    expect(within(main).getByText(/export NO_PROXY=127\.0\.0\.1,localhost/)).toBeTruthy()

    const table = await within(main).findByRole('region', { name: 'Routable model aliases' })
    expect(within(table).getByText('my-llama')).toBeTruthy()
    expect(within(table).getByText('Claude')).toBeTruthy()

    // The first alias (no check yet: the first one) fills the OpenAI curl.
    expect(within(main).getByText(/"model":"my-llama"/)).toBeTruthy()
    fireEvent.change(within(main).getByLabelText('Model alias'), { target: { value: 'my-sonnet' } })
    expect(within(main).getByText(/curl http:\/\/127\.0\.0\.1:8750\/v1\/messages/).textContent).toContain('"model":"my-sonnet"')
    const tabs = within(main).getByRole('tablist', { name: 'Connect examples' })
    fireEvent.click(within(tabs).getByRole('tab', { name: 'Claude Code' }))
    expect(within(main).getByText(/ANTHROPIC_MODEL=my-sonnet/)).toBeTruthy()
  })

  it('Connect explains what to do when no provider has an alias yet', async () => {
    window.location.hash = '#/connect'
    stubApi({})
    render(<App />)
    const main = screen.getByRole('main')
    expect(await within(main).findByText(/No enabled provider has a model alias yet/)).toBeTruthy()
    expect(within(main).getByText(/"model":"YOUR_MODEL_ALIAS"/)).toBeTruthy()
  })

  it('Connect shows an error card with Retry when the status is unavailable', async () => {
    window.location.hash = '#/connect'
    stubFetch(() => Promise.reject(new TypeError('Failed to fetch')))
    render(<App />)
    const main = screen.getByRole('main')
    const alert = await within(main).findByRole('alert')
    expect(within(alert).getByRole('heading').textContent).toMatch(/addresses are unavailable/)
    expect(within(alert).getByRole('button', { name: 'Retry' })).toBeTruthy()
  })

  it('Settings shows the data folder, and "Open data folder" only in the desktop window', async () => {
    window.location.hash = '#/settings'
    stubFetch(async () => jsonResponse(STATUS))
    const { unmount } = render(<App />)
    expect(await screen.findByText('/root/.config/sluicegate')).toBeTruthy()
    expect(screen.queryByRole('button', { name: 'Open data folder' })).toBeNull()
    unmount()

    const OpenDataDir = vi.fn(() => Promise.reject('permission denied'))
    window.go = { app: { App: { OpenDataDir } } }
    render(<App />)
    const button = await screen.findByRole('button', { name: 'Open data folder' })
    await act(async () => {
      fireEvent.click(button)
    })
    expect(OpenDataDir).toHaveBeenCalled()
    expect(screen.getByText('permission denied')).toBeTruthy()
  })
})
