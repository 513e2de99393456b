import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { expect, type APIRequestContext, type Locator, type Page } from '@playwright/test'
import { expectFieldError, main, origin, shoot, startFakeUpstream, testWithConsoleGuard, type FakeUpstream } from './support'

// The Health page against the real `sluicegate serve` (playwright.config.ts
// starts it on a fresh data dir), with a fake OpenAI upstream started here:
// `good-model` answers 200, `bad-model` a 429 with OpenAI's quota error. The
// tests run in order, share the server's state, and remove their providers
// at the end (the Providers spec expects none).

const QUOTA_MESSAGE = 'You exceeded your current quota'
/** Each fake answer waits about this long (varied a little, like a real API), so the running state can be seen. */
const FAKE_DELAY_MS = 1500
let answered = 0

const MIXED = { key: 'hc-mixed', name: 'Fake OpenAI', good: 'hc-good', bad: 'hc-bad' }
const STEADY = { key: 'hc-steady', name: 'Fake Mirror', alias: 'hc-mirror' }

// ---- Fake upstream -----------------------------------------------------------

let fake: FakeUpstream

function startFake(): Promise<FakeUpstream> {
  return startFakeUpstream(
    ({ body }) => {
      const model = String(body.model ?? '')
      if (model === 'bad-model') {
        return { status: 429, payload: { error: { message: QUOTA_MESSAGE, type: 'insufficient_quota' } } }
      }
      return {
        status: 200,
        payload: {
          id: 'chatcmpl-fake-hc',
          object: 'chat.completion',
          created: 1764100000,
          model,
          choices: [{ index: 0, message: { role: 'assistant', content: 'H' }, finish_reason: 'length' }],
          usage: { prompt_tokens: 5, completion_tokens: 1, total_tokens: 6 },
        },
      }
    },
    { delayMs: () => FAKE_DELAY_MS - 300 + ((answered++ * 173) % 500) },
  )
}

/** The probes the fake upstream received: path, model and max_tokens of each. */
function probes(): Array<{ url: string; model: string; maxTokens: unknown }> {
  return fake.requests.map((r) => ({ url: r.url, model: String(r.body.model ?? ''), maxTokens: r.body.max_tokens }))
}

// ---- Fixtures and helpers ----------------------------------------------------

// Fail on console errors, except Chromium's "Failed to load resource" line for
// the 400 this spec provokes on purpose (the page shows it at the field).
const test = testWithConsoleGuard([/Failed to load resource: the server responded with a status of 400/])

test.describe.configure({ mode: 'serial' })

const created: number[] = []

test.beforeAll(async () => {
  fake = await startFake()
})

test.afterAll(async ({ request }) => {
  for (const id of created) await request.delete(`${origin}/admin/v1/providers/${id}`)
  await fake.close()
})

async function createProvider(request: APIRequestContext, data: Record<string, unknown>): Promise<number> {
  const res = await request.post(`${origin}/admin/v1/providers`, { data })
  expect(res.status(), await res.text()).toBe(201)
  const id = ((await res.json()) as { id: number }).id
  created.push(id)
  return id
}

function row(page: Page, key: string): Locator {
  return page.getByTestId(`health-${key}`)
}

function resultRow(page: Page, model: string): Locator {
  return page.getByTestId('health-results').getByTestId(`result-${model}`)
}

interface CheckJSON {
  check_id: string
  status: string
  trigger: string
  models: Array<{ model: string; status: string; status_code: number | null; error: { type: string; message: string } | null }>
}

// ---- Tests ---------------------------------------------------------------------

