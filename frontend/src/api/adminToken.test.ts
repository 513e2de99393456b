import { describe, expect, it } from 'vitest'
import { ApiError, UnauthorizedError, getStatus, isUnauthorized, listProviders, request, verifyAdminToken } from './client'
import {
  ADMIN_TOKEN_KEY,
  clearAdminToken,
  getAdminAuthState,
  getAdminToken,
  setAdminToken,
} from '../lib/adminToken'
import { STATUS, jsonResponse, stubFetch } from '../test/helpers'

const UNAUTHORIZED = {
  error: {
    code: 'unauthorized',
    message: "this Sluicegate requires the admin token: send it as 'Authorization: Bearer TOKEN'",
  },
}

function sentAuthorization(call: unknown[] | undefined): string | null {
  const init = call?.[1] as RequestInit | undefined
  return new Headers(init?.headers).get('Authorization')
}

describe('admin token storage', () => {
  it('keeps the token in sessionStorage under sluicegate.adminToken, never in localStorage', () => {
    setAdminToken('  s3cret  ')
    expect(sessionStorage.getItem(ADMIN_TOKEN_KEY)).toBe('s3cret')
    expect(getAdminToken()).toBe('s3cret')
    expect(localStorage.length).toBe(0)
    expect(getAdminAuthState().hasToken).toBe(true)
    clearAdminToken()
    expect(sessionStorage.getItem(ADMIN_TOKEN_KEY)).toBeNull()
    expect(getAdminToken()).toBeNull()
    expect(getAdminAuthState().hasToken).toBe(false)
  })
})

describe('the Authorization header', () => {
  it('is not sent when no token is stored', async () => {
    const fetchMock = stubFetch(async () => jsonResponse(STATUS))
    await getStatus()
    expect(sentAuthorization(fetchMock.mock.calls[0])).toBeNull()
  })

  it('is sent as Bearer on every admin request when a token is stored', async () => {
    setAdminToken('s3cret')
    const fetchMock = stubFetch(
      async () => jsonResponse(STATUS),
      async () => jsonResponse({ data: [] }),
      async () => new Response(null, { status: 204 }),
    )
    await getStatus()
    await listProviders()
    await request('/providers/1', { method: 'DELETE', headers: { 'X-Other': '1' } })
    expect(fetchMock).toHaveBeenCalledTimes(3)
    for (const call of fetchMock.mock.calls) expect(sentAuthorization(call)).toBe('Bearer s3cret')
    const init = fetchMock.mock.calls[2]?.[1]
    expect(new Headers(init?.headers).get('X-Other')).toBe('1')
    expect(new Headers(init?.headers).get('Accept')).toBe('application/json')
    // Never in the URL.
    for (const call of fetchMock.mock.calls) expect(String(call[0])).not.toContain('s3cret')
  })
})

describe('a 401 unauthorized', () => {
  it('is an UnauthorizedError (an ApiError) and asks for the token', async () => {
    stubFetch(async () => jsonResponse(UNAUTHORIZED, 401))
    const err = await getStatus().catch((e: unknown) => e)
    expect(err).toBeInstanceOf(UnauthorizedError)
    expect(err).toBeInstanceOf(ApiError)
    expect(isUnauthorized(err)).toBe(true)
    expect(err).toMatchObject({ status: 401, code: 'unauthorized' })
    expect(getAdminAuthState()).toMatchObject({ required: true, refused: false })
  })

  it('with a stored token forgets it and says it was refused', async () => {
    setAdminToken('old')
    stubFetch(async () => jsonResponse(UNAUTHORIZED, 401))
    await expect(getStatus()).rejects.toBeInstanceOf(UnauthorizedError)
    expect(getAdminToken()).toBeNull()
    expect(getAdminAuthState()).toMatchObject({ required: true, refused: true, hasToken: false })
  })

  it('is ignored by the prompt when the token changed while the request was in flight', async () => {
    let answer: (r: Response) => void = () => {}
    stubFetch(() => new Promise<Response>((resolve) => (answer = resolve)))
    const pending = getStatus().catch((e: unknown) => e)
    setAdminToken('new')
    answer(jsonResponse(UNAUTHORIZED, 401))
    expect(await pending).toBeInstanceOf(UnauthorizedError)
    expect(getAdminToken()).toBe('new')
    expect(getAdminAuthState().required).toBe(false)
  })

  it('of another kind (403 forbidden) is a plain ApiError', async () => {
    stubFetch(async () => jsonResponse({ error: { code: 'forbidden', message: 'bad origin' } }, 403))
    const err = await getStatus().catch((e: unknown) => e)
    expect(isUnauthorized(err)).toBe(false)
    expect(getAdminAuthState().required).toBe(false)
  })
})

describe('verifyAdminToken', () => {
  it('tries the given token without storing it', async () => {
    const fetchMock = stubFetch(async () => jsonResponse(STATUS))
    await expect(verifyAdminToken('try-me')).resolves.toEqual(STATUS)
    expect(fetchMock.mock.calls[0]?.[0]).toBe('/admin/v1/status')
    expect(sentAuthorization(fetchMock.mock.calls[0])).toBe('Bearer try-me')
    expect(getAdminToken()).toBeNull()
  })

  it('rejects a refused token with UnauthorizedError', async () => {
    stubFetch(async () => jsonResponse(UNAUTHORIZED, 401))
    await expect(verifyAdminToken('wrong')).rejects.toBeInstanceOf(UnauthorizedError)
    expect(getAdminToken()).toBeNull()
  })
})
