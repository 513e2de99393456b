import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/react'
import { describe, expect, it } from 'vitest'
import { App } from '../App'
import type { Route, RouteMember } from '../api/types'
import { FakeSocket, msg } from '../test/fakeSocket'
import { jsonResponse, stubApi } from '../test/helpers'

function member(key: string, over: Partial<RouteMember> = {}): RouteMember {
  return {
    provider_id: 1,
    provider_key: key,
    provider_type: 'openai',
    upstream: '',
    priority: 0,
    failover_on: [],
    circuit: { provider_key: key, state: 'closed', reason: '', until: null, failures: 0 },
    ...over,
  }
}

const until = new Date(Date.now() + 60 * 60 * 1000)
const pad = (n: number) => String(n).padStart(2, '0')
const untilClock = `${pad(until.getHours())}:${pad(until.getMinutes())}:${pad(until.getSeconds())}`

const GROUP: Route = {
  alias: 'claude-*',
  pattern: true,
  group: true,
  members: [
    member('groq', {
      priority: 1,
      failover_on: [429, 529],
      upstream: 'claude-*',
      circuit: { provider_key: 'groq', state: 'open', reason: '429 with Retry-After 30s', until: until.toISOString(), failures: 1 },
    }),
    member('anthropic', { provider_type: 'anthropic', priority: 2 }),
  ],
  catches: ['claude-opus-5-5'],
}
const SINGLE: Route = { alias: 'gpt-4o', pattern: false, group: false, members: [member('openai', { upstream: 'gpt-4o-2024-08-06' })], catches: [] }

function cards() {
  return screen.getAllByTestId('route')
}

describe('Routes page', { timeout: 20_000 }, () => {
  it('lists every route with its members in try order, failover statuses and circuits, and follows circuit.changed', async () => {
    const closed = { ...GROUP, members: GROUP.members.map((m) => ({ ...m, circuit: { ...m.circuit, state: 'closed' as const, until: null, reason: '' } })) }
    const api = stubApi({
      // The first load, the reload when the live stream opens, then the
      // reload circuit.changed asks for.
      'GET /admin/v1/routes': [
        () => jsonResponse({ data: [GROUP, SINGLE] }),
        () => jsonResponse({ data: [GROUP, SINGLE] }),
        () => jsonResponse({ data: [closed, SINGLE] }),
      ],
    })
    window.location.hash = '#/routes'
    render(<App />)
    await waitFor(() => expect(cards()).toHaveLength(2))
    const group = cards()[0]!
    expect(within(group).getByRole('heading', { name: 'claude-*' })).toBeTruthy()
    expect(within(group).getByText('pattern · route group of 2')).toBeTruthy()
    const rows = within(group).getAllByTestId('route-member')
    expect(rows.map((r) => r.getAttribute('data-provider'))).toEqual(['groq', 'anthropic'])
    expect(within(rows[0]!).getByText('429, 529')).toBeTruthy()
    expect(within(rows[0]!).getByText('claude-…')).toBeTruthy()
    expect(within(rows[0]!).getByTestId('circuit').textContent).toBe(`open until ${untilClock}`)
    // An open member of a group is tried last until its time is up.
    expect(within(rows[0]!).getByText('429 with Retry-After 30s · tried last until then')).toBeTruthy()
    expect(within(rows[1]!).getByTestId('circuit').textContent).toBe('closed')
    expect(within(rows[1]!).getByText('no response only')).toBeTruthy()
    expect(within(group).getByTestId('route-catches').textContent).toBe('Caught recently: claude-opus-5-5')
    const single = cards()[1]!
    expect(within(single).getByText('alias')).toBeTruthy()
    expect(within(single).getByText('gpt-4o-2024-08-06')).toBeTruthy()

    // The circuit closes: the live stream says so and the page reads the routes again.
    const sock = FakeSocket.all.find((s) => s.url.includes('circuit.changed'))
    if (!sock) throw new Error('the page does not follow circuit.changed')
    expect(sock.url).toContain('provider.changed')
    const routeCalls = () => api.mock.calls.filter(([u]) => String(u) === '/admin/v1/routes').length
    const groqCircuit = () => within(within(cards()[0]!).getAllByTestId('route-member')[0]!).getByTestId('circuit').textContent
    await act(async () => {
      sock.open()
    })
    await waitFor(() => expect(routeCalls()).toBe(2))
    await waitFor(() => expect(groqCircuit()).toBe(`open until ${untilClock}`))
    await act(async () => {
      sock.frame(msg('circuit.changed', { provider_key: 'groq', state: 'closed', reason: '', until: null, failures: 0 }))
    })
    await waitFor(() => expect(groqCircuit()).toBe('closed'))
    expect(routeCalls()).toBe(3)
  })

  it('tests a model name: which route catches it and the members in the order they would be tried now', async () => {
    const api = stubApi({
      'GET /admin/v1/routes': () => jsonResponse({ data: [GROUP] }),
      'GET /admin/v1/routes/resolve': [
        () =>
          jsonResponse({
            model: 'claude-opus-5-5',
            alias: 'claude-*',
            pattern: true,
            group: true,
            members: [
              { provider_key: 'anthropic', upstream: 'claude-opus-5-5' },
              { provider_key: 'groq', upstream: 'claude-opus-5-5' },
            ],
          }),
        () => jsonResponse({ error: { code: 'not_found', message: 'no route catches the model "llama-3"' } }, 404),
      ],
    })
    window.location.hash = '#/routes'
    render(<App />)
    const form = await screen.findByRole('form', { name: 'Test a model name' })
    fireEvent.change(within(form).getByLabelText('Model name'), { target: { value: 'claude-opus-5-5' } })
    fireEvent.change(within(form).getByLabelText('Client'), { target: { value: 'anthropic' } })
    await act(async () => {
      fireEvent.click(within(form).getByRole('button', { name: 'Resolve' }))
    })
    const result = screen.getByTestId('resolve-result')
    await waitFor(() => expect(result.textContent).toContain('is caught by the pattern claude-*, a route group: tried in this order now'))
    expect(within(result).getAllByRole('listitem').map((li) => li.textContent)).toEqual(['anthropic as claude-opus-5-5', 'groq as claude-opus-5-5'])
    const call = api.mock.calls.find(([u]) => String(u).startsWith('/admin/v1/routes/resolve'))
    expect(String(call?.[0])).toBe('/admin/v1/routes/resolve?model=claude-opus-5-5&dialect=anthropic')

    fireEvent.change(within(form).getByLabelText('Model name'), { target: { value: 'llama-3' } })
    await act(async () => {
      fireEvent.click(within(form).getByRole('button', { name: 'Resolve' }))
    })
    await waitFor(() => expect(result.textContent).toBe('no route catches the model "llama-3"'))
  })

  it('says how to make a route when there is none', async () => {
    stubApi({ 'GET /admin/v1/routes': () => jsonResponse({ data: [] }) })
    window.location.hash = '#/routes'
    render(<App />)
    expect(await screen.findByText('No routes yet')).toBeTruthy()
  })
})
