// The Providers page's overview columns: each provider's last health check
// and its traffic over the last hour, reduced to what a row shows. Pure
// functions; the table only renders them.

import type { CheckResult, Provider, ProviderStats } from '../api/types'
import { NOT_CHECKED, formatMs, statusMeta, type StatusMeta } from './health'

export interface ProviderOverview {
  /** The health badge: one label, whatever the reason. */
  health: StatusMeta
  /** When the last check finished (RFC 3339); "" when never checked. */
  checkedAt: string
  /** "412 ms" — the last check's average over answered models; "" when none. */
  latency: string
  /** Requests over the window; null while stats are unknown. */
  requests: number | null
  /** "2.5%" of requests that failed; "" when no requests (or unknown). */
  errorRate: string
  /** True when errorRate is worth a warning colour (≥ 5 %). */
  errorRateHigh: boolean
  /** The last check's first failure, as the provider said it; "" when none. */
  lastError: string
}

/** The badge for a provider with no model aliases: saying "Unknown" hid the reason. */
export const NO_MODELS: StatusMeta = { label: 'No models mapped', tone: 'neutral' }

/**
 * The overview of provider p from its newest check (or undefined) and its
 * row of GET /stats (undefined when it had no traffic; statsKnown false
 * while the stats are loading or failed).
 */
export function providerOverview(
  p: Pick<Provider, 'enabled' | 'models'>,
  last: CheckResult | undefined,
  stats: ProviderStats | undefined,
  statsKnown: boolean,
): ProviderOverview {
  let health: StatusMeta
  if (!p.enabled) health = statusMeta('disabled')
  else if (p.models.length === 0) health = NO_MODELS
  else if (!last) health = NOT_CHECKED
  else health = statusMeta(last.status)

  const failure = last?.models.find((m) => m.status !== 'healthy' && m.error)
  const requests = statsKnown ? (stats?.requests ?? 0) : null
  const rate = stats && stats.requests > 0 ? (stats.errors / stats.requests) * 100 : null
  return {
    health,
    checkedAt: last?.checked_at ?? '',
    latency: last ? lastLatency(last) : '',
    requests,
    errorRate: rate === null ? '' : formatRate(rate),
    errorRateHigh: rate !== null && rate >= 5,
    lastError: failure?.error ? `${failure.model}: ${failure.error.message || failure.error.type}` : '',
  }
}

/** The average response time of the models that answered healthy; timeouts would only inflate it. */
function lastLatency(c: CheckResult): string {
  const ok = c.models.filter((m) => m.status === 'healthy')
  if (ok.length === 0) return ''
  return formatMs(ok.reduce((sum, m) => sum + m.response_time_ms, 0) / ok.length)
}

/** "0%", "0.4%", "12%", "100%". */
export function formatRate(percent: number): string {
  if (percent === 0) return '0%'
  if (percent < 10) return `${Math.max(0.1, Math.round(percent * 10) / 10)}%`
  return `${Math.round(percent)}%`
}

/** The message for a "Check now" that found a check already running. */
export function checkRunningText(label: string): string {
  return `A health check of ${label} is already running; its result appears here when it finishes.`
}
