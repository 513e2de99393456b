import type { ReactNode } from 'react'
import { Icon, type IconName } from './Icon'

interface ComingSoonProps {
  icon: IconName
  title: string
  children: ReactNode
}

/** The placeholder of a page that a later release fills in. */
export function ComingSoon({ icon, title, children }: ComingSoonProps) {
  return (
    <section className="card empty">
      <div className="empty__icon">
        <Icon name={icon} size={22} />
      </div>
      <h2 className="empty__title">
        {title} <span className="badge">Coming soon</span>
      </h2>
      <div className="empty__body">{children}</div>
    </section>
  )
}
