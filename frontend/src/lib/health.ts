import type { CheckOptions, CheckResult, CheckTrigger, HealthStatus, LatencyPoint, ModelMapping } from '../api/types'

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

/** Label and tone of a provider or model status; anything unexpected is a grey "Unknown". */
export function statusMeta(status: string | null | undefined): StatusMeta {
  if (status && Object.prototype.hasOwnProperty.call(STATUS_META, status)) return STATUS_META[status as HealthStatus]
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
  canceled: 'Canceled',
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

// ---- Sparkline --------------------------------------------------------------

/** The largest latency sits at this fraction of the height. */
export const SPARK_HEADROOM = 0.8

export interface SparkPoint {
  x: number
  y: number
  ms: number
  healthy: boolean
}

export interface Sparkline {
  /** SVG path through the points ("" for no points). */
  path: string
  points: SparkPoint[]
  max: number
}

/**
 * Lays out a latency series in a width × height box: evenly spaced in order
 * (the checks, not wall time, so a burst of checks stays readable), 0 ms at
 * the bottom and the largest latency at 80% of the height (a flat series is
 * not glued to the top edge), `pad` kept free at the edges for the dots. One
 * point sits in the middle.
 */
export function sparkline(series: readonly LatencyPoint[], width: number, height: number, pad = 3): Sparkline {
  const n = series.length
  if (n === 0) return { path: '', points: [], max: 0 }
  const max = Math.max(0, ...series.map((p) => p.response_time_ms))
  const top = Math.max(1, max) / SPARK_HEADROOM
  const w = width - 2 * pad
  const h = height - 2 * pad
  const round = (v: number) => Math.round(v * 10) / 10
  const points = series.map((p, i) => ({
    x: round(n === 1 ? width / 2 : pad + (w * i) / (n - 1)),
    y: round(pad + h - (h * Math.max(0, p.response_time_ms)) / top),
    ms: p.response_time_ms,
    healthy: p.status === 'healthy',
  }))
  const path = points.map((p, i) => `${i === 0 ? 'M' : 'L'}${p.x} ${p.y}`).join(' ')
  return { path, points, max }
}

/** Uptime colour: ≥ 99% green, ≥ 90% amber, below red. */
export function uptimeTone(percent: number): Tone {
  if (percent >= 99) return 'ok'
  if (percent >= 90) return 'warn'
  return 'danger'
}

/** "Checked 3 providers: 1 healthy, 1 degraded, 1 unhealthy." */
export function checkAllSummary(results: ReadonlyArray<Pick<CheckResult, 'status'>>): string {
  if (results.length === 0) return 'There was no provider to check.'
  const order: HealthStatus[] = ['healthy', 'degraded', 'unhealthy', 'disabled', 'unknown']
  const counts = order
    .map((s) => [s, results.filter((r) => statusMeta(r.status).label === STATUS_META[s].label).length] as const)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${n} ${s}`)
  return `Checked ${unit(results.length, 'provider')}: ${counts.join(', ')}.`
}

/** "openai is degraded: 1 of 2 models healthy." — the live announcement of a finished run. */
export function runAnnouncement(label: string, c: Pick<CheckResult, 'status' | 'summary'>): string {
  return `${label} is ${statusMeta(c.status).label.toLowerCase()}: ${healthyOfTotal(c)}.`
}
