interface SwitchProps {
  checked: boolean
  onChange: (checked: boolean) => void
  /** Accessible name, e.g. "Enable openai". */
  label: string
  disabled?: boolean
  /** Text shown next to the switch. */
  text?: string
}

/** An on/off switch (a button with role "switch"). */
export function Switch({ checked, onChange, label, disabled = false, text }: SwitchProps) {
  return (
    <button
      type="button"
      role="switch"
      aria-checked={checked}
      aria-label={label}
      className="switch"
      disabled={disabled}
      onClick={() => onChange(!checked)}
    >
      <span className="switch__track" aria-hidden="true">
        <span className="switch__thumb" />
      </span>
      {text && <span className="switch__text">{text}</span>}
    </button>
  )
}
