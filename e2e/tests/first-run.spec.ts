import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { expect, type Locator, type Page } from '@playwright/test'
import OpenAI from 'openai'
import {
  main,
  shoot,
  startFakeUpstream,
  startServe,
  testWithConsoleGuard,
  type FakeReply,
  type FakeUpstream,
  type ServeProcess,
} from './support'

const run = promisify(execFile)

// The whole first run, in order, as a new user walks it (issue 10, "Tests"):
// an empty dashboard → a provider added from a preset with "Test connection"
// and "Fetch models" → a health check that fills in while one model hangs,
// survives leaving the page and is cancelled → requests from the OpenAI SDK
// and curl arriving in Live logs within a second, a 429 with its message, the
// redacted detail and "Copy as curl" → the Connect snippet run as written.
//
// Against its OWN `sluicegate serve` on a fresh data dir (so it really is a
// first run, and the shared server the other specs use is left alone), and a
// fake OpenAI upstream started here: `fast-model` answers at once,
// `hang-model` never answers (until its caller gives up).

const test = testWithConsoleGuard()

/** What a user pastes into the form: it must reach the upstream and never be shown. */
const PROVIDER_KEY = 'sk-proj-Fq3uV8mZr2LxT6bWn9KcYs4Hd7Jg1Ea5Pi0OtRwQzNvMyXl'
/** What the clients send in Authorization: it must be redacted in Live logs. */
const CLIENT_KEY = 'sk-proj-Ck7Rb2Wx9Ln4Ty6Ps1Dq8Mh3Vz5Jf0Ga2Ue7Ko4Ic9NwHbYt'
const RATE_MESSAGE = 'Rate limit reached for fast-model in organization org-first-run on requests per min (RPM): Limit 3, Used 3, Requested 1.'
const FAST = 'fast-model'
const HANG = 'hang-model'
/** The OpenAI preset's name, kept as the user would keep it. */
const NAME = 'OpenAI'

let server: ServeProcess
let fake: FakeUpstream
/** The fake's answer to the next chat request instead of its 200 (once). */
let nextFailure: FakeReply | null = null

test.beforeAll(async () => {
  fake = await startFakeUpstream(
    (req) => {
      // Held: a model that hangs; the check's cancel (or close) ends it.
      if (req.body.model === HANG) return null
      if (nextFailure) {
        const reply = nextFailure
        nextFailure = null
        return reply
      }
      return {
        status: 200,
        payload: {
          id: 'chatcmpl-first-run',
          object: 'chat.completion',
          created: 1764100000,
          model: String(req.body.model ?? ''),
          choices: [{ index: 0, message: { role: 'assistant', content: 'Hello from the fake upstream.' }, finish_reason: 'stop' }],
          usage: { prompt_tokens: 9, completion_tokens: 6, total_tokens: 15 },
        },
      }
    },
    { models: [FAST, HANG] },
  )
  server = await startServe({ name: 'sluicegate-e2e-first-run' })
})

test.afterAll(async () => {
  await server?.stop()
  await fake?.close()
})

// ---- Helpers -------------------------------------------------------------------

function nav(page: Page, name: string): Locator {
  return page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name })
}

function logRow(page: Page, id: string): Locator {
  return page.locator(`[data-testid="log-row"][data-id="${id}"]`)
}

function resultRow(page: Page, model: string): Locator {
  return page.getByTestId('health-results').getByTestId(`result-${model}`)
}

/** The chat requests the fake received for `model`. */
function chatsFor(model: string) {
  return fake.requests.filter((r) => r.url === '/v1/chat/completions' && r.body.model === model)
}

/**
 * Milliseconds from `since` (when the client had its response) until the row
 * of request `id` is on screen with its final status. Measured in the page,
 * checked every animation frame, so the poll interval does not add to it.
 */
async function msUntilRowShown(page: Page, id: string, since: number): Promise<number> {
  const shownAt = await page.waitForFunction(
    (rid) => {
      const row = document.querySelector(`[data-testid="log-row"][data-id="${rid}"]`)
      const status = row?.querySelector('[data-testid="log-status"]')?.textContent?.trim() ?? ''
      if (!row || !/^\d{3}$/.test(status)) return 0
      const box = row.getBoundingClientRect()
      if (box.height === 0 || box.bottom <= 0 || box.top >= window.innerHeight) return 0
      return Date.now()
    },
    id,
    { polling: 'raf', timeout: 10_000 },
  )
  return ((await shownAt.jsonValue()) as number) - since
}

