import type { CheckOptions, CheckResult, CheckTrigger, HealthStatus, HealthSummary, ModelCheckResult, ModelMapping } from '../api/types'

// Pure presentation and option logic of the Health page: views map through
// these and stay free of rules.

/** A status's colour family: green, amber, red or grey. */
export type Tone = 'ok' | 'warn' | 'danger' | 'neutral'

export interface StatusMeta {
  label: string
  tone: Tone
}

const STATUS_META: Record<HealthStatus, StatusMeta> = {
  healthy: { label: 'Healthy', tone: 'ok' },
  degraded: { label: 'Degraded', tone: 'warn' },
  unhealthy: { label: 'Unhealthy', tone: 'danger' },
  disabled: { label: 'Disabled', tone: 'neutral' },
  unknown: { label: 'Unknown', tone: 'neutral' },
}

// The one status vocabulary of the dashboard: besides the server's statuses,
// a model or check stopped by a cancel, a provider with no model mapped, and
// a check in flight.
const EXTRA_META: Record<string, StatusMeta> = {
  cancelled: { label: 'Cancelled', tone: 'neutral' },
  no_models: { label: 'No models mapped', tone: 'neutral' },
  checking: { label: 'Checking…', tone: 'neutral' },
}

/** Label and tone of a provider or model status; anything unexpected is a grey "Unknown". */
export function statusMeta(status: string | null | undefined): StatusMeta {
  if (status && Object.prototype.hasOwnProperty.call(STATUS_META, status)) return STATUS_META[status as HealthStatus]
  if (status && Object.prototype.hasOwnProperty.call(EXTRA_META, status)) return EXTRA_META[status] ?? STATUS_META.unknown
  return STATUS_META.unknown
}

/** The "Not checked" badge of a provider without history. */
export const NOT_CHECKED: StatusMeta = { label: 'Not checked', tone: 'neutral' }

const TRIGGER_LABEL: Record<string, string> = {
  api: 'on demand',
  schedule: 'by schedule',
  cli: 'from the CLI',
}

/** "by schedule", "from the CLI", "on demand" (the dashboard and the admin API). */
export function triggerLabel(trigger: CheckTrigger): string {
  return TRIGGER_LABEL[trigger] ?? (trigger ? `by ${trigger}` : 'on demand')
}

const ERROR_TYPE_LABEL: Record<string, string> = {
  upstream_error: 'Upstream error',
  connect_error: 'Connection failed',
  timeout: 'Timed out',
  canceled: 'Cancelled',
  internal_error: 'Internal error',
}

/** "Upstream error", "Timed out", …; an unknown type is shown as sent. */
export function errorTypeLabel(type: string): string {
  return ERROR_TYPE_LABEL[type] ?? (type || 'Error')
}

function unit(n: number, one: string, many: string = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`
}

/** "every 5 min", "every 1 h 30 min", "every day"; 0 (or less) → "not scheduled". */
export function scheduleLabel(intervalSecs: number): string {
  if (!Number.isFinite(intervalSecs) || intervalSecs <= 0) return 'not scheduled'
  const s = Math.round(intervalSecs)
  if (s % 86400 === 0) return s === 86400 ? 'every day' : `every ${s / 86400} days`
  if (s < 60) return `every ${s} s`
  const h = Math.floor(s / 3600)
  const m = Math.floor((s % 3600) / 60)
  const sec = s % 60
  const parts = [h ? `${h} h` : '', m ? `${m} min` : '', sec ? `${sec} s` : ''].filter(Boolean)
  return `every ${parts.join(' ')}`
}

/**
 * "just now", "45 s ago", "12 min ago", "3 h ago", "yesterday", "4 days ago",
 * then the date. A time slightly ahead of `now` (clock skew) is "just now".
 */
export function relativeTime(iso: string, now: number = Date.now()): string {
  const t = new Date(iso).getTime()
  if (Number.isNaN(t)) return iso
  const secs = Math.round((now - t) / 1000)
  if (secs < 10) return 'just now'
  if (secs < 60) return `${secs} s ago`
  const mins = Math.floor(secs / 60)
  if (mins < 60) return `${mins} min ago`
  const hours = Math.floor(mins / 60)
  if (hours < 24) return `${hours} h ago`
  const days = Math.floor(hours / 24)
  if (days === 1) return 'yesterday'
  if (days < 7) return `${days} days ago`
  return new Date(t).toLocaleDateString(undefined, { dateStyle: 'medium' })
}

/** "412 ms", "1.2 s", "1 min 5 s". */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '—'
  if (ms < 1000) return `${Math.round(ms)} ms`
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`
  const m = Math.floor(ms / 60_000)
  const s = Math.round((ms % 60_000) / 1000)
  return s ? `${m} min ${s} s` : `${m} min`
}

