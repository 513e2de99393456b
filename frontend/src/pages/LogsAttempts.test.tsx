import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/react'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { App } from '../App'
import { FakeSocket, msg } from '../test/fakeSocket'
import { jsonResponse, stubApi } from '../test/helpers'
import { entry } from '../test/logs'

// jsdom lays nothing out: give elements a size so the virtualised table has a viewport.
const sizes = { clientHeight: 800, clientWidth: 1200 }
beforeAll(() => {
  for (const [name, value] of Object.entries(sizes)) {
    Object.defineProperty(HTMLElement.prototype, name, { configurable: true, get: () => value })
  }
})
afterAll(() => {
  for (const name of Object.keys(sizes)) delete (HTMLElement.prototype as unknown as Record<string, unknown>)[name]
})

async function send(sock: FakeSocket, text: string) {
  await act(async () => {
    sock.frame(text)
    await new Promise<void>((resolve) => requestAnimationFrame(() => resolve()))
  })
}

function row(id: string): HTMLElement {
  const r = screen.getAllByTestId('log-row').find((el) => el.getAttribute('data-id') === id)
  if (!r) throw new Error(`no row ${id}`)
  return r
}

// A request to a group: groq answered 429 (failover on), openai 200. The
// passed-over attempt has a fresh id; the answered one has the request's.
const first = entry('req-a1', {
  client_request_id: 'req-main',
  attempt: 1,
  attempts: 2,
  provider_key: 'groq',
  status: 429,
  error_source: 'upstream',
  error_type: 'rate_limit_error',
  error_message: 'Rate limit reached',
  started_at: '2026-11-25T21:00:00Z',
})
const second = entry('req-main', { client_request_id: 'req-main', attempt: 2, attempts: 2, provider_key: 'openai', status: 200, started_at: '2026-11-25T21:00:01Z' })

describe('Request log: attempt chains', { timeout: 20_000 }, () => {
  it('shows "429 from groq → 200 from openai" and "attempt n of m" on the rows, live', async () => {
    stubApi({ 'GET /admin/v1/logs': () => jsonResponse({ data: [] }) })
    window.location.hash = '#/logs'
    render(<App />)
    await waitFor(() => expect(FakeSocket.all).toHaveLength(1))
    const sock = FakeSocket.last()
    await act(async () => sock.open())

    // The failed attempt is published the moment it fails.
    await send(sock, msg('request.finished', first))
    expect(within(row('req-a1')).getByTestId('log-attempt').textContent).toBe('attempt 1 of 2')
    // One attempt known so far: no chain yet, the provider shows.
    expect(within(row('req-a1')).queryByTestId('log-chain')).toBeNull()

    // The next member starts: request.started again with the request's id.
    await send(sock, msg('request.started', { id: 'req-main', method: 'POST', path: '/v1/chat/completions', model: 'gpt-4o', provider_key: 'openai', stream: false }))
    expect(within(row('req-a1')).getByTestId('log-chain').textContent).toBe('429 from groq → … from openai')

    await send(sock, msg('request.finished', second))
    for (const id of ['req-a1', 'req-main']) {
      expect(within(row(id)).getByTestId('log-chain').textContent).toBe('429 from groq → 200 from openai')
      expect(within(row(id)).getByTestId('log-chain').getAttribute('title')).toBe('429 from groq → 200 from openai')
    }
    expect(within(row('req-main')).getByTestId('log-attempt').textContent).toBe('attempt 2 of 2')
  })

  it('the detail lists the attempts (also those read back by client_request_id) and opens each', async () => {
    const api = stubApi({
      'GET /admin/v1/logs': (_init, url) =>
        jsonResponse({ data: url.includes('client_request_id=req-main') ? [second, first] : [second] }),
      'GET /admin/v1/logs/req-main': () => jsonResponse({ ...second, request_headers: {}, response_headers: {}, request_body: '', response_body: '' }),
      'GET /admin/v1/logs/req-a1': () => jsonResponse({ ...first, request_headers: {}, response_headers: {}, request_body: '', response_body: '{"error":{"message":"Rate limit reached"}}' }),
    })
    window.location.hash = '#/logs'
    render(<App />)
    await waitFor(() => expect(FakeSocket.all).toHaveLength(1))
    await act(async () => FakeSocket.last().open())
    // Only the answered attempt is in the table (the backfill's window); the first is read back.
    await waitFor(() => expect(screen.getAllByTestId('log-row')).toHaveLength(1))
    await act(async () => {
      fireEvent.click(row('req-main'))
    })
    const panel = screen.getByTestId('log-detail')
    const list = await within(panel).findByTestId('log-attempts')
    await waitFor(() => expect(within(list).getAllByRole('button').map((b) => b.textContent)).toEqual(['429 from groq', '200 from openai']))
    expect(within(list).getByText(/429 from groq → 200 from openai/)).toBeTruthy()
    expect(within(list).getByRole('button', { name: '200 from openai' }).getAttribute('aria-current')).toBe('true')
    expect(api.mock.calls.some(([u]) => String(u).includes('client_request_id=req-main'))).toBe(true)

    await act(async () => {
      fireEvent.click(within(list).getByRole('button', { name: '429 from groq' }))
    })
    const detail = screen.getByTestId('log-detail')
    expect(within(detail).getByText('req-a1')).toBeTruthy()
    expect(within(detail).getByText('Attempt 1 of 2')).toBeTruthy()
    expect(within(detail).getByRole('button', { name: '429 from groq' }).getAttribute('aria-current')).toBe('true')
  })
})
