import { expect, type Page } from '@playwright/test'
import { origin, shoot, startFakeUpstream, testWithConsoleGuard, type FakeUpstream } from './support'

// The Live logs page over the real WebSocket of `sluicegate serve`: a request
// sent to the proxy shows as a row within a second, failures are marked, and
// a row opens its detail with secrets redacted.

const test = testWithConsoleGuard()
test.describe.configure({ mode: 'serial' })

const SECRET = 'sk-e2e-logs-secret-0123456789'
let fake: FakeUpstream
let providerId = 0

test.beforeAll(async ({ request }) => {
  fake = await startFakeUpstream((req) => {
    if (req.body.model === 'broken-up') {
      return { status: 503, payload: { error: { message: 'fake upstream is overloaded', type: 'server_error' } } }
    }
    return {
      status: 200,
      payload: {
        id: 'chatcmpl-e2e',
        object: 'chat.completion',
        model: String(req.body.model),
        choices: [{ index: 0, message: { role: 'assistant', content: 'hi' }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 11, completion_tokens: 7, total_tokens: 18 },
      },
    }
  })
  const res = await request.post(`${origin}/admin/v1/providers`, {
    data: {
      key: 'logs',
      type: 'openai',
      base_url: `${fake.url}/v1`,
      api_key: SECRET,
      models: [
        { alias: 'logs-model', upstream: 'logs-up' },
        { alias: 'logs-broken', upstream: 'broken-up' },
      ],
    },
  })
  expect(res.status(), await res.text()).toBe(201)
  providerId = ((await res.json()) as { id: number }).id
})

test.afterAll(async ({ request }) => {
  if (providerId) await request.delete(`${origin}/admin/v1/providers/${providerId}`)
  await fake.close()
})

async function chat(model: string): Promise<Response> {
  return fetch(`${origin}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: 'Bearer client-key-not-logged' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hello from e2e' }] }),
  })
}

function rows(page: Page) {
  return page.getByTestId('log-row')
}

async function openLive(page: Page) {
  await page.goto('/#/logs')
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Live logs')
  await expect(page.getByTestId('live-status')).toHaveAttribute('data-state', 'open')
}

test('a proxied request appears as a row within 1 s, and a failure is marked', async ({ page }) => {
  await openLive(page)
  const res = await chat('logs-model')
  expect(res.status).toBe(200)
  const id = res.headers.get('x-sluicegate-request-id')
  expect(id).toBeTruthy()
  const row = page.locator(`[data-testid="log-row"][data-id="${id}"]`)
  await expect(row).toBeVisible({ timeout: 1000 })
  await expect(row.getByTestId('log-status')).toHaveText('200', { timeout: 1000 })
  await expect(row).toContainText('logs-model')
  await expect(row).toContainText('11 → 7')

  const bad = await chat('logs-broken')
  expect(bad.status).toBe(503)
  const badRow = page.locator(`[data-testid="log-row"][data-id="${bad.headers.get('x-sluicegate-request-id')}"]`)
  await expect(badRow.getByTestId('log-status')).toHaveText('503', { timeout: 1000 })
  await expect(badRow).toContainText('upstream')
  await expect(rows(page).first()).toHaveAttribute('data-id', bad.headers.get('x-sluicegate-request-id') ?? '')

  await page.getByRole('switch', { name: 'Errors only' }).click()
  await expect(rows(page)).toHaveCount(1)
  await page.getByRole('switch', { name: 'Errors only' }).click()
  await shoot(page, 'logs.png')

  // The detail: the error, the captured headers with secrets redacted.
  await badRow.click()
  const panel = page.getByTestId('log-detail')
  await expect(panel).toContainText('The provider failed')
  await expect(panel).toContainText('fake upstream is overloaded')
  await expect(panel.getByText('Request headers')).toBeVisible()
  await expect(panel.getByText('Response body')).toBeVisible()
  await expect(page.locator('body')).not.toContainText('client-key-not-logged')
  await expect(page.locator('body')).not.toContainText(SECRET)
  await page.emulateMedia({ colorScheme: 'dark' })
  await shoot(page, 'logs-dark.png')
})

test('the page shows earlier requests after a reload (backfill)', async ({ page }) => {
  const res = await chat('logs-model')
  const id = res.headers.get('x-sluicegate-request-id') ?? ''
  await openLive(page)
  await expect(page.locator(`[data-testid="log-row"][data-id="${id}"]`)).toBeVisible()
})
