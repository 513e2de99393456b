// The colour theme: "system" follows the OS (prefers-color-scheme), or the
// user picks light or dark. The choice is kept in localStorage; the theme
// in force is set on <html data-theme="light|dark">, which styles.css
// reads (so the OS preference and the choice use the same CSS).

export type ThemeChoice = 'system' | 'light' | 'dark'
export type Theme = 'light' | 'dark'

export const THEME_STORAGE_KEY = 'sluicegate.theme'

export function isThemeChoice(v: unknown): v is ThemeChoice {
  return v === 'system' || v === 'light' || v === 'dark'
}

/** The stored choice; "system" when none (or storage is unavailable). */
export function loadThemeChoice(storage: Pick<Storage, 'getItem'> | undefined = safeStorage()): ThemeChoice {
  try {
    const v = storage?.getItem(THEME_STORAGE_KEY)
    return isThemeChoice(v) ? v : 'system'
  } catch {
    return 'system'
  }
}

export function saveThemeChoice(choice: ThemeChoice, storage: Pick<Storage, 'setItem' | 'removeItem'> | undefined = safeStorage()): void {
  try {
    if (choice === 'system') storage?.removeItem(THEME_STORAGE_KEY)
    else storage?.setItem(THEME_STORAGE_KEY, choice)
  } catch {
    // Private mode: the choice lasts until the page closes.
  }
}

/** The theme a choice means given whether the OS prefers dark. */
export function resolveTheme(choice: ThemeChoice, systemDark: boolean): Theme {
  if (choice === 'system') return systemDark ? 'dark' : 'light'
  return choice
}

function safeStorage(): Storage | undefined {
  try {
    return typeof localStorage === 'undefined' ? undefined : localStorage
  } catch {
    return undefined
  }
}

function darkQuery(): MediaQueryList | undefined {
  return typeof window !== 'undefined' && typeof window.matchMedia === 'function'
    ? window.matchMedia('(prefers-color-scheme: dark)')
    : undefined
}

/** Sets <html data-theme> (and color-scheme, for form controls and scrollbars). */
export function applyTheme(choice: ThemeChoice, root: HTMLElement = document.documentElement): Theme {
  const theme = resolveTheme(choice, darkQuery()?.matches ?? false)
  root.dataset.theme = theme
  root.dataset.themeChoice = choice
  root.style.colorScheme = theme
  return theme
}

let stopFollowing: (() => void) | null = null

/**
 * Applies choice now and, for "system", again whenever the OS switches
 * between light and dark. Returns the theme in force.
 */
export function setThemeChoice(choice: ThemeChoice): Theme {
  saveThemeChoice(choice)
  stopFollowing?.()
  stopFollowing = null
  const mq = darkQuery()
  if (choice === 'system' && mq) {
    const onChange = () => applyTheme('system')
    mq.addEventListener('change', onChange)
    stopFollowing = () => mq.removeEventListener('change', onChange)
  }
  return applyTheme(choice)
}

/** Called once at start-up, before the first render (no flash of the wrong theme). */
export function initTheme(): Theme {
  return setThemeChoice(loadThemeChoice())
}