test('without providers the page says so and links to "Add provider"', async ({ page }) => {
  await page.goto('/#/health')
  await expect(main(page).getByRole('heading', { level: 1, name: 'Health' })).toBeVisible()
  await expect(main(page).getByRole('heading', { name: 'No providers to check' })).toBeVisible()
  await expect(main(page).getByRole('button', { name: 'Check all' })).toHaveCount(0)
  await main(page).getByRole('link', { name: 'Add a provider →' }).click()
  await expect(page.getByRole('dialog', { name: 'Add provider' })).toBeVisible()
  await expect(page).toHaveURL(/#\/providers$/)
})

test('"Run health check" shows each model’s result with the upstream’s message, and the run in the history', async ({ page, request }) => {
  await createProvider(request, {
    key: MIXED.key,
    name: MIXED.name,
    type: 'openai',
    base_url: `${fake.url}/v1`,
    api_key: 'sk-e2e-health-0000',
    models: [
      { alias: MIXED.good, upstream: 'good-model' },
      { alias: MIXED.bad, upstream: 'bad-model' },
    ],
  })
  // A second provider on a daily schedule (its first scheduled run is hours away).
  await createProvider(request, {
    key: STEADY.key,
    name: STEADY.name,
    type: 'openai',
    base_url: `${fake.url}/v1`,
    models: [{ alias: STEADY.alias, upstream: 'good-model' }],
    health_check_interval_secs: 86400,
  })

  await page.emulateMedia({ colorScheme: 'light' })
  await page.goto('/#/health')
  const mixed = row(page, MIXED.key)
  await expect(mixed).toContainText(MIXED.name)
  await expect(mixed.getByTestId('provider-status')).toHaveText('Not checked')
  await expect(mixed).toContainText('Never')
  await expect(mixed).toContainText('not scheduled')
  await expect(row(page, STEADY.key)).toContainText('every day')

  // Options: every alias picked, concurrency 2, timeout 30 s.
  const runButton = mixed.getByRole('button', { name: `Run health check for ${MIXED.name}` })
  await runButton.click()
  const panel = page.getByRole('form', { name: `Health check options for ${MIXED.name}` })
  await expect(panel).toBeVisible()
  await expect(panel.getByRole('checkbox', { name: /hc-good/ })).toBeChecked()
  await expect(panel.getByRole('checkbox', { name: /hc-bad/ })).toBeChecked()
  await expect(panel.getByLabel('Concurrency', { exact: true })).toHaveValue('2')
  await expect(panel.getByLabel('Timeout (seconds)', { exact: true })).toHaveValue('30')

  // Out of range: the server's 400 lands at the field, nothing else is lost.
  await panel.getByLabel('Concurrency', { exact: true }).fill('11')
  await panel.getByRole('button', { name: 'Run', exact: true }).click()
  await expectFieldError(panel.getByLabel('Concurrency', { exact: true }), /1\.\.10/)
  await shoot(page, 'health-options.png', { grow: true })
  await expect(panel.getByLabel('Timeout (seconds)', { exact: true })).toHaveValue('30')
  expect(probes()).toHaveLength(0)

  await panel.getByLabel('Concurrency', { exact: true }).fill('2')
  const answer = page.waitForResponse((r) => r.url().endsWith('/health') && r.request().method() === 'POST')
  await panel.getByRole('button', { name: 'Run', exact: true }).click()
  // While running: a spinner and a disabled button (the panel closes once the check is seen running).
  await expect(runButton).toHaveText(/Checking…/)
  await expect(runButton).toBeDisabled()
  const res = await answer
  expect(res.status()).toBe(200)
  const check = (await res.json()) as CheckJSON
  expect(check.status).toBe('degraded')

  await expect(panel).toBeHidden()
  await expect(runButton).toBeEnabled()
  await expect(mixed.getByTestId('provider-status')).toHaveText('Degraded')
  await expect(mixed).toContainText('just now')
  await expect(mixed).toContainText('on demand')
  await expect(mixed).toContainText('1 / 2 healthy')

  const results = page.getByTestId('health-results')
  await expect(results.getByRole('heading', { name: `Latest check · ${MIXED.name}` })).toBeVisible()
  const good = resultRow(page, MIXED.good)
  await expect(good).toContainText('good-model')
  await expect(good).toContainText('Healthy')
  await expect(good.locator('td').nth(3)).toHaveText('200')
  const bad = resultRow(page, MIXED.bad)
  await expect(bad).toContainText('bad-model')
  await expect(bad).toContainText('Unhealthy')
  await expect(bad.locator('td').nth(3)).toHaveText('429')
  await expect(bad).toContainText('Upstream error')
  await expect(bad).toContainText(QUOTA_MESSAGE)
  await expect(bad.getByText(QUOTA_MESSAGE)).toHaveAttribute('title', QUOTA_MESSAGE)

  // One probe per model, through the real upstream path with max_tokens 1.
  expect(probes().map((p) => p.model).sort()).toEqual(['bad-model', 'good-model'])
  expect(probes().every((p) => p.url === '/v1/chat/completions' && p.maxTokens === 1)).toBe(true)

  // The run is in the history, selected, and in the 24 h summary.
  const item = page.getByTestId(`history-${check.check_id}`)
  await expect(item).toContainText('Degraded')
  await expect(item).toContainText('1/2 healthy')
  await expect(item).toContainText('on demand')
  await expect(item).toHaveAttribute('aria-current', 'true')
  await expect(page.getByTestId(`summary-${MIXED.good}`)).toContainText('100%')
  await expect(page.getByTestId(`summary-${MIXED.bad}`)).toContainText('0%')
})

test('a check picked from the history shows its own results', async ({ page }) => {
  await page.goto('/#/health')
  const mixed = row(page, MIXED.key)
  await expect(mixed.getByTestId('provider-status')).toHaveText('Degraded')
  const first = page.getByTestId('health-results')
  await expect(first.getByTestId(`result-${MIXED.bad}`)).toBeVisible()

  // Only the good model this time: the provider is healthy.
  await mixed.getByRole('button', { name: `Run health check for ${MIXED.name}` }).click()
  const panel = page.getByRole('form', { name: `Health check options for ${MIXED.name}` })
  await panel.getByRole('checkbox', { name: /hc-bad/ }).uncheck()
  const answer = page.waitForResponse((r) => r.url().endsWith('/health') && r.request().method() === 'POST')
  await panel.getByRole('button', { name: 'Run', exact: true }).click()
  const check = (await (await answer).json()) as CheckJSON
  expect(check.status).toBe('healthy')
  expect(check.models.map((m) => m.model)).toEqual([MIXED.good])
  await expect(mixed.getByTestId('provider-status')).toHaveText('Healthy')
  await expect(resultRow(page, MIXED.bad)).toHaveCount(0)

  const history = page.getByRole('list', { name: 'Recent checks' })
  await expect(history.getByRole('button')).toHaveCount(2)
  await expect(history.getByRole('button').first()).toHaveAttribute('data-testid', `history-${check.check_id}`)
  await history.getByRole('button').nth(1).click()
  await expect(page.getByTestId('health-results').getByRole('heading', { name: `Earlier check · ${MIXED.name}` })).toBeVisible()
  await expect(resultRow(page, MIXED.bad)).toContainText(QUOTA_MESSAGE)
  await expect(history.getByRole('button').nth(1)).toHaveAttribute('aria-current', 'true')
  await page.getByRole('button', { name: 'Show latest' }).click()
  await expect(resultRow(page, MIXED.bad)).toHaveCount(0)
})

test('"Check all" checks every provider and updates each row; screenshots', async ({ page, request }) => {
  await page.emulateMedia({ colorScheme: 'light' })
  await page.goto('/#/health')
  await expect(row(page, STEADY.key).getByTestId('provider-status')).toHaveText('Not checked')
  const checkAll = main(page).getByRole('button', { name: 'Check all' })
  const answer = page.waitForResponse((r) => r.url().endsWith('/admin/v1/health/check'))
  await checkAll.click()
  await expect(main(page).getByRole('button', { name: /Checking all…/ })).toBeDisabled()
  await expect(row(page, MIXED.key).getByRole('button', { name: `Run health check for ${MIXED.name}` })).toBeDisabled()
  const res = await answer
  expect(res.status()).toBe(200)
  const all = (await res.json()) as { providers: CheckJSON[]; total_providers: number }
  expect(all.total_providers).toBe(2)

  await expect(main(page).getByRole('status').filter({ hasText: 'Checked 2 providers' })).toHaveText(
    'Checked 2 providers: 1 healthy, 1 degraded.',
  )
  await expect(row(page, MIXED.key).getByTestId('provider-status')).toHaveText('Degraded')
  await expect(row(page, STEADY.key).getByTestId('provider-status')).toHaveText('Healthy')
  await expect(resultRow(page, MIXED.bad)).toContainText(QUOTA_MESSAGE)
  const mixedCheck = all.providers.find((c) => c.models.some((m) => m.model === MIXED.bad))
  expect(mixedCheck).toBeTruthy()
  await expect(page.getByTestId(`history-${mixedCheck?.check_id ?? ''}`)).toHaveAttribute('aria-current', 'true')

  // The same checks are in the stored history the API serves.
  const hist = await request.get(`${origin}/admin/v1/providers/${created[0]}/health/history?limit=1`)
  expect(((await hist.json()) as { data: CheckJSON[] }).data[0]?.check_id).toBe(mixedCheck?.check_id)

  // The other provider's details follow the selection.
  await row(page, STEADY.key).getByRole('button', { name: `Show health of ${STEADY.name}` }).click()
  await expect(page.getByTestId('health-results').getByRole('heading', { name: `Latest check · ${STEADY.name}` })).toBeVisible()
  await expect(resultRow(page, STEADY.alias)).toContainText('Healthy')
  await row(page, MIXED.key).click()
  await expect(resultRow(page, MIXED.bad)).toBeVisible()
  await expect(page.getByTestId(`summary-${MIXED.good}`)).toContainText('3 checks')

  await page.mouse.move(0, 0)
  await shoot(page, 'health.png', { grow: true })
  await page.emulateMedia({ colorScheme: 'dark' })
  await shoot(page, 'health-dark.png', { grow: true })
  await page.emulateMedia({ colorScheme: 'light' })
})

// ---- Live checks ---------------------------------------------------------------

const LIVE = { key: 'hc-live', name: 'Fake Live', fast: 'hc-fast', hang: 'hc-hang' }

/**
 * An upstream where `fast-model` answers at once and `hang-model` never does
 * (until the server is closed): the check's timeout or a cancel ends it.
 */
async function startHangingUpstream(): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as { model?: string }
      if (body.model === 'hang-model') return // no answer
      res.writeHead(200, { 'Content-Type': 'application/json' })
      res.end(
        JSON.stringify({
          id: 'chatcmpl-live',
          object: 'chat.completion',
          created: 1764100000,
          model: body.model,
          choices: [{ index: 0, message: { role: 'assistant', content: 'H' }, finish_reason: 'length' }],
          usage: { prompt_tokens: 5, completion_tokens: 1, total_tokens: 6 },
        }),
      )
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections()
        server.close(() => done())
      }),
  }
}

