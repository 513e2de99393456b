import { afterEach, describe, expect, it } from 'vitest'
import type { ConfigDocument, Settings } from '../api/client'
import { previewImport } from './importPreview'
import { originError, proxyKeyError, settingsToForm, validateSettingsForm } from './settingsForm'
import { THEME_STORAGE_KEY, applyTheme, loadThemeChoice, resolveTheme, setThemeChoice } from './theme'

const SETTINGS: Settings = {
  proxy_keys: ['…abcd'],
  cors_origins: ['https://app.example.com'],
  max_body_bytes: 50 * 1024 * 1024,
  max_buffered_bytes: 256 * 1024 * 1024,
  log_bodies: true,
  log_retention_days: 7,
  log_retention_rows: 100000,
  history_retention_days: 30,
}

describe('settings form', () => {
  it('round-trips the stored settings into a valid PUT body', () => {
    const { errors, input } = validateSettingsForm(settingsToForm(SETTINGS))
    expect(errors).toEqual({})
    expect(input).toEqual({
      cors_origins: ['https://app.example.com'],
      max_body_bytes: SETTINGS.max_body_bytes,
      max_buffered_bytes: SETTINGS.max_buffered_bytes,
      log_bodies: true,
      log_retention_days: 7,
      log_retention_rows: 100000,
      history_retention_days: 30,
    })
  })

  it.each([
    ['corsOrigins', '*', /not allowed/],
    ['corsOrigins', 'https://a.example/path', /no path/],
    ['corsOrigins', 'ftp://a.example', /not an origin/],
    ['maxBodyMiB', '0', /Must be/],
    ['maxBodyMiB', 'lots', /size in MiB/],
    ['maxBufferedMiB', '10', /at least the request body limit/],
    ['logRetentionDays', '0', /1–3650/],
    ['logRetentionDays', '1.5', /whole number/],
    ['logRetentionRows', '99', /100–10000000/],
    ['historyRetentionDays', '4000', /1–3650/],
  ] as const)('refuses %s = %s', (field, value, message) => {
    const { errors, input } = validateSettingsForm({ ...settingsToForm(SETTINGS), [field]: value })
    expect(input).toBeNull()
    expect(errors[field]).toMatch(message)
  })

  it('accepts origins with a port and a trailing slash, one per line or comma', () => {
    expect(originError('http://localhost:3000')).toBeNull()
    expect(originError('https://app.example.com/')).toBeNull()
    const { input } = validateSettingsForm({ ...settingsToForm(SETTINGS), corsOrigins: 'http://localhost:3000\n\n https://b.example , https://c.example' })
    expect(input?.cors_origins).toEqual(['http://localhost:3000', 'https://b.example', 'https://c.example'])
  })

  it.each([
    ['', /Enter a key/],
    ['…abcd', /masked/],
    ['has space', /spaces/],
    ['zero\u200bwidth', /invisible/],
  ])('refuses the local key %j', (key, message) => {
    expect(proxyKeyError(key)).toMatch(message)
  })
  it('accepts an ordinary local key', () => {
    expect(proxyKeyError('sg-0123456789abcdef')).toBeNull()
  })
})

const CURRENT: ConfigDocument = {
  version: 1,
  providers: [
    { id: 1, key: 'openai', name: 'OpenAI', type: 'openai', base_url: 'https://api.openai.com/v1', enabled: true, translate: true, models: [{ alias: 'gpt', upstream: 'gpt-4o' }], headers: { 'OpenAI-Organization': '…g-1' }, connect_timeout_secs: 10, response_header_timeout_secs: 600, stream_idle_timeout_secs: 300, health_check_interval_secs: 0 },
    { id: 2, key: 'old', name: 'Old', type: 'openai', base_url: 'http://old/v1', enabled: true, translate: true, models: [], headers: {}, connect_timeout_secs: 10, response_header_timeout_secs: 600, stream_idle_timeout_secs: 300, health_check_interval_secs: 0 },
  ],
  settings: { ...SETTINGS, proxy_keys: null },
}

describe('previewImport', () => {
  it('an export of the same configuration changes nothing', () => {
    const r = previewImport(JSON.stringify(CURRENT), CURRENT)
    expect(r.ok && r.preview.empty).toBe(true)
    if (r.ok) expect(r.preview.unchanged).toEqual(['openai', 'old'])
  })

  it('lists providers created, updated (with the fields), deleted, and settings changed', () => {
    const doc = {
      version: 1,
      providers: [
        { ...CURRENT.providers![0], base_url: 'https://proxy.example/v1', models: [], headers: { 'OpenAI-Organization': 'org-real' }, api_key: 'sk-new' },
        { key: 'groq', type: 'openai', base_url: 'https://api.groq.com/openai/v1' },
      ],
      settings: { log_retention_days: 14, cors_origins: [], proxy_keys: ['k1'] },
    }
    const r = previewImport(JSON.stringify(doc), CURRENT)
    expect(r.ok).toBe(true)
    if (!r.ok) return
    expect(r.preview.created).toEqual(['groq'])
    // The masked stored header matches the file's real value: not a change.
    expect(r.preview.updated).toEqual([{ key: 'openai', fields: ['base_url', 'models', 'api_key'] }])
    expect(r.preview.deleted).toEqual(['old'])
    expect(r.preview.settings).toEqual([
      { field: 'cors_origins', from: 'https://app.example.com', to: '(none)' },
      { field: 'log_retention_days', from: '7', to: '14' },
    ])
    expect(r.preview.proxyKeys).toBe('replaced')
    expect(r.preview.withKeys).toEqual(['openai'])
    expect(r.preview.empty).toBe(false)
  })

  it.each([
    ['not json', /not valid JSON/],
    ['[]', /expected a JSON object/],
    ['{"version":2,"providers":[]}', /version is 2/],
    ['{"version":1}', /no "providers"/],
    ['{"version":1,"providers":[{"name":"x"}]}', /providers\[0\] has no key/],
  ])('refuses %s', (text, message) => {
    const r = previewImport(text, CURRENT)
    expect(r.ok).toBe(false)
    if (!r.ok) expect(r.error).toMatch(message)
  })
})

describe('theme', () => {
  afterEach(() => {
    localStorage.clear()
    delete document.documentElement.dataset.theme
  })

  it('resolves system from the OS preference and keeps an explicit choice', () => {
    expect(resolveTheme('system', true)).toBe('dark')
    expect(resolveTheme('system', false)).toBe('light')
    expect(resolveTheme('dark', false)).toBe('dark')
    expect(resolveTheme('light', true)).toBe('light')
  })

  it('stores the choice and sets <html data-theme>', () => {
    expect(loadThemeChoice()).toBe('system')
    setThemeChoice('dark')
    expect(localStorage.getItem(THEME_STORAGE_KEY)).toBe('dark')
    expect(document.documentElement.dataset.theme).toBe('dark')
    expect(loadThemeChoice()).toBe('dark')
    setThemeChoice('system')
    expect(localStorage.getItem(THEME_STORAGE_KEY)).toBeNull()
    expect(applyTheme('light')).toBe('light')
    expect(document.documentElement.dataset.theme).toBe('light')
  })

  it('ignores a stored value that is no theme', () => {
    localStorage.setItem(THEME_STORAGE_KEY, 'purple')
    expect(loadThemeChoice()).toBe('system')
  })
})
