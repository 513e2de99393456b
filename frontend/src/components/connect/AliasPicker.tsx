import { useId } from 'react'
import type { RoutableAlias } from '../../lib/aliases'

interface AliasPickerProps {
  aliases: RoutableAlias[]
  value: string
  onChange: (alias: string) => void
}

/** Chooses the alias the snippets call, grouped by API dialect. */
export function AliasPicker({ aliases, value, onChange }: AliasPickerProps) {
  const id = useId()
  const groups = [
    { label: 'OpenAI-compatible', items: aliases.filter((a) => a.dialect === 'openai') },
    { label: 'Anthropic', items: aliases.filter((a) => a.dialect === 'anthropic') },
  ].filter((g) => g.items.length > 0)
  return (
    <div className="connect-picker">
      <label htmlFor={id} className="field__label">
        Model alias
      </label>
      <select id={id} className="input connect-picker__select" value={value} onChange={(e) => onChange(e.target.value)}>
        {groups.map((g) => (
          <optgroup key={g.label} label={g.label}>
            {g.items.map((a) => (
              <option key={a.alias} value={a.alias}>
                {a.alias} ({a.providerName})
              </option>
            ))}
          </optgroup>
        ))}
      </select>
    </div>
  )
}
