import { describe, expect, it } from 'vitest'
import { routeFromHash } from './routes'

describe('routeFromHash', () => {
  it.each([
    ['', 'providers'],
    ['#', 'providers'],
    ['#/', 'providers'],
    ['#/connect', 'connect'],
    ['#connect', 'connect'],
    ['#/logs?errors=1', 'logs'],
    ['#/settings/advanced', 'settings'],
    ['#/nope', 'providers'],
  ])('%s → %s', (hash, route) => {
    expect(routeFromHash(hash)).toBe(route)
  })
})
