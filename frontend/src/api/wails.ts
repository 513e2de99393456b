// Desktop-only affordances. In the desktop window Wails injects window.go and
// window.runtime; in a browser neither exists, and callers hide the buttons.

function appBindings(): SluicegateAppBindings | undefined {
  return typeof window === 'undefined' ? undefined : window.go?.app?.App
}

/** True when the dashboard runs inside the Sluicegate desktop window. */
export function isDesktop(): boolean {
  return appBindings() !== undefined
}

/** Wails v2 rejects a bound call with a plain string; make it an Error. */
function toError(reason: unknown): Error {
  if (reason instanceof Error) return reason
  if (typeof reason === 'string' && reason !== '') return new Error(reason)
  return new Error('The desktop app reported an unknown error.')
}

/** Opens the data folder in the system file manager (desktop only). */
export async function openDataDir(): Promise<void> {
  const app = appBindings()
  if (!app) throw new Error('Opening the data folder needs the desktop app.')
  try {
    await app.OpenDataDir()
  } catch (reason) {
    throw toError(reason)
  }
}

/** Opens a URL in the system browser (desktop) or a new tab (browser). */
export function openURL(url: string): void {
  const rt = window.runtime
  if (rt && typeof rt.BrowserOpenURL === 'function') {
    rt.BrowserOpenURL(url)
    return
  }
  window.open(url, '_blank', 'noopener,noreferrer')
}
