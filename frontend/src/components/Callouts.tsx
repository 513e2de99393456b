import type { ReactNode } from 'react'
import { Icon, type IconName } from './Icon'

/** A short message after an action: it worked, for information, or failed. */
export type Notice = { kind: 'ok' | 'info' | 'error'; text: string }

const noticeLook: Record<Notice['kind'], { className: string; icon: IconName }> = {
  ok: { className: 'callout--ok', icon: 'check' },
  info: { className: 'callout--note', icon: 'health' },
  error: { className: 'callout--error', icon: 'alert' },
}

/** A dismissible one-line notice; errors are alerts, the rest polite status. */
export function NoticeBar({ notice, onDismiss }: { notice: Notice; onDismiss: () => void }) {
  const look = noticeLook[notice.kind]
  return (
    <p className={`callout ${look.className} callout--inline`} role={notice.kind === 'error' ? 'alert' : 'status'}>
      <Icon name={look.icon} size={16} />
      <span>{notice.text}</span>
      <button type="button" className="icon-btn callout__close" aria-label="Dismiss" onClick={onDismiss}>
        <Icon name="close" size={14} />
      </button>
    </p>
  )
}

/** The card shown when a page's data could not be loaded, with Retry. */
export function LoadError({ title, message, hint, onRetry }: { title: string; message: string; hint?: ReactNode; onRetry: () => void }) {
  return (
    <section className="card callout callout--error" role="alert">
      <Icon name="alert" size={20} />
      <div>
        <h2 className="callout__title">{title}</h2>
        <p>{message}</p>
        {hint && <p className="muted">{hint}</p>}
        <button type="button" className="btn" onClick={onRetry}>
          <Icon name="retry" size={15} />
          Retry
        </button>
      </div>
    </section>
  )
}
