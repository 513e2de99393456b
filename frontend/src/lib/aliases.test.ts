import { describe, expect, it } from 'vitest'
import { PROVIDER } from '../test/helpers'
import { routableAliases } from './aliases'

describe('routableAliases', () => {
  it('leaves out patterns: a snippet needs a name a client can send', () => {
    const p = {
      ...PROVIDER,
      models: [
        { alias: 'claude-*', upstream: 'claude-*', priority: 1 },
        { alias: '*', upstream: '' },
        { alias: 'gpt-4o', upstream: 'gpt-4o-2024-08-06', priority: 1, failover_on: [429] },
      ],
    }
    expect(routableAliases([p], new Map()).map((a) => a.alias)).toEqual(['gpt-4o'])
  })
})
