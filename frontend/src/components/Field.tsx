import { useId, type InputHTMLAttributes, type ReactNode } from 'react'

interface FieldProps extends Omit<InputHTMLAttributes<HTMLInputElement>, 'onChange' | 'value'> {
  label: string
  value: string
  onChange: (value: string) => void
  hint?: ReactNode
  error?: string | undefined
  /** Render the label for screen readers only (rows of a table-like editor). */
  hideLabel?: boolean
  mono?: boolean
}

/** A labelled text input with a hint and an error, wired with aria-describedby. */
export function Field({ label, value, onChange, hint, error, hideLabel = false, mono = false, className, ...rest }: FieldProps) {
  const id = useId()
  const hintId = `${id}-hint`
  const errId = `${id}-error`
  const described = error ? errId : hint ? hintId : undefined
  return (
    <div className={['field', error ? 'field--error' : null, className].filter(Boolean).join(' ')}>
      <label htmlFor={id} className={hideLabel ? 'visually-hidden' : 'field__label'}>
        {label}
      </label>
      <input
        id={id}
        className={mono ? 'input input--mono' : 'input'}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        aria-invalid={error ? true : undefined}
        aria-describedby={described}
        spellCheck={false}
        autoComplete="off"
        {...rest}
      />
      {error && (
        <p id={errId} className="field__error">
          {error}
        </p>
      )}
      {hint && !error && (
        <p id={hintId} className="field__hint">
          {hint}
        </p>
      )}
    </div>
  )
}
