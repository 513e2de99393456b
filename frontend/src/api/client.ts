import type { AdminErrorBody, Preset, Provider, ProviderWrite, Status } from './types'

/**
 * An admin API failure. `status` is the HTTP status, or 0 when the server
 * could not be reached at all; `code` is the API's machine-readable code
 * (or one of ours: "network_error", "http_error", "invalid_response").
 */
export class ApiError extends Error {
  readonly status: number
  readonly code: string
  readonly field: string | undefined

  constructor(status: number, code: string, message: string, field?: string) {
    super(message)
    this.name = 'ApiError'
    this.status = status
    this.code = code
    this.field = field
  }
}

/** Admin API root. Relative on purpose: in the desktop webview the request is
 * answered in-process by the same Go handler; in a browser, by the server. */
export const ADMIN_BASE = '/admin/v1'

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function isAdminErrorBody(v: unknown): v is AdminErrorBody {
  if (!isRecord(v) || !isRecord(v.error)) return false
  const e = v.error
  return (
    typeof e.code === 'string' &&
    typeof e.message === 'string' &&
    (e.field === undefined || typeof e.field === 'string')
  )
}

async function readJSON(res: Response): Promise<unknown> {
  const text = await res.text()
  if (text === '') return undefined
  try {
    return JSON.parse(text) as unknown
  } catch {
    return undefined
  }
}

/**
 * Performs one admin request and returns the parsed JSON body.
 * Every failure becomes an ApiError, so views need one catch branch.
 */
export async function request(path: string, init?: RequestInit): Promise<unknown> {
  let res: Response
  try {
    res = await fetch(ADMIN_BASE + path, {
      ...init,
      headers: { Accept: 'application/json', ...init?.headers },
    })
  } catch (err) {
    const detail = err instanceof Error && err.message ? ` (${err.message})` : ''
    throw new ApiError(0, 'network_error', `Could not reach the Sluicegate server${detail}.`)
  }

  const body = await readJSON(res)
  if (!res.ok) {
    if (isAdminErrorBody(body)) {
      throw new ApiError(res.status, body.error.code, body.error.message, body.error.field)
    }
    const reason = res.statusText ? ` ${res.statusText}` : ''
    throw new ApiError(res.status, 'http_error', `The server answered HTTP ${res.status}${reason}.`)
  }
  return body
}

function isStatus(v: unknown): v is Status {
  return (
    isRecord(v) &&
    typeof v.version === 'string' &&
    typeof v.addr === 'string' &&
    typeof v.openai_base_url === 'string' &&
    typeof v.anthropic_base_url === 'string' &&
    typeof v.data_dir === 'string' &&
    typeof v.started_at === 'string' &&
    typeof v.providers === 'number'
  )
}

/** GET /admin/v1/status: version, listen address, base URLs, data dir. */
export async function getStatus(signal?: AbortSignal): Promise<Status> {
  const body = await request('/status', signal ? { signal } : undefined)
  if (!isStatus(body)) {
    throw new ApiError(200, 'invalid_response', 'The status response did not have the expected fields.')
  }
  return body
}

function isProvider(v: unknown): v is Provider {
  return (
    isRecord(v) &&
    typeof v.id === 'number' &&
    typeof v.key === 'string' &&
    typeof v.base_url === 'string' &&
    (v.type === 'openai' || v.type === 'anthropic') &&
    typeof v.enabled === 'boolean' &&
    (v.api_key === undefined || v.api_key === null || typeof v.api_key === 'string')
  )
}

/** Fills what a reader may rely on (arrays and maps never null, name set). */
function normalizeProvider(p: Provider): Provider {
  return {
    ...p,
    name: typeof p.name === 'string' ? p.name : '',
    api_key: typeof p.api_key === 'string' ? p.api_key : '',
    models: Array.isArray(p.models) ? p.models : [],
    headers: isRecord(p.headers) ? (p.headers as Record<string, string>) : {},
  }
}

function expectProvider(body: unknown, what: string): Provider {
  if (!isProvider(body)) {
    throw new ApiError(200, 'invalid_response', `The ${what} response did not have the expected fields.`)
  }
  return normalizeProvider(body)
}

function dataArray(body: unknown, what: string): unknown[] {
  if (!isRecord(body) || !Array.isArray(body.data)) {
    throw new ApiError(200, 'invalid_response', `The ${what} response did not have the expected fields.`)
  }
  return body.data
}

function jsonInit(method: string, body: unknown): RequestInit {
  return { method, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) }
}

function providerPath(id: number): string {
  return `/providers/${encodeURIComponent(String(id))}`
}

/** GET /admin/v1/providers. */
export async function listProviders(signal?: AbortSignal): Promise<Provider[]> {
  const data = dataArray(await request('/providers', signal ? { signal } : undefined), 'providers')
  return data.map((p) => expectProvider(p, 'providers'))
}

/** GET /admin/v1/providers/{id}. */
export async function getProvider(id: number): Promise<Provider> {
  return expectProvider(await request(providerPath(id)), 'provider')
}

/** POST /admin/v1/providers → the created provider (201). */
export async function createProvider(body: ProviderWrite): Promise<Provider> {
  return expectProvider(await request('/providers', jsonInit('POST', body)), 'provider')
}

/** PUT /admin/v1/providers/{id}: replaces it; an omitted api_key keeps the stored key. */
export async function replaceProvider(id: number, body: ProviderWrite): Promise<Provider> {
  return expectProvider(await request(providerPath(id), jsonInit('PUT', body)), 'provider')
}

/** PATCH /admin/v1/providers/{id}: changes the given fields only. */
export async function patchProvider(id: number, body: ProviderWrite): Promise<Provider> {
  return expectProvider(await request(providerPath(id), jsonInit('PATCH', body)), 'provider')
}

/** DELETE /admin/v1/providers/{id} (204); its health history goes with it. */
export async function deleteProvider(id: number): Promise<void> {
  await request(providerPath(id), { method: 'DELETE' })
}

function isPreset(v: unknown): v is Preset {
  return (
    isRecord(v) &&
    typeof v.id === 'string' &&
    typeof v.name === 'string' &&
    (v.type === 'openai' || v.type === 'anthropic') &&
    typeof v.base_url === 'string'
  )
}

/** GET /admin/v1/presets: provider templates for "Add provider". */
export async function listPresets(signal?: AbortSignal): Promise<Preset[]> {
  const data = dataArray(await request('/presets', signal ? { signal } : undefined), 'presets')
  return data.filter(isPreset).map((p) => ({ ...p, local: p.local === true }))
}
