import { act, fireEvent, render, screen, within } from '@testing-library/react'
import { describe, expect, it, vi } from 'vitest'
import { App } from './App'
import { ADMIN_TOKEN_KEY, setAdminToken } from './lib/adminToken'
import { PROVIDER, STATUS, jsonResponse, stubApi } from './test/helpers'

const UNAUTHORIZED = {
  error: {
    code: 'unauthorized',
    message: "this Sluicegate requires the admin token: send it as 'Authorization: Bearer TOKEN'",
  },
}

/** A server started with --admin-token good-token. */
function guardedServer() {
  const guarded =
    (ok: () => Response) =>
    (init: RequestInit | undefined): Response =>
      new Headers(init?.headers).get('Authorization') === 'Bearer good-token' ? ok() : jsonResponse(UNAUTHORIZED, 401)
  return stubApi({
    'GET /admin/v1/status': guarded(() => jsonResponse({ ...STATUS, providers: 1 })),
    'GET /admin/v1/providers': guarded(() => jsonResponse({ data: [PROVIDER] })),
    'GET /admin/v1/presets': guarded(() => jsonResponse({ data: [] })),
  })
}

function statusBar() {
  return screen.getByRole('contentinfo', { name: 'Proxy status' })
}

async function submit(token: string) {
  const input = screen.getByLabelText('Admin token')
  fireEvent.change(input, { target: { value: token } })
  await act(async () => {
    fireEvent.click(screen.getByRole('button', { name: 'Connect' }))
  })
}

describe('admin token prompt', () => {
  it('appears on a 401, stores the token, retries and shows the dashboard', async () => {
    const fetchMock = guardedServer()
    const log = vi.spyOn(console, 'log')
    render(<App />)
    const input = await screen.findByLabelText('Admin token')
    expect(input.getAttribute('type')).toBe('password')
    expect(document.activeElement).toBe(input)
    expect(screen.getByRole('heading', { level: 1 }).textContent).toBe('Admin token required')
    expect(screen.getByText(/--admin-token/)).toBeTruthy()
    expect(screen.getByText('SLUICEGATE_ADMIN_TOKEN')).toBeTruthy()
    expect(await within(statusBar()).findByText('Waiting for the admin token')).toBeTruthy()

    await submit('good-token')

    expect(sessionStorage.getItem(ADMIN_TOKEN_KEY)).toBe('good-token')
    expect(localStorage.getItem(ADMIN_TOKEN_KEY)).toBeNull()
    expect(await within(statusBar()).findByText('http://127.0.0.1:8750/v1')).toBeTruthy()
    expect(await screen.findByText(PROVIDER.base_url)).toBeTruthy()
    expect(screen.queryByLabelText('Admin token')).toBeNull()
    expect(screen.getByRole('heading', { level: 1 }).textContent).toBe('Providers')
    // The page's own list was loaded again, with the token.
    const providerCalls = fetchMock.mock.calls.filter(([url]) => url === '/admin/v1/providers')
    expect(new Headers(providerCalls.at(-1)?.[1]?.headers).get('Authorization')).toBe('Bearer good-token')
    expect(window.location.href).not.toContain('good-token')
    for (const call of log.mock.calls) expect(JSON.stringify(call)).not.toContain('good-token')
  })

  it('says "That token was refused" at the field and keeps the prompt', async () => {
    guardedServer()
    render(<App />)
    await screen.findByLabelText('Admin token')
    await submit('wrong-token')
    const input = screen.getByLabelText('Admin token')
    expect(input.getAttribute('aria-invalid')).toBe('true')
    const describedBy = input.getAttribute('aria-describedby') ?? ''
    expect(document.getElementById(describedBy)?.textContent).toBe('That token was refused')
    expect(document.activeElement).toBe(input)
    expect(sessionStorage.getItem(ADMIN_TOKEN_KEY)).toBeNull()

    // The right one still works afterwards.
    await submit('good-token')
    expect(await within(statusBar()).findByText('http://127.0.0.1:8750/v1')).toBeTruthy()
  })

  it('is shown on every page while the token is missing', async () => {
    guardedServer()
    window.location.hash = '#/settings'
    render(<App />)
    expect(await screen.findByLabelText('Admin token')).toBeTruthy()
    expect(screen.queryByRole('heading', { name: 'Settings' })).toBeNull()
  })

  it('is not shown when the stored token is accepted', async () => {
    setAdminToken('good-token')
    guardedServer()
    render(<App />)
    expect(await within(statusBar()).findByText('http://127.0.0.1:8750/v1')).toBeTruthy()
    expect(screen.queryByLabelText('Admin token')).toBeNull()
  })

  it('"Forget token" on Settings clears the stored token and locks the dashboard', async () => {
    setAdminToken('good-token')
    guardedServer()
    window.location.hash = '#/settings'
    render(<App />)
    const forget = await screen.findByRole('button', { name: 'Forget token' })
    await act(async () => {
      fireEvent.click(forget)
    })
    expect(sessionStorage.getItem(ADMIN_TOKEN_KEY)).toBeNull()
    expect(await screen.findByLabelText('Admin token')).toBeTruthy()
  })

  it('offers no "Forget token" when no token is stored (e.g. loopback without a token)', async () => {
    stubApi({})
    window.location.hash = '#/settings'
    render(<App />)
    expect(await screen.findByText('/root/.config/sluicegate')).toBeTruthy()
    expect(screen.queryByRole('button', { name: 'Forget token' })).toBeNull()
  })
})
