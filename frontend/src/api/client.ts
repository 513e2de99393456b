import type {
  AdminErrorBody,
  CircuitState,
  Dialect,
  ResolvedRoute,
  Route,
  RouteMember,
  CheckAllRequest,
  CheckAllResult,
  CheckOptions,
  CheckResult,
  DiscoverInput,
  DiscoverResult,
  HealthSummary,
  LogDetail,
  LogEntry,
  ModelCheckResult,
  ModelHealthSummary,
  Preset,
  Provider,
  ProviderWrite,
  ProxyEnv,
  ServerLogRecord,
  Stats,
  Status,
} from './types'
import type { components } from './schema'
import { getAdminToken, reportUnauthorized } from '../lib/adminToken'

/**
 * An admin API failure. `status` is the HTTP status, or 0 when the server
 * could not be reached at all; `code` is the API's machine-readable code
 * (or one of ours: "network_error", "http_error", "invalid_response").
 */
export class ApiError extends Error {
  readonly status: number
  readonly code: string
  readonly field: string | undefined
  /** With code "check_running": the check already running for that provider. */
  readonly checkId: string | undefined

  constructor(status: number, code: string, message: string, field?: string, checkId?: string) {
    super(message)
    this.name = 'ApiError'
    this.status = status
    this.code = code
    this.field = field
    this.checkId = checkId
  }
}

/**
 * The server wants the admin token (HTTP 401, code "unauthorized"): it was
 * started with --admin-token and this request carried none, or a wrong one.
 * The dashboard answers it with the "Admin token" prompt.
 */
export class UnauthorizedError extends ApiError {
  declare readonly status: 401
  declare readonly code: 'unauthorized'

  constructor(message: string) {
    super(401, 'unauthorized', message)
    this.name = 'UnauthorizedError'
  }
}

