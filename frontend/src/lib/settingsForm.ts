// The Settings form: text fields from the stored settings, validation with
// the server's ranges (API.md §3 settings), and the PUT body.

import type { Settings, SettingsInput } from '../api/client'

const MiB = 1024 * 1024

/** The server's ranges (service/settings.go). */
export const LIMITS = {
  maxBodyBytes: [1024, 1024 * MiB],
  maxBufferedBytes: [MiB, 64 * 1024 * MiB],
  logRetentionDays: [1, 3650],
  logRetentionRows: [100, 10_000_000],
  historyRetentionDays: [1, 3650],
} as const

export interface SettingsFormValues {
  /** One origin per line. */
  corsOrigins: string
  maxBodyMiB: string
  maxBufferedMiB: string
  logBodies: boolean
  logRetentionDays: string
  logRetentionRows: string
  historyRetentionDays: string
}

export type SettingsFormErrors = Partial<Record<keyof SettingsFormValues, string>>

/** Bytes as MiB for a text field: whole numbers plain, else up to 3 decimals. */
export function bytesToMiB(bytes: number): string {
  return String(Math.round((bytes / MiB) * 1000) / 1000)
}

export function settingsToForm(s: Settings): SettingsFormValues {
  return {
    corsOrigins: (s.cors_origins ?? []).join('\n'),
    maxBodyMiB: bytesToMiB(s.max_body_bytes),
    maxBufferedMiB: bytesToMiB(s.max_buffered_bytes ?? s.max_body_bytes),
    logBodies: s.log_bodies,
    logRetentionDays: String(s.log_retention_days),
    logRetentionRows: String(s.log_retention_rows),
    historyRetentionDays: String(s.history_retention_days),
  }
}

/** The origins of the text area, blank lines dropped. */
export function parseOrigins(text: string): string[] {
  return text
    .split(/[\n,]/)
    .map((s) => s.trim())
    .filter((s) => s !== '')
}

/** Why origin is not a browser origin (scheme://host[:port]), or null. */
export function originError(origin: string): string | null {
  if (origin === '*') return '"*" is not allowed: any web page could then use your providers. List each origin.'
  let u: URL
  try {
    u = new URL(origin)
  } catch {
    return `${origin} is not an origin like https://app.example.com or http://localhost:3000.`
  }
  const bare = u.pathname === '/' && !u.search && !u.hash && !u.username && !u.password
  if ((u.protocol !== 'http:' && u.protocol !== 'https:') || !u.host || !bare) {
    return `${origin} is not an origin like https://app.example.com or http://localhost:3000 (no path).`
  }
  return null
}

function integer(text: string, [lo, hi]: readonly [number, number], unit: string): { value?: number; error?: string } {
  const t = text.trim()
  if (!/^\d+$/.test(t)) return { error: `Enter a whole number of ${unit} (${lo}–${hi}).` }
  const n = Number(t)
  if (n < lo || n > hi) return { error: `Must be ${lo}–${hi} ${unit}.` }
  return { value: n }
}

function mebibytes(text: string, [lo, hi]: readonly [number, number]): { value?: number; error?: string } {
  const t = text.trim()
  const range = `${bytesToMiB(lo)}–${bytesToMiB(hi)} MiB`
  if (!/^\d+(\.\d+)?$/.test(t)) return { error: `Enter a size in MiB (${range}).` }
  const bytes = Math.round(Number(t) * MiB)
  if (bytes < lo || bytes > hi) return { error: `Must be ${range}.` }
  return { value: bytes }
}

export interface ValidatedSettings {
  errors: SettingsFormErrors
  /** The PUT body when there are no errors. */
  input: SettingsInput | null
}

/** Checks the form against the server's ranges and builds the PUT body
 * (proxy keys are not part of it: they are changed on their own). */
export function validateSettingsForm(v: SettingsFormValues): ValidatedSettings {
  const errors: SettingsFormErrors = {}
  const origins = parseOrigins(v.corsOrigins)
  const bad = origins.map(originError).find((e) => e !== null)
  if (bad) errors.corsOrigins = bad
  const body = mebibytes(v.maxBodyMiB, LIMITS.maxBodyBytes)
  if (body.error) errors.maxBodyMiB = body.error
  const buffered = mebibytes(v.maxBufferedMiB, LIMITS.maxBufferedBytes)
  if (buffered.error) errors.maxBufferedMiB = buffered.error
  else if (body.value !== undefined && buffered.value !== undefined && buffered.value < body.value) {
    // The total must hold one request of the largest allowed size.
    errors.maxBufferedMiB = 'Must be at least the request body limit, or such a request could never be served.'
  }
  const logDays = integer(v.logRetentionDays, LIMITS.logRetentionDays, 'days')
  if (logDays.error) errors.logRetentionDays = logDays.error
  const logRows = integer(v.logRetentionRows, LIMITS.logRetentionRows, 'rows')
  if (logRows.error) errors.logRetentionRows = logRows.error
  const histDays = integer(v.historyRetentionDays, LIMITS.historyRetentionDays, 'days')
  if (histDays.error) errors.historyRetentionDays = histDays.error
  if (Object.keys(errors).length > 0) return { errors, input: null }
  return {
    errors,
    input: {
      cors_origins: origins,
      max_body_bytes: body.value!,
      max_buffered_bytes: buffered.value!,
      log_bodies: v.logBodies,
      log_retention_days: logDays.value!,
      log_retention_rows: logRows.value!,
      history_retention_days: histDays.value!,
    },
  }
}

/** Maps a server field (e.g. "cors_origins[1]") to the form field it belongs to. */
export function formFieldOf(serverField: string | undefined): keyof SettingsFormValues | null {
  const name = (serverField ?? '').replace(/\[\d+\]$/, '')
  const map: Record<string, keyof SettingsFormValues> = {
    cors_origins: 'corsOrigins',
    max_body_bytes: 'maxBodyMiB',
    max_buffered_bytes: 'maxBufferedMiB',
    log_bodies: 'logBodies',
    log_retention_days: 'logRetentionDays',
    log_retention_rows: 'logRetentionRows',
    history_retention_days: 'historyRetentionDays',
  }
  return map[name] ?? null
}

/** Why a new local access key would be refused, or null. */
export function proxyKeyError(key: string): string | null {
  if (key === '') return 'Enter a key.'
  if (key.startsWith('…')) return 'That is a masked key; enter the full key.'
  if (key.length > 4096) return 'A key has at most 4096 characters.'
  if (/[\s\p{Cc}\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]/u.test(key)) {
    return 'A key must not contain spaces, line breaks or invisible characters.'
  }
  return null
}

/** A random key for "Generate": 32 hex characters from the system's CSPRNG. */
export function generateProxyKey(): string {
  const bytes = new Uint8Array(16)
  crypto.getRandomValues(bytes)
  return 'sg-' + Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')
}
