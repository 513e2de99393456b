import { describe, expect, it } from 'vitest'
import type { Preset } from '../api/types'
import { PROVIDER } from '../test/helpers'
import {
  apiKeyField,
  buildProviderBody,
  discoverBody,
  discoverSummary,
  emptyForm,
  errorTarget,
  errorsFromApi,
  formFromPreset,
  formFromProvider,
  hasModels,
  pickList,
  pickedModels,
  providerFormReducer,
  rowTarget,
  suggestKey,
  suggestedBaseUrl,
  type ProviderFormState,
} from './providerForm'

const OPENAI: Preset = {
  id: 'openai',
  name: 'OpenAI',
  type: 'openai',
  base_url: 'https://api.openai.com/v1',
  local: false,
  key_hint: 'sk-…',
  models: ['gpt-4o', 'gpt-4o-mini'],
}
const ANTHROPIC: Preset = { id: 'anthropic', name: 'Anthropic', type: 'anthropic', base_url: 'https://api.anthropic.com', local: false, models: [] }

function apply(s: ProviderFormState, ...actions: Parameters<typeof providerFormReducer>[1][]): ProviderFormState {
  return actions.reduce(providerFormReducer, s)
}

function built(s: ProviderFormState) {
  const r = buildProviderBody(s.values)
  if (!r.ok) throw new Error(`not ok: ${JSON.stringify(r.errors)}`)
  return r
}

describe('preset prefill', () => {
  it('fills type, base URL, name and the preset id as key', () => {
    const v = formFromPreset(ANTHROPIC, []).values
    expect(v).toMatchObject({ key: 'anthropic', name: 'Anthropic', type: 'anthropic', baseUrl: 'https://api.anthropic.com' })
    expect(v.enabled).toBe(true)
    expect(v.apiKey).toBe('')
    expect(v.models).toHaveLength(1)
    expect(v).toMatchObject({ connectTimeout: '10', responseHeaderTimeout: '600', streamIdleTimeout: '300', healthInterval: '0' })
  })

  it('suggests a key that is not taken yet', () => {
    expect(formFromPreset(OPENAI, ['openai']).values.key).toBe('openai-2')
    expect(suggestKey('openai', ['openai', 'openai-2'])).toBe('openai-3')
    expect(suggestKey('LM Studio', [])).toBe('lm-studio')
    expect(suggestKey('!!!', [])).toBe('provider')
  })

  it('"Custom" (null) starts empty and OpenAI-compatible', () => {
    const v = formFromPreset(null, ['openai']).values
    expect(v).toMatchObject({ key: '', name: '', type: 'openai', baseUrl: '' })
  })
})

describe('buildProviderBody', () => {
  it('sends every field of a new provider, without blank rows, and the typed key', () => {
    const s = apply(
      formFromPreset(OPENAI, []),
      { type: 'set', field: 'apiKey', value: 'sk-test-1234' },
      { type: 'setRow', list: 'models', id: 1, side: 'left', value: ' gpt-4o ' },
      { type: 'setRow', list: 'models', id: 1, side: 'right', value: 'gpt-4o-2024-08-06' },
      { type: 'addRow', list: 'models' },
      { type: 'addRow', list: 'headers' },
      { type: 'setRow', list: 'headers', id: 3, side: 'left', value: 'OpenAI-Organization' },
      { type: 'setRow', list: 'headers', id: 3, side: 'right', value: 'org-1' },
    )
    const r = built(s)
    expect(r.body).toEqual({
      key: 'openai',
      name: 'OpenAI',
      type: 'openai',
      base_url: 'https://api.openai.com/v1',
      api_key: 'sk-test-1234',
      enabled: true,
      translate: true,
      models: [{ alias: 'gpt-4o', upstream: 'gpt-4o-2024-08-06' }],
      headers: { 'OpenAI-Organization': 'org-1' },
      connect_timeout_secs: 10,
      response_header_timeout_secs: 600,
      stream_idle_timeout_secs: 300,
      health_check_interval_secs: 0,
    })
    expect(r.sent).toEqual({ models: [1], headers: { 'OpenAI-Organization': 3 } })
  })

  it('translate is on by default, follows the switch, and an edit form starts from the stored value', () => {
    expect(formFromPreset(OPENAI, []).values.translate).toBe(true)
    const off = apply(formFromPreset(OPENAI, []), { type: 'setTranslate', value: false })
    expect(off.values.translate).toBe(false)
    expect(buildProviderBody({ ...off.values, key: 'x', baseUrl: 'http://127.0.0.1:1/v1' })).toMatchObject({
      ok: true,
      body: { translate: false },
    })
    expect(formFromProvider({ ...PROVIDER, translate: false }).values.translate).toBe(false)
  })

  it('reports a non-numeric timeout and a header without a name locally', () => {
    const s = apply(
      emptyForm(),
      { type: 'set', field: 'connectTimeout', value: '10s' },
      { type: 'addRow', list: 'headers' },
      { type: 'setRow', list: 'headers', id: 2, side: 'right', value: 'x' },
    )
    const r = buildProviderBody(s.values)
    expect(r.ok).toBe(false)
    if (r.ok) return
    expect(Object.keys(r.errors).sort()).toEqual(['connectTimeout', rowTarget('headers', 2, 'left')])
  })
})