// ---- The walk --------------------------------------------------------------------

test('first run: add a provider, check it, send requests, watch them arrive, connect a client', async ({ page, context }) => {
  test.setTimeout(120_000)
  const origin = server.origin
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin })
  await page.emulateMedia({ colorScheme: 'light' })

  await test.step('1. first run: the dashboard opens on an empty state that says what to do', async () => {
    await page.goto(`${origin}/`)
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Providers')
    const empty = main(page).getByRole('region', { name: 'No providers yet' })
    await expect(empty).toBeVisible()
    await expect(empty.getByRole('button', { name: 'Add provider' })).toBeVisible()
    const steps = main(page).getByRole('region', { name: 'Get started' })
    await expect(steps).toContainText('The proxy is running')
    await expect(steps).toContainText(`Listening on 127.0.0.1:${server.port}`)
    await expect(steps).toContainText('Add a provider')
    await expect(steps).toContainText('Point your clients at Sluicegate')
    // The status bar: running, the two base URLs, each with a copy button.
    const bar = page.getByRole('contentinfo', { name: 'Proxy status' })
    await expect(bar.getByText('Running')).toBeVisible()
    await expect(bar.getByTestId('statusbar-openai-url')).toHaveText(`${origin}/v1`)
    await expect(bar.getByTestId('statusbar-anthropic-url')).toHaveText(origin)
    await expect(bar.getByRole('button', { name: /^Copy .* base URL$/ })).toHaveCount(2)
    await expect(bar.getByTestId('statusbar-providers')).toHaveText('0 providers')
    await shoot(page, 'first-run-empty.png')
  })

  await test.step('2. add a provider from the OpenAI preset: test connection, fetch models, pick aliases, save', async () => {
    await main(page).getByRole('region', { name: 'No providers yet' }).getByRole('button', { name: 'Add provider' }).click()
    const picker = page.getByRole('dialog', { name: 'Add provider' })
    await picker.getByRole('button', { name: /^OpenAI, OpenAI-compatible,/ }).click()

    const dialog = page.getByRole('dialog', { name: 'Add OpenAI' })
    await expect(dialog.getByRole('radio', { name: 'OpenAI-compatible' })).toBeChecked()
    await expect(dialog.getByLabel('Name', { exact: true })).toHaveValue(NAME)
    const baseUrl = dialog.getByLabel('Base URL', { exact: true })
    await expect(baseUrl).toHaveValue('https://api.openai.com/v1')
    await baseUrl.fill(`${fake.url}/v1`)
    const apiKey = dialog.getByLabel('API key', { exact: true })
    await expect(apiKey).toHaveAttribute('type', 'password')
    await apiKey.fill(PROVIDER_KEY)
    // Before anything is fetched, the preset's typical models are offered.
    await expect(dialog.getByRole('checkbox', { name: 'gpt-4o-mini' })).toBeVisible()

    const result = dialog.getByTestId('probe-result')
    fake.requests.length = 0
    await dialog.getByRole('button', { name: 'Test connection' }).click()
    await expect(result).toHaveText(/^Connected: HTTP 200 in \d+ ms, 2 models listed\.$/)
    expect(fake.requests.map((r) => `${r.method} ${r.url}`)).toEqual(['GET /v1/models'])
    expect(fake.requests[0]?.headers.authorization).toBe(`Bearer ${PROVIDER_KEY}`)

    await dialog.getByRole('button', { name: 'Fetch models' }).click()
    await expect(dialog.getByRole('checkbox', { name: FAST })).toBeVisible()
    await expect(dialog.getByRole('checkbox', { name: HANG })).toBeVisible()
    // The upstream's list replaced the preset's guesses.
    await expect(dialog.getByRole('checkbox', { name: 'gpt-4o-mini' })).toHaveCount(0)
    await dialog.getByRole('checkbox', { name: FAST }).check()
    await dialog.getByRole('checkbox', { name: HANG }).check()
    await expect(dialog.getByLabel('Model 1 alias', { exact: true })).toHaveValue(FAST)
    await expect(dialog.getByLabel('Model 1 upstream model', { exact: true })).toHaveValue(FAST)
    await expect(dialog.getByLabel('Model 2 alias', { exact: true })).toHaveValue(HANG)
    await expect(dialog.getByLabel('Model 2 upstream model', { exact: true })).toHaveValue(HANG)
    await shoot(page, 'first-run-provider-form.png')

    await dialog.getByRole('button', { name: 'Add provider' }).click()
    await expect(dialog).toBeHidden()
    const row = page.getByTestId('provider-openai')
    await expect(row).toContainText(NAME)
    await expect(row).toContainText(`${fake.url}/v1`)
    await expect(row).toContainText('2 models')
    await expect(row).toContainText(FAST)
    await expect(row.getByTestId('provider-health')).toContainText('Not checked')
    await expect(main(page).getByRole('region', { name: 'No providers yet' })).toHaveCount(0)
    await expect(page.getByText(PROVIDER_KEY)).toHaveCount(0)
    await expect(page.getByRole('contentinfo', { name: 'Proxy status' }).getByTestId('statusbar-providers')).toHaveText('1 provider')
    await page.mouse.move(0, 0)
    await shoot(page, 'first-run-provider.png')
  })

  await test.step('3. health: the fast model fills in while the hanging one runs; leave and come back; cancel', async () => {
    await nav(page, 'Health').click()
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Health')
    const provider = page.getByTestId('health-openai')
    await expect(provider.getByTestId('provider-status')).toHaveText('Not checked')
    const runButton = provider.getByRole('button', { name: `Run health check for ${NAME}` })
    await runButton.click()
    const options = page.getByRole('form', { name: `Health check options for ${NAME}` })
    await expect(options.getByRole('checkbox', { name: new RegExp(FAST) })).toBeChecked()
    await expect(options.getByRole('checkbox', { name: new RegExp(HANG) })).toBeChecked()
    // The default timeout (30 s) is far beyond the cancel below.
    await expect(options.getByLabel('Timeout (seconds)', { exact: true })).toHaveValue('30')
    const started = Date.now()
    await options.getByRole('button', { name: 'Run', exact: true }).click()

    const results = page.getByTestId('health-results')
    await expect(results.getByRole('heading', { name: `Running check · ${NAME}` })).toBeVisible()
    await expect(resultRow(page, FAST)).toContainText('Healthy')
    await expect(resultRow(page, FAST).locator('td').nth(2)).toHaveText(/^\d+ ms$/)
    await expect(resultRow(page, FAST).locator('td').nth(3)).toHaveText('200')
    // …while the hanging model is still running: its probe is at the fake, unanswered.
    await expect(resultRow(page, HANG)).toContainText('Checking…')
    await expect(resultRow(page, HANG)).toHaveAttribute('aria-busy', 'true')
    await expect(results).toContainText('1 of 2 models answered')
    expect(chatsFor(HANG)).toHaveLength(1)
    await expect(runButton).toBeDisabled()

    // Leave for Live logs and come back: the page asks which checks run and shows this one.
    await nav(page, 'Live logs').click()
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Live logs')
    const runningAnswer = page.waitForResponse((r) => r.url() === `${origin}/admin/v1/health/running` && r.request().method() === 'GET')
    await nav(page, 'Health').click()
    const running = (await (await runningAnswer).json()) as { data: Array<{ check_id: string; provider_key?: string; models: unknown[] }> }
    expect(running.data).toHaveLength(1)
    await expect(results.getByRole('heading', { name: `Running check · ${NAME}` })).toBeVisible()
    await expect(resultRow(page, FAST)).toContainText('Healthy')
    await expect(resultRow(page, HANG)).toContainText('Checking…')
    await expect(provider.getByRole('button', { name: `Run health check for ${NAME}` })).toBeDisabled()
    await page.mouse.move(0, 0)
    await shoot(page, 'first-run-health-running.png')

    await results.getByRole('button', { name: 'Cancel check' }).click()
    await expect(results.getByRole('heading', { name: `Latest check · ${NAME}` })).toBeVisible()
    await expect(resultRow(page, HANG)).toContainText('Cancelled')
    await expect(resultRow(page, HANG)).toContainText('Stopped by the cancel before it answered')
    await expect(resultRow(page, FAST)).toContainText('Healthy')
    await expect(results).toContainText('1 cancelled')
    // Ended by the cancel, not by the 30 s timeout.
    expect(Date.now() - started).toBeLessThan(30_000)
    await expect(provider.getByRole('button', { name: `Run health check for ${NAME}` })).toBeEnabled()
    const after = await page.request.get(`${origin}/admin/v1/health/running`)
    expect(((await after.json()) as { data: unknown[] }).data).toEqual([])
    await page.mouse.move(0, 0)
    await shoot(page, 'first-run-health.png')
  })

  await test.step('4. requests from the OpenAI SDK and curl show in Live logs within 1 s; a 429; the detail; copy as curl', async () => {
    await nav(page, 'Live logs').click()
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Live logs')
    await expect(page.getByTestId('live-status')).toHaveAttribute('data-state', 'open')
    const shownMs: string[] = []

    // The real Node OpenAI SDK, pointed at Sluicegate as Connect says.
    const openai = new OpenAI({ baseURL: `${origin}/v1`, apiKey: CLIENT_KEY, maxRetries: 0 })
    const { data: answer, response } = await openai.chat.completions
      .create({ model: FAST, messages: [{ role: 'user', content: 'Hello from the SDK' }] })
      .withResponse()
    const sdkAt = Date.now()
    expect(answer.choices[0]?.message.content).toBe('Hello from the fake upstream.')
    const sdkId = response.headers.get('x-sluicegate-request-id') ?? ''
    expect(sdkId).not.toBe('')
    const sdkMs = await msUntilRowShown(page, sdkId, sdkAt)
    shownMs.push(`sdk ${sdkMs} ms`)
    expect(sdkMs, 'ms from the SDK response to its row').toBeLessThan(1000)
    await expect(logRow(page, sdkId).getByTestId('log-status')).toHaveText('200')
    await expect(logRow(page, sdkId)).toContainText(FAST)
    await expect(logRow(page, sdkId)).toContainText('openai')

    // curl, as a user would type it.
    const { stdout } = await run('curl', [
      '-sS',
      '-D',
      '-',
      '-o',
      '/dev/null',
      '-H',
      'Content-Type: application/json',
      '-H',
      `Authorization: Bearer ${CLIENT_KEY}`,
      '--data-raw',
      JSON.stringify({ model: FAST, messages: [{ role: 'user', content: 'Hello from curl' }] }),
      `${origin}/v1/chat/completions`,
    ])
    const curlAt = Date.now()
    expect(stdout).toMatch(/^HTTP\/1\.1 200/)
    const curlId = /x-sluicegate-request-id:\s*(\S+)/i.exec(stdout)?.[1] ?? ''
    expect(curlId).not.toBe('')
    const curlMs = await msUntilRowShown(page, curlId, curlAt)
    shownMs.push(`curl ${curlMs} ms`)
    expect(curlMs, 'ms from the curl response to its row').toBeLessThan(1000)
    await expect(logRow(page, curlId).getByTestId('log-status')).toHaveText('200')

    // The upstream refuses the next one with a 429 and its message.
    nextFailure = { status: 429, payload: { error: { message: RATE_MESSAGE, type: 'requests', code: 'rate_limit_exceeded' } } }
    const failed: unknown = await openai.chat.completions
      .create({ model: FAST, messages: [{ role: 'user', content: 'One more' }] })
      .then(() => null, (err: unknown) => err)
    const failedAt = Date.now()
    expect(failed).toBeInstanceOf(OpenAI.APIError)
    const apiErr = failed as InstanceType<typeof OpenAI.APIError>
    expect(apiErr.status).toBe(429)
    expect(apiErr.message).toContain(RATE_MESSAGE)
    const limitedId = apiErr.headers?.get('x-sluicegate-request-id') ?? ''
    expect(limitedId).not.toBe('')
    const limitedMs = await msUntilRowShown(page, limitedId, failedAt)
    shownMs.push(`429 ${limitedMs} ms`)
    expect(limitedMs, 'ms from the 429 to its row').toBeLessThan(1000)
    const limited = logRow(page, limitedId)
    await expect(limited.getByTestId('log-status')).toHaveText('429')
    await expect(limited.getByTestId('log-error-source')).toHaveText('upstream')
    await expect(limited.getByTestId('log-error-source')).toHaveAttribute('title', RATE_MESSAGE)

    // Its detail: the provider's message, the client's key redacted.
    await limited.click()
    const panel = page.getByTestId('log-detail')
    await expect(panel).toContainText('The provider failed')
    await expect(panel).toContainText(RATE_MESSAGE)
    await expect(panel.getByText('Request headers')).toBeVisible()
    const auth = panel.locator('.ldetail__header', { has: page.locator('dt', { hasText: /^Authorization$/ }) })
    await expect(auth.locator('dd')).toHaveText('Bearer [REDACTED]')
    await expect(page.locator('body')).not.toContainText(CLIENT_KEY)
    await expect(page.locator('body')).not.toContainText(PROVIDER_KEY)

    // "Copy as curl": on the clipboard, with a placeholder for the key.
    const copy = panel.getByRole('button', { name: 'Copy as curl' })
    await copy.click()
    await expect(copy).toHaveAttribute('data-state', 'copied')
    const copied = await page.evaluate(() => navigator.clipboard.readText())
    expect(copied).toBe(await panel.getByTestId('curl-command').textContent())
    expect(copied).toContain(`curl '${origin}/v1/chat/completions'`)
    expect(copied).toContain(`-H 'Authorization: Bearer '"$SLUICEGATE_KEY"`)
    expect(copied).toContain(`"model":"${FAST}"`)
    expect(copied).not.toContain(CLIENT_KEY)
    expect(copied).not.toContain(PROVIDER_KEY)
    expect(copied).not.toContain('[REDACTED]')
    console.log(`first run: response → row in Live logs: ${shownMs.join(', ')}`)
    await panel.getByText('Show the command').click()
    await expect(panel.getByTestId('curl-command')).toBeVisible()
    await page.mouse.move(0, 0)
    await shoot(page, 'first-run-logs.png', { grow: true })
    // The redacted Authorization header, further down the panel.
    await auth.scrollIntoViewIfNeeded()
    await shoot(page, 'first-run-logs-detail.png')
  })

  await test.step('5. Connect: the snippet with the user\'s alias, run as written, gets a 200 through Sluicegate', async () => {
    await nav(page, 'Connect').click()
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Connect')
    const aliases = main(page).getByRole('region', { name: 'Routable model aliases' })
    await expect(aliases.locator('code', { hasText: FAST })).toHaveText(FAST)
    await main(page).getByLabel('Model alias', { exact: true }).selectOption(FAST)
    await main(page).getByRole('tab', { name: 'curl' }).click()
    const shown = (await main(page).getByRole('tabpanel').locator('pre code').textContent()) ?? ''
    expect(shown).toContain(`${origin}/v1/chat/completions`)
    expect(shown).toContain(`"model":"${FAST}"`)
    // Only a placeholder key would be replaced (none here: the provider's key is stored).
    const snippet = shown.replaceAll('YOUR_SLUICEGATE_KEY', CLIENT_KEY).replaceAll('YOUR_PROVIDER_API_KEY', CLIENT_KEY)

    const before = chatsFor(FAST).length
    const { stdout } = await run('sh', ['-c', `${snippet} -sS -w '\\n%{http_code}'`], { timeout: 15_000 })
    const lines = stdout.trimEnd().split('\n')
    expect(lines.at(-1)).toBe('200')
    const body = JSON.parse(lines.slice(0, -1).join('\n')) as { choices: Array<{ message: { content: string } }> }
    expect(body.choices[0]?.message.content).toBe('Hello from the fake upstream.')
    // It went through Sluicegate to the fake, with the key stored in the form.
    const sent = chatsFor(FAST).slice(before)
    expect(sent).toHaveLength(1)
    expect(sent[0]?.headers.authorization).toBe(`Bearer ${PROVIDER_KEY}`)
    await page.mouse.move(0, 0)
    await shoot(page, 'first-run-connect.png', { grow: true })
  })
})