async function showLive(page: Page) {
  await row(page, LIVE.key).getByRole('button', { name: `Show health of ${LIVE.name}` }).click()
}

test('a running check fills in model by model, survives leaving and reloading, and can be cancelled; screenshots', async ({ page, request }) => {
  test.setTimeout(90_000)
  const hanging = await startHangingUpstream()
  try {
    await createProvider(request, {
      key: LIVE.key,
      name: LIVE.name,
      type: 'openai',
      base_url: `${hanging.url}/v1`,
      models: [
        { alias: LIVE.fast, upstream: 'fast-model' },
        { alias: LIVE.hang, upstream: 'hang-model' },
      ],
    })
    await page.emulateMedia({ colorScheme: 'light' })
    await page.goto('/#/health')
    await showLive(page)
    await row(page, LIVE.key).getByRole('button', { name: `Run health check for ${LIVE.name}` }).click()
    const panel = page.getByRole('form', { name: `Health check options for ${LIVE.name}` })
    // Long enough that a loaded machine does not reach it before the cancel.
    await panel.getByLabel('Timeout (seconds)', { exact: true }).fill('30')
    const started = Date.now()
    await panel.getByRole('button', { name: 'Run', exact: true }).click()

    // The fast model's row is healthy while the hanging one is still running.
    const results = page.getByTestId('health-results')
    await expect(results.getByRole('heading', { name: `Running check · ${LIVE.name}` })).toBeVisible()
    await expect(resultRow(page, LIVE.fast)).toContainText('Healthy')
    await expect(resultRow(page, LIVE.hang)).toContainText('Checking…')
    await expect(results).toContainText('1 of 2 models answered')
    expect(Date.now() - started).toBeLessThan(15_000)

    // Leave for another page and come back: the running check is shown.
    await page.goto('/#/providers')
    await expect(page.getByRole('heading', { name: 'Providers', level: 1 })).toBeVisible()
    await page.goto('/#/health')
    await showLive(page)
    await expect(results.getByRole('heading', { name: `Running check · ${LIVE.name}` })).toBeVisible()
    await expect(resultRow(page, LIVE.fast)).toContainText('Healthy')
    await expect(resultRow(page, LIVE.hang)).toContainText('Checking…')

    // A reload too; and a second check of it is not offered meanwhile.
    await page.reload()
    await showLive(page)
    await expect(results.getByRole('heading', { name: `Running check · ${LIVE.name}` })).toBeVisible()
    await expect(resultRow(page, LIVE.fast)).toContainText('Healthy')
    await expect(row(page, LIVE.key).getByRole('button', { name: `Run health check for ${LIVE.name}` })).toBeDisabled()
    for (const width of [1280, 800]) {
      await page.setViewportSize({ width, height: 900 })
      await shoot(page, `health-running-light-${width}.png`)
    }
    await page.setViewportSize({ width: 1280, height: 900 })

    // Cancel: the hanging model ends as cancelled, before the 30 s timeout.
    await results.getByRole('button', { name: 'Cancel check' }).click()
    await expect(results.getByRole('heading', { name: `Latest check · ${LIVE.name}` })).toBeVisible()
    await expect(resultRow(page, LIVE.hang)).toContainText('Cancelled')
    await expect(resultRow(page, LIVE.fast)).toContainText('Healthy')
    expect(Date.now() - started).toBeLessThan(30_000)
    await expect(results).toContainText('1 cancelled')
    await expect(results.locator('time').first()).toHaveAttribute('title', /\d/)
    const running = await request.get(`${origin}/admin/v1/health/running`)
    expect(((await running.json()) as { data: unknown[] }).data).toEqual([])

    // Screenshots: both themes, 800 and 1280 px, with the charts drawn.
    await expect(page.getByTestId('chart-latency').locator('canvas')).toBeVisible()
    await page.mouse.move(0, 0)
    for (const theme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: theme })
      for (const width of [800, 1280]) {
        await page.setViewportSize({ width, height: 1500 })
        await shoot(page, `health-${theme}-${width}.png`)
      }
    }
    await page.emulateMedia({ colorScheme: 'light' })
  } finally {
    await hanging.close()
  }
})
