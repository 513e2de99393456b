import { expect, type Locator, type Page } from '@playwright/test'
import { testWithConsoleGuard } from './support'
import { PAGES, openPage, seed, statusBar, unseed, type PageSpec, type Seeded } from './seed'

// Issue 10 #3 ("tables hide the main actions") at the widths a desktop window
// has: every page's primary actions are inside the viewport and not hidden by
// a scroll container, nothing is wider than the window except inside a scroll
// container, the sidebar collapses to icons below ~1000 px, and the status
// bar never clips a base URL.

const test = testWithConsoleGuard()
// Each test checks many boxes; a busy machine needs more than the default 30 s.
test.describe.configure({ timeout: 60_000 })

let seeded: Seeded | undefined

test.beforeAll(async ({ request }) => {
  seeded = await seed(request)
})

test.afterAll(async ({ request }) => {
  await unseed(request, seeded)
})

const WIDTHS = [800, 1280, 1920] as const

/** The buttons a page must keep in view; all of them must exist. */
function primaryActions(page: Page, spec: PageSpec): Locator[] {
  const main = page.getByRole('main')
  const bar = statusBar(page)
  const common = [
    bar.getByRole('button', { name: 'Copy OpenAI base URL' }),
    bar.getByRole('button', { name: 'Copy Anthropic base URL' }),
  ]
  switch (spec.id) {
    case 'providers':
      return [
        ...common,
        main.getByRole('button', { name: 'Add provider' }),
        // Every row's row actions, the last column of a wide table.
        ...['OpenAI (work account)', 'Groq fast inference', 'Together AI', 'Local vLLM on the workstation'].flatMap(
          (name) => [
            main.getByRole('button', { name: `Edit ${name}`, exact: true }),
            main.getByRole('button', { name: `Delete ${name}`, exact: true }),
          ],
        ),
      ]
    case 'health':
      return [
        ...common,
        main.getByRole('button', { name: 'Check all' }),
        main.getByRole('button', { name: /Run health check/ }).first(),
      ]
    case 'logs':
      return [...common, main.getByRole('button', { name: /^(Pause|Resume)/ })]
    case 'connect':
      return [...common, main.getByRole('button', { name: /^Copy .*base URL/ }).first()]
    case 'settings':
      return common
    case 'routes':
      return [...common, main.getByRole('button', { name: 'Resolve' })]
  }
}

/**
 * The button is on screen and really clickable there: <main> is scrolled
 * vertically to it (the page may be taller than the window; only horizontal
 * hiding is the bug), then its box must lie inside the viewport and both its
 * left and right edges must hit the button itself (not a scroll container's
 * clipped area or something painted over it).
 */
async function expectInView(page: Page, button: Locator, width: number, height: number) {
  await expect(button).toBeVisible()
  await button.evaluate((el) => {
    const main = el.closest('main')
    if (!main) return
    const r = el.getBoundingClientRect()
    const m = main.getBoundingClientRect()
    if (r.top < m.top || r.bottom > m.bottom) main.scrollTop += r.top - m.top - m.height / 2
  })
  const box = await button.boundingBox()
  const name = (await button.getAttribute('aria-label')) ?? (await button.innerText())
  expect(box, `${name}: bounding box`).not.toBeNull()
  if (!box) return
  expect(box.x, `${name}: left edge`).toBeGreaterThanOrEqual(0)
  expect(box.x + box.width, `${name}: right edge at ${width} px`).toBeLessThanOrEqual(width)
  expect(box.y, `${name}: top edge`).toBeGreaterThanOrEqual(0)
  expect(box.y + box.height, `${name}: bottom edge`).toBeLessThanOrEqual(height)
  const hits = await button.evaluate((el) => {
    const r = el.getBoundingClientRect()
    const y = r.top + r.height / 2
    return [r.left + 2, r.right - 2].map((x) => {
      const hit = document.elementFromPoint(x, y)
      return !!hit && (hit === el || el.contains(hit))
    })
  })
  expect(hits, `${name}: both edges are the button (not clipped or covered)`).toEqual([true, true])
}