/** True for the error the admin token prompt answers. */
export function isUnauthorized(err: unknown): err is UnauthorizedError {
  return err instanceof UnauthorizedError
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
    (e.field === undefined || typeof e.field === 'string') &&
    (e.check_id === undefined || typeof e.check_id === 'string')
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

/** Sends one admin request with `token` (null: no Authorization header). */
async function send(path: string, init: RequestInit | undefined, token: string | null): Promise<unknown> {
  const headers = new Headers(init?.headers)
  if (!headers.has('Accept')) headers.set('Accept', 'application/json')
  if (token !== null) headers.set('Authorization', `Bearer ${token}`)
  let res: Response
  try {
    res = await fetch(ADMIN_BASE + path, { ...init, headers })
  } catch (err) {
    const detail = err instanceof Error && err.message ? ` (${err.message})` : ''
    throw new ApiError(0, 'network_error', `Could not reach the Sluicegate server${detail}.`)
  }

  const body = await readJSON(res)
  if (!res.ok) {
    if (isAdminErrorBody(body)) {
      if (res.status === 401 && body.error.code === 'unauthorized') throw new UnauthorizedError(body.error.message)
      throw new ApiError(res.status, body.error.code, body.error.message, body.error.field, body.error.check_id)
    }
    const reason = res.statusText ? ` ${res.statusText}` : ''
    throw new ApiError(res.status, 'http_error', `The server answered HTTP ${res.status}${reason}.`)
  }
  return body
}

/**
 * Performs one admin request and returns the parsed JSON body. Sends the
 * admin token stored for this tab, if any, as `Authorization: Bearer …`.
 * Every failure becomes an ApiError, so views need one catch branch; a 401
 * "unauthorized" is an UnauthorizedError and also raises the token prompt.
 */
export async function request(path: string, init?: RequestInit): Promise<unknown> {
  const token = getAdminToken()
  try {
    return await send(path, init, token)
  } catch (err) {
    if (err instanceof UnauthorizedError) reportUnauthorized(token)
    throw err
  }
}

function isStatus(v: unknown): v is Omit<Status, 'proxy_env'> {
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

/** The error for a 2xx answer whose body is not what the API documents. */
function invalidResponse(what: string): ApiError {
  return new ApiError(200, 'invalid_response', `The ${what} response did not have the expected fields.`)
}

/** The proxy_env of a status; absent (an older server) reads as nothing set. */
function toProxyEnv(v: unknown): ProxyEnv {
  const r = isRecord(v) ? v : {}
  const flag = (k: string) => r[k] === true
  return {
    http_proxy: flag('http_proxy'),
    https_proxy: flag('https_proxy'),
    all_proxy: flag('all_proxy'),
    no_proxy_covers_loopback: flag('no_proxy_covers_loopback'),
    loopback_proxied: flag('loopback_proxied'),
  }
}

function expectStatus(body: unknown): Status {
  if (!isStatus(body)) throw invalidResponse('status')
  return { ...body, proxy_env: toProxyEnv((body as Record<string, unknown>).proxy_env) }
}

/** GET /admin/v1/status: version, listen address, base URLs, data dir. */
export async function getStatus(signal?: AbortSignal): Promise<Status> {
  return expectStatus(await request('/status', signal ? { signal } : undefined))
}

/**
 * Tries `token` against GET /admin/v1/status without storing it. Resolves
 * with the status when the server accepts it; rejects with an
 * UnauthorizedError when it refuses it (or another ApiError).
 */
export async function verifyAdminToken(token: string, signal?: AbortSignal): Promise<Status> {
  return expectStatus(await send('/status', signal ? { signal } : undefined, token.trim()))
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
  if (!isProvider(body)) throw invalidResponse(what)
  return normalizeProvider(body)
}

function dataArray(body: unknown, what: string): unknown[] {
  if (!isRecord(body) || !Array.isArray(body.data)) throw invalidResponse(what)
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
  return data.filter(isPreset).map((p) => ({
    ...p,
    local: p.local === true,
    // An older server has no models list: nothing to pick from.
    models: Array.isArray(p.models) ? p.models.filter((m): m is string => typeof m === 'string' && m !== '') : [],
  }))
}

function isDiscoverResult(v: unknown): v is DiscoverResult {
  return (
    isRecord(v) &&
    typeof v.reachable === 'boolean' &&
    (v.status_code === null || typeof v.status_code === 'number') &&
    typeof v.latency_ms === 'number' &&
    (v.models === null || Array.isArray(v.models))
  )
}

/**
 * POST /admin/v1/providers/discover: asks the upstream for its model list
 * ("Test connection" and "Fetch models"). An upstream that fails is not a
 * rejection: the result says reachable/status_code/error; a 400 (e.g. a bad
 * base_url) is an ApiError naming the field.
 */
export async function discoverModels(body: DiscoverInput, signal?: AbortSignal): Promise<DiscoverResult> {
  const res = await request('/providers/discover', { ...jsonInit('POST', body), ...(signal ? { signal } : {}) })
  if (!isDiscoverResult(res)) throw invalidResponse('discover')
  const models = (Array.isArray(res.models) ? res.models : []).filter(
    (m): m is DiscoverResult['models'][number] => isRecord(m) && typeof m.id === 'string',
  )
  const error = isRecord(res.error) ? { type: res.error.type, message: typeof res.error.message === 'string' ? res.error.message : '' } : null
  return { ...res, models, error }
}

/** GET /admin/v1/stats?window=…: request counts, errors and latency by provider and model. */
export async function getStats(window: Stats['window'] = '1h', signal?: AbortSignal): Promise<Stats> {
  const body = await request(`/stats?window=${encodeURIComponent(window)}`, signal ? { signal } : undefined)
  if (!isRecord(body) || typeof body.requests !== 'number' || !Array.isArray(body.by_provider)) throw invalidResponse('stats')
  const stats = body as Stats
  return {
    ...stats,
    by_status: isRecord(stats.by_status) ? stats.by_status : {},
    by_provider: stats.by_provider.filter((p) => isRecord(p) && typeof p.provider_key === 'string'),
    by_model: Array.isArray(stats.by_model) ? stats.by_model : [],
  }
}

// ---- Health checks -----------------------------------------------------------

function isModelCheckResult(v: unknown): v is ModelCheckResult {
  return (
    isRecord(v) &&
    typeof v.model === 'string' &&
    typeof v.status === 'string' &&
    typeof v.response_time_ms === 'number' &&
    (v.status_code === null || v.status_code === undefined || typeof v.status_code === 'number') &&
    (v.error === null || v.error === undefined || (isRecord(v.error) && typeof v.error.message === 'string'))
  )
}

function isCheckResult(v: unknown): v is CheckResult {
  return (
    isRecord(v) &&
    typeof v.check_id === 'string' &&
    typeof v.provider_id === 'number' &&
    typeof v.status === 'string' &&
    typeof v.checked_at === 'string' &&
    (v.models === null || (Array.isArray(v.models) && v.models.every(isModelCheckResult)))
  )
}

/** Fills what a reader may rely on: models never null, each model's optional parts set. */
function normalizeCheck(c: CheckResult): CheckResult {
  const models = (Array.isArray(c.models) ? c.models : []).map(normalizeModelResult)
  const healthy = models.filter((m) => m.status === 'healthy').length
  const summary = isRecord(c.summary)
    ? c.summary
    : { total_models: models.length, healthy_models: healthy, unhealthy_models: models.length - healthy }
  return {
    ...c,
    provider_key: typeof c.provider_key === 'string' ? c.provider_key : '',
    models,
    summary,
    avg_response_time_ms: typeof c.avg_response_time_ms === 'number' ? c.avg_response_time_ms : 0,
    duration_ms: typeof c.duration_ms === 'number' ? c.duration_ms : 0,
    trigger: typeof c.trigger === 'string' ? c.trigger : '',
  }
}

function expectCheck(body: unknown, what: string): CheckResult {
  if (!isCheckResult(body)) throw invalidResponse(what)
  return normalizeCheck(body)
}

/**
 * POST /admin/v1/providers/{id}/health: runs a check now and returns it.
 * No client-side timeout: a check may take up to timeout × models / concurrency.
 * A 400 names `max_concurrent`, `timeout_secs` or `models[i]` in ApiError.field.
 */
export async function checkProvider(id: number, options: CheckOptions = {}): Promise<CheckResult> {
  return expectCheck(await request(`${providerPath(id)}/health`, jsonInit('POST', options)), 'health check')
}

/** POST /admin/v1/health/check: checks the given (default: all) providers concurrently. */
export async function checkAllProviders(body: CheckAllRequest = {}): Promise<CheckAllResult> {
  const res = await request('/health/check', jsonInit('POST', body))
  if (!isRecord(res) || !Array.isArray(res.providers)) throw invalidResponse('health check')
  const providers = res.providers.map((c) => expectCheck(c, 'health check'))
  const num = (v: unknown, fallback: number) => (typeof v === 'number' ? v : fallback)
  return {
    providers,
    total_providers: num(res.total_providers, providers.length),
    healthy_providers: num(res.healthy_providers, providers.filter((c) => c.status === 'healthy').length),
    unhealthy_providers: num(res.unhealthy_providers, providers.filter((c) => c.status === 'unhealthy').length),
  }
}

/** A check in flight (GET /admin/v1/health/running), with its model results so far. */
export type RunningCheck = Omit<components['schemas']['RunningCheck'], 'models'> & { models: ModelCheckResult[] }

function isRunningCheck(v: unknown): v is RunningCheck {
  return (
    isRecord(v) &&
    typeof v.check_id === 'string' &&
    typeof v.provider_id === 'number' &&
    (v.models === null || v.models === undefined || (Array.isArray(v.models) && v.models.every(isModelCheckResult)))
  )
}

/** A model result as the server sent it, with its optional parts filled. */
export function normalizeModelResult(m: ModelCheckResult): ModelCheckResult {
  return {
    ...m,
    upstream_model: typeof m.upstream_model === 'string' ? m.upstream_model : m.model,
    status_code: typeof m.status_code === 'number' ? m.status_code : null,
    error: isRecord(m.error) ? { type: String(m.error.type ?? ''), message: m.error.message } : null,
  }
}

/** Returns v as a model result when it has the documented fields, else null. */
export function toModelResult(v: unknown): ModelCheckResult | null {
  return isModelCheckResult(v) ? normalizeModelResult(v) : null
}

/** Returns v as a CheckResult when it has the documented fields, else null. */
export function toCheckResult(v: unknown): CheckResult | null {
  return isCheckResult(v) ? normalizeCheck(v) : null
}

/** Returns v as a RunningCheck when it has the documented fields, else null. */
export function toRunningCheck(v: unknown): RunningCheck | null {
  if (!isRunningCheck(v)) return null
  return {
    check_id: v.check_id,
    provider_id: v.provider_id,
    provider_key: typeof v.provider_key === 'string' ? v.provider_key : '',
    trigger: v.trigger,
    started_at: typeof v.started_at === 'string' ? v.started_at : '',
    models_total: typeof v.models_total === 'number' ? v.models_total : 0,
    models: (Array.isArray(v.models) ? v.models : []).map(normalizeModelResult),
  }
}

/** GET /admin/v1/health/running: the checks in flight, whoever started them. */
export async function listRunningChecks(signal?: AbortSignal): Promise<RunningCheck[]> {
  const data = dataArray(await request('/health/running', signal ? { signal } : undefined), 'running checks')
  return data.map((v) => {
    const c = toRunningCheck(v)
    if (!c) throw invalidResponse('running checks')
    return c
  })
}

/**
 * DELETE /admin/v1/health/checks/{id}: cancels a running check and resolves
 * once it has ended (its unfinished models are "cancelled", the partial
 * result is stored). A check that already finished is not an error.
 */
export async function cancelCheck(checkId: string): Promise<void> {
  try {
    await request(`/health/checks/${encodeURIComponent(checkId)}`, { method: 'DELETE' })
  } catch (err) {
    // It ended on its own in between: what the caller wanted is true.
    if (err instanceof ApiError && err.status === 404) return
    throw err
  }
}

export interface HistoryQuery {
  /** 1..500; the server's default is 50. */
  limit?: number
  /** A check_id: only checks older than it (the next page). */
  before?: string
  signal?: AbortSignal
}

/** GET /admin/v1/providers/{id}/health/history: the provider's checks, newest first. */
export async function getHealthHistory(id: number, query: HistoryQuery = {}): Promise<CheckResult[]> {
  const params = new URLSearchParams()
  if (query.limit !== undefined) params.set('limit', String(query.limit))
  if (query.before !== undefined) params.set('before', query.before)
  const qs = params.toString()
  const body = await request(`${providerPath(id)}/health/history${qs ? `?${qs}` : ''}`, query.signal ? { signal: query.signal } : undefined)
  return dataArray(body, 'health history').map((c) => expectCheck(c, 'health history'))
}

function isModelSummary(v: unknown): v is ModelHealthSummary {
  return (
    isRecord(v) &&
    typeof v.model === 'string' &&
    typeof v.uptime_percent === 'number' &&
    typeof v.checks === 'number' &&
    typeof v.p50_ms === 'number' &&
    typeof v.p95_ms === 'number'
  )
}

/** GET /admin/v1/providers/{id}/health/summary?window=24h: per model uptime, p50/p95 and latency series. */
export async function getHealthSummary(id: number, window = '24h', signal?: AbortSignal): Promise<HealthSummary> {
  const body = await request(
    `${providerPath(id)}/health/summary?window=${encodeURIComponent(window)}`,
    signal ? { signal } : undefined,
  )
  if (!isRecord(body) || !Array.isArray(body.models) || !body.models.every(isModelSummary)) throw invalidResponse('health summary')
  return {
    provider_id: typeof body.provider_id === 'number' ? body.provider_id : id,
    window: typeof body.window === 'string' ? body.window : window,
    from: typeof body.from === 'string' ? body.from : '',
    to: typeof body.to === 'string' ? body.to : '',
    models: body.models.map((m) => ({
      ...m,
      last_status: m.last_status === 'healthy' || m.last_status === 'cancelled' ? m.last_status : 'unhealthy',
      last_checked_at: typeof m.last_checked_at === 'string' ? m.last_checked_at : '',
      series: Array.isArray(m.series) ? m.series : [],
    })),
  }
}

// ---- Request logs -------------------------------------------------------------

function isLogEntry(v: unknown): v is LogEntry {
  return (
    isRecord(v) &&
    typeof v.id === 'string' &&
    typeof v.started_at === 'string' &&
    typeof v.method === 'string' &&
    typeof v.path === 'string' &&
    typeof v.status === 'number'
  )
}

/** Fills what a reader may rely on, so a view never meets undefined. */
export function normalizeLogEntry(e: LogEntry): LogEntry {
  const str = (v: unknown) => (typeof v === 'string' ? v : '')
  const num = (v: unknown) => (typeof v === 'number' ? v : 0)
  const usage = isRecord(e.usage) ? { prompt_tokens: num(e.usage.prompt_tokens), completion_tokens: num(e.usage.completion_tokens) } : null
  return {
    id: e.id,
    started_at: e.started_at,
    method: e.method,
    path: e.path,
    model: str(e.model),
    provider_key: str(e.provider_key),
    upstream_model: str(e.upstream_model),
    stream: e.stream === true,
    status: e.status,
    error_source: e.error_source === 'upstream' || e.error_source === 'proxy' ? e.error_source : null,
    error_type: str(e.error_type),
    error_message: str(e.error_message),
    latency_ms: num(e.latency_ms),
    ttfb_ms: num(e.ttfb_ms),
    bytes_in: num(e.bytes_in),
    bytes_out: num(e.bytes_out),
    usage,
    // A row of an older server (or of a request that was not a group) is its own, only attempt.
    client_request_id: str(e.client_request_id) || e.id,
    attempt: num(e.attempt) || 1,
    attempts: num(e.attempts) || 1,
  }
}

/** Returns v as a LogEntry when it has the fields the API documents, else null. */
export function toLogEntry(v: unknown): LogEntry | null {
  return isLogEntry(v) ? normalizeLogEntry(v) : null
}

export interface LogsQuery {
  /** 1..1000; the server's default is 100. */
  limit?: number
  errors?: boolean
  /** Provider key, exact. */
  provider?: string
  /** Model as the client asked for it, exact. */
  model?: string
  /** An exact code ("429") or a class ("2xx", "4xx", "5xx"). */
  status?: string
  /** Case-insensitive substring of the path, model or error message. */
  text?: string
  /** Only the attempts of this client request (its X-Sluicegate-Request-Id). */
  client_request_id?: string
  signal?: AbortSignal
}

/** GET /admin/v1/logs: the newest entries first. */
export async function listLogs(query: LogsQuery = {}): Promise<LogEntry[]> {
  const params = new URLSearchParams()
  if (query.limit !== undefined) params.set('limit', String(query.limit))
  if (query.errors) params.set('errors', '1')
  for (const name of ['provider', 'model', 'status', 'text', 'client_request_id'] as const) {
    const v = query[name]
    if (v) params.set(name, v)
  }
  const qs = params.toString()
  const body = await request(`/logs${qs ? `?${qs}` : ''}`, query.signal ? { signal: query.signal } : undefined)
  return dataArray(body, 'logs').map((v) => {
    const e = toLogEntry(v)
    if (!e) throw invalidResponse('logs')
    return e
  })
}

function headerMap(v: unknown): Record<string, string[]> {
  const out: Record<string, string[]> = {}
  if (!isRecord(v)) return out
  for (const [k, vals] of Object.entries(v)) {
    if (Array.isArray(vals)) out[k] = vals.map(String)
  }
  return out
}

/** GET /admin/v1/logs/{id}: one entry with its captured headers and bodies. */
export async function getLog(id: string, signal?: AbortSignal): Promise<LogDetail> {
  const body = await request(`/logs/${encodeURIComponent(id)}`, signal ? { signal } : undefined)
  const e = toLogEntry(body)
  if (!e || !isRecord(body)) throw invalidResponse('log entry')
  return {
    ...e,
    request_headers: headerMap(body.request_headers),
    response_headers: headerMap(body.response_headers),
    request_body: typeof body.request_body === 'string' ? body.request_body : '',
    response_body: typeof body.response_body === 'string' ? body.response_body : '',
    request_body_truncated: body.request_body_truncated === true,
    response_body_truncated: body.response_body_truncated === true,
  }
}

function toServerLogRecord(v: unknown): ServerLogRecord | null {
  if (!isRecord(v) || typeof v.ts !== 'string' || typeof v.message !== 'string') return null
  return {
    ts: v.ts,
    level: v.level === 'error' ? 'error' : 'warn',
    message: v.message,
    attrs: isRecord(v.attrs) ? v.attrs : {},
  }
}

/** Returns v (a `log` message's data) as a ServerLogRecord stamped `ts`, else null. */
export function toLiveServerLog(v: unknown, ts: string): ServerLogRecord | null {
  return isRecord(v) ? toServerLogRecord({ ts, ...v }) : null
}

export interface ServerLogQuery {
  /** "warn" (warnings and errors, the default) or "error". */
  level?: 'warn' | 'error'
  /** 1..1000; the server's default is 200. */
  limit?: number
  signal?: AbortSignal
}

/** GET /admin/v1/server-log: the server's own warnings and errors, newest first. */
export async function listServerLog(query: ServerLogQuery = {}): Promise<ServerLogRecord[]> {
  const params = new URLSearchParams()
  if (query.level) params.set('level', query.level)
  if (query.limit !== undefined) params.set('limit', String(query.limit))
  const qs = params.toString()
  const body = await request(`/server-log${qs ? `?${qs}` : ''}`, query.signal ? { signal: query.signal } : undefined)
  return dataArray(body, 'server log').map((v) => {
    const r = toServerLogRecord(v)
    if (!r) throw invalidResponse('server log')
    return r
  })
}

/** toApiError turns anything a request threw into an ApiError (the one
 * place that does; views show its message). */
export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err
  const message = err instanceof Error ? err.message : String(err)
  return new ApiError(0, 'unknown', message)
}

// ---- Settings, export and import ---------------------------------------------

/** GET/PUT /admin/v1/settings; proxy_keys come back masked. */
export type Settings = components['schemas']['Settings']
/** A settings change: absent fields keep their values; a masked proxy key sent back keeps the key it masks. */
export type SettingsInput = Partial<components['schemas']['SettingsInput']>
/** GET /admin/v1/export: the whole configuration. */
export type ConfigDocument = components['schemas']['Config']

function isSettings(v: unknown): v is Settings {
  return (
    isRecord(v) &&
    typeof v.max_body_bytes === 'number' &&
    typeof v.log_retention_days === 'number' &&
    typeof v.log_retention_rows === 'number' &&
    typeof v.history_retention_days === 'number'
  )
}

/** Fills what a reader may rely on (lists never null). */
function expectSettings(body: unknown): Settings {
  if (!isSettings(body)) throw invalidResponse('settings')
  const strings = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [])
  return {
    ...body,
    proxy_keys: strings(body.proxy_keys),
    cors_origins: strings(body.cors_origins),
    max_buffered_bytes: typeof body.max_buffered_bytes === 'number' ? body.max_buffered_bytes : body.max_body_bytes,
    log_bodies: body.log_bodies === true,
  }
}

