// The provider form's state, its reducer, and the translation between the
// form and the admin API (API.md §3 "Providers"). Pure functions: the views
// only render this state and dispatch actions.

import type { DiscoverInput, DiscoverResult, ModelMapping, Preset, Provider, ProviderType, ProviderWrite } from '../api/types'
import { formatFailoverOn, formatPriority, parseFailoverOn, parsePriority } from './routing'

/** One editable row of a pair list: model map (alias → upstream) or headers (name → value). */
export interface PairRow {
  /** Stable identity for React keys and error targets; never sent. */
  id: number
  left: string
  right: string
  /** Model rows only: the route-group priority as typed ("" = none). */
  priority?: string
  /** Model rows only: the failover statuses as typed ("429, 529"). */
  failoverOn?: string
}

/** The parts of a row an input edits; priority and failoverOn exist on model rows only. */
export type RowSide = 'left' | 'right' | 'priority' | 'failoverOn'

export type PairList = 'models' | 'headers'

export interface ProviderFormValues {
  key: string
  name: string
  type: ProviderType
  baseUrl: string
  /** What the user typed; "" means "no new key". */
  apiKey: string
  /** The masked hint of the stored key ("…abcd"); "" when none is stored. */
  storedKey: string
  /** The user asked to clear the stored key. */
  removeKey: boolean
  enabled: boolean
  /** Translate requests of the other dialect (Anthropic ⇄ OpenAI) instead of refusing them. */
  translate: boolean
  models: PairRow[]
  headers: PairRow[]
  connectTimeout: string
  responseHeaderTimeout: string
  streamIdleTimeout: string
  healthInterval: string
}

export type TextField =
  | 'key'
  | 'name'
  | 'baseUrl'
  | 'apiKey'
  | 'connectTimeout'
  | 'responseHeaderTimeout'
  | 'streamIdleTimeout'
  | 'healthInterval'

/**
 * Errors by form target: a top-level target ("key", "baseUrl", "models",
 * "headers", …), a row target (`models.<rowId>.left`), or "form" for an
 * error no field owns.
 */
export type FormErrors = Record<string, string>

export interface ProviderFormState {
  values: ProviderFormValues
  errors: FormErrors
  /** The next PairRow id. */
  nextRowId: number
}

export const DEFAULT_TIMEOUTS = {
  connectTimeout: '10',
  responseHeaderTimeout: '600',
  streamIdleTimeout: '300',
  healthInterval: '0',
} as const

/** The API field that each top-level form field writes. */
export const API_FIELD: Record<TextField | 'type' | 'enabled' | 'translate', string> = {
  key: 'key',
  name: 'name',
  type: 'type',
  baseUrl: 'base_url',
  apiKey: 'api_key',
  enabled: 'enabled',
  translate: 'translate',
  connectTimeout: 'connect_timeout_secs',
  responseHeaderTimeout: 'response_header_timeout_secs',
  streamIdleTimeout: 'stream_idle_timeout_secs',
  healthInterval: 'health_check_interval_secs',
}

const FIELD_BY_API: Record<string, string> = Object.fromEntries(
  Object.entries(API_FIELD).map(([form, api]) => [api, form]),
)

export function rowTarget(list: PairList, rowId: number, side: RowSide): string {
  return `${list}.${rowId}.${side}`
}

function rows(pairs: Array<[string, string]>, firstId: number): PairRow[] {
  return pairs.map(([left, right], i) => ({ id: firstId + i, left, right }))
}

function state(values: ProviderFormValues): ProviderFormState {
  return { values, errors: {}, nextRowId: values.models.length + values.headers.length + 1 }
}

/** An empty form: OpenAI-compatible, enabled, one blank model row. */
export function emptyForm(): ProviderFormState {
  return state({
    key: '',
    name: '',
    type: 'openai',
    baseUrl: '',
    apiKey: '',
    storedKey: '',
    removeKey: false,
    enabled: true,
    translate: true,
    models: rows([['', '']], 1),
    headers: [],
    ...DEFAULT_TIMEOUTS,
  })
}

