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
