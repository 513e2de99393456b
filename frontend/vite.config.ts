/// <reference types="vitest/config" />
import { defineConfig } from 'vite'
import react from '@vitejs/plugin-react'

// The dashboard is embedded into the Go binary (go:embed all:frontend/dist).
// `public/.gitkeep` is copied into dist on every build, so the committed
// frontend/dist/.gitkeep survives emptyOutDir and a fresh clone still embeds.
export default defineConfig({
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // The desktop webview and the browser both load from the same origin; no
    // need for a modulepreload polyfill.
    modulePreload: { polyfill: false },
  },
  server: {
    // `npm run dev` against a running `sluicegate serve` on the default port.
    proxy: {
      // ws: the Live logs page's WebSocket (/admin/v1/ws) goes through too.
      '/admin': { target: 'http://127.0.0.1:8750', ws: true },
      '/healthz': 'http://127.0.0.1:8750',
    },
  },
  test: {
    environment: 'jsdom',
    include: ['src/**/*.test.{ts,tsx}'],
    restoreMocks: true,
    setupFiles: ['src/test/setup.ts'],
    // The default 5 s per test (and Testing Library's 1 s per findBy, see
    // setup.ts) are wall-clock budgets: on a loaded 2-core CI machine a
    // page test that renders in 0.7 s here took over 5 s. A real hang
    // still fails, only later.
    testTimeout: 30_000,
  },
})
