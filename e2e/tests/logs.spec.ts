import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { expect, type Page } from '@playwright/test'
import OpenAI from 'openai'
import { origin, shoot, startFakeUpstream, testWithConsoleGuard, type FakeUpstream } from './support'

const run = promisify(execFile)

// The Live logs page over the real WebSocket of `sluicegate serve`: a request
// sent to the proxy shows as a row within a second, failures are marked, and
// a row opens its detail with secrets redacted.

const test = testWithConsoleGuard()
test.describe.configure({ mode: 'serial' })

const SECRET = 'sk-e2e-logs-secret-0123456789'
let fake: FakeUpstream
let providerId = 0

test.beforeAll(async ({ request }) => {
  // Other spec files share this server: start from an empty request log.
  expect((await request.delete(`${origin}/admin/v1/logs`)).status()).toBe(204)
  fake = await startFakeUpstream((req) => {
    if (req.body.model === 'limited-up') {
      return { status: 429, payload: { error: { message: 'Rate limit reached for requests', type: 'rate_limit_error' } } }
    }
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
        { alias: 'logs-limited', upstream: 'limited-up' },
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

function row(page: Page, id: string | null) {
  return page.locator(`[data-testid="log-row"][data-id="${id ?? 'missing'}"]`)
}

test('OpenAI SDK and curl requests appear within 1 s; a 429 is an upstream error with its message', async ({ page }) => {
  await openLive(page)
  // The real Node OpenAI SDK, pointed at Sluicegate as the Connect page says.
  const openai = new OpenAI({ baseURL: `${origin}/v1`, apiKey: 'sdk-key-not-logged', maxRetries: 0 })
  const { data: answer, response: sdk } = await openai.chat.completions
    .create({ model: 'logs-model', messages: [{ role: 'user', content: 'from the sdk' }] })
    .withResponse()
  expect(answer.choices[0]?.message.content).toBe('hi')
  await expect(row(page, sdk.headers.get('x-sluicegate-request-id')).getByTestId('log-status')).toHaveText('200', { timeout: 1000 })

  const { stdout } = await run('curl', [
    '-sS',
    '-D',
    '-',
    '-o',
    '/dev/null',
    '-H',
    'Content-Type: application/json',
    '-H',
    'Authorization: Bearer curl-key-not-logged',
    '--data-raw',
    JSON.stringify({ model: 'logs-model', messages: [{ role: 'user', content: 'from curl' }] }),
    `${origin}/v1/chat/completions`,
  ])
  const curlId = /x-sluicegate-request-id:\s*(\S+)/i.exec(stdout)?.[1] ?? null
  expect(curlId).toBeTruthy()
  await expect(row(page, curlId).getByTestId('log-status')).toHaveText('200', { timeout: 1000 })

  const limited = await chat('logs-limited')
  expect(limited.status).toBe(429)
  const limitedRow = row(page, limited.headers.get('x-sluicegate-request-id'))
  await expect(limitedRow.getByTestId('log-status')).toHaveText('429', { timeout: 1000 })
  await expect(limitedRow.getByTestId('log-status')).toHaveClass(/hbadge--warn/)
  await expect(limitedRow.getByTestId('log-error-source')).toHaveText('upstream')
  await expect(limitedRow.getByTestId('log-error-source')).toHaveAttribute('title', /Rate limit reached for requests/)
  await limitedRow.click()
  const panel = page.getByTestId('log-detail')
  await expect(panel).toContainText('The provider failed')
  await expect(panel).toContainText('Rate limit reached for requests')

  // Filters: status 429 narrows the table to that row.
  await page.getByRole('button', { name: 'Close detail' }).click()
  await page.getByRole('textbox', { name: 'Status' }).fill('429')
  await expect(rows(page)).toHaveCount(1)
  await expect(rows(page).first()).toHaveAttribute('data-id', limited.headers.get('x-sluicegate-request-id') ?? '')
  await page.getByRole('textbox', { name: 'Status' }).fill('')
})

test('the detail shows the redacted key, and "Copy as curl" copies a command that works with the key set', async ({ page, context }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin })
  await openLive(page)
  const res = await chat('logs-model')
  const id = res.headers.get('x-sluicegate-request-id')
  await row(page, id).click()
  const panel = page.getByTestId('log-detail')
  const auth = panel.locator('.ldetail__header', { has: page.locator('dt', { hasText: /^Authorization$/ }) })
  await expect(auth.locator('dd')).toHaveText('Bearer [REDACTED]')
  await expect(page.locator('body')).not.toContainText('client-key-not-logged')

  await panel.getByRole('button', { name: 'Copy as curl' }).click()
  await expect(panel.getByRole('button', { name: 'Copy as curl' })).toHaveAttribute('data-state', 'copied')
  const copied = await page.evaluate(() => navigator.clipboard.readText())
  expect(copied).toBe(await panel.getByTestId('curl-command').textContent())
  expect(copied).toContain(`curl '${origin}/v1/chat/completions'`)
  expect(copied).toContain(`-H 'Authorization: Bearer '"$SLUICEGATE_KEY"`)
  expect(copied).not.toContain('client-key-not-logged')
  expect(copied).not.toContain(SECRET)
  expect(copied).not.toContain('[REDACTED]')

  // Run as copied: it reaches the proxy again, as a new logged request.
  const { stdout } = await run('bash', ['-c', `${copied} -sS -o /dev/null -w '%{http_code}'`], {
    env: { ...process.env, SLUICEGATE_KEY: 'replayed-key' },
  })
  expect(stdout).toBe('200')
  await shoot(page, 'logs-detail.png')
})

test('the Errors tab shows the server\'s own warnings from the backfill', async ({ page, request }) => {
  // A provider that cannot be reached makes the server log a warning.
  const res = await request.post(`${origin}/admin/v1/providers`, {
    data: { key: 'logs-down', type: 'openai', base_url: 'http://127.0.0.1:9/v1', models: [{ alias: 'logs-down-model', upstream: 'x' }] },
  })
  expect(res.status(), await res.text()).toBe(201)
  const downId = ((await res.json()) as { id: number }).id
  try {
    const r = await chat('logs-down-model')
    expect(r.status).toBeGreaterThanOrEqual(500)
    const server = await request.get(`${origin}/admin/v1/server-log`)
    const records = ((await server.json()) as { data: { message: string }[] }).data
    expect(records.map((r) => r.message)).toContain('upstream request failed')
    await openLive(page)
    await page.getByRole('tab', { name: /^Errors/ }).click()
    const list = page.getByTestId('server-log')
    await expect(list.getByTestId('server-log-row').first()).toContainText(records[0]!.message)
    await expect(list.getByTestId('server-log-row').first()).toHaveAttribute('data-level', 'error')
    await expect(list).toContainText('provider=logs-down')
    await expect(page.getByRole('tab', { name: /^Errors/ })).toHaveText(`Errors (${records.length})`)
    await page.emulateMedia({ colorScheme: 'dark' })
    await shoot(page, 'logs-errors-dark.png')
    await page.emulateMedia({ colorScheme: 'light' })
  } finally {
    await request.delete(`${origin}/admin/v1/providers/${downId}`)
  }
})

test('screenshots in both themes at 800 and 1280 px', async ({ page }) => {
  for (const width of [1280, 800]) {
    for (const theme of ['light', 'dark'] as const) {
      await page.setViewportSize({ width, height: 800 })
      await page.emulateMedia({ colorScheme: theme })
      await openLive(page)
      await expect(rows(page).first()).toBeVisible()
      await shoot(page, `logs-${theme}-${width}.png`)
    }
  }
})

test('a burst of 200 requests/s for 5 s keeps the page responsive and the DOM bounded', async ({ page }) => {
  test.setTimeout(60_000)
  await openLive(page)
  // Long tasks (> 50 ms of main-thread work) and the gaps between frames, measured in the page.
  await page.evaluate(() => {
    const w = window as unknown as { __longTasks: number[]; __gaps: number[]; __stop: boolean }
    w.__longTasks = []
    w.__gaps = []
    w.__stop = false
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) w.__longTasks.push(e.duration)
    }).observe({ type: 'longtask', buffered: false })
    let last = performance.now()
    const tick = (now: number) => {
      w.__gaps.push(now - last)
      last = now
      if (!w.__stop) requestAnimationFrame(tick)
    }
    requestAnimationFrame(tick)
  })

  const RATE = 200
  const SECONDS = 5
  const TICK_MS = 50
  const perTick = (RATE * TICK_MS) / 1000
  const started = Date.now()
  const sent: Promise<Response>[] = []
  for (let t = 0; t < (SECONDS * 1000) / TICK_MS; t++) {
    // Paced by the clock: each tick sends its share of requests concurrently.
    const due = started + t * TICK_MS
    const wait = due - Date.now()
    if (wait > 0) await new Promise((r) => setTimeout(r, wait))
    for (let i = 0; i < perTick; i++) sent.push(chat('logs-model'))
  }
  const answers = await Promise.all(sent)
  expect(answers.every((a) => a.status === 200)).toBe(true)
  const lastId = answers.at(-1)!.headers.get('x-sluicegate-request-id')
  await expect(row(page, lastId).getByTestId('log-status')).toHaveText('200', { timeout: 5000 })

  const { longTasks, gaps, domRows } = await page.evaluate(() => {
    const w = window as unknown as { __longTasks: number[]; __gaps: number[]; __stop: boolean }
    w.__stop = true
    return { longTasks: w.__longTasks, gaps: w.__gaps, domRows: document.querySelectorAll('[data-testid="log-row"]').length }
  })
  const sorted = [...gaps].sort((a, b) => a - b)
  const p95 = sorted[Math.floor(sorted.length * 0.95)] ?? 0
  const maxTask = Math.max(0, ...longTasks)
  console.log(`burst: ${answers.length} requests, ${gaps.length} frames, p95 gap ${p95.toFixed(1)} ms, ` +
    `max gap ${Math.max(...gaps).toFixed(1)} ms, ${longTasks.length} long tasks (max ${maxTask.toFixed(0)} ms), ${domRows} rows in the DOM`)
  // Bounds for a shared, heavily loaded 2-core machine (measured there at
  // load average 12-24 while other builds ran: max long task 260-1,100 ms,
  // p95 frame gap 150-650 ms; an idle page in the same conditions: one long
  // task). The page never freezes for seconds and keeps drawing frames.
  expect(maxTask).toBeLessThan(2000)
  expect(p95).toBeLessThan(1000)
  expect(gaps.length).toBeGreaterThan(SECONDS * 4)
  // Virtualised: a window's worth of rows, not the 1,000 kept.
  expect(domRows).toBeGreaterThan(5)
  expect(domRows).toBeLessThan(80)
})
