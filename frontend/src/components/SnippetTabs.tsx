import { useId, useState, type KeyboardEvent } from 'react'
import type { Snippet } from '../lib/snippets'
import { CodeBlock } from './CodeBlock'

interface SnippetTabsProps {
  /** Names the tab list and the copy buttons, e.g. "OpenAI SDK". */
  title: string
  snippets: Snippet[]
}

/** One code block per language, switched with tabs (arrow keys work too). */
export function SnippetTabs({ title, snippets }: SnippetTabsProps) {
  const [selected, setSelected] = useState(0)
  const baseId = useId()
  const current = snippets[selected] ?? snippets[0]
  if (!current) return null

  function onKeyDown(e: KeyboardEvent<HTMLDivElement>) {
    if (e.key !== 'ArrowRight' && e.key !== 'ArrowLeft') return
    e.preventDefault()
    const step = e.key === 'ArrowRight' ? 1 : -1
    const next = (selected + step + snippets.length) % snippets.length
    setSelected(next)
    document.getElementById(`${baseId}-tab-${next}`)?.focus()
  }

  return (
    <div className="tabs">
      <div className="tabs__list" role="tablist" aria-label={`${title} examples`} onKeyDown={onKeyDown}>
        {snippets.map((s, i) => (
          <button
            key={s.id}
            id={`${baseId}-tab-${i}`}
            type="button"
            role="tab"
            className="tabs__tab"
            aria-selected={i === selected}
            aria-controls={`${baseId}-panel`}
            tabIndex={i === selected ? 0 : -1}
            onClick={() => setSelected(i)}
          >
            {s.label}
          </button>
        ))}
      </div>
      <div id={`${baseId}-panel`} role="tabpanel" aria-labelledby={`${baseId}-tab-${selected}`}>
        <CodeBlock code={current.code} language={current.language} copyLabel={`Copy ${title} ${current.label} example`} />
      </div>
    </div>
  )
}
