import { spawn, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import http from 'node:http'
import net, { type AddressInfo } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { expect, test as base, type Locator, type Page } from '@playwright/test'

// What the e2e specs share: where the server under test listens (the same
// defaults as playwright.config.ts), where screenshots go, a console-error
// guard, a fake OpenAI upstream, a spec's own `sluicegate serve`, and a few
// page helpers.

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
 * OpenAI's error shape. A handler that returns null holds the answer: the
 * request stays open until its client gives up or the fake is closed (a
 * model that hangs).
 */
export function startFakeUpstream(
  handler: (req: FakeRequest) => FakeReply | null,
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
      const answer = handler(seen)
      if (answer) reply(answer)
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

// ---- A spec's own server -----------------------------------------------------------

/** The binary under test, as playwright.config.ts resolves it. */
export const sluicegateBin = path.resolve(__dirname, '..', process.env.SLUICEGATE_BIN ?? '../build/bin/sluicegate')

/** A port of 127.0.0.1 that was free a moment ago (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const { port: p } = srv.address() as AddressInfo
      srv.close(() => resolve(p))
    })
  })
}

/** serve exited because its port was taken meanwhile. */
class PortTakenError extends Error {}

export interface ServeProcess {
  /** http://127.0.0.1:<port> */
  origin: string
  port: number
  dataDir: string
  /** What the server wrote to stdout and stderr so far. */
  log(): string
  /** SIGTERM (SIGKILL after 5 s), then removes the data dir. */
  stop(): Promise<void>
}

export interface ServeOptions {
  /** Port to listen on; a free one when not given. */
  port?: number
  /** Extra flags after `serve` (e.g. ['--admin-token', 't']). */
  args?: readonly string[]
  /** Prefix of the temporary data dir's name. */
  name?: string
}

/**
 * Starts `sluicegate serve --addr 127.0.0.1:<port> --data-dir <fresh dir>`
 * (no DISPLAY, no admin token from the environment) and resolves once it
 * answers /healthz. For specs that need a server of their own, apart from the
 * config's shared one: other flags, or a first run on an empty data dir.
 */
export async function startServe(opts: ServeOptions = {}): Promise<ServeProcess> {
  if (opts.port !== undefined) return startServeOn(opts.port, opts)
  // A free port can be taken by another process before serve binds it; then
  // serve exits at once, and another port is tried.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startServeOn(await freePort(), opts)
    } catch (err) {
      if (attempt >= 3 || !(err instanceof PortTakenError)) throw err
    }
  }
}

async function startServeOn(port: number, opts: ServeOptions): Promise<ServeProcess> {
  const origin = `http://127.0.0.1:${port}`
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `${opts.name ?? 'sluicegate-e2e'}.`))
  const env = { ...process.env }
  delete env.DISPLAY
  delete env.SLUICEGATE_ADMIN_TOKEN
  let log = ''
  const child: ChildProcess = spawn(
    sluicegateBin,
    ['serve', ...(opts.args ?? []), '--addr', `127.0.0.1:${port}`, '--data-dir', dataDir],
    { env, stdio: ['ignore', 'pipe', 'pipe'] },
  )
  child.stdout?.on('data', (d: Buffer) => (log += d.toString()))
  child.stderr?.on('data', (d: Buffer) => (log += d.toString()))
  let spawnError = ''
  child.once('error', (err) => (spawnError = err.message))
  const ended = () => spawnError || (child.exitCode !== null ? `exited with ${child.exitCode}` : '')
  const stop = async () => {
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000)
      await exited
      clearTimeout(timer)
    }
    fs.rmSync(dataDir, { recursive: true, force: true })
  }
  try {
    await waitForHealthz(origin, ended, () => log, 30_000)
  } catch (err) {
    await stop()
    if (child.exitCode !== null && log.includes(`port ${port} is already in use`)) throw new PortTakenError(String(err))
    throw err
  }
  return { origin, port, dataDir, log: () => log, stop }
}

/** Polls /healthz until it answers 200; `ended` says why the process is gone, '' while it runs. */
async function waitForHealthz(origin: string, ended: () => string, log: () => string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const why = ended()
    if (why) throw new Error(`sluicegate serve (${sluicegateBin}) ${why}:\n${log()}`)
    try {
      const res = await fetch(`${origin}/healthz`)
      if (res.ok) return
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`sluicegate serve did not answer /healthz:\n${log()}`)
    await new Promise((r) => setTimeout(r, 100))
  }
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
