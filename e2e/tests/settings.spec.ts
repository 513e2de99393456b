import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { expect } from '@playwright/test'
import { main, origin, shoot, testWithConsoleGuard } from './support'

const test = testWithConsoleGuard()

test('a local access key is added, shown masked, and removed', async ({ page, request }) => {
  const key = `sg-e2e-${Date.now().toString(36)}-secretvalue`
  await page.goto('/#/settings')
  const card = main(page).getByRole('region', { name: 'Local access keys' })
  await card.getByLabel('New key').fill(key)
  await card.getByRole('button', { name: 'Add key' }).click()
  const list = card.getByRole('list', { name: 'Local access keys' })
  await expect(list.getByRole('listitem')).toHaveCount(1)
  await expect(list.getByRole('listitem')).toContainText('…alue')
  await expect(page.getByText(key)).toHaveCount(0)
  await expect(card.getByLabel('New key')).toHaveValue('')
  // The proxy now wants the key.
  const refused = await request.post(`${origin}/v1/chat/completions`, { data: { model: 'x', messages: [] } })
  expect(refused.status()).toBe(401)

  await list.getByRole('button', { name: /^Remove key/ }).click()
  await expect(list).toHaveCount(0)
  const settings = (await (await request.get(`${origin}/admin/v1/settings`)).json()) as { proxy_keys: string[] }
  expect(settings.proxy_keys).toEqual([])
})

test('a settings value out of range is refused at the field', async ({ page }) => {
  await page.goto('/#/settings')
  const field = main(page).getByLabel('Keep request logs (days)')
  await field.fill('0')
  await main(page).getByRole('button', { name: 'Save settings' }).click()
  await expect(field).toHaveAttribute('aria-invalid', 'true')
})

test('export, then import an edited copy after a preview of what changes', async ({ page, request }) => {
  await page.goto('/#/settings')
  const card = main(page).getByRole('region', { name: 'Export and import' })
  const downloadP = page.waitForEvent('download')
  await card.getByRole('button', { name: 'Export' }).click()
  const download = await downloadP
  expect(download.suggestedFilename()).toMatch(/^sluicegate-config-\d{4}-\d{2}-\d{2}\.json$/)
  const doc = JSON.parse(fs.readFileSync(await download.path(), 'utf8')) as { version: number; settings: Record<string, unknown> }
  expect(doc.version).toBe(1)
  const before = doc.settings.log_retention_days as number

  const edited = { ...doc, settings: { ...doc.settings, log_retention_days: before + 2 } }
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'sg-import-')), 'edited.json')
  fs.writeFileSync(file, JSON.stringify(edited))
  await card.getByLabel('Import a configuration file').setInputFiles(file)
  const preview = card.getByRole('region', { name: 'Import preview' })
  await expect(preview).toContainText(`Setting log_retention_days: ${before} → ${before + 2}`)
  await shoot(page, 'settings-import-preview-light-1280.png')
  await preview.getByRole('button', { name: 'Import' }).click()
  await expect(card.getByRole('status')).toHaveText('Imported edited.json.')
  await expect(main(page).getByLabel('Keep request logs (days)')).toHaveValue(String(before + 2))

  const now = (await (await request.get(`${origin}/admin/v1/settings`)).json()) as { log_retention_days: number }
  expect(now.log_retention_days).toBe(before + 2)
  await request.put(`${origin}/admin/v1/settings`, { data: { log_retention_days: before } })
})

test('the theme switch applies at once and is kept across a reload', async ({ page }) => {
  await page.emulateMedia({ colorScheme: 'light' })
  await page.goto('/#/settings')
  const html = page.locator('html')
  await expect(html).toHaveAttribute('data-theme', 'light')
  await main(page).getByRole('radio', { name: 'Dark' }).check()
  await expect(html).toHaveAttribute('data-theme', 'dark')
  const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor)
  await page.reload()
  await expect(html).toHaveAttribute('data-theme', 'dark')
  expect(await page.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe(bg)
  await main(page).getByRole('radio', { name: 'System' }).check()
  await expect(html).toHaveAttribute('data-theme', 'light')

  for (const theme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: theme })
    await expect(html).toHaveAttribute('data-theme', theme)
    for (const width of [800, 1280]) {
      await page.setViewportSize({ width, height: 800 })
      await shoot(page, `settings-${theme}-${width}.png`)
    }
  }
})
