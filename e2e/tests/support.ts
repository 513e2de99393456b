import fs from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { expect, test as base, type Locator, type Page } from '@playwright/test'

// What the e2e specs share: where the server under test listens (the same
// defaults as playwright.config.ts), where screenshots go, a console-error
// guard, a fake OpenAI upstream, and a few page helpers.

export const port = Number(process.env.E2E_PORT ?? '18750')
export const origin = `http://127.0.0.1:${port}`
export const screenshotDir = path.resolve(__dirname, '..', process.env.SLUICEGATE_OUT ?? '../out', 'screenshots')

// ---- Console guard -------------------------------------------------------------

/**
 * `test` with an automatic fixture that fails the test on any console error or
 * uncaught page error, except console lines matching one of `allowed` (for the
 * error answers a spec provokes on purpose). A describe block can switch the
 * check off with `test.use({ allowConsoleErrors: true })`.
 */
export function testWithConsoleGuard(allowed: readonly RegExp[] = []) {
  return base.extend<{ allowConsoleErrors: boolean; consoleGuard: void }>({
    allowConsoleErrors: [false, { option: true }],
    consoleGuard: [
      async ({ page, allowConsoleErrors }, use) => {
        const errors: string[] = []
        page.on('console', (msg) => {
          if (msg.type() !== 'error') return
          if (allowed.some((re) => re.test(msg.text()))) return
          errors.push(`console: ${msg.text()}`)
        })
        page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`))
        await use()
        if (!allowConsoleErrors) expect(errors, 'console errors').toEqual([])
      },
      { auto: true },
    ],
  })
}

// ---- Fake OpenAI upstream --------------------------------------------------------

/** A request the fake upstream received; a body that is not JSON is recorded as {}. */
export interface FakeRequest {
  method: string
  url: string
  headers: http.IncomingHttpHeaders
  body: Record<string, unknown>
}

export interface FakeReply {
  status: number
  payload: unknown
}

export interface FakeUpstream {
  /** http://127.0.0.1:<port>, without a path. */
  url: string
  /** Every request, in order of arrival; tests may empty it (`requests.length = 0`). */
  requests: FakeRequest[]
  close(): Promise<void>
}

export interface FakeUpstreamOptions {
  /** Milliseconds to wait before each answer (called once per request, in order); answers at once without it. */
  delayMs?: () => number
  /** Model ids to list at GET /v1/models (OpenAI's list shape); a 404 without it. */
  models?: readonly string[]
}

/**
 * Starts an HTTP server on a random port of 127.0.0.1 that records every
 * request, answers POST /v1/chat/completions with `handler`'s reply, GET
 * /v1/models with `opts.models` when given, and anything else with a 404 in
 * OpenAI's error shape.
 */
export function startFakeUpstream(
  handler: (req: FakeRequest) => FakeReply,
  opts: FakeUpstreamOptions = {},
): Promise<FakeUpstream> {
  const requests: FakeRequest[] = []
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      let body: Record<string, unknown> = {}
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>
      } catch {
        /* recorded as {} */
      }
      const seen: FakeRequest = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body }
      requests.push(seen)
      const reply = ({ status, payload }: FakeReply) => {
        const send = () => {
          res.writeHead(status, { 'Content-Type': 'application/json' })
          res.end(JSON.stringify(payload))
        }
        if (opts.delayMs) setTimeout(send, opts.delayMs())
        else send()
      }
      if (opts.models && req.method === 'GET' && req.url === '/v1/models') {
        reply({ status: 200, payload: { object: 'list', data: opts.models.map((id) => ({ id, object: 'model', owned_by: 'fake' })) } })
        return
      }
      if (req.method !== 'POST' || req.url !== '/v1/chat/completions') {
        reply({
          status: 404,
          payload: { error: { message: `fake upstream: no route ${req.method} ${req.url}`, type: 'invalid_request_error' } },
        })
        return
      }
      reply(handler(seen))
    })
  })
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      resolve({
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        requests,
        // closeAllConnections: a keep-alive connection (the proxy pools them)
        // would otherwise hold close() open until it idles out.
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done())
            server.closeAllConnections()
          }),
      })
    })
  })
}

// ---- Page helpers ----------------------------------------------------------------

export function main(page: Page): Locator {
  return page.getByRole('main')
}

/** The input is marked invalid and its described-by element shows `message`. */
export async function expectFieldError(input: Locator, message: string | RegExp) {
  await expect(input).toHaveAttribute('aria-invalid', 'true')
  const id = await input.getAttribute('aria-describedby')
  expect(id).toBeTruthy()
  await expect(input.page().locator(`[id="${id}"]`)).toHaveText(message)
}

/**
 * Saves a screenshot under screenshotDir. With `grow`, the viewport first grows
 * to the page's content: the dashboard is an app shell where <main> scrolls,
 * not the document, so a "full page" alone would not show all of it.
 */
export async function shoot(page: Page, file: string, opts: { grow?: boolean; fullPage?: boolean } = {}) {
  fs.mkdirSync(screenshotDir, { recursive: true })
  if (opts.grow) {
    const height = await page.evaluate(() => {
      const m = document.querySelector('main')
      const bar = document.querySelector('footer')
      return (m?.scrollHeight ?? 0) + (bar?.getBoundingClientRect().height ?? 0)
    })
    await page.setViewportSize({ width: 1280, height: Math.max(800, Math.ceil(height)) })
  }
  await page.screenshot({ path: path.join(screenshotDir, file), fullPage: opts.fullPage ?? false })
  if (opts.grow) await page.setViewportSize({ width: 1280, height: 800 })
}