/** GET /admin/v1/settings. */
export async function getSettings(signal?: AbortSignal): Promise<Settings> {
  return expectSettings(await request('/settings', signal ? { signal } : undefined))
}

/** PUT /admin/v1/settings: changes the given fields; a 400 names the field. */
export async function updateSettings(body: SettingsInput): Promise<Settings> {
  return expectSettings(await request('/settings', jsonInit('PUT', body)))
}

/** GET /admin/v1/export[?include_keys=1]: the configuration as one document. */
export async function exportConfig(includeKeys: boolean): Promise<ConfigDocument> {
  const body = await request(`/export${includeKeys ? '?include_keys=1' : ''}`)
  if (!isRecord(body) || !Array.isArray(body.providers)) throw invalidResponse('export')
  return body as ConfigDocument
}

/** POST /admin/v1/import: validates the whole document, then replaces the configuration. */
export async function importConfig(doc: unknown): Promise<ConfigDocument> {
  const body = await request('/import', jsonInit('POST', doc))
  if (!isRecord(body) || !Array.isArray(body.providers)) throw invalidResponse('import')
  return body as ConfigDocument
}

// ---- Routing (issue 13) --------------------------------------------------------

const CIRCUIT_STATES = new Set(['closed', 'open', 'half_open'])

/** Returns v as a CircuitState (a `circuit.changed` message's data), else null. */
function toCircuitState(v: unknown): CircuitState | null {
  if (!isRecord(v) || typeof v.provider_key !== 'string' || typeof v.state !== 'string' || !CIRCUIT_STATES.has(v.state)) return null
  return {
    provider_key: v.provider_key,
    state: v.state as CircuitState['state'],
    reason: typeof v.reason === 'string' ? v.reason : '',
    until: typeof v.until === 'string' && v.until !== '' ? v.until : null,
    failures: typeof v.failures === 'number' ? v.failures : 0,
  }
}

