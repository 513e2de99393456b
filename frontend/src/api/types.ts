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
