import { useState } from 'react'
import { loadThemeChoice, setThemeChoice, type ThemeChoice } from '../../lib/theme'

const CHOICES: Array<{ value: ThemeChoice; label: string }> = [
  { value: 'system', label: 'System' },
  { value: 'light', label: 'Light' },
  { value: 'dark', label: 'Dark' },
]

/** System / light / dark, kept in this browser (localStorage). */
export function ThemeCard() {
  const [choice, setChoice] = useState<ThemeChoice>(loadThemeChoice)
  function pick(next: ThemeChoice) {
    setChoice(next)
    setThemeChoice(next)
  }
  return (
    <section className="card" aria-labelledby="settings-theme">
      <h2 id="settings-theme" className="card__title">Appearance</h2>
      <fieldset className="settings-theme">
        <legend className="card__lead">Theme (kept in this browser or window)</legend>
        {CHOICES.map((c) => (
          <label key={c.value} className="settings-theme__option">
            <input type="radio" name="theme" value={c.value} checked={choice === c.value} onChange={() => pick(c.value)} />
            {c.label}
          </label>
        ))}
      </fieldset>
    </section>
  )
}
