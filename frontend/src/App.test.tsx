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

  it('Connect shows the base URLs and SDK snippets built from the status', async () => {
    window.location.hash = '#/connect'
    stubFetch(async () => jsonResponse(STATUS))
    render(<App />)
    const main = screen.getByRole('main')
    expect(await within(main).findByText('http://127.0.0.1:8750/v1')).toBeTruthy()
    expect(within(main).getByText(/base_url="http:\/\/127\.0\.0\.1:8750\/v1"/)).toBeTruthy()
    expect(within(main).getByText('ANTHROPIC_BASE_URL=http://127.0.0.1:8750 claude')).toBeTruthy()
    expect(within(main).getByText(/No providers are configured yet/)).toBeTruthy()

    const tabs = within(main).getByRole('tablist', { name: 'OpenAI SDK examples' })
    fireEvent.click(within(tabs).getByRole('tab', { name: 'TypeScript' }))
    expect(within(main).getByText(/baseURL: "http:\/\/127\.0\.0\.1:8750\/v1"/)).toBeTruthy()
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
