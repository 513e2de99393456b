/**
 * Copies text, trying in order: the async Clipboard API (browsers on a
 * secure or loopback origin), the Wails runtime (desktop window, where the
 * webview may refuse the Clipboard API), then a hidden textarea with
 * execCommand('copy'). Resolves when one of them succeeded.
 */
export async function copyText(text: string): Promise<void> {
  const clip = typeof navigator !== 'undefined' ? navigator.clipboard : undefined
  if (clip && typeof clip.writeText === 'function') {
    try {
      await clip.writeText(text)
      return
    } catch {
      // Permission denied or not focused: fall through.
    }
  }

  const rt = typeof window !== 'undefined' ? window.runtime : undefined
  if (rt && typeof rt.ClipboardSetText === 'function') {
    try {
      if (await rt.ClipboardSetText(text)) return
    } catch {
      // Fall through to the legacy path.
    }
  }

  if (legacyCopy(text)) return
  throw new Error('Copying is not available here; select the text and copy it by hand.')
}

function legacyCopy(text: string): boolean {
  if (typeof document === 'undefined' || !document.body) return false
  const ta = document.createElement('textarea')
  ta.value = text
  ta.setAttribute('readonly', '')
  ta.style.position = 'fixed'
  ta.style.top = '0'
  ta.style.left = '-9999px'
  ta.style.opacity = '0'
  document.body.appendChild(ta)
  const prevFocus = document.activeElement instanceof HTMLElement ? document.activeElement : null
  try {
    ta.focus()
    ta.select()
    return typeof document.execCommand === 'function' && document.execCommand('copy')
  } catch {
    return false
  } finally {
    ta.remove()
    prevFocus?.focus()
  }
}