function numbers(v: unknown): number[] {
  return Array.isArray(v) ? v.filter((n): n is number => typeof n === 'number') : []
}

function toRouteMember(v: unknown): RouteMember | null {
  if (!isRecord(v) || typeof v.provider_key !== 'string') return null
  const closed: CircuitState = { provider_key: v.provider_key, state: 'closed', reason: '', until: null, failures: 0 }
  return {
    provider_id: typeof v.provider_id === 'number' ? v.provider_id : 0,
    provider_key: v.provider_key,
    provider_type: v.provider_type === 'anthropic' ? 'anthropic' : 'openai',
    upstream: typeof v.upstream === 'string' ? v.upstream : '',
    priority: typeof v.priority === 'number' ? v.priority : 0,
    failover_on: numbers(v.failover_on),
    circuit: toCircuitState(v.circuit) ?? closed,
  }
}

function toRoute(v: unknown): Route | null {
  if (!isRecord(v) || typeof v.alias !== 'string' || !Array.isArray(v.members)) return null
  return {
    alias: v.alias,
    pattern: v.pattern === true,
    group: v.group === true,
    members: v.members.map(toRouteMember).filter((m): m is RouteMember => m !== null),
    catches: Array.isArray(v.catches) ? v.catches.filter((m): m is string => typeof m === 'string') : [],
  }
}

