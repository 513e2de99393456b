import logoUrl from '../assets/logo.svg'
import { ROUTES, hrefFor, type RouteId } from '../lib/routes'
import { Icon } from './Icon'

interface SidebarProps {
  current: RouteId
}

/** The brand and the page navigation. */
export function Sidebar({ current }: SidebarProps) {
  return (
    <aside className="sidebar">
      <a className="brand" href={hrefFor('providers')}>
        <img className="brand__mark" src={logoUrl} alt="" width={28} height={28} />
        <span className="brand__name">Sluicegate</span>
      </a>
      <nav aria-label="Main">
        <ul className="nav">
          {ROUTES.map((r) => (
            <li key={r.id}>
              <a
                className="nav__link"
                href={hrefFor(r.id)}
                aria-current={r.id === current ? 'page' : undefined}
              >
                <Icon name={r.id} />
                <span>{r.label}</span>
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <p className="sidebar__foot">Local LLM API proxy</p>
    </aside>
  )
}
