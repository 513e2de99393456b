// What an import would change, computed before it is confirmed: the
// document is compared with the configuration stored now (an export
// without keys), by provider key as the server matches them.

import type { ConfigDocument } from '../api/client'

type Rec = Record<string, unknown>

export interface ProviderUpdate {
  key: string
  /** The fields that differ, e.g. ["base_url", "models"]. */
  fields: string[]
}

export interface SettingChange {
  field: string
  from: string
  to: string
}

export interface ImportPreview {
  created: string[]
  updated: ProviderUpdate[]
  deleted: string[]
  unchanged: string[]
  settings: SettingChange[]
  /** Providers whose document carries an API key (it replaces the stored one). */
  withKeys: string[]
  /** Local access keys: kept (absent or null in the document) or replaced. */
  proxyKeys: 'kept' | 'replaced'
  /** Nothing would change. */
  empty: boolean
}

export type ParsedImport = { ok: true; doc: Rec; preview: ImportPreview } | { ok: false; error: string }

function isRec(v: unknown): v is Rec {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/** The fields compared per provider, in the order shown. */
const PROVIDER_FIELDS = [
  'name',
  'type',
  'base_url',
  'enabled',
  'translate',
  'models',
  'headers',
  'connect_timeout_secs',
  'response_header_timeout_secs',
  'stream_idle_timeout_secs',
  'health_check_interval_secs',
] as const

/** What a provider field is when the document omits it (the server's defaults). */
const PROVIDER_DEFAULTS: Rec = {
  name: '',
  enabled: true,
  translate: true,
  models: [],
  headers: {},
  connect_timeout_secs: 10,
  response_header_timeout_secs: 600,
  stream_idle_timeout_secs: 300,
  health_check_interval_secs: 0,
}

const SETTING_FIELDS = [
  'cors_origins',
  'max_body_bytes',
  'max_buffered_bytes',
  'log_bodies',
  'log_retention_days',
  'log_retention_rows',
  'history_retention_days',
] as const

/** JSON with object keys sorted, so equal values compare equal. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`
  if (isRec(v)) {
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`)
      .join(',')}}`
  }
  return JSON.stringify(v ?? null)
}

function show(v: unknown): string {
  if (Array.isArray(v)) return v.length === 0 ? '(none)' : v.join(', ')
  return String(v)
}

/**
 * Header values are write-only: the stored ones read masked ("…abcd"), so
 * a masked stored value matches any incoming value of the same name (an
 * export with keys carries the real value, one without the same mask).
 */
function headersDiffer(next: unknown, old: unknown): boolean {
  const a = isRec(next) ? next : {}
  const b = isRec(old) ? old : {}
  const names = (r: Rec) => Object.keys(r).map((k) => k.toLowerCase()).sort().join('\n')
  if (names(a) !== names(b)) return true
  const lower = new Map(Object.entries(b).map(([k, v]) => [k.toLowerCase(), String(v)]))
  return Object.entries(a).some(([k, v]) => {
    const stored = lower.get(k.toLowerCase()) ?? ''
    return !stored.startsWith('…') && stored !== String(v)
  })
}

/** Parses an import file and previews it against current (GET /admin/v1/export). */
export function previewImport(text: string, current: ConfigDocument): ParsedImport {
  let doc: unknown
  try {
    doc = JSON.parse(text)
  } catch (err) {
    return { ok: false, error: `The file is not valid JSON (${err instanceof Error ? err.message : String(err)}).` }
  }
  if (!isRec(doc)) return { ok: false, error: 'The file is not a Sluicegate configuration: expected a JSON object.' }
  if (doc.version !== 1) {
    return { ok: false, error: `The file is not a Sluicegate export of format version 1 (its version is ${JSON.stringify(doc.version ?? null)}).` }
  }
  if (!Array.isArray(doc.providers)) return { ok: false, error: 'The file has no "providers" list.' }
  const incoming = doc.providers
  for (const [i, p] of incoming.entries()) {
    if (!isRec(p) || typeof p.key !== 'string' || p.key === '') return { ok: false, error: `providers[${i}] has no key.` }
  }
  if (doc.settings !== undefined && doc.settings !== null && !isRec(doc.settings)) {
    return { ok: false, error: '"settings" must be an object.' }
  }

  const stored = new Map<string, Rec>()
  for (const p of current.providers ?? []) stored.set(String(p.key), p as Rec)
  const preview: ImportPreview = {
    created: [],
    updated: [],
    deleted: [],
    unchanged: [],
    settings: [],
    withKeys: [],
    proxyKeys: 'kept',
    empty: true,
  }
  const seen = new Set<string>()
  for (const p of incoming as Rec[]) {
    const key = p.key as string
    seen.add(key)
    if (typeof p.api_key === 'string' && p.api_key !== '' && !p.api_key.startsWith('…')) preview.withKeys.push(key)
    const old = stored.get(key)
    if (!old) {
      preview.created.push(key)
      continue
    }
    const fields: string[] = PROVIDER_FIELDS.filter((f) => {
      const next = f in p ? p[f] : PROVIDER_DEFAULTS[f]
      if (f === 'headers') return headersDiffer(next, old[f])
      return canonical(next) !== canonical(old[f] ?? PROVIDER_DEFAULTS[f])
    })
    if (preview.withKeys.includes(key)) fields.push('api_key')
    if (fields.length > 0) preview.updated.push({ key, fields: [...fields] })
    else preview.unchanged.push(key)
  }
  for (const key of stored.keys()) if (!seen.has(key)) preview.deleted.push(key)

  const settings = isRec(doc.settings) ? doc.settings : {}
  const cur = (current.settings ?? {}) as Rec
  for (const f of SETTING_FIELDS) {
    if (!(f in settings) || settings[f] === null) continue // absent keeps the stored value
    if (canonical(settings[f]) !== canonical(cur[f])) preview.settings.push({ field: f, from: show(cur[f]), to: show(settings[f]) })
  }
  if (Array.isArray(settings.proxy_keys)) preview.proxyKeys = 'replaced'

  preview.empty =
    preview.created.length + preview.updated.length + preview.deleted.length + preview.settings.length === 0 &&
    preview.proxyKeys === 'kept'
  return { ok: true, doc, preview }
}
