import type { ReactNode } from 'react'

interface PageHeaderProps {
  title: string
  lead: ReactNode
  /** Buttons at the right of the title, e.g. "Add provider". */
  actions?: ReactNode
}

export function PageHeader({ title, lead, actions }: PageHeaderProps) {
  return (
    <header className="page-header">
      <div className="page-header__text">
        <h1>{title}</h1>
        <p className="page-header__lead">{lead}</p>
      </div>
      {actions && <div className="page-header__actions">{actions}</div>}
    </header>
  )
}