/** "99.5%" — whole numbers without decimals. */
export function formatPercent(p: number): string {
  if (!Number.isFinite(p)) return '—'
  return `${Number.isInteger(p) ? p : p.toFixed(1)}%`
}

/** "1 of 2 models healthy". */
export function healthyOfTotal(c: Pick<CheckResult, 'summary'>): string {
  const { healthy_models: ok, total_models: total } = c.summary
  if (total === 0) return 'No models checked'
  return `${ok} of ${unit(total, 'model')} healthy`
}

// ---- Check options ----------------------------------------------------------

export const CONCURRENCY = { min: 1, max: 10, default: 2 } as const
export const TIMEOUT = { min: 1, max: 120, default: 30 } as const

/** The options panel as typed: the picked aliases and the two numbers as text. */
export interface OptionsForm {
  models: string[]
  concurrency: string
  timeout: string
}

export type OptionsField = 'models' | 'concurrency' | 'timeout' | 'form'
export type OptionsErrors = Partial<Record<OptionsField, string>>

/** The panel's defaults: every alias picked, concurrency 2, timeout 30 s. */
export function defaultOptions(models: readonly ModelMapping[]): OptionsForm {
  return {
    models: models.map((m) => m.alias),
    concurrency: String(CONCURRENCY.default),
    timeout: String(TIMEOUT.default),
  }
}

export type BuiltOptions = { ok: true; body: CheckOptions } | { ok: false; errors: OptionsErrors }

function wholeNumber(text: string): number | null {
  const t = text.trim()
  return /^-?\d+$/.test(t) ? Number(t) : null
}

/**
 * The request body for the options as typed. Only what the API cannot be
 * asked is checked here (not a number, nothing picked); the ranges are the
 * server's to judge, and its 400 lands at the field. All models picked →
 * `models` left out, which the server reads as "every mapped model".
 */
export function buildCheckOptions(form: OptionsForm, all: readonly ModelMapping[]): BuiltOptions {
  const errors: OptionsErrors = {}
  const concurrency = wholeNumber(form.concurrency)
  const timeout = wholeNumber(form.timeout)
  if (concurrency === null) errors.concurrency = `Enter a whole number from ${CONCURRENCY.min} to ${CONCURRENCY.max}.`
  if (timeout === null) errors.timeout = `Enter a whole number of seconds from ${TIMEOUT.min} to ${TIMEOUT.max}.`
  const picked = all.map((m) => m.alias).filter((a) => form.models.includes(a))
  if (all.length > 0 && picked.length === 0) errors.models = 'Pick at least one model.'
  if (Object.keys(errors).length > 0 || concurrency === null || timeout === null) return { ok: false, errors }
  const body: CheckOptions = { max_concurrent: concurrency, timeout_secs: timeout }
  if (picked.length < all.length) body.models = picked
  return { ok: true, body }
}

/**
 * Places an API error in the options panel: `max_concurrent` at Concurrency,
 * `timeout_secs` at Timeout, `models` / `models[i]` at the model list (naming
 * the i-th model sent); anything else above the buttons. A "field: " prefix
 * is dropped, as the field's own label already says it.
 */
