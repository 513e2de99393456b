import { useEffect, useId, useRef, type ReactNode } from 'react'
import { createPortal } from 'react-dom'

interface ModalProps {
  title: string
  /** One line under the title. */
  description?: ReactNode
  onClose: () => void
  /** Escape and the backdrop do nothing while true (e.g. while saving). */
  busy?: boolean
  size?: 'small' | 'large'
  /** Role "alertdialog" for a confirmation. */
  alert?: boolean
  children: ReactNode
  footer?: ReactNode
}

const FOCUSABLE =
  'a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])'

/**
 * An in-page modal dialog: labelled by its title, focus moved in on open
 * (to `[data-autofocus]` or the first control), kept inside while open, and
 * given back on close. Escape closes.
 */
export function Modal({ title, description, onClose, busy = false, size = 'large', alert = false, children, footer }: ModalProps) {
  const titleId = useId()
  const descId = useId()
  const panel = useRef<HTMLDivElement>(null)
  const closeRef = useRef(onClose)
  const busyRef = useRef(busy)
  useEffect(() => {
    closeRef.current = onClose
    busyRef.current = busy
  })

  useEffect(() => {
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null
    const el = panel.current
    const first = el?.querySelector<HTMLElement>('[data-autofocus]') ?? el?.querySelector<HTMLElement>(FOCUSABLE)
    ;(first ?? el)?.focus()
    return () => {
      if (opener?.isConnected) opener.focus()
    }
  }, [])

  function onKeyDown(e: React.KeyboardEvent<HTMLDivElement>) {
    if (e.key === 'Escape') {
      e.stopPropagation()
      if (!busyRef.current) closeRef.current()
      return
    }
    if (e.key !== 'Tab' || !panel.current) return
    const items = Array.from(panel.current.querySelectorAll<HTMLElement>(FOCUSABLE)).filter(
      (n) => n.offsetParent !== null || n === document.activeElement,
    )
    const firstItem = items[0]
    const lastItem = items[items.length - 1]
    if (!firstItem || !lastItem) return
    if (e.shiftKey && document.activeElement === firstItem) {
      e.preventDefault()
      lastItem.focus()
    } else if (!e.shiftKey && document.activeElement === lastItem) {
      e.preventDefault()
      firstItem.focus()
    }
  }

  return createPortal(
    <div
      className="modal"
      onMouseDown={(e) => {
        if (e.target === e.currentTarget && !busyRef.current) closeRef.current()
      }}
    >
      <div
        ref={panel}
        className={`modal__panel modal__panel--${size}`}
        role={alert ? 'alertdialog' : 'dialog'}
        aria-modal="true"
        aria-labelledby={titleId}
        aria-describedby={description ? descId : undefined}
        tabIndex={-1}
        onKeyDown={onKeyDown}
      >
        <header className="modal__head">
          <h2 id={titleId} className="modal__title">{title}</h2>
          {description && <p id={descId} className="modal__desc">{description}</p>}
        </header>
        <div className="modal__body">{children}</div>
        {footer && <footer className="modal__foot">{footer}</footer>}
      </div>
    </div>,
    document.body,
  )
}
