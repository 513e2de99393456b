import AxeBuilder from '@axe-core/playwright'
import { expect, type Locator, type Page } from '@playwright/test'
import { freePort, main, origin, shoot, startFakeUpstream, testWithConsoleGuard, type FakeUpstream } from './support'

// Route groups end to end (issue 13), against the real binary: a group of a
// dead provider (nothing listens at its base URL) and a working one is made
// in the provider form; a request fails over; the request log shows the
// chain "502 (connect) from … → 200 from …"; the Routes page shows the dead
// member's circuit opening live, resolves a name in the order a request
// would try it now, and a pattern shows what it caught in the form.

const test = testWithConsoleGuard()
test.describe.configure({ mode: 'serial', timeout: 60_000 })

const ALIAS = 'e2e-route'
const PATTERN = 'e2e-pat-*'
const DEAD = 'e2e-dead'
const LIVE = 'e2e-live'

let fake: FakeUpstream
let deadURL = ''

test.beforeAll(async ({ request }) => {
  // Other spec files share this server: start from an empty request log.
  expect((await request.delete(`${origin}/admin/v1/logs`)).status()).toBe(204)
  fake = await startFakeUpstream((req) => ({
    status: 200,
    payload: {
      id: 'chatcmpl-route',
      object: 'chat.completion',
      model: String(req.body.model),
      choices: [{ index: 0, message: { role: 'assistant', content: 'hi' }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 },
    },
  }))
  // A port that was free a moment ago: connecting to it is refused.
  deadURL = `http://127.0.0.1:${await freePort()}/v1`
})

test.afterAll(async ({ request }) => {
  const res = await request.get(`${origin}/admin/v1/providers`)
  const list = ((await res.json()) as { data: Array<{ id: number; key: string }> }).data
  for (const p of list.filter((p) => p.key === DEAD || p.key === LIVE)) {
    await request.delete(`${origin}/admin/v1/providers/${p.id}`)
  }
  await fake?.close()
})

async function chat(model: string): Promise<Response> {
  return fetch(`${origin}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: 'Bearer client-key' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hello from the routing spec' }] }),
  })
}

interface ModelRow {
  alias: string
  upstream: string
  priority?: string
  failoverOn?: string
}

/** "Add provider" → Custom, filled in and saved. */
async function addProvider(page: Page, p: { name: string; key: string; baseUrl: string; models: ModelRow[] }) {
  await main(page).getByRole('button', { name: 'Add provider' }).first().click()
  await page.getByRole('dialog', { name: 'Add provider' }).getByRole('button', { name: /Custom/ }).click()
  const dialog = page.getByRole('dialog', { name: 'Add a custom provider' })
  await dialog.getByLabel('Name', { exact: true }).fill(p.name)
  await dialog.getByLabel('Key', { exact: true }).fill(p.key)
  await dialog.getByLabel('Base URL', { exact: true }).fill(p.baseUrl)
  for (const [i, m] of p.models.entries()) {
    const n = i + 1
    if (i > 0) await dialog.getByRole('button', { name: 'Add model' }).click()
    await dialog.getByLabel(`Model ${n} alias`, { exact: true }).fill(m.alias)
    await dialog.getByLabel(`Model ${n} upstream model`, { exact: true }).fill(m.upstream)
    if (m.priority) await dialog.getByLabel(`Model ${n} priority`, { exact: true }).fill(m.priority)
    if (m.failoverOn) await dialog.getByLabel(`Model ${n} fail over on`, { exact: true }).fill(m.failoverOn)
  }
  await dialog.getByRole('button', { name: 'Add provider' }).click()
  await expect(dialog).toBeHidden()
  await expect(page.getByText(`Added ${p.name}.`)).toBeVisible()
}

function memberRow(card: Locator, key: string): Locator {
  return card.locator(`[data-testid="route-member"][data-provider="${key}"]`)
}

test('a route group made in the provider form: a bad status is refused at its row, then both members save', async ({ page }) => {
  await page.goto('/#/providers')
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Providers')

  // Client-side check of the failover statuses, at the row, nothing sent.
  await main(page).getByRole('button', { name: 'Add provider' }).first().click()
  await page.getByRole('dialog', { name: 'Add provider' }).getByRole('button', { name: /Custom/ }).click()
  const dialog = page.getByRole('dialog', { name: 'Add a custom provider' })
  await dialog.getByLabel('Name', { exact: true }).fill('Dead upstream')
  await dialog.getByLabel('Key', { exact: true }).fill(DEAD)
  await dialog.getByLabel('Base URL', { exact: true }).fill(deadURL)
  await dialog.getByLabel('Model 1 alias', { exact: true }).fill(ALIAS)
  await dialog.getByLabel('Model 1 upstream model', { exact: true }).fill('route-up')
  await dialog.getByLabel('Model 1 priority', { exact: true }).fill('1')
  const failover = dialog.getByLabel('Model 1 fail over on', { exact: true })
  await failover.fill('429, 200')
  await dialog.getByRole('button', { name: 'Add provider' }).click()
  await expect(failover).toHaveAttribute('aria-invalid', 'true')
  await expect(dialog.getByText('200 is not an error status: only 400–599 can pass a request on.')).toBeVisible()
  await failover.fill('429, 529')
  await dialog.getByRole('button', { name: 'Add provider' }).click()
  await expect(dialog).toBeHidden()

  await addProvider(page, {
    name: 'Working upstream',
    key: LIVE,
    baseUrl: `${fake.url}/v1`,
    models: [
      { alias: ALIAS, upstream: 'route-up', priority: '2' },
      { alias: PATTERN, upstream: '' },
    ],
  })
})

test('a request fails over from the dead member; the log shows the chain and links the attempts', async ({ page }) => {
  const res = await chat(ALIAS)
  expect(res.status, await res.clone().text()).toBe(200)
  const attempts = res.headers.get('x-sluicegate-attempts') ?? ''
  expect(attempts).toMatch(new RegExp(`^${DEAD}=\\d+\\(connect\\), ${LIVE}=200$`))
  const requestId = res.headers.get('x-sluicegate-request-id') ?? ''
  expect(requestId).not.toBe('')
  expect(fake.requests.filter((r) => r.body.model === 'route-up')).toHaveLength(1)

  await page.goto('/#/logs')
  await expect(page.getByTestId('live-status')).toHaveAttribute('data-state', 'open')
  const answered = page.locator(`[data-testid="log-row"][data-id="${requestId}"]`)
  await expect(answered.getByTestId('log-chain')).toHaveText(`502 from ${DEAD} → 200 from ${LIVE}`)
  await expect(answered.getByTestId('log-chain')).toHaveAttribute('title', `502 (connect) from ${DEAD} → 200 from ${LIVE}`)
  await expect(answered.getByTestId('log-attempt')).toHaveText('attempt 2 of 2')
  // The passed-over attempt is a row of its own, with a fresh id.
  const first = page.getByTestId('log-row').filter({ has: page.getByTestId('log-attempt').getByText('attempt 1 of 2') })
  await expect(first).toHaveCount(1)

  await shoot(page, 'routes-logs-chain-light-1280.png')
  await answered.click()
  const detail = page.getByTestId('log-detail')
  const list = detail.getByTestId('log-attempts')
  await expect(list.getByRole('button')).toHaveText([`502 (connect) from ${DEAD}`, `200 from ${LIVE}`])
  await expect(list.getByRole('button', { name: `200 from ${LIVE}` })).toHaveAttribute('aria-current', 'true')
  await shoot(page, 'routes-logs-light-1280.png')
  await list.getByRole('button', { name: `502 (connect) from ${DEAD}` }).click()
  await expect(detail.getByText('Attempt 1 of 2')).toBeVisible()
  await expect(detail.getByText('Sluicegate failed (upstream_connect_error)')).toBeVisible()
})

test('the Routes page shows the group in try order and the dead member’s circuit opening live; resolve puts it last', async ({ page }) => {
  await page.goto('/#/routes')
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Routes')
  const card = page.getByTestId('route').filter({ has: page.getByRole('heading', { name: ALIAS, exact: true }) })
  await expect(card.getByText('alias · route group of 2')).toBeVisible()
  await expect(card.getByTestId('route-member')).toHaveCount(2)
  await expect(memberRow(card, DEAD)).toContainText('429, 529')
  await expect(memberRow(card, DEAD).getByTestId('circuit')).toHaveText('closed')
  await expect(memberRow(card, LIVE)).toContainText('no response only')

  // Two more connect failures in a row open the circuit: the page follows circuit.changed.
  for (let i = 0; i < 2; i++) expect((await chat(ALIAS)).status).toBe(200)
  await expect(memberRow(card, DEAD).getByTestId('circuit')).toHaveText(/^open until \d\d:\d\d:\d\d$/)

  // While it is open the dead member is tried last.
  const box = page.getByRole('form', { name: 'Test a model name' })
  await box.getByLabel('Model name').fill(ALIAS)
  await box.getByRole('button', { name: 'Resolve' }).click()
  const result = page.getByTestId('resolve-result')
  await expect(result).toContainText(`is caught by the alias ${ALIAS}, a route group`)
  await expect(result.getByRole('listitem')).toHaveText([`${LIVE} as route-up`, `${DEAD} as route-up`])

  // A pattern catches what no alias names.
  expect((await chat('e2e-pat-anything')).status).toBe(200)
  await box.getByLabel('Model name').fill('e2e-pat-anything')
  await box.getByRole('button', { name: 'Resolve' }).click()
  await expect(result).toContainText(`is caught by the pattern ${PATTERN}`)
  await expect(result.getByRole('listitem')).toHaveText([`${LIVE} as e2e-pat-anything`])

  for (const theme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: theme })
    for (const width of [1280, 800]) {
      await page.setViewportSize({ width, height: 800 })
      await shoot(page, `routes-${theme}-${width}.png`)
    }
    // WCAG AA in both themes, with an open circuit and a resolve result shown.
    const axe = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']).analyze()
    const serious = axe.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => ({ rule: v.id, nodes: v.nodes.map((n) => n.target.join(' ')) }))
    expect(serious, `axe (${theme})`).toEqual([])
  }
  await page.setViewportSize({ width: 1280, height: 800 })
  await page.emulateMedia({ colorScheme: 'light' })
})

test('the provider form shows the saved group fields and what the pattern caught recently', async ({ page }) => {
  await page.goto('/#/providers')
  await main(page).getByRole('button', { name: 'Edit Working upstream' }).click()
  const dialog = page.getByRole('dialog', { name: 'Edit Working upstream' })
  await expect(dialog.getByLabel('Model 1 priority', { exact: true })).toHaveValue('2')
  await expect(dialog.getByLabel('Model 2 alias', { exact: true })).toHaveValue(PATTERN)
  await expect(dialog.getByTestId('pattern-hint')).toContainText('pattern: catches every model starting with e2e-pat-')
  await expect(dialog.getByTestId('pattern-hint')).toContainText('Catches recently: e2e-pat-anything')
  const editor = dialog.getByTestId('models-editor')
  await editor.scrollIntoViewIfNeeded()
  await shoot(page, 'routes-form-light-1280.png')
  await page.emulateMedia({ colorScheme: 'dark' })
  await page.setViewportSize({ width: 800, height: 800 })
  await editor.scrollIntoViewIfNeeded()
  await shoot(page, 'routes-form-dark-800.png')
})