describe('api_key is write-only', () => {
  it('is omitted when editing and nothing was typed', () => {
    const r = built(formFromProvider(PROVIDER))
    expect(r.body).not.toHaveProperty('api_key')
    expect(r.body.models).toEqual(PROVIDER.models)
    expect(r.body.headers).toEqual(PROVIDER.headers)
  })

  it('the edit form never holds the masked value, only shows it as the stored hint', () => {
    const v = formFromProvider(PROVIDER).values
    expect(v.apiKey).toBe('')
    expect(v.storedKey).toBe('…abcd')
  })

  it('is the new key when one was typed', () => {
    const r = built(apply(formFromProvider(PROVIDER), { type: 'set', field: 'apiKey', value: 'sk-new' }))
    expect(r.body.api_key).toBe('sk-new')
  })

  it('is "" after "Remove key", and omitted again after "Keep it"', () => {
    const removed = apply(formFromProvider(PROVIDER), { type: 'removeKey' })
    expect(built(removed).body.api_key).toBe('')
    expect(built(apply(removed, { type: 'keepKey' })).body).not.toHaveProperty('api_key')
  })

  it('typing a key after "Remove key" sends the typed key', () => {
    const s = apply(formFromProvider(PROVIDER), { type: 'removeKey' }, { type: 'set', field: 'apiKey', value: 'sk-2' })
    expect(s.values.removeKey).toBe(false)
    expect(apiKeyField(s.values)).toBe('sk-2')
  })

  it('is omitted for a new provider without a key', () => {
    expect(built(formFromPreset(OPENAI, [])).body).not.toHaveProperty('api_key')
  })
})

describe('API errors land on the field they name', () => {
  const sent = { models: [4, 9, 12], headers: { 'X-One': 5, 'X-Two': 6 } }

  it('maps top-level fields to their inputs', () => {
    expect(errorTarget('base_url', sent)).toBe('baseUrl')
    expect(errorTarget('key', sent)).toBe('key')
    expect(errorTarget('api_key', sent)).toBe('apiKey')
    expect(errorTarget('connect_timeout_secs', sent)).toBe('connectTimeout')
    expect(errorTarget('response_header_timeout_secs', sent)).toBe('responseHeaderTimeout')
    expect(errorTarget('stream_idle_timeout_secs', sent)).toBe('streamIdleTimeout')
    expect(errorTarget('health_check_interval_secs', sent)).toBe('healthInterval')
    expect(errorTarget('models', sent)).toBe('models')
    expect(errorTarget('headers', sent)).toBe('headers')
  })

  it('maps models[i].alias / .upstream to the row that was sent at index i', () => {
    expect(errorTarget('models[1].alias', sent)).toBe('models.9.left')
    expect(errorTarget('models[2].upstream', sent)).toBe('models.12.right')
    expect(errorTarget('models[0]', sent)).toBe('models.4.left')
    expect(errorTarget('models[7].alias', sent)).toBe('models')
  })

  it('maps headers.NAME to that header row, case-insensitively', () => {
    expect(errorTarget('headers.X-Two', sent)).toBe('headers.6.left')
    expect(errorTarget('headers.x-one', sent)).toBe('headers.5.left')
    expect(errorTarget('headers.Bad Name', sent)).toBe('headers')
  })

  it('puts an error without a known field on the form', () => {
    expect(errorTarget(undefined, sent)).toBe('form')
    expect(errorTarget('surprise', sent)).toBe('form')
  })

  it('drops the "field: " prefix of the message shown at the field', () => {
    expect(errorsFromApi({ field: 'base_url', message: 'base_url: must be an absolute http(s) URL' }, sent)).toEqual({
      baseUrl: 'Must be an absolute http(s) URL',
    })
    expect(errorsFromApi({ message: 'database is busy' }, sent)).toEqual({ form: 'database is busy' })
  })

  it('a 409 on an alias after a blank row was skipped still lands on the right row', () => {
    // Rows: 1 blank (dropped), 2 "a", 3 "b" → sent models[1] is row 3.
    const s = apply(
      emptyForm(),
      { type: 'addRow', list: 'models' },
      { type: 'addRow', list: 'models' },
      { type: 'setRow', list: 'models', id: 2, side: 'left', value: 'a' },
      { type: 'setRow', list: 'models', id: 2, side: 'right', value: 'a-up' },
      { type: 'setRow', list: 'models', id: 3, side: 'left', value: 'b' },
      { type: 'setRow', list: 'models', id: 3, side: 'right', value: 'b-up' },
    )
    const r = built(s)
    expect(errorsFromApi({ field: 'models[1].alias', message: 'alias "b" is already served' }, r.sent)).toEqual({
      'models.3.left': 'alias "b" is already served',
    })
  })

  it('editing a field clears its error and keeps the others; the input is kept', () => {
    let s = apply(emptyForm(), { type: 'set', field: 'baseUrl', value: 'ftp://x' }, { type: 'set', field: 'key', value: 'k' })
    s = apply(s, { type: 'errors', errors: { baseUrl: 'bad', 'models.1.left': 'dup' } })
    expect(s.values.baseUrl).toBe('ftp://x')
    s = apply(s, { type: 'set', field: 'baseUrl', value: 'http://x' })
    expect(s.errors).toEqual({ 'models.1.left': 'dup' })
    s = apply(s, { type: 'removeRow', list: 'models', id: 1 })
    expect(s.errors).toEqual({})
    expect(s.values.key).toBe('k')
  })
})

