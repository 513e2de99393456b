import { expect, type Page } from '@playwright/test'
import { origin, port, shoot, testWithConsoleGuard } from './support'

const openAIURL = `${origin}/v1`
const anthropicURL = origin

// Every test fails on a console error or an uncaught page error, unless it
// provokes one on purpose (allowConsoleErrors).
const test = testWithConsoleGuard()

function statusBar(page: Page) {
  return page.getByRole('contentinfo', { name: 'Proxy status' })
}

function heading(page: Page) {
  return page.getByRole('heading', { level: 1 })
}

test('the dashboard loads with the base URLs in the status bar', async ({ page }) => {
  await page.goto('/')
  await expect(page).toHaveTitle('Sluicegate')
  await expect(heading(page)).toHaveText('Providers')
  const bar = statusBar(page)
  await expect(bar.getByTestId('statusbar-openai-url')).toHaveText(openAIURL)
  await expect(bar.getByTestId('statusbar-anthropic-url')).toHaveText(anthropicURL)
  await expect(bar.getByText(/^v\d+\.\d+\.\d+/)).toBeVisible()
  await expect(bar.getByText('Running')).toBeVisible()
  await expect(page.getByRole('main').getByText(`127.0.0.1:${port}`, { exact: true })).toBeVisible()
})

test('the navigation switches pages', async ({ page }) => {
  await page.goto('/')
  const nav = page.getByRole('navigation', { name: 'Main' })
  for (const [link, hash] of [
    ['Health', '#/health'],
    ['Live logs', '#/logs'],
    ['Connect', '#/connect'],
    ['Settings', '#/settings'],
    ['Providers', '#/providers'],
  ] as const) {
    await nav.getByRole('link', { name: link }).click()
    await expect(heading(page)).toHaveText(link)
    await expect(nav.getByRole('link', { name: link })).toHaveAttribute('aria-current', 'page')
    expect(new URL(page.url()).hash).toBe(hash)
  }
  // Back goes to the previous page: the hash is real history.
  await page.goBack()
  await expect(heading(page)).toHaveText('Settings')
})

test('a deep link opens its page, and an unknown path falls back to the dashboard', async ({ page }) => {
  await page.goto('/#/connect')
  await expect(heading(page)).toHaveText('Connect')
  await page.goto('/no/such/page')
  await expect(heading(page)).toHaveText('Providers')
  await expect(statusBar(page).getByTestId('statusbar-openai-url')).toHaveText(openAIURL)
})

test('copy puts a base URL on the clipboard and says "Copied"', async ({ page, context }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin })
  await page.goto('/')
  const button = statusBar(page).getByRole('button', { name: 'Copy OpenAI base URL' })
  await button.click()
  await expect(button).toHaveAttribute('data-state', 'copied')
  await expect(button).toContainText('Copied')
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(openAIURL)
})

test.describe('when the status call fails', () => {
  // The aborted request is logged by Chromium as a failed resource load.
  test.use({ allowConsoleErrors: true })

  test('the status bar shows the error and Retry recovers', async ({ page }) => {
    await page.route('**/admin/v1/status', (route) => route.abort('connectionrefused'))
    await page.goto('/#/connect')
    const alert = statusBar(page).getByRole('alert')
    await expect(alert).toContainText('Proxy status unavailable')
    await expect(page.getByRole('main').getByRole('alert')).toContainText('addresses are unavailable')
    await shoot(page, 'status-error.png')

    await page.unroute('**/admin/v1/status')
    await alert.getByRole('button', { name: 'Retry' }).click()
    await expect(statusBar(page).getByTestId('statusbar-openai-url')).toHaveText(openAIURL)
    await expect(page.getByRole('main').locator('.urls__value').first()).toHaveText(openAIURL)
  })
})

test.describe('screenshots', () => {
  async function shootRoute(page: Page, route: string, file: string) {
    await page.goto(route)
    await expect(statusBar(page).getByTestId('statusbar-openai-url')).toHaveText(openAIURL)
    await shoot(page, file, { grow: true, fullPage: true })
  }

  test('light', async ({ page }) => {
    await page.emulateMedia({ colorScheme: 'light' })
    await shootRoute(page, '/', 'dashboard.png')
    await shootRoute(page, '/#/connect', 'connect.png')
    await shootRoute(page, '/#/settings', 'settings.png')
  })

  test('dark', async ({ page }) => {
    await page.emulateMedia({ colorScheme: 'dark' })
    await shootRoute(page, '/', 'dashboard-dark.png')
    await shootRoute(page, '/#/connect', 'connect-dark.png')
  })
})
