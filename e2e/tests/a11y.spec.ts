import AxeBuilder from '@axe-core/playwright'
import { expect } from '@playwright/test'
import { shoot, testWithConsoleGuard } from './support'
import { PAGES, THEMES, openPage, seed, unseed, type Seeded } from './seed'

// WCAG AA on every page in both themes (issue 10 #8: table-header and footer
// text were at 2.8–2.9:1): axe finds no serious or critical violation, with
// data on every page (tables, badges, a disabled provider, an error in the log).
// The same run saves the screenshots of every page, theme and width
// (out/screenshots/<page>-<theme>-<width>.png) that a person looks at.

const test = testWithConsoleGuard()
// axe on a full page takes seconds, more on a busy machine.
test.describe.configure({ timeout: 90_000 })

let seeded: Seeded | undefined

test.beforeAll(async ({ request }) => {
  seeded = await seed(request)
})

test.afterAll(async ({ request }) => {
  await unseed(request, seeded)
})

const WIDTHS = [800, 1280] as const

for (const theme of THEMES) {
  for (const width of WIDTHS) {
    test.describe(`${theme} theme at ${width} px`, () => {
      test.use({ colorScheme: theme, viewport: { width, height: 800 } })

      for (const spec of PAGES) {
        test(`${spec.heading} has no serious or critical axe violations`, async ({ page }) => {
          await openPage(page, spec)
          // The theme really is the one asked for (prefers-color-scheme).
          expect(await page.evaluate(() => matchMedia('(prefers-color-scheme: dark)').matches)).toBe(theme === 'dark')
          await shoot(page, `${spec.id}-${theme}-${width}.png`)
          const result = await new AxeBuilder({ page })
            .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'])
            .analyze()
          const serious = result.violations
            .filter((v) => v.impact === 'serious' || v.impact === 'critical')
            .map((v) => ({
              rule: v.id,
              impact: v.impact,
              help: v.help,
              nodes: v.nodes.slice(0, 5).map((n) => `${n.target.join(' ')}: ${n.failureSummary ?? ''}`),
            }))
          expect(serious, `${spec.heading} (${theme}, ${width} px)`).toEqual([])
        })
      }
    })
  }
}
