import path from 'node:path'
import { defineConfig } from '@playwright/test'

// End-to-end test of the dashboard served by `sluicegate serve`, in Debian's
// Chromium (no browser download: install with PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1).
//
//   SLUICEGATE_BIN  binary under test            (default ../build/bin/sluicegate)
//   E2E_PORT        port the server listens on   (default 18750)
//   CHROMIUM_PATH   browser executable           (default /usr/bin/chromium)
//   SLUICEGATE_OUT  reports and screenshots root (default ../out)

const port = Number(process.env.E2E_PORT ?? '18750')
const bin = path.resolve(__dirname, process.env.SLUICEGATE_BIN ?? '../build/bin/sluicegate')
const outDir = path.resolve(__dirname, process.env.SLUICEGATE_OUT ?? '../out')
const baseURL = `http://127.0.0.1:${port}`

function shQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`
}

// A fresh data dir per run, removed when the server stops. No DISPLAY: serve
// must not need one. The EXIT trap runs after the server has exited.
const serveCommand = [
  'd=$(mktemp -d "${TMPDIR:-/tmp}/sluicegate-e2e.XXXXXX") || exit 1',
  `trap 'rm -rf "$d"' EXIT`,
  `trap 'exit 143' TERM INT`,
  `env -u DISPLAY ${shQuote(bin)} serve --addr 127.0.0.1:${port} --data-dir "$d"`,
].join('; ')

export default defineConfig({
  testDir: './tests',
  outputDir: './test-results',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  forbidOnly: !!process.env.CI,
  timeout: 30_000,
  expect: { timeout: 5_000 },
  reporter: [['list'], ['json', { outputFile: path.join(outDir, 'reports', 'playwright.json') }]],
  use: {
    baseURL,
    viewport: { width: 1280, height: 800 },
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
  projects: [
    {
      name: 'chromium',
      use: {
        browserName: 'chromium',
        launchOptions: {
          executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
          args: [
            '--no-sandbox',
            '--disable-gpu',
            '--disable-quic',
            '--no-first-run',
            '--disable-background-networking',
            '--disable-component-update',
            '--disable-sync',
            '--disable-dev-shm-usage',
          ],
        },
      },
    },
  ],
  webServer: {
    command: `bash -c ${shQuote(serveCommand)}`,
    url: `${baseURL}/healthz`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: 'pipe',
    stderr: 'pipe',
    gracefulShutdown: { signal: 'SIGTERM', timeout: 5_000 },
  },
})