export function optionsErrorsFromApi(err: { message: string; field?: string | undefined }, sentModels: readonly string[] = []): OptionsErrors {
  const field = err.field ?? ''
  let message = err.message
  const prefix = `${field}: `
  if (field && message.startsWith(prefix) && message.length > prefix.length) {
    const rest = message.slice(prefix.length)
    message = rest.charAt(0).toUpperCase() + rest.slice(1)
  }
  if (field === 'max_concurrent') return { concurrency: message }
  if (field === 'timeout_secs') return { timeout: message }
  const m = /^models(?:\[(\d+)\])?$/.exec(field)
  if (m) {
    if (m[1] === undefined) return { models: message }
    const i = Number(m[1])
    return { models: `${sentModels[i] || `Model ${i + 1}`}: ${message}` }
  }
  return { form: err.message }
}

// ---- Charts ------------------------------------------------------------------

/** The summary windows the charts offer. */
export const CHART_WINDOWS = ['24h', '7d'] as const
export type ChartWindow = (typeof CHART_WINDOWS)[number]

const WINDOW_SECS: Record<ChartWindow, number> = { '24h': 86_400, '7d': 7 * 86_400 }
/** Uptime is shown per hour over 24 h, per 6 h over 7 days. */
const BUCKET_SECS: Record<ChartWindow, number> = { '24h': 3_600, '7d': 6 * 3_600 }

/** uPlot's column data: x in Unix seconds, one y array per model (null = no point there). */
export interface ChartData {
  /** The x range shown: the whole window, in Unix seconds (a lone point is not stretched over years). */
  range: [number, number]
  x: number[]
  models: string[]
  y: Array<Array<number | null>>
}

/**
 * The latency of each model's checks over time, in uPlot's aligned form:
 * the x values are every check time of any model, each model has its latency
 * at its own times and null elsewhere. Cancelled probes say nothing about
 * latency and are left out.
 */
export function latencyChartData(summary: Pick<HealthSummary, 'models'>, window: ChartWindow, now: number): ChartData {
  const times = new Set<number>()
  const perModel = summary.models.map((m) => {
    const at = new Map<number, number>()
    for (const p of m.series) {
      if (p.status === 'cancelled') continue
      const t = Math.floor(new Date(p.at).getTime() / 1000)
      if (Number.isNaN(t)) continue
      at.set(t, p.response_time_ms)
      times.add(t)
    }
    return at
  })
  const x = [...times].sort((a, b) => a - b)
  const end = Math.ceil(now / 1000)
  return {
    range: [end - WINDOW_SECS[window], end],
    x,
    models: summary.models.map((m) => m.model),
    y: perModel.map((at) => x.map((t) => at.get(t) ?? null)),
  }
}

/**
 * Uptime per time bucket (hour over 24 h, 6 h over 7 days) ending at `now`:
 * the share of each model's healthy checks in the bucket, in percent, or null
 * when the bucket has no check of it. Cancelled probes count in neither.
 */
export function uptimeChartData(summary: Pick<HealthSummary, 'models'>, window: ChartWindow, now: number): ChartData {
  const size = BUCKET_SECS[window]
  const end = Math.ceil(now / 1000 / size) * size
  const count = WINDOW_SECS[window] / size
  const first = end - count * size
  const x = Array.from({ length: count }, (_, i) => first + i * size)
  const y = summary.models.map((m) => {
    const ok = new Array<number>(count).fill(0)
    const all = new Array<number>(count).fill(0)
    for (const p of m.series) {
      if (p.status === 'cancelled') continue
      const t = new Date(p.at).getTime() / 1000
      const i = Math.floor((t - first) / size)
      if (Number.isNaN(i) || i < 0 || i >= count) continue
      all[i] = (all[i] ?? 0) + 1
      if (p.status === 'healthy') ok[i] = (ok[i] ?? 0) + 1
    }
    return all.map((n, i) => (n === 0 ? null : Math.round((1000 * (ok[i] ?? 0)) / n) / 10))
  })
  return { range: [first, end], x, models: summary.models.map((m) => m.model), y }
}

