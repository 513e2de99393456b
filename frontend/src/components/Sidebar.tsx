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
      <a className="brand" href={hrefFor('providers')} title="Sluicegate">
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
                // Below ~1000 px only the icon shows (styles.css): the label
                // stays the link's accessible name and becomes its tooltip.
                title={r.label}
              >
                <Icon name={r.id} />
                <span className="nav__label">{r.label}</span>
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <p className="sidebar__foot">Local LLM API proxy</p>
    </aside>
  )
}
