import { describe, expect, it } from 'vitest'
import { holderText, parsePort, splitAddr, validateDesktopAddr, withPort } from './desktop'

describe('desktop address helpers', () => {
  it.each([
    ['127.0.0.1:8750', { host: '127.0.0.1', port: '8750' }],
    ['[::1]:8751', { host: '[::1]', port: '8751' }],
    ['localhost:1', { host: 'localhost', port: '1' }],
    ['127.0.0.1', null],
    ['::1:80', null],
  ])('splitAddr(%s)', (addr, want) => {
    expect(splitAddr(addr)).toEqual(want)
  })

  it('withPort keeps the host', () => {
    expect(withPort('127.0.0.1:8750', 8752)).toBe('127.0.0.1:8752')
    expect(withPort('[::1]:8750', 9000)).toBe('[::1]:9000')
  })

  it.each([
    ['8751', { port: 8751 }],
    [' 9000 ', { port: 9000 }],
    ['80', 'error'],
    ['70000', 'error'],
    ['87a', 'error'],
    ['', 'error'],
  ])('parsePort(%s)', (text, want) => {
    const got = parsePort(text)
    if (want === 'error') expect('error' in got).toBe(true)
    else expect(got).toEqual(want)
  })

  it.each([
    ['', null],
    ['127.0.0.1:8751', null],
    ['localhost:9000', null],
    ['[::1]:9000', null],
    ['0.0.0.0:8750', 'this machine only'],
    ['192.168.1.5:8750', 'this machine only'],
    ['127.0.0.1', 'HOST:PORT'],
    ['127.0.0.1:0', '1 to 65535'],
  ])('validateDesktopAddr(%s)', (text, want) => {
    const got = validateDesktopAddr(text)
    if (want === null) expect(got).toBeNull()
    else expect(got).toContain(want)
  })

  it('holderText names another Sluicegate or another program', () => {
    const base = { state: 'conflict' as const, addr: '127.0.0.1:8750', addr_override: false }
    expect(holderText({ ...base, holder: 'sluicegate', holder_version: '0.9.0' })).toContain('Another Sluicegate (version 0.9.0) is already running on 127.0.0.1:8750')
    expect(holderText({ ...base, holder: 'other' })).toContain('Another program is using 127.0.0.1:8750')
  })
})
