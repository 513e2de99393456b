import type { ReactNode } from 'react'

interface PageHeaderProps {
  title: string
  lead: ReactNode
}

export function PageHeader({ title, lead }: PageHeaderProps) {
  return (
    <header className="page-header">
      <h1>{title}</h1>
      <p className="page-header__lead">{lead}</p>
    </header>
  )
}
