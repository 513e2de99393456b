import type { components } from './schema'

/** The proxy variables of the server's environment (GET /admin/v1/status). */
export type ProxyEnv = Required<components['schemas']['ProxyEnv']>

/** GET /admin/v1/status, every field present (the client fills proxy_env). */
export type Status = Required<Omit<components['schemas']['Status'], 'proxy_env'>> & { proxy_env: ProxyEnv }

/** Body of every admin API error: {"error":{"code","message","field"?}}. */
export interface AdminErrorBody {
  error: {
    code: string
    message: string
    field?: string
    /** With code check_running: the check already running for that provider. */
    check_id?: string
  }
}

/** The API dialect a provider speaks upstream. */
export type ProviderType = 'openai' | 'anthropic'

export const PROVIDER_TYPES: readonly ProviderType[] = ['openai', 'anthropic']

/**
 * One entry of a provider's model map: client alias (or a pattern ending in
 * `*`) → upstream model name, with the route-group `priority` and
 * `failover_on` statuses when set.
 */
export type ModelMapping = Schemas['ModelMapping']

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
  /** Translate requests of the other dialect (default true). */
  translate: boolean
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
  translate?: boolean
  models?: ModelMapping[]
  headers?: Record<string, string>
  connect_timeout_secs?: number
  response_header_timeout_secs?: number
  stream_idle_timeout_secs?: number
  health_check_interval_secs?: number
}

type Schemas = components['schemas']

/** A provider template for "Add provider" (GET /admin/v1/presets), with the
 * fields a reader relies on made present by the client. */
export type Preset = Required<Pick<Schemas['Preset'], 'id' | 'name' | 'type' | 'base_url' | 'local' | 'models'>> &
  Pick<Schemas['Preset'], 'key_hint' | 'docs_url'>

/** Body of POST /admin/v1/providers/discover. */
export type DiscoverInput = Schemas['DiscoverInput']
/** Answer of POST /admin/v1/providers/discover: test connection + the upstream's model list. */
export type DiscoverResult = Schemas['DiscoverResult']
export type DiscoveredModel = Schemas['DiscoveredModel']
/** GET /admin/v1/stats. */
export type Stats = Schemas['Stats']
export type ProviderStats = Schemas['ProviderStats']

/** A provider's overall health (API.md §3 "Health checks"). */
export type HealthStatus = 'healthy' | 'degraded' | 'unhealthy' | 'disabled' | 'unknown'

/** One model's health in a check. */
export type ModelHealthStatus = 'healthy' | 'unhealthy' | 'cancelled'

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
  /** RFC 3339: when the check began (absent in checks stored by older versions). */
  started_at?: string
  /** RFC 3339: when the check finished. */
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

// ---- Routing (issue 13: patterns, route groups, circuits) --------------------

/** `circuit.changed` data, and each route member's `circuit`: closed, open (tried last until `until`), half_open. */
export type CircuitState = Schemas['CircuitState']
export type CircuitStateName = CircuitState['state']

/** One provider serving a route. */
export type RouteMember = Schemas['RouteMember']

/** One alias or pattern of the enabled providers (GET /admin/v1/routes); members in try order, catches for patterns. */
export type Route = Schemas['Route']

/** The client dialect a model name is resolved for. */
export type Dialect = 'openai' | 'anthropic'

/** GET /admin/v1/routes/resolve: which route catches a model and the order a request would try now. */
export type ResolvedRoute = Schemas['ResolvedRoute']
