import { useEffect, useRef, useState } from 'react'
import { copyText } from '../lib/clipboard'
import { Icon } from './Icon'

export type CopyState = 'idle' | 'copied' | 'failed'

interface CopyButtonProps {
  /** The text put on the clipboard. */
  text: string
  /** Accessible name, e.g. "Copy OpenAI base URL". */
  label: string
  /** Show the word "Copy" next to the icon. */
  showText?: boolean
  className?: string
}

const FEEDBACK_MS = 1600

/** Copies `text` on `copy()` and reports "copied" (or "failed") for a
 * moment, then "idle" again: the feedback every copy button shows. */
export function useCopy(text: string): { state: CopyState; copy: () => Promise<void> } {
  const [state, setState] = useState<CopyState>('idle')
  const timer = useRef<number | undefined>(undefined)

  useEffect(() => () => window.clearTimeout(timer.current), [])

  async function copy() {
    window.clearTimeout(timer.current)
    try {
      await copyText(text)
      setState('copied')
    } catch {
      setState('failed')
    }
    timer.current = window.setTimeout(() => setState('idle'), FEEDBACK_MS)
  }
  return { state, copy }
}

/** A button that copies `text` and says "Copied" for a moment. */
export function CopyButton({ text, label, showText = false, className }: CopyButtonProps) {
  const { state, copy: onClick } = useCopy(text)

  const word = state === 'copied' ? 'Copied' : state === 'failed' ? 'Copy failed' : 'Copy'
  return (
    <button
      type="button"
      className={['copy-btn', `copy-btn--${state}`, className].filter(Boolean).join(' ')}
      onClick={onClick}
      aria-label={label}
      title={state === 'idle' ? label : word}
      data-state={state}
    >
      <Icon name={state === 'copied' ? 'check' : 'copy'} size={15} />
      {showText || state !== 'idle' ? <span className="copy-btn__text" aria-hidden="true">{word}</span> : null}
      <span className="visually-hidden" role="status" aria-live="polite">
        {state === 'idle' ? '' : word}
      </span>
    </button>
  )
}
