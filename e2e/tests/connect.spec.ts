import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { expect } from '@playwright/test'
import { main, origin, shoot, startFakeUpstream, testWithConsoleGuard, type FakeUpstream } from './support'

const run = promisify(execFile)
const test = testWithConsoleGuard()

let upstream: FakeUpstream
let providerId = 0
const alias = `e2e-connect-${Date.now().toString(36)}`

test.beforeAll(async ({ request }) => {
  upstream = await startFakeUpstream((req) => ({
    status: 200,
    payload: {
      id: 'chatcmpl-e2e',
      object: 'chat.completion',
      model: String(req.body.model),
      choices: [{ index: 0, message: { role: 'assistant', content: 'Hello from the fake upstream' }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 3, completion_tokens: 5, total_tokens: 8 },
    },
  }))
  const res = await request.post(`${origin}/admin/v1/providers`, {
    data: {
      key: `connect-${Date.now().toString(36)}`,
      name: 'Connect fake',
      type: 'openai',
      base_url: `${upstream.url}/v1`,
      api_key: 'sk-connect-e2e-secret',
      models: [{ alias, upstream: 'fake-model-1' }],
    },
  })
  expect(res.status()).toBe(201)
  providerId = ((await res.json()) as { id: number }).id
})

test.afterAll(async ({ request }) => {
  if (providerId) await request.delete(`${origin}/admin/v1/providers/${providerId}`)
  await upstream?.close()
})

test('the Connect curl snippet names the user’s alias and, run as written, gets a 200', async ({ page }) => {
  await page.goto('/#/connect')
  const aliases = main(page).getByRole('region', { name: 'Routable model aliases' })
  await expect(aliases.locator('code', { hasText: alias })).toHaveText(alias)
  await expect(aliases.getByText('Connect fake')).toBeVisible()

  await main(page).getByLabel('Model alias', { exact: true }).selectOption(alias)
  await main(page).getByRole('tab', { name: 'curl' }).click()
  const code = (await main(page).getByRole('tabpanel').locator('pre code').textContent()) ?? ''
  expect(code).toContain(`"model":"${alias}"`)
  expect(code).toContain(`${origin}/v1/chat/completions`)

  upstream.requests.length = 0
  // The snippet exactly as shown, through a shell, with -sS and the status appended.
  const { stdout } = await run('sh', ['-c', `${code} -sS -w '\\n%{http_code}'`], { timeout: 15_000 })
  const lines = stdout.trimEnd().split('\n')
  expect(lines.at(-1)).toBe('200')
  const body = JSON.parse(lines.slice(0, -1).join('\n')) as { choices: Array<{ message: { content: string } }> }
  expect(body.choices[0]?.message.content).toBe('Hello from the fake upstream')
  expect(upstream.requests).toHaveLength(1)
  expect(upstream.requests[0]?.body.model).toBe('fake-model-1')
  // The stored provider key went upstream, not the snippet's placeholder.
  expect(upstream.requests[0]?.headers.authorization).toBe('Bearer sk-connect-e2e-secret')

  for (const theme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: theme })
    await expect(page.locator('html')).toHaveAttribute('data-theme', theme)
    for (const width of [800, 1280]) {
      await page.setViewportSize({ width, height: 800 })
      await shoot(page, `connect-${theme}-${width}.png`)
    }
  }
})