const KEY_RE = /^[a-z0-9][a-z0-9_-]{0,63}$/

/** A key that is not taken yet: `base`, else `base-2`, `base-3`, … */
export function suggestKey(base: string, taken: readonly string[]): string {
  let slug = base
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '-')
    .replace(/^[-_]+|[-_]+$/g, '')
    .slice(0, 60)
  if (!KEY_RE.test(slug)) slug = 'provider'
  const used = new Set(taken)
  if (!used.has(slug)) return slug
  for (let n = 2; ; n++) {
    const candidate = `${slug}-${n}`
    if (!used.has(candidate)) return candidate
  }
}

/** A new provider's form prefilled from a preset (type, base URL, suggested key and name). */
export function formFromPreset(preset: Preset | null, takenKeys: readonly string[]): ProviderFormState {
  const form = emptyForm()
  if (!preset) return form
  form.values = {
    ...form.values,
    key: suggestKey(preset.id, takenKeys),
    name: preset.name,
    type: preset.type,
    baseUrl: preset.base_url,
  }
  return form
}

/** The form for editing a stored provider. The API key input starts empty: the key is write-only. */
export function formFromProvider(p: Provider): ProviderFormState {
  const models: PairRow[] =
    p.models.length > 0
      ? p.models.map((m, i) => ({
          id: i + 1,
          left: m.alias,
          right: m.upstream,
          priority: formatPriority(m.priority),
          failoverOn: formatFailoverOn(m.failover_on),
        }))
      : rows([['', '']], 1)
  const headers = rows(
    Object.entries(p.headers).map(([k, v]): [string, string] => [k, v]),
    models.length + 1,
  )
  return state({
    key: p.key,
    name: p.name,
    type: p.type,
    baseUrl: p.base_url,
    apiKey: '',
    storedKey: p.api_key ?? '',
    removeKey: false,
    enabled: p.enabled,
    translate: p.translate,
    models,
    headers,
    connectTimeout: String(p.connect_timeout_secs),
    responseHeaderTimeout: String(p.response_header_timeout_secs),
    streamIdleTimeout: String(p.stream_idle_timeout_secs),
    healthInterval: String(p.health_check_interval_secs),
  })
}

// ---- Reducer ---------------------------------------------------------------

export type ProviderFormAction =
  | { type: 'set'; field: TextField; value: string }
  | { type: 'setType'; value: ProviderType }
  | { type: 'setEnabled'; value: boolean }
  | { type: 'setTranslate'; value: boolean }
  | { type: 'addRow'; list: PairList }
  | { type: 'removeRow'; list: PairList; id: number }
  | { type: 'setRow'; list: PairList; id: number; side: RowSide; value: string }
  | { type: 'toggleModel'; name: string; on: boolean }
  | { type: 'removeKey' }
  | { type: 'keepKey' }
  | { type: 'errors'; errors: FormErrors }
  | { type: 'reset'; state: ProviderFormState }

function without(errors: FormErrors, ...targets: string[]): FormErrors {
  if (!targets.some((t) => t in errors) && !('form' in errors)) return errors
  const next = { ...errors }
  for (const t of targets) delete next[t]
  // A general error is about the last attempt; editing anything answers it.
  delete next.form
  return next
}