/** GET /admin/v1/routes: every alias and pattern of the enabled providers, sorted by alias. */
export async function listRoutes(signal?: AbortSignal): Promise<Route[]> {
  const data = dataArray(await request('/routes', signal ? { signal } : undefined), 'routes')
  return data.map((v) => {
    const r = toRoute(v)
    if (!r) throw invalidResponse('routes')
    return r
  })
}

/**
 * GET /admin/v1/routes/resolve: the route a request for `model` from a
 * `dialect` client takes, with its members in the order it would try them
 * now. A model no route catches is an ApiError with status 404.
 */
export async function resolveRoute(model: string, dialect: Dialect = 'openai', signal?: AbortSignal): Promise<ResolvedRoute> {
  const qs = new URLSearchParams({ model, dialect }).toString()
  const body = await request(`/routes/resolve?${qs}`, signal ? { signal } : undefined)
  if (!isRecord(body) || typeof body.alias !== 'string' || !Array.isArray(body.members)) throw invalidResponse('resolve')
  return {
    model: typeof body.model === 'string' ? body.model : model,
    alias: body.alias,
    pattern: body.pattern === true,
    group: body.group === true,
    members: body.members
      .filter((m): m is Record<string, unknown> => isRecord(m) && typeof m.provider_key === 'string')
      .map((m) => ({ provider_key: m.provider_key as string, upstream: typeof m.upstream === 'string' ? m.upstream : '' })),
  }
}
