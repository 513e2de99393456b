import { describe, expect, it } from 'vitest'
import {
  ApiError,
  checkAllProviders,
  checkProvider,
  createProvider,
  getHealthHistory,
  getHealthSummary,
  deleteProvider,
  getProvider,
  getStatus,
  listLogs,
  listPresets,
  listServerLog,
  toLiveServerLog,
  listProviders,
  patchProvider,
  replaceProvider,
  request,
} from './client'
import { CHECK_DEGRADED, CHECK_HEALTHY, PRESETS, PROVIDER, STATUS, SUMMARY, jsonResponse, sentBody, stubFetch } from '../test/helpers'

describe('getStatus', () => {
  it('returns the typed status from GET /admin/v1/status', async () => {
    const fetchMock = stubFetch(async () => jsonResponse(STATUS))
    await expect(getStatus()).resolves.toEqual(STATUS)
    expect(fetchMock).toHaveBeenCalledTimes(1)
    const [url, init] = fetchMock.mock.calls[0] ?? []
    expect(url).toBe('/admin/v1/status')
    expect(new Headers(init?.headers).get('Accept')).toBe('application/json')
  })

  it('rejects a 200 body without the expected fields', async () => {
    stubFetch(async () => jsonResponse({ version: '0.1.0' }))
    const err = await getStatus().catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ApiError)
    expect(err).toMatchObject({ status: 200, code: 'invalid_response' })
  })
})

describe('request', () => {
  it('turns an admin error body into an ApiError with status, code, message and field', async () => {
    stubFetch(async () =>
      jsonResponse(
        { error: { code: 'invalid_field', message: 'timeout_secs must be 1..120', field: 'timeout_secs' } },
        400,
      ),
    )
    const err = await request('/providers/1/health', { method: 'POST' }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ApiError)
    expect(err).toBeInstanceOf(Error)
    expect(err).toMatchObject({
      status: 400,
      code: 'invalid_field',
      message: 'timeout_secs must be 1..120',
      field: 'timeout_secs',
    })
  })

  it('leaves field undefined when the error body has none', async () => {
    stubFetch(async () => jsonResponse({ error: { code: 'unauthorized', message: 'admin token required' } }, 401))
    const err = await request('/status').catch((e: unknown) => e)
    expect(err).toMatchObject({ status: 401, code: 'unauthorized', message: 'admin token required' })
    expect((err as ApiError).field).toBeUndefined()
  })

  it('describes a non-JSON error body by its HTTP status', async () => {
    stubFetch(async () => new Response('<html>bad gateway</html>', { status: 502, statusText: 'Bad Gateway' }))
    const err = await request('/status').catch((e: unknown) => e)
    expect(err).toMatchObject({ status: 502, code: 'http_error' })
    expect((err as ApiError).message).toContain('502')
  })

  it('maps a network failure to status 0 and code network_error', async () => {
    stubFetch(() => Promise.reject(new TypeError('Failed to fetch')))
    const err = await request('/status').catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ApiError)
    expect(err).toMatchObject({ status: 0, code: 'network_error' })
    expect((err as ApiError).message).toMatch(/Could not reach the Sluicegate server/)
  })

  it('returns undefined for an empty success body (204)', async () => {
    stubFetch(async () => new Response(null, { status: 204 }))
    await expect(request('/logs', { method: 'DELETE' })).resolves.toBeUndefined()
  })
})