export function providerFormReducer(s: ProviderFormState, a: ProviderFormAction): ProviderFormState {
  const v = s.values
  switch (a.type) {
    case 'set': {
      const values = { ...v, [a.field]: a.value }
      // Typing a new key supersedes "Remove key".
      if (a.field === 'apiKey' && a.value !== '') values.removeKey = false
      return { ...s, values, errors: without(s.errors, a.field) }
    }
    case 'setType':
      return { ...s, values: { ...v, type: a.value }, errors: without(s.errors, 'type') }
    case 'setEnabled':
      return { ...s, values: { ...v, enabled: a.value }, errors: without(s.errors, 'enabled') }
    case 'setTranslate':
      return { ...s, values: { ...v, translate: a.value }, errors: without(s.errors, 'translate') }
    case 'addRow':
      return {
        ...s,
        values: { ...v, [a.list]: [...v[a.list], { id: s.nextRowId, left: '', right: '' }] },
        nextRowId: s.nextRowId + 1,
      }
    case 'removeRow':
      return {
        ...s,
        values: { ...v, [a.list]: v[a.list].filter((r) => r.id !== a.id) },
        errors: without(s.errors, a.list, rowTarget(a.list, a.id, 'left'), rowTarget(a.list, a.id, 'right')),
      }
    case 'setRow':
      return {
        ...s,
        values: {
          ...v,
          [a.list]: v[a.list].map((r) => (r.id === a.id ? { ...r, [a.side]: a.value } : r)),
        },
        errors: without(s.errors, a.list, rowTarget(a.list, a.id, a.side)),
      }
    case 'toggleModel': {
      if (!a.on) {
        const kept = v.models.filter((r) => r.right.trim() !== a.name)
        // Keep one blank row to type into, as an empty form has.
        const models = kept.length > 0 ? kept : [{ id: s.nextRowId, left: '', right: '' }]
        return { ...s, values: { ...v, models }, nextRowId: s.nextRowId + 1, errors: without(s.errors, 'models') }
      }
      if (v.models.some((r) => r.right.trim() === a.name)) return s
      // The picked model fills the first blank row, so the empty row a new
      // form starts with does not linger above it.
      const blank = v.models.find(isBlank)
      const row = { id: blank?.id ?? s.nextRowId, left: a.name, right: a.name }
      const models = blank ? v.models.map((r) => (r.id === blank.id ? row : r)) : [...v.models, row]
      return { ...s, values: { ...v, models }, nextRowId: blank ? s.nextRowId : s.nextRowId + 1, errors: without(s.errors, 'models') }
    }
    case 'removeKey':
      return { ...s, values: { ...v, apiKey: '', removeKey: true }, errors: without(s.errors, 'apiKey') }
    case 'keepKey':
      return { ...s, values: { ...v, removeKey: false } }
    case 'errors':
      return { ...s, errors: a.errors }
    case 'reset':
      return a.state
  }
}

// ---- Form → API ------------------------------------------------------------

/** Where each element of the sent arrays/maps came from, to place the server's errors. */
export interface SentRows {
  /** Row id of models[i]. */
  models: number[]
  /** Row id by header name as sent. */
  headers: Record<string, number>
}

export type BuildResult =
  | { ok: true; body: ProviderWrite; sent: SentRows }
  | { ok: false; errors: FormErrors }

function isBlank(r: PairRow): boolean {
  return r.left.trim() === '' && r.right.trim() === ''
}

/**
 * The request body for POST (mode "create") or PUT (mode "replace"): every
 * field, except that `api_key` is sent only when the user typed a new key,
 * or as "" when they removed the stored one. Blank rows are dropped. The
 * only checks made here are those the body's types need (whole numbers, a
 * header name); the server validates the rest and names the field.
 */
