import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/react'
import { beforeEach, describe, expect, it, vi } from 'vitest'
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
    await act(async () =>
      sock.frame(`${msg('hello', { version: '0.1.0', backlog: 0 })}\n${msg('request.started', { id: 'live1', method: 'POST', path: '/v1/chat/completions', model: 'live-model', provider_key: 'fake', stream: false }, '2026-11-25T21:00:00Z')}`),
    )
    expect(rowTexts()).toEqual(['live1', 'old'])
    expect(within(rows()[0]!).getByText('In flight')).toBeTruthy()

    await act(async () => sock.frame(msg('request.finished', entry('live1', { model: 'live-model', provider_key: 'fake', status: 429, error_source: 'upstream', latency_ms: 1500 }))))
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
    await act(async () => sock.frame([msg('request.finished', entry('ok1')), msg('request.finished', entry('bad1', { status: 500, error_source: 'proxy' }))].join('\n')))
    expect(rowTexts()).toEqual(['bad1', 'ok1'])

    fireEvent.click(screen.getByRole('switch', { name: 'Errors only' }))
    expect(rowTexts()).toEqual(['bad1'])
    fireEvent.click(screen.getByRole('switch', { name: 'Errors only' }))

    fireEvent.click(screen.getByRole('button', { name: 'Pause' }))
    await act(async () => sock.frame([msg('request.finished', entry('new1')), msg('request.finished', entry('new2'))].join('\n')))
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
    await act(async () => sock.frame(msg('request.finished', entry('req-err', { status: 502, error_source: 'upstream', error_type: 'upstream_error', error_message: 'bad gateway from provider' }))))
    fireEvent.click(rows()[0]!)
    const panel = await screen.findByTestId('log-detail')
    expect(within(panel).getByText('The provider failed (upstream_error)')).toBeTruthy()
    expect(within(panel).getByText('bad gateway from provider')).toBeTruthy()
    await waitFor(() => expect(within(panel).getByText('[redacted]')).toBeTruthy())
    expect(within(panel).getByText('truncated at 64 KiB')).toBeTruthy()
    const bodies = panel.querySelectorAll('pre')
    expect(bodies[0]!.textContent).toBe('{\n  "model": "gpt-4o",\n  "messages": []\n}')
    fireEvent.click(within(panel).getByRole('button', { name: 'Close detail' }))
    expect(screen.queryByTestId('log-detail')).toBeNull()
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
