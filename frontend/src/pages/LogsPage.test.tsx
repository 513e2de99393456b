import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/react'
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import { App } from '../App'
import type { LogDetail } from '../api/types'
import { setAdminToken } from '../lib/adminToken'
import { FakeSocket, msg } from '../test/fakeSocket'
import { jsonResponse, stubApi } from '../test/helpers'
import { entry } from '../test/logs'

const DETAIL: LogDetail = {
  ...entry('req-err', { status: 502, error_source: 'upstream', error_type: 'upstream_error', error_message: 'bad gateway from provider' }),
  request_headers: { Authorization: ['[redacted]'], 'Content-Type': ['application/json'] },
  response_headers: { 'Content-Type': ['application/json'] },
  request_body: '{"model":"gpt-4o","messages":[]}',
  response_body: '{"error":{"message":"bad gateway from provider"}}',
  request_body_truncated: false,
  response_body_truncated: true,
}

// jsdom lays nothing out: give elements a size so the virtualised table
// has a viewport (800 px: about 21 rows) to render rows into.
const sizes = { clientHeight: 800, clientWidth: 1200 }
const saved = new Map<string, PropertyDescriptor | undefined>()
beforeAll(() => {
  for (const [name, value] of Object.entries(sizes)) {
    saved.set(name, Object.getOwnPropertyDescriptor(HTMLElement.prototype, name) ?? Object.getOwnPropertyDescriptor(Element.prototype, name))
    Object.defineProperty(HTMLElement.prototype, name, { configurable: true, get: () => value })
  }
})
afterAll(() => {
  for (const name of saved.keys()) delete (HTMLElement.prototype as unknown as Record<string, unknown>)[name]
})

/** Sends a frame and waits for the next animation frame, when the page applies it. */
async function send(sock: FakeSocket, text: string) {
  await act(async () => {
    sock.frame(text)
    await new Promise<void>((resolve) => requestAnimationFrame(() => resolve()))
  })
}

async function openLogsPage() {
  window.location.hash = '#/logs'
  render(<App />)
  await waitFor(() => expect(FakeSocket.all).toHaveLength(1))
  return FakeSocket.last()
}

function rows() {
  return screen.queryAllByTestId('log-row')
}

function rowTexts() {
  return rows().map((r) => r.getAttribute('data-id'))
}