export function buildProviderBody(values: ProviderFormValues): BuildResult {
  const errors: FormErrors = {}

  const models: ModelMapping[] = []
  const sentModels: number[] = []
  for (const r of values.models) {
    if (isBlank(r)) continue
    const m: ModelMapping = { alias: r.left.trim(), upstream: r.right.trim() }
    // priority and failover_on are sent only when set, so a plain map reads as before.
    const priority = parsePriority(r.priority ?? '')
    if (!priority.ok) errors[rowTarget('models', r.id, 'priority')] = priority.message
    else if (priority.value > 0) m.priority = priority.value
    const failover = parseFailoverOn(r.failoverOn ?? '')
    if (!failover.ok) errors[rowTarget('models', r.id, 'failoverOn')] = failover.message
    else if (failover.value.length > 0) {
      if (priority.ok && priority.value === 0) {
        errors[rowTarget('models', r.id, 'failoverOn')] = 'Give the row a priority: failover happens between the members of a route group.'
      } else m.failover_on = failover.value
    }
    models.push(m)
    sentModels.push(r.id)
  }

  const headers: Record<string, string> = {}
  const sentHeaders: Record<string, number> = {}
  for (const r of values.headers) {
    if (isBlank(r)) continue
    const name = r.left.trim()
    if (name === '') {
      errors[rowTarget('headers', r.id, 'left')] = 'Enter the header’s name, or remove the row.'
      continue
    }
    const dup = Object.keys(headers).find((k) => k.toLowerCase() === name.toLowerCase())
    if (dup !== undefined) {
      errors[rowTarget('headers', r.id, 'left')] = `“${name}” is already set above.`
      continue
    }
    headers[name] = r.right
    sentHeaders[name] = r.id
  }

  const numbers = {} as Record<
    'connectTimeout' | 'responseHeaderTimeout' | 'streamIdleTimeout' | 'healthInterval',
    number
  >
  for (const f of ['connectTimeout', 'responseHeaderTimeout', 'streamIdleTimeout', 'healthInterval'] as const) {
    const text = values[f].trim()
    if (!/^\d+$/.test(text)) {
      errors[f] = 'Enter a whole number of seconds.'
      continue
    }
    numbers[f] = Number(text)
  }

  if (Object.keys(errors).length > 0) return { ok: false, errors }

  const body: ProviderWrite = {
    key: values.key.trim(),
    name: values.name.trim(),
    type: values.type,
    base_url: values.baseUrl.trim(),
    enabled: values.enabled,
    translate: values.translate,
    models,
    headers,
    connect_timeout_secs: numbers.connectTimeout,
    response_header_timeout_secs: numbers.responseHeaderTimeout,
    stream_idle_timeout_secs: numbers.streamIdleTimeout,
    health_check_interval_secs: numbers.healthInterval,
  }
  const apiKey = apiKeyField(values)
  if (apiKey !== undefined) body.api_key = apiKey
  return { ok: true, body, sent: { models: sentModels, headers: sentHeaders } }
}

/** The write-only `api_key` to send: the typed key, "" to remove, or undefined to keep. */
export function apiKeyField(values: Pick<ProviderFormValues, 'apiKey' | 'removeKey'>): string | undefined {
  if (values.apiKey !== '') return values.apiKey
  if (values.removeKey) return ''
  return undefined
}

// ---- API error → form target -----------------------------------------------

const ROW_FIELD_RE = /^(models)\[(\d+)\](?:\.(alias|upstream|priority|failover_on)(?:\[\d+\])?)?$/

const MODEL_SIDE: Record<string, RowSide> = { alias: 'left', upstream: 'right', priority: 'priority', failover_on: 'failoverOn' }
const HEADER_FIELD_RE = /^headers(?:\.(.+)|\[(\d+)\](?:\.(name|value))?)$/

/**
 * Which form target the API's `field` names: "models[2].alias" → that row's
 * alias input; "headers.X-Name" → that header row's name input; "base_url"
 * → "baseUrl"; anything unknown → "form".
 */
export function errorTarget(field: string | undefined, sent: SentRows): string {
  if (!field) return 'form'
  const top = FIELD_BY_API[field]
  if (top !== undefined) return top
  if (field === 'models' || field === 'headers') return field

  const m = ROW_FIELD_RE.exec(field)
  if (m) {
    const rowId = sent.models[Number(m[2])]
    if (rowId === undefined) return 'models'
    return rowTarget('models', rowId, MODEL_SIDE[m[3] ?? 'alias'] ?? 'left')
  }

  const h = HEADER_FIELD_RE.exec(field)
  if (h) {
    if (h[1] !== undefined) {
      const name = h[1]
      const entry = Object.entries(sent.headers).find(([k]) => k.toLowerCase() === name.toLowerCase())
      return entry ? rowTarget('headers', entry[1], 'left') : 'headers'
    }
    const rowId = Object.values(sent.headers)[Number(h[2])]
    if (rowId === undefined) return 'headers'
    return rowTarget('headers', rowId, h[3] === 'value' ? 'right' : 'left')
  }
  return 'form'
}