describe('providers API', () => {
  it('lists providers, filling absent key hints, models and headers', async () => {
    const { api_key: _omitted, ...noKey } = PROVIDER
    const fetchMock = stubFetch(async () => jsonResponse({ data: [PROVIDER, { ...noKey, id: 8, models: null, headers: null }] }))
    const list = await listProviders()
    expect(fetchMock.mock.calls[0]?.[0]).toBe('/admin/v1/providers')
    expect(list[0]).toEqual(PROVIDER)
    expect(list[1]).toMatchObject({ id: 8, api_key: '', models: [], headers: {} })
  })

  it('rejects a list without data', async () => {
    stubFetch(async () => jsonResponse({ providers: [] }))
    await expect(listProviders()).rejects.toMatchObject({ code: 'invalid_response' })
  })

  it('creates with POST and a JSON body, returning the created provider', async () => {
    const fetchMock = stubFetch(async () => jsonResponse(PROVIDER, 201))
    const body = { key: 'openai', type: 'openai' as const, base_url: 'https://api.openai.com/v1', api_key: 'sk-x' }
    await expect(createProvider(body)).resolves.toEqual(PROVIDER)
    const [url, init] = fetchMock.mock.calls[0] ?? []
    expect(url).toBe('/admin/v1/providers')
    expect(init?.method).toBe('POST')
    expect(new Headers(init?.headers).get('Content-Type')).toBe('application/json')
    expect(sentBody(fetchMock.mock.calls[0])).toEqual(body)
  })

  it('replaces with PUT, patches with PATCH, deletes with DELETE on /providers/{id}', async () => {
    const fetchMock = stubFetch(
      async () => jsonResponse(PROVIDER),
      async () => jsonResponse({ ...PROVIDER, enabled: false }),
      async () => new Response(null, { status: 204 }),
    )
    await replaceProvider(7, { key: 'openai', type: 'openai', base_url: 'https://x/v1' })
    await expect(patchProvider(7, { enabled: false })).resolves.toMatchObject({ enabled: false })
    await expect(deleteProvider(7)).resolves.toBeUndefined()
    const calls = fetchMock.mock.calls.map(([url, init]) => `${init?.method} ${url}`)
    expect(calls).toEqual(['PUT /admin/v1/providers/7', 'PATCH /admin/v1/providers/7', 'DELETE /admin/v1/providers/7'])
    expect(sentBody(fetchMock.mock.calls[1])).toEqual({ enabled: false })
  })

  it('a 400 naming a field becomes an ApiError with that field', async () => {
    stubFetch(async () =>
      jsonResponse({ error: { code: 'invalid_field', message: 'models[1].alias: must be 1..256 characters', field: 'models[1].alias' } }, 400),
    )
    const err = await createProvider({ key: 'x' }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ApiError)
    expect(err).toMatchObject({ status: 400, code: 'invalid_field', field: 'models[1].alias' })
  })

  it('a 409 for a duplicate key becomes an ApiError with code conflict and field key', async () => {
    stubFetch(async () => jsonResponse({ error: { code: 'conflict', message: 'a provider with key "openai" already exists', field: 'key' } }, 409))
    const err = await createProvider({ key: 'openai' }).catch((e: unknown) => e)
    expect(err).toMatchObject({ status: 409, code: 'conflict', field: 'key' })
  })

  it('a 404 for an unknown id', async () => {
    stubFetch(async () => jsonResponse({ error: { code: 'not_found', message: 'no provider with id 99' } }, 404))
    await expect(getProvider(99)).rejects.toMatchObject({ status: 404, code: 'not_found' })
  })

  it('lists presets, keeping only well-formed ones', async () => {
    const fetchMock = stubFetch(async () => jsonResponse({ data: [...PRESETS, { id: 'broken' }] }))
    await expect(listPresets()).resolves.toEqual(PRESETS)
    expect(fetchMock.mock.calls[0]?.[0]).toBe('/admin/v1/presets')
  })
})

