import { describe, expect, it, vi } from 'vitest'
import { isDesktop, openDataDir, openURL } from './wails'

describe('desktop bridge', () => {
  it('is not desktop in a browser, and openDataDir says why', async () => {
    expect(isDesktop()).toBe(false)
    await expect(openDataDir()).rejects.toThrow(/desktop app/)
  })

  it('calls the bound OpenDataDir in the desktop window', async () => {
    const OpenDataDir = vi.fn(() => Promise.resolve())
    window.go = { app: { App: { OpenDataDir } } }
    expect(isDesktop()).toBe(true)
    await openDataDir()
    expect(OpenDataDir).toHaveBeenCalledTimes(1)
  })

  it('wraps a plain-string rejection from Wails into an Error', async () => {
    window.go = { app: { App: { OpenDataDir: () => Promise.reject('open /nope: no such file') } } }
    const err = await openDataDir().catch((e: unknown) => e)
    expect(err).toBeInstanceOf(Error)
    expect((err as Error).message).toBe('open /nope: no such file')
  })

  it('opens URLs with the Wails runtime when present, else window.open', () => {
    const open = vi.spyOn(window, 'open').mockImplementation(() => null)
    openURL('https://example.com/a')
    expect(open).toHaveBeenCalledWith('https://example.com/a', '_blank', 'noopener,noreferrer')

    const BrowserOpenURL = vi.fn()
    window.runtime = { BrowserOpenURL, ClipboardSetText: vi.fn(() => Promise.resolve(true)) }
    openURL('https://example.com/b')
    expect(BrowserOpenURL).toHaveBeenCalledWith('https://example.com/b')
    expect(open).toHaveBeenCalledTimes(1)
  })
})
