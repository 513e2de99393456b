import { useId, useState } from 'react'

interface ModelPickerProps {
  /** The names to offer (the upstream's list, or the preset's typical models). */
  names: readonly string[]
  /** Where they came from, for the heading: "from the upstream" / "typical for this preset". */
  source: string
  /** The upstream names the form maps now. */
  picked: ReadonlySet<string>
  onToggle: (name: string, on: boolean) => void
}

/** Above this many names a filter box helps (an upstream may list hundreds). */
const FILTER_FROM = 12

/** Checkboxes that add or remove a model row (alias = the upstream name, editable below). */
export function ModelPicker({ names, source, picked, onToggle }: ModelPickerProps) {
  const [filter, setFilter] = useState('')
  const id = useId()
  if (names.length === 0) return null
  const q = filter.trim().toLowerCase()
  const shown = q ? names.filter((n) => n.toLowerCase().includes(q)) : names
  return (
    <fieldset className="provform__pickset" aria-labelledby={`${id}-title`}>
      <legend id={`${id}-title`} className="field__label">
        Pick models <span className="muted">({source})</span>
      </legend>
      {names.length > FILTER_FROM && (
        <input
          className="input provform__filter"
          type="search"
          placeholder="Filter models"
          aria-label="Filter models"
          value={filter}
          onChange={(e) => setFilter(e.target.value)}
        />
      )}
      <ul className="provform__pick">
        {shown.map((n) => (
          <li key={n}>
            <label>
              <input type="checkbox" checked={picked.has(n)} onChange={(e) => onToggle(n, e.target.checked)} />
              {n}
            </label>
          </li>
        ))}
        {shown.length === 0 && <li className="muted">No model matches “{filter}”.</li>}
      </ul>
    </fieldset>
  )
}
