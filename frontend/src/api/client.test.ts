import { describe, expect, it } from 'vitest'
import { ApiError, getStatus, request } from './client'
import { STATUS, jsonResponse, stubFetch } from '../test/helpers'

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
