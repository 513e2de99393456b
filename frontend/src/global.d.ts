// Minimal declarations for what the Wails v2 desktop window injects. Both are
// absent in a browser (`sluicegate serve`), so every member is optional at the
// call site. We keep our own instead of depending on generated wailsjs files.

/** What the window shows (Go: app.StartupState). */
interface DesktopStartupState {
  state: 'starting' | 'running' | 'conflict' | 'failed'
  addr: string
  holder?: 'sluicegate' | 'other'
  holder_version?: string
  suggested_addr?: string
  suggested_port?: number
  message?: string
  addr_override: boolean
}

/** The desktop preferences and what the platform offers (Go: app.DesktopSettings). */
interface DesktopSettings {
  addr: string
  close_to_tray: boolean
  notifications: boolean
  start_at_login: boolean
  default_addr: string
  current_addr: string
  addr_override: boolean
  tray_available: boolean
  autostart_supported: boolean
}

/** What the Settings page saves (Go: app.DesktopPrefsInput). */
interface DesktopPrefsInput {
  addr: string
  close_to_tray: boolean
  notifications: boolean
  start_at_login: boolean
}

/** Methods bound from Go's app.App (frontend-facing facade). All reject with a plain string. */
interface SluicegateAppBindings {
  /** Opens DATA_DIR in the system file manager. */
  OpenDataDir(): Promise<void>
  /** Waits for the first start-up attempt, then says what to show. Older builds lack it. */
  StartupState?(): Promise<DesktopStartupState>
  /** After a conflict: start on addr; remember makes it the saved address. */
  UseAddr?(addr: string, remember: boolean): Promise<DesktopStartupState>
  /** Quits the app. */
  Quit?(): Promise<void>
  GetDesktopSettings?(): Promise<DesktopSettings>
  SetDesktopSettings?(input: DesktopPrefsInput): Promise<DesktopSettings>
}

interface WailsGoBindings {
  app?: {
    App?: SluicegateAppBindings
  }
}

/** The subset of the Wails v2 JS runtime we use. */
interface WailsRuntime {
  BrowserOpenURL(url: string): void
  ClipboardSetText(text: string): Promise<boolean>
}

interface Window {
  go?: WailsGoBindings
  runtime?: WailsRuntime
}
