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

export type StartupState = DesktopStartupState
export type DesktopSettingsData = DesktopSettings
export type DesktopPrefs = DesktopPrefsInput

/** Calls a bound method, turning Wails' string rejections into Errors. */
async function call<T>(pick: (app: SluicegateAppBindings) => (() => Promise<T>) | undefined, what: string): Promise<T> {
  const app = appBindings()
  const fn = app ? pick(app) : undefined
  if (!fn) throw new Error(`${what} needs the desktop app.`)
  try {
    return await fn()
  } catch (reason) {
    throw toError(reason)
  }
}

/** True when the window can report its start-up state (desktop builds with the conflict screen). */
export function hasStartupState(): boolean {
  return typeof appBindings()?.StartupState === 'function'
}

/** What the window should show: the dashboard, or the port conflict screen. */
export function startupState(): Promise<StartupState> {
  return call((a) => a.StartupState && (() => a.StartupState!()), 'The start-up state')
}

/** Starts the server on addr after a conflict; remember saves it as the desktop address. */
export function startOnAddr(addr: string, remember: boolean): Promise<StartupState> {
  return call((a) => a.UseAddr && (() => a.UseAddr!(addr, remember)), 'Changing the port')
}

/** Quits the desktop app. */
export function quitApp(): Promise<void> {
  return call((a) => a.Quit && (() => a.Quit!()), 'Quitting')
}

/** True when the Settings page can show the Desktop section. */
export function hasDesktopSettings(): boolean {
  const app = appBindings()
  return typeof app?.GetDesktopSettings === 'function' && typeof app.SetDesktopSettings === 'function'
}

/** The desktop app's own preferences. */
export function getDesktopSettings(): Promise<DesktopSettings> {
  return call((a) => a.GetDesktopSettings && (() => a.GetDesktopSettings!()), 'Desktop settings')
}

/** Saves the desktop app's own preferences. */
export function setDesktopSettings(input: DesktopPrefsInput): Promise<DesktopSettings> {
  return call((a) => a.SetDesktopSettings && (() => a.SetDesktopSettings!(input)), 'Desktop settings')
}
