// Minimal declarations for what the Wails v2 desktop window injects. Both are
// absent in a browser (`sluicegate serve`), so every member is optional at the
// call site. We keep our own instead of depending on generated wailsjs files.

/** Methods bound from Go's app.App (frontend-facing facade). */
interface SluicegateAppBindings {
  /** Opens DATA_DIR in the system file manager. Rejects with a plain string. */
  OpenDataDir(): Promise<void>
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