// ---- Latency and labels --------------------------------------------------------

export interface LatencyStats {
  /** Mean response time of the models that answered or failed in time; null when none did. */
  avgMs: number | null
  /** Models whose probe ran into the timeout (not in the average). */
  timedOut: number
  /** Models whose probe was cancelled (not in the average). */
  cancelled: number
}

/**
 * The average latency of a check without its timed-out models (their
 * "latency" is the timeout, which says nothing about the provider's speed)
 * and without cancelled ones; both are counted separately.
 */
export function latencyStats(models: readonly ModelCheckResult[]): LatencyStats {
  let sum = 0
  let n = 0
  let timedOut = 0
  let cancelled = 0
  for (const m of models) {
    if (m.status === 'cancelled') cancelled++
    else if (m.error?.type === 'timeout') timedOut++
    else {
      sum += m.response_time_ms
      n++
    }
  }
  return { avgMs: n > 0 ? sum / n : null, timedOut, cancelled }
}

/** "avg 412 ms", "avg 20 ms · 1 timed out", "1 timed out". */
export function latencyLabel(stats: LatencyStats): string {
  const parts: string[] = []
  if (stats.avgMs !== null) parts.push(`avg ${formatMs(stats.avgMs)}`)
  if (stats.timedOut > 0) parts.push(`${stats.timedOut} timed out`)
  if (stats.cancelled > 0) parts.push(`${stats.cancelled} cancelled`)
  return parts.join(' · ')
}

/**
 * The status a check is shown with: its own, except "unknown", which the
 * server reports both for a provider with no model mapped and for a check
 * whose every model was cancelled — each is named for what it is.
 */
export function checkStatus(c: Pick<CheckResult, 'status' | 'models'>): string {
  if (c.status !== 'unknown') return c.status
  if (c.models.length === 0) return 'no_models'
  if (c.models.every((m) => m.status === 'cancelled')) return 'cancelled'
  return 'unknown'
}

/** "finished 12 s ago", "finished just now". */
export function finishedAgo(iso: string, now: number): string {
  return `finished ${relativeTime(iso, now)}`
}

/** The note beside a provider's status badge: "Disabled" unless the badge already says it. */
export function disabledNote(enabled: boolean, shownStatus: string | null): string | null {
  if (enabled || shownStatus === 'disabled') return null
  return 'Disabled'
}

/** Uptime colour: ≥ 99% green, ≥ 90% amber, below red. */
export function uptimeTone(percent: number): Tone {
  if (percent >= 99) return 'ok'
  if (percent >= 90) return 'warn'
  return 'danger'
}

/** "Checked 3 providers: 1 healthy, 1 degraded, 1 no models mapped." */
export function checkAllSummary(results: ReadonlyArray<Pick<CheckResult, 'status' | 'models'>>): string {
  if (results.length === 0) return 'There was no provider to check.'
  const counts = new Map<string, number>()
  for (const r of results) {
    const label = statusMeta(checkStatus(r)).label.toLowerCase()
    counts.set(label, (counts.get(label) ?? 0) + 1)
  }
  const order = ['healthy', 'degraded', 'unhealthy', 'cancelled', 'disabled', 'no models mapped', 'unknown']
  const parts = [...counts].sort(([a], [b]) => order.indexOf(a) - order.indexOf(b)).map(([label, n]) => `${n} ${label}`)
  return `Checked ${unit(results.length, 'provider')}: ${parts.join(', ')}.`
}

/** "openai is degraded: 1 of 2 models healthy." — the live announcement of a finished run. */
export function runAnnouncement(label: string, c: Pick<CheckResult, 'status' | 'summary' | 'models'>): string {
  const status = checkStatus(c)
  if (status === 'no_models') return `${label} has no models mapped: nothing was checked.`
  return `${label} is ${statusMeta(status).label.toLowerCase()}: ${healthyOfTotal(c)}.`
}