/** Elements sticking out of the window that are not inside a scroll (or clip) container which itself fits. */
function overflowingElements(page: Page) {
  return page.evaluate(() => {
    const vw = document.documentElement.clientWidth
    const clipping = new Set(['auto', 'scroll', 'hidden', 'clip'])
    const bad: string[] = []
    for (const el of Array.from(document.body.querySelectorAll<HTMLElement>('*'))) {
      if (!el.checkVisibility()) continue
      const r = el.getBoundingClientRect()
      if (r.width === 0 || r.height === 0) continue
      if (r.left >= -1 && r.right <= vw + 1) continue
      // Fine when some scroll or clip container around it fits in the window
      // (an <svg> clips too, but may itself sit in the wide part of a table).
      let contained = false
      for (let p = el.parentElement; p && p !== document.body && !contained; p = p.parentElement) {
        if (!clipping.has(getComputedStyle(p).overflowX)) continue
        const pr = p.getBoundingClientRect()
        contained = pr.left >= -1 && pr.right <= vw + 1
      }
      if (!contained) {
        bad.push(`${el.tagName.toLowerCase()}.${el.getAttribute('class') ?? ''} (${Math.round(r.left)}–${Math.round(r.right)})`)
      }
    }
    // <main> scrolls (vertically); it must not scroll sideways either: only
    // the tables' own containers may.
    const main = document.querySelector('main')
    const mainOverflow = main ? main.scrollWidth - main.clientWidth : 0
    return { bad: bad.slice(0, 10), scrollWidth: document.documentElement.scrollWidth, vw, mainOverflow }
  })
}

for (const width of WIDTHS) {
  test.describe(`at ${width} px`, () => {
    const height = width === 1920 ? 1080 : 800
    test.use({ viewport: { width, height } })

    for (const spec of PAGES) {
      test(`${spec.heading}: primary actions in view, nothing wider than the window`, async ({ page }) => {
        await openPage(page, spec)
        for (const button of primaryActions(page, spec)) await expectInView(page, button, width, height)
        const over = await overflowingElements(page)
        expect(over.bad, 'elements wider than the window outside a scroll container').toEqual([])
        expect(over.scrollWidth, 'the document does not scroll sideways').toBeLessThanOrEqual(over.vw)
        expect(over.mainOverflow, 'the page (<main>) does not scroll sideways').toBeLessThanOrEqual(0)
      })
    }

    test('the sidebar is collapsed to icons below 1000 px and labelled either way', async ({ page }) => {
      await openPage(page, PAGES[0])
      const nav = page.getByRole('navigation', { name: 'Main' })
      const sidebar = await page.locator('.sidebar').boundingBox()
      expect(sidebar).not.toBeNull()
      for (const label of ['Providers', 'Health', 'Live logs', 'Connect', 'Settings']) {
        const link = nav.getByRole('link', { name: label, exact: true })
        await expect(link).toHaveAttribute('title', label)
        if (width < 1000) await expect(link.getByText(label)).not.toBeInViewport()
        else await expect(link.getByText(label)).toBeVisible()
      }
      if (width < 1000) expect(sidebar!.width).toBeLessThanOrEqual(64)
      else expect(sidebar!.width).toBeGreaterThanOrEqual(200)
      // Collapsed or not, the links still navigate.
      await nav.getByRole('link', { name: 'Health', exact: true }).click()
      await expect(page.getByRole('heading', { level: 1 })).toHaveText('Health')
    })

    test('the status bar shows the whole base URLs, with the full value in a title', async ({ page }) => {
      await openPage(page, PAGES[3])
      for (const id of ['statusbar-openai-url', 'statusbar-anthropic-url']) {
        const url = page.getByTestId(id)
        await expect(url).toBeInViewport({ ratio: 1 })
        const { text, title, clipped } = await url.evaluate((el) => ({
          text: el.textContent,
          title: el.getAttribute('title'),
          clipped: el.scrollWidth > el.clientWidth + 1,
        }))
        expect(title).toBe(text)
        expect(clipped, `${id} is cut off at ${width} px`).toBe(false)
      }
    })
  })
}

test('a table scrolls inside its own container, never the page, with its row actions in view', async ({ page }) => {
  await page.setViewportSize({ width: 800, height: 800 })
  await openPage(page, PAGES[0])
  const wrap = page.locator('.table-wrap').first()
  const m = await wrap.evaluate((el) => ({
    overflowX: getComputedStyle(el).overflowX,
    wider: el.scrollWidth > el.clientWidth,
    right: el.getBoundingClientRect().right,
  }))
  expect(m.overflowX).toBe('auto')
  expect(m.right).toBeLessThanOrEqual(800)
  const edit = page.getByRole('button', { name: 'Edit Together AI', exact: true })
  const before = await edit.boundingBox()
  if (!m.wider) {
    // The table fits (the providers list turns into cards below ~900 px):
    // its row actions are inside the window.
    expect((before?.x ?? 1e9) + (before?.width ?? 0)).toBeLessThanOrEqual(800)
    return
  }
  // Scrolled all the way, the last column (the row actions) is still where it was: sticky.
  await wrap.evaluate((el) => el.scrollTo({ left: el.scrollWidth }))
  expect(await wrap.evaluate((el) => el.scrollLeft)).toBeGreaterThan(0)
  const after = await edit.boundingBox()
  // (Within a pixel: sticky positions snap to sub-pixels.)
  expect(Math.abs((after?.x ?? 0) - (before?.x ?? -10))).toBeLessThanOrEqual(1)
})
