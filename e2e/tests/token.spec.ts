import fs from 'node:fs'
import path from 'node:path'
import { expect, test, type Page } from '@playwright/test'
import { screenshotDir, startServe, type ServeProcess } from './support'

// The dashboard against `sluicegate serve --admin-token`: its own server on
// its own port (not the config's webServer), started and stopped here.

const token = 'e2e-token'
const port = Number(process.env.E2E_TOKEN_PORT ?? '18761')
const origin = `http://127.0.0.1:${port}`

let server: ServeProcess | undefined

test.beforeAll(async () => {
  server = await startServe({ port, args: ['--admin-token', token], name: 'sluicegate-e2e-token' })
})

test.afterAll(async () => {
  await server?.stop()
})

// Chromium logs each refused request ("…status of 401") on the console; any
// other console error or uncaught page error fails the test.
function guardConsole(page: Page): string[] {
  const errors: string[] = []
  page.on('console', (msg) => {
    if (msg.type() === 'error' && !/status of 401/.test(msg.text())) errors.push(`console: ${msg.text()}`)
  })
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`))
  return errors
}

function statusBar(page: Page) {
  return page.getByRole('contentinfo', { name: 'Proxy status' })
}

test('the admin API refuses a request without the token', async ({ request }) => {
  const res = await request.get(`${origin}/admin/v1/status`)
  expect(res.status()).toBe(401)
  expect(await res.json()).toMatchObject({ error: { code: 'unauthorized' } })
})

test('the prompt asks for the token; with it the status bar shows the base URL', async ({ page }) => {
  const errors = guardConsole(page)
  await page.goto(`${origin}/`)
  const input = page.getByLabel('Admin token', { exact: true })
  await expect(input).toBeVisible()
  await expect(input).toHaveAttribute('type', 'password')
  await expect(input).toBeFocused()
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Admin token required')
  await expect(page.getByText(/was started with --admin-token/)).toBeVisible()
  await expect(statusBar(page).getByText('Waiting for the admin token')).toBeVisible()
  fs.mkdirSync(screenshotDir, { recursive: true })
  await page.screenshot({ path: path.join(screenshotDir, 'token-prompt.png') })

  await input.fill(token)
  await page.getByRole('button', { name: 'Connect' }).click()
  await expect(statusBar(page).getByTestId('statusbar-openai-url')).toHaveText(`${origin}/v1`)
  await expect(statusBar(page).getByTestId('statusbar-anthropic-url')).toHaveText(origin)
  await expect(page.getByLabel('Admin token', { exact: true })).toHaveCount(0)
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Providers')
  expect(page.url()).not.toContain(token)
  expect(await page.evaluate(() => sessionStorage.getItem('sluicegate.adminToken'))).toBe(token)
  expect(await page.evaluate(() => localStorage.getItem('sluicegate.adminToken'))).toBeNull()

  // The tab keeps it across a reload.
  await page.reload()
  await expect(statusBar(page).getByTestId('statusbar-openai-url')).toHaveText(`${origin}/v1`)
  await expect(page.getByLabel('Admin token', { exact: true })).toHaveCount(0)

  // "Forget token" locks the dashboard again.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' }).click()
  await page.getByRole('button', { name: 'Forget token' }).click()
  await expect(page.getByLabel('Admin token', { exact: true })).toBeVisible()
  expect(await page.evaluate(() => sessionStorage.getItem('sluicegate.adminToken'))).toBeNull()
  expect(errors).toEqual([])
})

test('a wrong token is refused at the field and the prompt stays', async ({ page }) => {
  const errors = guardConsole(page)
  await page.goto(`${origin}/`)
  const input = page.getByLabel('Admin token', { exact: true })
  await input.fill('not-the-token')
  await page.getByRole('button', { name: 'Connect' }).click()
  await expect(page.getByText('That token was refused')).toBeVisible()
  await expect(input).toHaveAttribute('aria-invalid', 'true')
  await expect(input).toHaveAccessibleDescription('That token was refused')
  await expect(input).toBeFocused()
  expect(await page.evaluate(() => sessionStorage.getItem('sluicegate.adminToken'))).toBeNull()
  await page.screenshot({ path: path.join(screenshotDir, 'token-prompt-refused.png') })

  await input.fill(token)
  await input.press('Enter')
  await expect(statusBar(page).getByTestId('statusbar-openai-url')).toHaveText(`${origin}/v1`)
  expect(errors).toEqual([])
})
