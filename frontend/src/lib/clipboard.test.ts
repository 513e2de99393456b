import { describe, expect, it, vi } from 'vitest'
import { copyText } from './clipboard'
import { removeClipboard, stubClipboard, stubExecCommand } from '../test/helpers'

function stubRuntime(result: Promise<boolean>) {
  const ClipboardSetText = vi.fn((_text: string) => result)
  window.runtime = { ClipboardSetText, BrowserOpenURL: vi.fn() }
  return ClipboardSetText
}

describe('copyText', () => {
  it('uses navigator.clipboard when it works', async () => {
    const writeText = stubClipboard(async () => {})
    const setText = stubRuntime(Promise.resolve(true))
    const exec = stubExecCommand(true)
    await copyText('http://127.0.0.1:8750/v1')
    expect(writeText).toHaveBeenCalledWith('http://127.0.0.1:8750/v1')
    expect(setText).not.toHaveBeenCalled()
    expect(exec).not.toHaveBeenCalled()
  })

  it('falls back to the Wails runtime when the Clipboard API rejects', async () => {
    const writeText = stubClipboard(() => Promise.reject(new DOMException('denied', 'NotAllowedError')))
    const setText = stubRuntime(Promise.resolve(true))
    const exec = stubExecCommand(true)
    await copyText('abc')
    expect(writeText).toHaveBeenCalled()
    expect(setText).toHaveBeenCalledWith('abc')
    expect(exec).not.toHaveBeenCalled()
  })

  it('falls back to a hidden textarea and execCommand when neither is available', async () => {
    removeClipboard()
    const exec = stubExecCommand(true)
    let copied = ''
    exec.mockImplementation(() => {
      // The text must be in a selected textarea in the document at that moment.
      const el = document.querySelector('textarea')
      copied = el ? el.value.slice(el.selectionStart, el.selectionEnd) : ''
      return true
    })
    await copyText('from textarea')
    expect(exec).toHaveBeenCalledWith('copy')
    expect(copied).toBe('from textarea')
    expect(document.querySelector('textarea')).toBeNull()
  })

  it('uses execCommand when the Wails runtime reports failure', async () => {
    removeClipboard()
    const setText = stubRuntime(Promise.resolve(false))
    const exec = stubExecCommand(true)
    await copyText('x')
    expect(setText).toHaveBeenCalled()
    expect(exec).toHaveBeenCalledWith('copy')
  })

  it('rejects when every method fails', async () => {
    stubClipboard(() => Promise.reject(new Error('nope')))
    stubRuntime(Promise.reject(new Error('no clipboard')))
    stubExecCommand(false)
    await expect(copyText('x')).rejects.toThrow(/copy it by hand/)
  })
})
