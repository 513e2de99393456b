import { expect, type APIRequestContext, type Page } from '@playwright/test'
import { expectFieldError, main, origin, shoot, startFakeUpstream, testWithConsoleGuard, type FakeUpstream } from './support'

// The Providers page against the real `sluicegate serve` (playwright.config.ts
// starts it on a fresh data dir), with a fake OpenAI upstream that this file
// starts in Node. The tests run in order and share the server's state.

const KEY = 'fake-openai'
const NAME = 'Fake OpenAI'
const ALIAS = 'e2e-gpt'
const UPSTREAM = 'fake-model-2024-11'
const API_KEY = 'sk-e2e-typed-in-the-form-7f3a'

// ---- Fake upstream -----------------------------------------------------------

let fake: FakeUpstream

function startFake(): Promise<FakeUpstream> {
  return startFakeUpstream(
    ({ body }) => ({
    status: 200,
    payload: {
      id: 'chatcmpl-fake-1',
      object: 'chat.completion',
      created: 1764100000,
      model: String(body.model ?? ''),
      choices: [{ index: 0, message: { role: 'assistant', content: 'Hello from the fake upstream.' }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 5, completion_tokens: 6, total_tokens: 11 },
    },
    }),
    { models: ['fake-embed-1', UPSTREAM, 'fake-mini'] },
  )
}

// ---- Fixtures and helpers ----------------------------------------------------

// Fail on console errors, except Chromium's "Failed to load resource" line for
// the 4xx answers these tests provoke on purpose (the page shows them itself).
const test = testWithConsoleGuard([/Failed to load resource: the server responded with a status of 4(00|09)/])

test.describe.configure({ mode: 'serial' })

test.beforeAll(async () => {
  fake = await startFake()
})

test.afterAll(async () => {
  await fake.close()
})

async function chat(request: APIRequestContext, model: string, authorization = 'Bearer sluicegate') {
  return request.post(`${origin}/v1/chat/completions`, {
    headers: { Authorization: authorization, 'Content-Type': 'application/json' },
    data: { model, messages: [{ role: 'user', content: 'Say hello.' }] },
  })
}

function row(page: Page, key: string) {
  return page.getByTestId(`provider-${key}`)
}

function statusCount(page: Page) {
  return page.getByRole('contentinfo', { name: 'Proxy status' }).getByTestId('statusbar-providers')
}

// ---- Tests ---------------------------------------------------------------------

test('adds a provider from a preset, then the proxy routes its alias to it with the typed key', async ({ page, request }) => {
  await page.goto('/#/providers')
  await expect(main(page).getByRole('heading', { name: 'No providers yet' })).toBeVisible()
  await main(page).getByRole('button', { name: 'Add provider' }).first().click()

  const picker = page.getByRole('dialog', { name: 'Add provider' })
  await expect(picker.getByRole('button', { name: /^Ollama/ })).toBeVisible()
  await expect(picker.getByRole('button', { name: /Custom/ })).toBeVisible()
  await picker.getByRole('button', { name: /^OpenAI,/ }).click()

  const dialog = page.getByRole('dialog', { name: 'Add OpenAI' })
  // The preset prefilled type, base URL, key and name.
  await expect(dialog.getByLabel('Key', { exact: true })).toHaveValue('openai')
  await expect(dialog.getByLabel('Name', { exact: true })).toHaveValue('OpenAI')
  await expect(dialog.getByLabel('Base URL', { exact: true })).toHaveValue('https://api.openai.com/v1')
  await expect(dialog.getByRole('radio', { name: 'OpenAI-compatible' })).toBeChecked()
  await expect(dialog.getByLabel('API key', { exact: true })).toHaveAttribute('type', 'password')

  await dialog.getByLabel('Name', { exact: true }).fill(NAME)
  await dialog.getByLabel('Key', { exact: true }).fill(KEY)
  await dialog.getByLabel('Base URL', { exact: true }).fill(`${fake.url}/v1`)
  await dialog.getByLabel('API key', { exact: true }).fill(API_KEY)
  // The preset's typical models are offered before anything is fetched.
  await expect(dialog.getByRole('checkbox', { name: 'gpt-4o-mini' })).toBeVisible()
  await dialog.getByRole('button', { name: 'Add header' }).click()
  await dialog.getByLabel('Header 1 name', { exact: true }).fill('X-E2E-Run')
  await dialog.getByLabel('Header 1 value', { exact: true }).fill('providers-spec')

  // "Fetch models" asks the fake upstream's own list, with the typed key and header.
  fake.requests.length = 0
  await dialog.getByRole('button', { name: 'Fetch models' }).click()
  await expect(dialog.getByTestId('probe-result')).toHaveText(/^Connected: HTTP 200 in \d+ ms, 3 models listed\.$/)
  expect(fake.requests.map((r) => `${r.method} ${r.url}`)).toEqual(['GET /v1/models'])
  expect(fake.requests[0]?.headers.authorization).toBe(`Bearer ${API_KEY}`)
  expect(fake.requests[0]?.headers['x-e2e-run']).toBe('providers-spec')
  await expect(dialog.getByRole('checkbox', { name: 'gpt-4o-mini' })).toHaveCount(0)
  await dialog.getByRole('checkbox', { name: UPSTREAM }).check()
  await expect(dialog.getByLabel('Model 1 upstream model', { exact: true })).toHaveValue(UPSTREAM)
  await dialog.getByLabel('Model 1 alias', { exact: true }).fill(ALIAS)

  await dialog.getByRole('button', { name: 'Test connection' }).click()
  await expect(dialog.getByTestId('probe-result')).toHaveText(/^Connected: HTTP 200/)
  await dialog.getByRole('button', { name: 'Add provider' }).click()

  await expect(dialog).toBeHidden()
  const r = row(page, KEY)
  await expect(r).toContainText(NAME)
  await expect(r).toContainText('OpenAI-compatible')
  await expect(r).toContainText(`${fake.url}/v1`)
  await expect(r).toContainText('1 model')
  await expect(r).toContainText(ALIAS)
  // Only the masked hint is shown, never the key.
  await expect(r).toContainText(/…\w{1,4}/)
  await expect(page.getByText(API_KEY)).toHaveCount(0)
  await expect(r.getByRole('switch', { name: `Enable ${NAME}` })).toHaveAttribute('aria-checked', 'true')
  await expect(statusCount(page)).toHaveText('1 provider')

  // The key is not readable back through the admin API either.
  const listed = await (await request.get(`${origin}/admin/v1/providers`)).text()
  expect(listed).not.toContain(API_KEY)

  fake.requests.length = 0
  const res = await chat(request, ALIAS)
  expect(res.status(), await res.text()).toBe(200)
  const body = (await res.json()) as { object: string; choices: Array<{ message: { content: string } }> }
  expect(body.object).toBe('chat.completion')
  expect(body.choices[0]?.message.content).toBe('Hello from the fake upstream.')
  expect(fake.requests).toHaveLength(1)
  expect(fake.requests[0]?.url).toBe('/v1/chat/completions')
  expect(fake.requests[0]?.body.model).toBe(UPSTREAM)
  expect(fake.requests[0]?.body.messages).toEqual([{ role: 'user', content: 'Say hello.' }])
  expect(fake.requests[0]?.headers.authorization).toBe(`Bearer ${API_KEY}`)
  expect(fake.requests[0]?.headers['x-e2e-run']).toBe('providers-spec')
})

test('validation errors appear at the field the API names, and nothing typed is lost', async ({ page }) => {
  await page.goto('/#/providers')
  await page.getByRole('button', { name: 'Add provider' }).click()
  await page.getByRole('dialog', { name: 'Add provider' }).getByRole('button', { name: /Custom/ }).click()
  const dialog = page.getByRole('dialog', { name: 'Add a custom provider' })
  await dialog.getByLabel('Name', { exact: true }).fill('Broken')
  await dialog.getByLabel('Key', { exact: true }).fill('broken')
  await dialog.getByLabel('Base URL', { exact: true }).fill('ftp://x')
  await dialog.getByLabel('Model 1 alias', { exact: true }).fill(ALIAS)
  await dialog.getByLabel('Model 1 upstream model', { exact: true }).fill('whatever')
  await dialog.getByRole('button', { name: 'Add provider' }).click()

  await expectFieldError(dialog.getByLabel('Base URL', { exact: true }), /http/)
  await expect(dialog.getByLabel('Base URL', { exact: true })).toHaveValue('ftp://x')
  await expect(dialog.getByLabel('Key', { exact: true })).toHaveValue('broken')
  await expect(dialog.getByLabel('Model 1 alias', { exact: true })).toHaveValue(ALIAS)
  await shoot(page, 'providers-form.png')

  // An endpoint URL copied from the docs is refused with the base URL to use, one click away.
  await dialog.getByLabel('Base URL', { exact: true }).fill(`${fake.url}/v1/chat/completions`)
  await dialog.getByRole('button', { name: 'Add provider' }).click()
  await expectFieldError(dialog.getByLabel('Base URL', { exact: true }), /not an endpoint: it ends in \/chat\/completions/)
  await dialog.getByRole('button', { name: `Use ${fake.url}/v1` }).click()
  await expect(dialog.getByLabel('Base URL', { exact: true })).toHaveValue(`${fake.url}/v1`)

  // Fixed URL: now the alias is taken by the enabled provider → 409 at that row.
  await dialog.getByLabel('Base URL', { exact: true }).fill(`${fake.url}/v1`)
  await expect(dialog.getByLabel('Base URL', { exact: true })).not.toHaveAttribute('aria-invalid', 'true')
  await dialog.getByRole('button', { name: 'Add model' }).click()
  await dialog.getByLabel('Model 2 alias', { exact: true }).fill('e2e-other')
  await dialog.getByLabel('Model 2 upstream model', { exact: true }).fill('other')
  // Put the taken alias second, so the row mapping is tested on index 1.
  await dialog.getByLabel('Model 1 alias', { exact: true }).fill('e2e-free')
  await dialog.getByLabel('Model 2 alias', { exact: true }).fill(ALIAS)
  await dialog.getByRole('button', { name: 'Add provider' }).click()
  await expectFieldError(dialog.getByLabel('Model 2 alias', { exact: true }), new RegExp(`${ALIAS}.*already served`))
  await expect(dialog.getByLabel('Model 1 alias', { exact: true })).not.toHaveAttribute('aria-invalid', 'true')

  // A duplicate key is a 409 at the Key field.
  await dialog.getByLabel('Model 2 alias', { exact: true }).fill('e2e-free-2')
  await dialog.getByLabel('Key', { exact: true }).fill(KEY)
  await dialog.getByRole('button', { name: 'Add provider' }).click()
  await expectFieldError(dialog.getByLabel('Key', { exact: true }), /already exists/)

  await dialog.getByRole('button', { name: 'Cancel' }).click()
  await expect(dialog).toBeHidden()
  await expect(page.getByTestId('provider-broken')).toHaveCount(0)
})

test('disable and enable take effect on the next proxied request', async ({ page, request }) => {
  await page.goto('/#/providers')
  const sw = row(page, KEY).getByRole('switch', { name: `Enable ${NAME}` })
  await sw.click()
  await expect(sw).toHaveAttribute('aria-checked', 'false')
  expect((await chat(request, ALIAS)).status()).toBe(404)

  await page.reload()
  await expect(sw).toHaveAttribute('aria-checked', 'false')
  await sw.click()
  await expect(sw).toHaveAttribute('aria-checked', 'true')
  expect((await chat(request, ALIAS)).status()).toBe(200)
})

test('edit keeps the stored key unless changed, and "Remove key" clears it', async ({ page, request }) => {
  await page.goto('/#/providers')
  await row(page, KEY).getByRole('button', { name: `Edit ${NAME}` }).click()
  const dialog = page.getByRole('dialog', { name: `Edit ${NAME}` })
  await expect(dialog.getByLabel('API key', { exact: true })).toHaveValue('')
  await expect(dialog.getByText(/Stored key …\w{1,4} — leave empty to keep/)).toBeVisible()
  await expect(dialog.getByLabel('Model 1 upstream model', { exact: true })).toHaveValue(UPSTREAM)
  await expect(dialog.getByLabel('Header 1 name', { exact: true })).toHaveValue('X-E2E-Run')

  await dialog.getByLabel('Model 1 upstream model', { exact: true }).fill('fake-model-v2')
  await dialog.getByRole('button', { name: 'Add model' }).click()
  await dialog.getByLabel('Model 2 alias', { exact: true }).fill('e2e-mini')
  await dialog.getByLabel('Model 2 upstream model', { exact: true }).fill('fake-mini')
  await dialog.getByRole('button', { name: 'Save changes' }).click()
  await expect(dialog).toBeHidden()
  await expect(row(page, KEY)).toContainText('2 models')

  fake.requests.length = 0
  expect((await chat(request, ALIAS)).status()).toBe(200)
  expect((await chat(request, 'e2e-mini')).status()).toBe(200)
  expect(fake.requests.map((s) => s.body.model)).toEqual(['fake-model-v2', 'fake-mini'])
  // Saved without typing a key: the stored key is still used.
  expect(fake.requests.map((s) => s.headers.authorization)).toEqual([`Bearer ${API_KEY}`, `Bearer ${API_KEY}`])

  // Light screenshot of the list with a second, disabled, Anthropic provider.
  const second = await request.post(`${origin}/admin/v1/providers`, {
    data: {
      key: 'anthropic',
      name: 'Anthropic',
      type: 'anthropic',
      base_url: 'https://api.anthropic.com',
      api_key: 'sk-ant-e2e-not-real-0000',
      enabled: false,
      models: [
        { alias: 'claude-sonnet', upstream: 'claude-sonnet-4-5' },
        { alias: 'claude-haiku', upstream: 'claude-haiku-4-5' },
        { alias: 'claude-opus', upstream: 'claude-opus-4-1' },
      ],
    },
  })
  expect(second.status(), await second.text()).toBe(201)
  await page.emulateMedia({ colorScheme: 'light' })
  await page.reload()
  await expect(row(page, 'anthropic')).toBeVisible()
  await shoot(page, 'providers.png', { grow: true })
  await page.emulateMedia({ colorScheme: 'dark' })
  await shoot(page, 'providers-dark.png', { grow: true })
  await page.emulateMedia({ colorScheme: 'light' })
  const cleanup = await request.delete(`${origin}/admin/v1/providers/${((await second.json()) as { id: number }).id}`)
  expect(cleanup.status()).toBe(204)
  await page.reload()

  // Remove the stored key: the client's own key passes through from now on.
  await row(page, KEY).getByRole('button', { name: `Edit ${NAME}` }).click()
  await dialog.getByRole('button', { name: 'Remove key' }).click()
  await expect(dialog.getByText(/will be removed when you save/)).toBeVisible()
  await dialog.getByRole('button', { name: 'Save changes' }).click()
  await expect(dialog).toBeHidden()
  await expect(row(page, KEY).getByText('no stored key')).toBeVisible()
  fake.requests.length = 0
  expect((await chat(request, ALIAS, 'Bearer client-own-key')).status()).toBe(200)
  expect(fake.requests[0]?.headers.authorization).toBe('Bearer client-own-key')
})

test('the list shows health, last-hour traffic and "Check now"; every row\'s actions stay in view at 1280 and 800 px', async ({ page, request }) => {
  const extras: number[] = []
  const add = async (data: Record<string, unknown>) => {
    const res = await request.post(`${origin}/admin/v1/providers`, { data })
    expect(res.status(), await res.text()).toBe(201)
    extras.push(((await res.json()) as { id: number }).id)
  }
  await add({
    key: 'anthropic',
    name: 'Anthropic',
    type: 'anthropic',
    base_url: 'https://api.anthropic.com',
    api_key: 'sk-ant-e2e-not-real-0000',
    enabled: false,
    models: [{ alias: 'claude-sonnet', upstream: 'claude-sonnet-4-5' }],
  })
  await add({ key: 'openrouter-with-a-long-key', name: 'OpenRouter (team account, long name)', type: 'openai', base_url: 'https://openrouter.ai/api/v1/some/long/path/segment', models: [] })
  await add({ key: 'local-ollama', name: 'Ollama (local)', type: 'openai', base_url: 'http://127.0.0.1:11434/v1', models: [{ alias: 'llama', upstream: 'llama3.2:3b' }] })

  expect((await chat(request, ALIAS)).status()).toBe(200)
  await page.goto('/#/providers')
  const r = row(page, KEY)
  await expect(r.getByTestId('provider-traffic')).toContainText(/[1-9]\d* requests?/)
  await expect(row(page, 'anthropic').getByTestId('provider-health')).toHaveText('Disabled')
  await expect(row(page, 'openrouter-with-a-long-key').getByTestId('provider-health')).toHaveText('No models mapped')
  await expect(r.getByTestId('provider-health')).toContainText('Not checked')

  await r.getByRole('button', { name: `Check ${NAME} now` }).click()
  await expect(r.getByTestId('provider-health')).toContainText('Healthy')
  await expect(r.getByTestId('provider-health')).toContainText(/ms · finished (just now|\d+ s ago)/)

  for (const width of [1280, 800]) {
    await page.setViewportSize({ width, height: 800 })
    for (const key of [KEY, 'anthropic', 'openrouter-with-a-long-key', 'local-ollama']) {
      // Scroll the row into view vertically only, from the table's left
      // edge, as a user arriving on the page sees it: the actions must be
      // visible without any sideways scrolling.
      await row(page, key).locator('th').evaluate((el) => el.scrollIntoView({ block: 'nearest', inline: 'start' }))
      await expect(row(page, key).getByRole('switch')).toBeInViewport()
      // Health and traffic are not hidden behind the actions either.
      await expect(row(page, key).getByTestId('provider-health')).toBeInViewport()
      await expect(row(page, key).getByTestId('provider-traffic')).toBeInViewport()
      for (const name of [/^Check .* now$/, /^Edit /, /^Delete /]) {
        const button = row(page, key).getByRole('button', { name })
        const box = await button.boundingBox()
        expect(box, `${key} ${name} at ${width}px`).not.toBeNull()
        expect(box!.x, `${key} ${name} at ${width}px`).toBeGreaterThanOrEqual(0)
        expect(box!.x + box!.width, `${key} ${name} at ${width}px`).toBeLessThanOrEqual(width)
        await expect(button).toBeInViewport()
        // …and not drawn over the provider's name and URL.
        const id = (await row(page, key).locator('th').boundingBox())!
        expect(box!.x, `${key} ${name} at ${width}px overlaps the provider cell`).toBeGreaterThanOrEqual(id.x + id.width - 1)
      }
    }
    for (const theme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: theme })
      await shoot(page, `providers-${theme}-${width}.png`)
    }
  }
  await page.emulateMedia({ colorScheme: 'light' })
  await page.setViewportSize({ width: 1280, height: 800 })
  for (const id of extras) expect((await request.delete(`${origin}/admin/v1/providers/${id}`)).status()).toBe(204)
})