describe('model picking, discover and the base URL suggestion', () => {
  it('toggleModel fills the blank row first, adds further rows, and unticking removes them', () => {
    let s = formFromPreset(OPENAI, [])
    s = apply(s, { type: 'toggleModel', name: 'gpt-4o', on: true }, { type: 'toggleModel', name: 'gpt-4o-mini', on: true })
    expect(s.values.models.map((r) => [r.left, r.right])).toEqual([
      ['gpt-4o', 'gpt-4o'],
      ['gpt-4o-mini', 'gpt-4o-mini'],
    ])
    expect([...pickedModels(s.values)]).toEqual(['gpt-4o', 'gpt-4o-mini'])
    // Ticking twice does not add a duplicate row.
    expect(apply(s, { type: 'toggleModel', name: 'gpt-4o', on: true }).values.models).toHaveLength(2)
    s = apply(s, { type: 'toggleModel', name: 'gpt-4o', on: false }, { type: 'toggleModel', name: 'gpt-4o-mini', on: false })
    // One blank row stays to type into.
    expect(s.values.models.map((r) => [r.left, r.right])).toEqual([['', '']])
    expect(hasModels(s.values)).toBe(false)
  })

  it('pickList prefers the upstream’s list over the preset’s typical models', () => {
    expect(pickList(['a', 'b'], null)).toEqual(['a', 'b'])
    expect(pickList(['a', 'b'], ['x', 'x', 'y'])).toEqual(['x', 'y'])
    expect(pickList(['a'], [])).toEqual([])
  })

  it('discoverBody sends the unsaved connection, the typed key and the headers; with id when editing', () => {
    let s = formFromPreset(OPENAI, [])
    s = apply(s, { type: 'set', field: 'apiKey', value: 'sk-typed' }, { type: 'addRow', list: 'headers' })
    const header = s.values.headers[0]!
    s = apply(s, { type: 'setRow', list: 'headers', id: header.id, side: 'left', value: 'X-Org' }, { type: 'setRow', list: 'headers', id: header.id, side: 'right', value: 'o1' })
    expect(discoverBody(s.values)).toEqual({ type: 'openai', base_url: 'https://api.openai.com/v1', api_key: 'sk-typed', headers: { 'X-Org': 'o1' } })
    // Editing without a new key: the stored one is used (no api_key sent).
    expect(discoverBody(formFromProvider(PROVIDER).values, 7)).toEqual({
      id: 7,
      type: 'openai',
      base_url: 'https://api.openai.com/v1',
      headers: { 'OpenAI-Organization': 'org-1' },
    })
  })

  it.each([
    [{ reachable: true, status_code: 200, latency_ms: 41.6, models: [{ id: 'a' }, { id: 'b' }], error: null }, 'ok', 'Connected: HTTP 200 in 42 ms, 2 models listed.'],
    [
      { reachable: true, status_code: 401, latency_ms: 12, models: [], error: { type: 'upstream_error' as const, message: 'Incorrect API key provided' } },
      'danger',
      'Reachable, but it answered HTTP 401 in 12 ms: Incorrect API key provided',
    ],
    [
      { reachable: false, status_code: null, latency_ms: 3, models: [], error: { type: 'connect_error' as const, message: 'connection refused' } },
      'danger',
      'Not reachable after 3 ms: connection refused',
    ],
  ])('discoverSummary %#', (r, tone, text) => {
    expect(discoverSummary(r)).toEqual({ tone, text })
  })

  it('suggestedBaseUrl reads the base URL the API suggests', () => {
    // The message as service/validate.go words it (after the field prefix is dropped).
    const msg =
      'Must be the API\'s base URL, not an endpoint: it ends in /chat/completions, which Sluicegate appends itself; use "https://api.example.com/v1"'
    expect(suggestedBaseUrl(msg)).toBe('https://api.example.com/v1')
    expect(suggestedBaseUrl('Must be an absolute http:// or https:// URL')).toBe('')
    expect(suggestedBaseUrl(undefined)).toBe('')
  })
})

