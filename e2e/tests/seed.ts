import { expect, type APIRequestContext, type Locator, type Page } from '@playwright/test'
import { origin, startFakeUpstream, type FakeUpstream } from './support'

// What the layout and accessibility specs share: a server with data on every
// page (four providers, one disabled, with long base URLs; a health check
// stored; a 200 and a 429 in the request log), the list of pages, and how to
// wait until a page shows that data.

/** The dashboard's pages: hash, heading, and what shows once its data is there. */
export const PAGES = [
  { id: 'providers', heading: 'Providers', ready: (p: Page) => p.getByRole('button', { name: /^Edit / }).first() },
  { id: 'health', heading: 'Health', ready: (p: Page) => p.getByRole('button', { name: /Run health check/ }).first() },
  { id: 'logs', heading: 'Live logs', ready: (p: Page) => p.getByRole('main').getByRole('row').filter({ hasText: 'layout-limited' }).first() },
  { id: 'connect', heading: 'Connect', ready: (p: Page) => p.getByRole('button', { name: /^Copy .*base URL/ }).first() },
  { id: 'settings', heading: 'Settings', ready: (p: Page) => p.getByRole('heading', { level: 1, name: 'Settings' }) },
  { id: 'routes', heading: 'Routes', ready: (p: Page) => p.getByTestId('route').filter({ hasText: 'layout-model' }).first() },
] as const

export type PageSpec = (typeof PAGES)[number]

export const THEMES = ['light', 'dark'] as const

/** Providers a user with a few upstreams would have; the keys are unique to these specs. */
const PROVIDERS = [
  { key: 'layout-openai', name: 'OpenAI (work account)', path: '/v1', models: ['layout-model', 'layout-mini'] },
  { key: 'layout-groq', name: 'Groq fast inference', path: '/openai/v1', models: ['layout-llama', 'layout-limited'] },
  { key: 'layout-together', name: 'Together AI', path: '/v1', models: ['layout-mixtral'] },
  { key: 'layout-local', name: 'Local vLLM on the workstation', path: '/v1', models: ['layout-qwen'], enabled: false },
]

export interface Seeded {
  fake: FakeUpstream
  ids: number[]
}

/** Creates the providers, runs one health check, and sends a 200 and a 429 through the proxy. */
export async function seed(request: APIRequestContext): Promise<Seeded> {
  const fake = await startFakeUpstream((req) =>
    req.body.model === 'up-layout-limited'
      ? { status: 429, payload: { error: { message: 'Rate limit reached for requests', type: 'rate_limit_error' } } }
      : {
          status: 200,
          payload: {
            id: 'chatcmpl-layout',
            object: 'chat.completion',
            choices: [{ index: 0, message: { role: 'assistant', content: 'hi' }, finish_reason: 'stop' }],
            usage: { prompt_tokens: 5, completion_tokens: 1, total_tokens: 6 },
          },
        },
  )
  // Every provider points at the same fake; the hostname differs so the base
  // URLs are as long as real ones (127.0.0.1 with a path).
  // A worker restarted after a failed test seeds again: drop what a previous
  // seed left (the keys are unique to these specs).
  const listed = (await (await request.get(`${origin}/admin/v1/providers`)).json()) as { data: { id: number; key: string }[] }
  for (const p of listed.data) {
    if (p.key.startsWith('layout-')) await request.delete(`${origin}/admin/v1/providers/${p.id}`)
  }
  const ids: number[] = []
  for (const p of PROVIDERS) {
    const res = await request.post(`${origin}/admin/v1/providers`, {
      data: {
        key: p.key,
        name: p.name,
        type: 'openai',
        base_url: `${fake.url}${p.path}`,
        api_key: 'sk-layout-test-key',
        enabled: p.enabled ?? true,
        models: p.models.map((m) => ({ alias: m, upstream: `up-${m}` })),
      },
    })
    expect(res.status(), await res.text()).toBe(201)
    ids.push(((await res.json()) as { id: number }).id)
  }
  const check = await request.post(`${origin}/admin/v1/health/check`, { data: { provider_ids: ids.slice(0, 3) } })
  expect(check.status(), await check.text()).toBe(200)
  for (const model of ['layout-model', 'layout-limited']) {
    await request.post(`${origin}/v1/chat/completions`, {
      data: { model, messages: [{ role: 'user', content: 'hi' }] },
    })
  }
  return { fake, ids }
}

export async function unseed(request: APIRequestContext, seeded: Seeded | undefined) {
  if (!seeded) return
  for (const id of seeded.ids) await request.delete(`${origin}/admin/v1/providers/${id}`)
  await seeded.fake.close()
}

/** Opens a page and waits until its data is shown and the status bar has loaded. */
export async function openPage(page: Page, spec: PageSpec) {
  await page.goto(`/#/${spec.id}`)
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(spec.heading)
  await expect(spec.ready(page)).toBeVisible()
  await expect(page.getByTestId('statusbar-openai-url')).toBeVisible()
}

export function statusBar(page: Page): Locator {
  return page.getByRole('contentinfo', { name: 'Proxy status' })
}