describe('health API', () => {
  it('runs one provider\'s check with POST and the options as JSON', async () => {
    const fetchMock = stubFetch(async () => jsonResponse(CHECK_DEGRADED))
    await expect(checkProvider(7, { models: ['mini'], max_concurrent: 3, timeout_secs: 10 })).resolves.toEqual(CHECK_DEGRADED)
    const [url, init] = fetchMock.mock.calls[0] ?? []
    expect(url).toBe('/admin/v1/providers/7/health')
    expect(init?.method).toBe('POST')
    expect(new Headers(init?.headers).get('Content-Type')).toBe('application/json')
    expect(sentBody(fetchMock.mock.calls[0])).toEqual({ models: ['mini'], max_concurrent: 3, timeout_secs: 10 })
    // No client-side timeout: nothing aborts the request.
    expect(init?.signal).toBeUndefined()
  })

  it('turns a 400 naming a field into ApiError.field', async () => {
    stubFetch(async () =>
      jsonResponse({ error: { code: 'invalid_field', message: 'max_concurrent: must be 1..10, got 11', field: 'max_concurrent' } }, 400),
    )
    const err = await checkProvider(7, { max_concurrent: 11 }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ApiError)
    expect(err).toMatchObject({ status: 400, code: 'invalid_field', field: 'max_concurrent' })

    stubFetch(async () => jsonResponse({ error: { code: 'invalid_field', message: 'models[1]: must be 1..256 characters', field: 'models[1]' } }, 400))
    await expect(checkProvider(7, { models: ['a', ''] })).rejects.toMatchObject({ field: 'models[1]' })

    stubFetch(async () => jsonResponse({ error: { code: 'not_found', message: 'provider 9 not found' } }, 404))
    await expect(checkProvider(9)).rejects.toMatchObject({ status: 404, field: undefined })
  })

  it('fills what a reader relies on: models, status_code and error never undefined', async () => {
    const { note: _n, ...plain } = CHECK_HEALTHY.models[0]!
    const sparse = { ...CHECK_HEALTHY, trigger: undefined, models: [{ ...plain, status_code: undefined, error: undefined }] }
    stubFetch(async () => jsonResponse(sparse))
    const r = await checkProvider(7)
    expect(r.models[0]).toMatchObject({ status_code: null, error: null })
    expect(r.trigger).toBe('')
    stubFetch(async () => jsonResponse({ ...CHECK_DEGRADED, models: null, status: 'disabled' }))
    await expect(checkProvider(7)).resolves.toMatchObject({ models: [], status: 'disabled' })
  })

  it('rejects a check without the expected fields', async () => {
    stubFetch(async () => jsonResponse({ ok: true }))
    await expect(checkProvider(7)).rejects.toMatchObject({ code: 'invalid_response' })
  })

  it('checks all providers with POST /health/check', async () => {
    const fetchMock = stubFetch(async () =>
      jsonResponse({ providers: [CHECK_DEGRADED], total_providers: 1, healthy_providers: 0, unhealthy_providers: 0 }),
    )
    const res = await checkAllProviders()
    expect(fetchMock.mock.calls[0]?.[0]).toBe('/admin/v1/health/check')
    expect(fetchMock.mock.calls[0]?.[1]?.method).toBe('POST')
    expect(sentBody(fetchMock.mock.calls[0])).toEqual({})
    expect(res).toEqual({ providers: [CHECK_DEGRADED], total_providers: 1, healthy_providers: 0, unhealthy_providers: 0 })
  })

  it('reads the history newest first with limit and before in the query', async () => {
    const fetchMock = stubFetch(async () => jsonResponse({ data: [CHECK_DEGRADED, CHECK_HEALTHY] }))
    await expect(getHealthHistory(7, { limit: 20, before: 'hc_0000000000000009' })).resolves.toEqual([CHECK_DEGRADED, CHECK_HEALTHY])
    expect(fetchMock.mock.calls[0]?.[0]).toBe('/admin/v1/providers/7/health/history?limit=20&before=hc_0000000000000009')
    await getHealthHistory(7)
    expect(fetchMock.mock.calls[1]?.[0]).toBe('/admin/v1/providers/7/health/history')
  })

  it('reads the 24 h summary', async () => {
    const fetchMock = stubFetch(async () => jsonResponse(SUMMARY))
    await expect(getHealthSummary(7)).resolves.toEqual(SUMMARY)
    expect(fetchMock.mock.calls[0]?.[0]).toBe('/admin/v1/providers/7/health/summary?window=24h')
    stubFetch(async () => jsonResponse({ models: [{ model: 'x' }] }))
    await expect(getHealthSummary(7)).rejects.toMatchObject({ code: 'invalid_response' })
  })
})

describe('logs API', () => {
  it('sends the filters as query parameters, leaving out what is unset', async () => {
    const fetchMock = stubFetch(async () => jsonResponse({ data: [] }))
    await listLogs({ limit: 200, errors: true, provider: 'open ai', model: 'm/1', status: '4xx', text: 'rate limit' })
    await listLogs({ provider: '', text: '' })
    expect(fetchMock.mock.calls.map(([u]) => u)).toEqual([
      '/admin/v1/logs?limit=200&errors=1&provider=open+ai&model=m%2F1&status=4xx&text=rate+limit',
      '/admin/v1/logs',
    ])
  })

  it('reads the server log, newest first as sent, with levels and attrs checked', async () => {
    const fetchMock = stubFetch(async () =>
      jsonResponse({
        data: [
          { ts: '2026-11-25T21:00:01Z', level: 'error', message: 'boom', attrs: { provider: 'x' } },
          { ts: '2026-11-25T21:00:00Z', level: 'warn', message: 'hmm' },
        ],
      }),
    )
    await expect(listServerLog({ level: 'warn', limit: 50 })).resolves.toEqual([
      { ts: '2026-11-25T21:00:01Z', level: 'error', message: 'boom', attrs: { provider: 'x' } },
      { ts: '2026-11-25T21:00:00Z', level: 'warn', message: 'hmm', attrs: {} },
    ])
    expect(fetchMock.mock.calls[0]?.[0]).toBe('/admin/v1/server-log?level=warn&limit=50')
    stubFetch(async () => jsonResponse({ data: [{ level: 'warn' }] }))
    await expect(listServerLog()).rejects.toMatchObject({ code: 'invalid_response' })
  })

  it('a live log message becomes a record stamped with the message time', () => {
    expect(toLiveServerLog({ level: 'error', message: 'm', attrs: { a: 1 } }, '2026-11-25T21:00:00Z')).toEqual({ ts: '2026-11-25T21:00:00Z', level: 'error', message: 'm', attrs: { a: 1 } })
    expect(toLiveServerLog(null, 't')).toBeNull()
    expect(toLiveServerLog({ level: 'warn' }, 't')).toBeNull()
  })
})