describe('route group fields (priority, failover_on) in the model map', () => {
  const grouped = {
    ...PROVIDER,
    models: [
      { alias: 'claude-*', upstream: 'anthropic/claude-*', priority: 1, failover_on: [429, 529] },
      { alias: 'fast', upstream: 'gpt-4o-mini' },
    ],
  }

  it('loads priority and failover_on into the rows and sends them back unchanged', () => {
    const s = formFromProvider(grouped)
    expect(s.values.models.map((r) => [r.left, r.right, r.priority, r.failoverOn])).toEqual([
      ['claude-*', 'anthropic/claude-*', '1', '429, 529'],
      ['fast', 'gpt-4o-mini', '', ''],
    ])
    // A row without them sends neither field, as before groups existed.
    expect(built(s).body.models).toEqual(grouped.models)
  })

  it('reads what the user typed: priority as a number, statuses as a list', () => {
    const s = apply(
      formFromProvider(PROVIDER),
      { type: 'setRow', list: 'models', id: 2, side: 'priority', value: ' 20 ' },
      { type: 'setRow', list: 'models', id: 2, side: 'failoverOn', value: '429,503 529' },
    )
    expect(built(s).body.models?.[1]).toEqual({ alias: 'mini', upstream: 'gpt-4o-mini', priority: 20, failover_on: [429, 503, 529] })
  })

  it('refuses bad statuses and priorities at their row, with a clear message, before sending', () => {
    const s = apply(
      formFromProvider(PROVIDER),
      { type: 'setRow', list: 'models', id: 1, side: 'priority', value: '0' },
      { type: 'setRow', list: 'models', id: 2, side: 'priority', value: '2' },
      { type: 'setRow', list: 'models', id: 2, side: 'failoverOn', value: '429, 200' },
    )
    const r = buildProviderBody(s.values)
    expect(r.ok).toBe(false)
    if (r.ok) return
    expect(r.errors).toEqual({
      [rowTarget('models', 1, 'priority')]: 'Enter a whole number from 1 to 1000, or leave it blank.',
      [rowTarget('models', 2, 'failoverOn')]: '200 is not an error status: only 400–599 can pass a request on.',
    })
  })

  it('asks for a priority before failover statuses (failover is between group members)', () => {
    const s = apply(formFromProvider(PROVIDER), { type: 'setRow', list: 'models', id: 1, side: 'failoverOn', value: '429' })
    const r = buildProviderBody(s.values)
    expect(r.ok).toBe(false)
    if (!r.ok) expect(r.errors['models.1.failoverOn']).toMatch(/Give the row a priority/)
  })

  it('editing the field clears its error', () => {
    let s = apply(formFromProvider(PROVIDER), { type: 'errors', errors: { 'models.1.failoverOn': 'bad' } })
    s = apply(s, { type: 'setRow', list: 'models', id: 1, side: 'failoverOn', value: '429' })
    expect(s.errors).toEqual({})
  })

  it('puts the server’s models[i].priority / .failover_on errors (400 and 409) at that row’s input', () => {
    const sent = { models: [4, 9], headers: {} }
    expect(errorTarget('models[1].priority', sent)).toBe('models.9.priority')
    expect(errorTarget('models[0].failover_on', sent)).toBe('models.4.failoverOn')
    expect(errorTarget('models[0].failover_on[2]', sent)).toBe('models.4.failoverOn')
    expect(
      errorsFromApi({ field: 'models[1].failover_on', message: 'models[1].failover_on: needs a priority' }, sent),
    ).toEqual({ 'models.9.failoverOn': 'Needs a priority' })
  })
})