describe('LogsPage', () => {
  beforeEach(() => {
    FakeSocket.reset()
    vi.stubGlobal('WebSocket', FakeSocket)
  })

  it('connects to the page host, backfills on open, and renders live rows finishing in place', async () => {
    const api = stubApi({
      'GET /admin/v1/logs': () => jsonResponse({ data: [entry('old', { started_at: '2026-11-25T20:59:00Z', model: 'backfilled-model' })] }),
    })
    const sock = await openLogsPage()
    expect(sock.url).toBe(`ws://${window.location.host}/admin/v1/ws`)
    expect(screen.getByTestId('live-status').getAttribute('data-state')).toBe('connecting')

    await act(async () => sock.open())
    expect(screen.getByTestId('live-status').getAttribute('data-state')).toBe('open')
    await waitFor(() => expect(rowTexts()).toEqual(['old']))
    expect(api.mock.calls.some(([u]) => String(u).startsWith('/admin/v1/logs?limit='))).toBe(true)

    // One frame: hello, then a request starting.
    await send(sock, `${msg('hello', { version: '0.1.0', backlog: 0 })}\n${msg('request.started', { id: 'live1', method: 'POST', path: '/v1/chat/completions', model: 'live-model', provider_key: 'fake', stream: false }, '2026-11-25T21:00:00Z')}`)
    expect(rowTexts()).toEqual(['live1', 'old'])
    expect(within(rows()[0]!).getByText('In flight')).toBeTruthy()

    await send(sock, msg('request.finished', entry('live1', { model: 'live-model', provider_key: 'fake', status: 429, error_source: 'upstream', latency_ms: 1500 })))
    expect(rowTexts()).toEqual(['live1', 'old'])
    const first = rows()[0]!
    expect(within(first).getByTestId('log-status').textContent).toBe('429')
    expect(within(first).getByTestId('log-status').className).toContain('hbadge--warn')
    expect(within(first).getByText('upstream')).toBeTruthy()
    expect(within(first).getByText('1.50 s')).toBeTruthy()
    expect(within(first).getByText('12 → 34')).toBeTruthy()
  })

  it('reconnects by itself after the socket drops and backfills again', async () => {
    let n = 0
    stubApi({
      'GET /admin/v1/logs': () => {
        n++
        return jsonResponse({ data: n === 1 ? [] : [entry('missed', { started_at: '2026-11-25T21:00:05Z' })] })
      },
    })
    const sock = await openLogsPage()
    await act(async () => sock.open())
    await waitFor(() => expect(n).toBe(1))
    await act(async () => sock.drop())
    expect(screen.getByTestId('live-status').getAttribute('data-state')).toBe('retrying')
    // The first retry waits MIN_DELAY_MS (500 ms) of real time.
    await waitFor(() => expect(FakeSocket.all).toHaveLength(2), { timeout: 3000 })
    await act(async () => FakeSocket.last().open())
    await waitFor(() => expect(rowTexts()).toEqual(['missed']))
  })

  it('sends the stored admin token in the query', async () => {
    setAdminToken('s3cret')
    stubApi({ 'GET /admin/v1/logs': () => jsonResponse({ data: [] }) })
    const sock = await openLogsPage()
    expect(sock.url).toBe(`ws://${window.location.host}/admin/v1/ws?token=s3cret`)
  })

  it('"Errors only" hides successful rows; pause counts waiting rows until resume', async () => {
    stubApi({ 'GET /admin/v1/logs': () => jsonResponse({ data: [] }) })
    const sock = await openLogsPage()
    await act(async () => sock.open())
    await send(sock, [msg('request.finished', entry('ok1')), msg('request.finished', entry('bad1', { status: 500, error_source: 'proxy' }))].join('\n'))
    expect(rowTexts()).toEqual(['bad1', 'ok1'])

    fireEvent.click(screen.getByRole('switch', { name: 'Errors only' }))
    expect(rowTexts()).toEqual(['bad1'])
    fireEvent.click(screen.getByRole('switch', { name: 'Errors only' }))

    fireEvent.click(screen.getByRole('button', { name: 'Pause' }))
    await send(sock, [msg('request.finished', entry('new1')), msg('request.finished', entry('new2'))].join('\n'))
    expect(rowTexts()).toEqual(['bad1', 'ok1'])
    fireEvent.click(screen.getByRole('button', { name: 'Resume (2 new)' }))
    expect(rowTexts()).toEqual(['new2', 'new1', 'bad1', 'ok1'])
    expect(screen.getByRole('button', { name: 'Pause' })).toBeTruthy()
  })

  it('clicking a row opens its detail: error, headers and pretty-printed bodies', async () => {
    stubApi({
      'GET /admin/v1/logs': () => jsonResponse({ data: [] }),
      'GET /admin/v1/logs/req-err': () => jsonResponse(DETAIL),
    })
    const sock = await openLogsPage()
    await act(async () => sock.open())
    await send(sock, msg('request.finished', entry('req-err', { status: 502, error_source: 'upstream', error_type: 'upstream_error', error_message: 'bad gateway from provider' })))
    fireEvent.click(rows()[0]!)
    const panel = await screen.findByTestId('log-detail')
    expect(within(panel).getByText('The provider failed (upstream_error)')).toBeTruthy()
    expect(within(panel).getByText('bad gateway from provider')).toBeTruthy()
    await waitFor(() => expect(within(panel).getByText('[redacted]')).toBeTruthy())
    expect(within(panel).getByText('truncated at 64 KiB')).toBeTruthy()
    const bodies = panel.querySelectorAll('pre:not([data-testid="curl-command"])')
    expect(bodies[0]!.textContent).toBe('{\n  "model": "gpt-4o",\n  "messages": []\n}')
    fireEvent.click(within(panel).getByRole('button', { name: 'Close detail' }))
    expect(screen.queryByTestId('log-detail')).toBeNull()
  })

  it('copy as curl puts the request on the clipboard with the key as a placeholder, never its value', async () => {
    const writeText = vi.fn(async (_t: string) => {})
    Object.defineProperty(navigator, 'clipboard', { configurable: true, value: { writeText } })
    stubApi({
      'GET /admin/v1/logs': () => jsonResponse({ data: [] }),
      'GET /admin/v1/logs/req-err': () =>
        jsonResponse({
          ...DETAIL,
          request_headers: { Authorization: ['Bearer [REDACTED]'], 'Content-Type': ['application/json'], Connection: ['keep-alive'] },
          request_body: `{"model":"it's"}`,
        }),
    })
    const sock = await openLogsPage()
    await act(async () => sock.open())
    await send(sock, msg('request.finished', entry('req-err', { status: 502, error_source: 'upstream' })))
    fireEvent.click(rows()[0]!)
    const panel = await screen.findByTestId('log-detail')
    const button = await within(panel).findByRole('button', { name: 'Copy as curl' })
    await act(async () => fireEvent.click(button))
    await waitFor(() => expect(writeText).toHaveBeenCalledTimes(1))
    const copied = writeText.mock.calls[0]![0]
    expect(copied).toBe(
      [
        "curl 'http://127.0.0.1:8750/v1/chat/completions'",
        "-H 'Authorization: Bearer '\"$SLUICEGATE_KEY\"",
        "-H 'Content-Type: application/json'",
        `--data-raw '{"model":"it'\\''s"}'`,
      ].join(' \\\n  '),
    )
    expect(within(panel).getByTestId('curl-command').textContent).toBe(copied)
    delete (navigator as unknown as Record<string, unknown>).clipboard
  })

  it('an SSE response is listed one event per row', async () => {
    stubApi({
      'GET /admin/v1/logs': () => jsonResponse({ data: [] }),
      'GET /admin/v1/logs/s1': () =>
        jsonResponse({
          ...DETAIL,
          id: 's1',
          stream: true,
          response_headers: { 'Content-Type': ['text/event-stream; charset=utf-8'] },
          response_body: 'data: {"choices":[{"delta":{"content":"Hi"}}]}\n\nevent: ping\ndata: {}\n\ndata: [DONE]\n\n',
        }),
    })
    const sock = await openLogsPage()
    await act(async () => sock.open())
    await send(sock, msg('request.finished', entry('s1', { stream: true })))
    fireEvent.click(rows()[0]!)
    const panel = await screen.findByTestId('log-detail')
    const events = await within(panel).findAllByTestId('sse-event')
    expect(events.map((e) => e.textContent)).toEqual(['{\n  "choices": [\n    {\n      "delta": {\n        "content": "Hi"\n      }\n    }\n  ]\n}', 'ping{}', '[DONE]'])
    expect(within(panel).getByText('Response events (3)')).toBeTruthy()
  })

  it('filters by provider, model, status and text, and backfills with the same query', async () => {
    const api = stubApi({ 'GET /admin/v1/logs': () => jsonResponse({ data: [] }) })
    const sock = await openLogsPage()
    await act(async () => sock.open())
    await send(
      sock,
      [
        msg('request.finished', entry('a', { provider_key: 'openai', model: 'gpt-4o', status: 200 })),
        msg('request.finished', entry('b', { provider_key: 'anth', model: 'claude', status: 429, error_source: 'upstream', error_message: 'rate limited' })),
        msg('request.finished', entry('c', { provider_key: 'anth', model: 'claude', status: 499, path: '/v1/messages' })),
        msg('request.started', { id: 'd', method: 'POST', path: '/v1/messages', model: 'claude', provider_key: 'anth', stream: true }),
      ].join('\n'),
    )
    expect(rowTexts()).toEqual(['d', 'c', 'b', 'a'])
    const logCalls = () => api.mock.calls.map(([u]) => String(u)).filter((u) => u.startsWith('/admin/v1/logs?'))

    fireEvent.change(screen.getByRole('combobox', { name: 'Provider' }), { target: { value: 'anth' } })
    expect(rowTexts()).toEqual(['d', 'c', 'b'])
    await waitFor(() => expect(logCalls().at(-1)).toBe('/admin/v1/logs?limit=200&provider=anth'))

    fireEvent.change(screen.getByRole('textbox', { name: 'Status' }), { target: { value: '4xx' } })
    // 499 is its own class; the in-flight row has no status yet.
    expect(rowTexts()).toEqual(['b'])
    await waitFor(() => expect(logCalls().at(-1)).toBe('/admin/v1/logs?limit=200&provider=anth&status=4xx'))

    fireEvent.change(screen.getByRole('textbox', { name: 'Status' }), { target: { value: 'abc' } })
    expect(screen.getByText('A code (429) or a class (2xx, 4xx, 5xx)')).toBeTruthy()
    fireEvent.change(screen.getByRole('textbox', { name: 'Status' }), { target: { value: '' } })

    fireEvent.change(screen.getByRole('searchbox', { name: 'Search' }), { target: { value: 'RATE' } })
    expect(rowTexts()).toEqual(['b'])
    // The text reaches the server once typing has paused.
    await waitFor(() => expect(logCalls().at(-1)).toBe('/admin/v1/logs?limit=200&provider=anth&text=RATE'))

    fireEvent.change(screen.getByRole('searchbox', { name: 'Search' }), { target: { value: '' } })
    fireEvent.change(screen.getByRole('combobox', { name: 'Model' }), { target: { value: 'gpt-4o' } })
    expect(screen.getByText('No matching requests')).toBeTruthy()
  })

  it('a filtered backfill brings in older matching rows', async () => {
    stubApi({
      'GET /admin/v1/logs': (_init, url) =>
        jsonResponse({ data: url.includes('errors=1') ? [entry('old-err', { started_at: '2026-11-25T20:00:00Z', status: 500, error_source: 'proxy' })] : [] }),
    })
    const sock = await openLogsPage()
    await act(async () => sock.open())
    await send(sock, msg('request.finished', entry('ok')))
    fireEvent.click(screen.getByRole('switch', { name: 'Errors only' }))
    await waitFor(() => expect(rowTexts()).toEqual(['old-err']))
    fireEvent.click(screen.getByRole('switch', { name: 'Errors only' }))
    expect(rowTexts()).toEqual(['ok', 'old-err'])
  })

  it('the Errors tab shows the server log backfill and live log messages, counted on the tab', async () => {
    stubApi({
      'GET /admin/v1/logs': () => jsonResponse({ data: [] }),
      'GET /admin/v1/server-log': () =>
        jsonResponse({ data: [{ ts: '2026-11-25T20:00:00Z', level: 'warn', message: 'scheduled check could not run', attrs: { provider: 'openai' } }] }),
    })
    const sock = await openLogsPage()
    await act(async () => sock.open())
    const tab = await screen.findByRole('tab', { name: 'Errors (1)' })
    await send(sock, msg('log', { level: 'error', message: 'upstream failed', attrs: { provider: 'anth', error: 'dial tcp: refused' } }, '2026-11-25T21:00:00Z'))
    expect(tab.textContent).toBe('Errors (2)')
    fireEvent.click(tab)
    const list = screen.getByTestId('server-log')
    const items = within(list).getAllByTestId('server-log-row')
    expect(items.map((i) => i.getAttribute('data-level'))).toEqual(['error', 'warn'])
    expect(items[0]!.textContent).toContain('upstream failed')
    expect(items[0]!.textContent).toContain('error="dial tcp: refused" provider=anth')
    expect(items[1]!.textContent).toContain('scheduled check could not run')
    // A reconnect's backfill repeats the stored record: it shows once.
    await act(async () => sock.drop())
    await waitFor(() => expect(FakeSocket.all).toHaveLength(2), { timeout: 3000 })
    await act(async () => FakeSocket.last().open())
    await waitFor(() => expect(screen.getByRole('tab', { name: 'Errors (2)' })).toBeTruthy())
    expect(within(screen.getByTestId('server-log')).getAllByTestId('server-log-row')).toHaveLength(2)
  })

  it('a burst of 5,000 events is applied in a frame and the DOM holds only the rows in view', async () => {
    stubApi({ 'GET /admin/v1/logs': () => jsonResponse({ data: [] }) })
    const sock = await openLogsPage()
    await act(async () => sock.open())
    const lines = Array.from({ length: 5000 }, (_, i) => msg('request.finished', entry(`r${i}`)))
    await send(sock, lines.join('\n'))
    // 800 px / 37 px rows + overscan: a few dozen rows, never thousands.
    expect(rows().length).toBeGreaterThan(10)
    expect(rows().length).toBeLessThan(60)
    expect(rows()[0]!.getAttribute('data-id')).toBe('r4999')
  })

  it('closes the socket when the page is left', async () => {
    stubApi({ 'GET /admin/v1/logs': () => jsonResponse({ data: [] }) })
    const sock = await openLogsPage()
    await act(async () => {
      window.location.hash = '#/providers'
      window.dispatchEvent(new HashChangeEvent('hashchange'))
    })
    expect(sock.closed).toBe(true)
  })
})
