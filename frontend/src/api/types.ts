import type { components } from './schema'

/** Response of GET /admin/v1/status (API.md §3 "Other"). */
export interface Status {
  version: string
  /** host:port the proxy listens on, e.g. "127.0.0.1:8750". */
  addr: string
  /** What an OpenAI SDK's base_url should be, e.g. "http://127.0.0.1:8750/v1". */
  openai_base_url: string
  /** What an Anthropic SDK's base_url / ANTHROPIC_BASE_URL should be. */
  anthropic_base_url: string
  data_dir: string
  /** RFC 3339. */
  started_at: string
  /** Number of configured providers. */
  providers: number
}

/** Body of every admin API error: {"error":{"code","message","field"?}}. */
export interface AdminErrorBody {
  error: {
    code: string
    message: string
    field?: string
  }
}

/** The API dialect a provider speaks upstream. */
export type ProviderType = 'openai' | 'anthropic'

export const PROVIDER_TYPES: readonly ProviderType[] = ['openai', 'anthropic']

/** One entry of a provider's model map: client alias → upstream model name. */
export interface ModelMapping {
  alias: string
  upstream: string
}

/** A provider as the admin API returns it (API.md §3 "Providers"). */
export interface Provider {
  id: number
  key: string
  name: string
  type: ProviderType
  base_url: string
  /** Masked ("…abcd"); absent or "" when no key is stored. Write-only otherwise. */
  api_key?: string
  enabled: boolean
  models: ModelMapping[]
  headers: Record<string, string>
  connect_timeout_secs: number
  response_header_timeout_secs: number
  stream_idle_timeout_secs: number
  health_check_interval_secs: number
  created_at: string
  updated_at: string
}

/**
 * A provider as the dashboard writes it (POST, PUT, PATCH). `api_key` is
 * write-only: omitted to keep the stored key, "" to clear it.
 */
export interface ProviderWrite {
  key?: string
  name?: string
  type?: ProviderType
  base_url?: string
  api_key?: string
  enabled?: boolean
  models?: ModelMapping[]
  headers?: Record<string, string>
  connect_timeout_secs?: number
  response_header_timeout_secs?: number
  stream_idle_timeout_secs?: number
  health_check_interval_secs?: number
}

/** A provider template for "Add provider" (GET /admin/v1/presets). */
export interface Preset {
  id: string
  name: string
  type: ProviderType
  base_url: string
  /** Runs on this computer and usually needs no key. */
  local: boolean
  key_hint?: string
  docs_url?: string
}

/** A provider's overall health (API.md §3 "Health checks"). */
export type HealthStatus = 'healthy' | 'degraded' | 'unhealthy' | 'disabled' | 'unknown'

/** One model's health in a check. */
export type ModelHealthStatus = 'healthy' | 'unhealthy'

/** Why a model check failed. Unknown future types pass through as strings. */
export type CheckErrorType = 'upstream_error' | 'connect_error' | 'timeout' | 'canceled' | 'internal_error' | (string & {})

/** What started a check: the admin API (the dashboard too), the scheduler, or `sluicegate check`. */
export type CheckTrigger = 'api' | 'schedule' | 'cli' | (string & {})

export interface CheckError {
  type: CheckErrorType
  /** For upstream_error, the provider's own message when its body had one. */
  message: string
}

/** One model's result within a check. */
export interface ModelCheckResult {
  /** The alias (or the raw upstream name that was asked for). */
  model: string
  upstream_model: string
  status: ModelHealthStatus
  /** How long the probe took, also for a failure. */
  response_time_ms: number
  /** null when no response arrived. */
  status_code: number | null
  error: CheckError | null
  /** What the probe adapted, e.g. "retried with max_completion_tokens …". */
  note?: string
}

export interface CheckSummary {
  total_models: number
  healthy_models: number
  unhealthy_models: number
}

/** One stored health check of one provider. */
export interface CheckResult {
  check_id: string
  provider_id: number
  provider_key: string
  provider_type: ProviderType
  status: HealthStatus
  models: ModelCheckResult[]
  summary: CheckSummary
  avg_response_time_ms: number
  /** RFC 3339. */
  checked_at: string
  duration_ms: number
  trigger: CheckTrigger
}

/** Options of a check; every field optional (server defaults: all models, 2, 30 s). */
export interface CheckOptions {
  models?: string[]
  /** 1..10. */
  max_concurrent?: number
  /** 1..120, per model. */
  timeout_secs?: number
}

/** Body of POST /admin/v1/health/check. */
export interface CheckAllRequest extends CheckOptions {
  provider_ids?: number[]
}

/** Response of POST /admin/v1/health/check. */
export interface CheckAllResult {
  providers: CheckResult[]
  total_providers: number
  healthy_providers: number
  unhealthy_providers: number
}

/** One probe in a model's latency series. */
export interface LatencyPoint {
  at: string
  response_time_ms: number
  status: ModelHealthStatus
}

/** One model's summary over a window. */
export interface ModelHealthSummary {
  model: string
  uptime_percent: number
  checks: number
  p50_ms: number
  p95_ms: number
  last_status: ModelHealthStatus
  last_checked_at: string
  /** Oldest first. */
  series: LatencyPoint[]
}

/** Response of GET /admin/v1/providers/{id}/health/summary. */
export interface HealthSummary {
  provider_id: number
  window: string
  from: string
  to: string
  models: ModelHealthSummary[]
}

// ---- Request logs (API.md §3 "Request logs", "Live stream") ----------------

type Schemas = components['schemas']

/** Token usage of one request, when the response reported it. */
export type Usage = Schemas['Usage']

/** Who failed a request: the provider ("upstream") or Sluicegate ("proxy"). */
export type ErrorSource = 'upstream' | 'proxy'

/** One request-log entry (GET /admin/v1/logs, `request.finished`). */
export type LogEntry = Schemas['LogEntry']

/** GET /admin/v1/logs/{id}: the entry with its captured headers and bodies (secrets redacted). */
export type LogDetail = Schemas['LogDetail']

/** GET /admin/v1/server-log, `log` messages: a warning or error of the server's own. */
export type ServerLogRecord = Schemas['ServerLogRecord']

/** One message of the live stream: `{"type","ts","data"}`. */
export interface LiveMessage {
  type: string
  ts: string
  data: unknown
}