/** The form errors for one API error: the message at the field it names. */
export function errorsFromApi(err: { message: string; field?: string | undefined }, sent: SentRows): FormErrors {
  const target = errorTarget(err.field, sent)
  // Shown next to the input, "base_url: must be …" reads better as "Must be …".
  let message = err.message
  const prefix = `${err.field}: `
  if (err.field && target !== 'form' && message.startsWith(prefix) && message.length > prefix.length) {
    const rest = message.slice(prefix.length)
    message = rest.charAt(0).toUpperCase() + rest.slice(1)
  }
  return { [target]: message }
}

/** The rows a fresh "sent" map knows nothing about (before the first submit). */
export const NOTHING_SENT: SentRows = { models: [], headers: {} }

/** Provider type labels for badges and the type selector. */
export const TYPE_LABEL: Record<ProviderType, string> = {
  openai: 'OpenAI-compatible',
  anthropic: 'Anthropic',
}

// ---- Models to pick, test connection -----------------------------------------

/** The upstream names the form maps (its rows' right side), for the pick list's checkboxes. */
export function pickedModels(values: Pick<ProviderFormValues, 'models'>): Set<string> {
  return new Set(values.models.map((r) => r.right.trim()).filter((n) => n !== ''))
}

/** True when the form maps at least one model (a row with an alias or an upstream name). */
export function hasModels(values: Pick<ProviderFormValues, 'models'>): boolean {
  return values.models.some((r) => !isBlank(r))
}

/** The names to offer as checkboxes: the upstream's own list once fetched, else the preset's typical models. */
export function pickList(presetModels: readonly string[], discovered: readonly string[] | null): string[] {
  return [...new Set(discovered ?? presetModels)]
}

/**
 * The body of POST /providers/discover for what the form holds now: the
 * unsaved type, base URL, typed key and headers; with `id` when editing, so
 * the stored key is used unless a new one was typed.
 */
export function discoverBody(values: ProviderFormValues, id?: number): DiscoverInput {
  const body: DiscoverInput = { type: values.type, base_url: values.baseUrl.trim() }
  if (id !== undefined) body.id = id
  const key = apiKeyField(values)
  if (key !== undefined && key !== '') body.api_key = key
  const headers: Record<string, string> = {}
  for (const r of values.headers) {
    if (r.left.trim() !== '') headers[r.left.trim()] = r.right
  }
  if (Object.keys(headers).length > 0 || id !== undefined) body.headers = headers
  return body
}

export type Tone = 'ok' | 'danger'

/** One line that says what "Test connection" found, with the provider's own error message. */
export function discoverSummary(r: DiscoverResult): { tone: Tone; text: string } {
  const took = `${Math.round(r.latency_ms)} ms`
  if (!r.reachable) {
    return { tone: 'danger', text: `Not reachable after ${took}: ${r.error?.message || 'no response'}` }
  }
  if (r.error || (r.status_code !== null && (r.status_code < 200 || r.status_code > 299))) {
    const status = r.status_code === null ? 'an error' : `HTTP ${r.status_code}`
    return { tone: 'danger', text: `Reachable, but it answered ${status} in ${took}: ${r.error?.message || 'no message'}` }
  }
  const n = r.models.length
  return { tone: 'ok', text: `Connected: HTTP ${r.status_code ?? 200} in ${took}, ${n} ${n === 1 ? 'model' : 'models'} listed.` }
}

const SUGGESTION_RE = /use "([^"]+)"\s*$/

/**
 * The base URL the API suggests when it refuses one that ends in an
 * endpoint path ("… which Sluicegate appends itself; use "https://…/v1""),
 * or "" when the message suggests none.
 */
export function suggestedBaseUrl(message: string | undefined): string {
  if (!message) return ''
  return SUGGESTION_RE.exec(message)?.[1] ?? ''
}
