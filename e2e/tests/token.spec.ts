import { spawn, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { expect, test, type Page } from '@playwright/test'

// The dashboard against `sluicegate serve --admin-token`: its own server on
// its own port (not the config's webServer), started and stopped here.

const token = 'e2e-token'
const port = Number(process.env.E2E_TOKEN_PORT ?? '18761')
const origin = `http://127.0.0.1:${port}`
const bin = path.resolve(__dirname, '..', process.env.SLUICEGATE_BIN ?? '../build/bin/sluicegate')
const screenshotDir = path.resolve(__dirname, '..', process.env.SLUICEGATE_OUT ?? '../out', 'screenshots')

let server: ChildProcess | undefined
let dataDir = ''
let serverLog = ''

async function waitForHealthz(timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (server?.exitCode !== null && server?.exitCode !== undefined) {
      throw new Error(`sluicegate serve exited with ${server.exitCode}:\n${serverLog}`)
    }
    try {
      const res = await fetch(`${origin}/healthz`)
      if (res.ok) return
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`sluicegate serve did not answer /healthz:\n${serverLog}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

test.beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluicegate-e2e-token.'))
  const env = { ...process.env }
  delete env.DISPLAY
  delete env.SLUICEGATE_ADMIN_TOKEN
  server = spawn(bin, ['serve', '--admin-token', token, '--addr', `127.0.0.1:${port}`, '--data-dir', dataDir], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  server.stdout?.on('data', (d: Buffer) => (serverLog += d.toString()))
  server.stderr?.on('data', (d: Buffer) => (serverLog += d.toString()))
  await waitForHealthz(30_000)
})

test.afterAll(async () => {
  const s = server
  if (s && s.exitCode === null) {
    const exited = new Promise<void>((resolve) => s.once('exit', () => resolve()))
    s.kill('SIGTERM')
    const timer = setTimeout(() => s.kill('SIGKILL'), 5_000)
    await exited
    clearTimeout(timer)
  }
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true })
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
