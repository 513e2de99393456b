import { act, fireEvent, render, screen, within } from '@testing-library/react'
import { describe, expect, it } from 'vitest'
import { App } from '../../App'
import type { Provider, Route } from '../../api/types'
import { PROVIDER, jsonResponse, sentBody, stubApi } from '../../test/helpers'

const ANTHROPIC: Provider = {
  ...PROVIDER,
  id: 9,
  key: 'anthropic',
  name: 'Anthropic',
  type: 'anthropic',
  base_url: 'https://api.anthropic.com',
  models: [
    { alias: 'claude-*', upstream: '', priority: 1, failover_on: [429, 529] },
    { alias: 'opus', upstream: 'claude-opus-5-5' },
  ],
}

const ROUTES: Route[] = [
  {
    alias: 'claude-*',
    pattern: true,
    group: true,
    members: [],
    catches: ['claude-opus-5-5', 'claude-sonnet-5'],
  },
]

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

function puts(api: ReturnType<typeof stubApi>) {
  return api.mock.calls.filter(([url, init]) => init?.method === 'PUT' && String(url) === '/admin/v1/providers/9')
}

describe('Model map editor: patterns, priority and failover', { timeout: 20_000 }, () => {
  it('shows each row’s priority and failover statuses, what a pattern catches, and what it caught recently', async () => {
    stubApi({
      'GET /admin/v1/providers': () => jsonResponse({ data: [ANTHROPIC] }),
      'GET /admin/v1/routes': () => jsonResponse({ data: ROUTES }),
    })
    render(<App />)
    await click(await screen.findByRole('button', { name: 'Edit Anthropic' }))
    const dialog = screen.getByRole('dialog', { name: 'Edit Anthropic' })
    expect(input(dialog, 'Model 1 priority').value).toBe('1')
    expect(input(dialog, 'Model 1 fail over on').value).toBe('429, 529')
    expect(input(dialog, 'Model 2 priority').value).toBe('')
    const hints = within(dialog).getAllByTestId('pattern-hint')
    expect(hints).toHaveLength(1)
    expect(hints[0]?.textContent).toContain('pattern: catches every model starting with claude-')
    expect(await within(dialog).findByText('Catches recently: claude-opus-5-5, claude-sonnet-5')).toBeTruthy()

    // A pattern typed into a new row gets its hint at once (nothing caught yet).
    type(input(dialog, 'Model 2 alias'), 'gpt-4o*')
    expect(within(dialog).getAllByTestId('pattern-hint')[1]?.textContent).toBe(
      'pattern: catches every model starting with gpt-4o; sent as claude-opus-5-5.',
    )
  })

  it('refuses a status outside 400..599 at its row without sending, then sends the list as numbers', async () => {
    const api = stubApi({
      'GET /admin/v1/providers': () => jsonResponse({ data: [ANTHROPIC] }),
      'GET /admin/v1/routes': () => jsonResponse({ data: ROUTES }),
      'PUT /admin/v1/providers/9': (init) => jsonResponse({ ...ANTHROPIC, ...(JSON.parse(String(init?.body)) as object) }),
    })
    render(<App />)
    await click(await screen.findByRole('button', { name: 'Edit Anthropic' }))
    const dialog = screen.getByRole('dialog', { name: 'Edit Anthropic' })
    const failover = input(dialog, 'Model 1 fail over on')
    type(failover, '429, 700')
    await click(within(dialog).getByRole('button', { name: 'Save changes' }))
    expect(puts(api)).toHaveLength(0)
    expect(within(dialog).getByText('700 is not an error status: only 400–599 can pass a request on.')).toBeTruthy()
    expect(failover.getAttribute('aria-invalid')).toBe('true')

    type(failover, '429 503')
    await click(within(dialog).getByRole('button', { name: 'Save changes' }))
    expect(sentBody(puts(api)[0])).toMatchObject({
      models: [
        { alias: 'claude-*', upstream: '', priority: 1, failover_on: [429, 503] },
        { alias: 'opus', upstream: 'claude-opus-5-5' },
      ],
    })
  })

  it('shows the server’s 409 on a group member’s priority at that row and keeps the input', async () => {
    const api = stubApi({
      'GET /admin/v1/providers': () => jsonResponse({ data: [ANTHROPIC] }),
      'PUT /admin/v1/providers/9': () =>
        jsonResponse(
          {
            error: {
              code: 'conflict',
              message: 'alias "opus" is also served by the enabled provider "groq": give it a priority on every provider to make a route group',
              field: 'models[1].priority',
            },
          },
          409,
        ),
    })
    render(<App />)
    await click(await screen.findByRole('button', { name: 'Edit Anthropic' }))
    const dialog = screen.getByRole('dialog', { name: 'Edit Anthropic' })
    await click(within(dialog).getByRole('button', { name: 'Save changes' }))
    expect(puts(api)).toHaveLength(1)
    const prio = input(dialog, 'Model 2 priority')
    expect(prio.getAttribute('aria-invalid')).toBe('true')
    expect(within(dialog).getByText(/give it a priority on every provider to make a route group/)).toBeTruthy()
    expect(input(dialog, 'Model 2 alias').value).toBe('opus')
  })
})