test('delete asks for confirmation in the page, naming the provider', async ({ page, request }) => {
  await page.goto('/#/providers')
  await row(page, KEY).getByRole('button', { name: `Delete ${NAME}` }).click()
  const confirm = page.getByRole('alertdialog', { name: `Delete ${NAME}?` })
  await expect(confirm).toContainText('health history goes with it')
  await expect(confirm).toContainText(KEY)
  await confirm.getByRole('button', { name: 'Cancel' }).click()
  await expect(confirm).toBeHidden()
  await expect(row(page, KEY)).toBeVisible()

  await row(page, KEY).getByRole('button', { name: `Delete ${NAME}` }).click()
  await confirm.getByRole('button', { name: 'Delete provider' }).click()
  await expect(confirm).toBeHidden()
  await expect(row(page, KEY)).toHaveCount(0)
  await expect(main(page).getByRole('heading', { name: 'No providers yet' })).toBeVisible()
  await expect(statusCount(page)).toHaveText('0 providers')
  expect((await chat(request, ALIAS)).status()).toBe(404)
})

test('Connect links to "Add provider" while none is configured', async ({ page }) => {
  await page.goto('/#/connect')
  await main(page).getByRole('link', { name: 'Add a provider →' }).click()
  await expect(page.getByRole('dialog', { name: 'Add provider' })).toBeVisible()
  await expect(page).toHaveURL(/#\/providers$/)
})
