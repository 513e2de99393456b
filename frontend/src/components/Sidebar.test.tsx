import { render, screen, within } from '@testing-library/react'
import { describe, expect, it } from 'vitest'
import { ROUTES } from '../lib/routes'
import { Sidebar } from './Sidebar'

describe('Sidebar', () => {
  it('names every link by its label and shows the label as a tooltip (the collapsed sidebar shows icons only)', () => {
    render(<Sidebar current="health" />)
    const nav = screen.getByRole('navigation', { name: 'Main' })
    for (const r of ROUTES) {
      const link = within(nav).getByRole('link', { name: r.label })
      expect(link.getAttribute('title')).toBe(r.label)
      expect(link.getAttribute('href')).toBe(`#/${r.id}`)
      // The label is in a span the narrow layout hides visually, not with display:none.
      expect(within(link).getByText(r.label).className).toBe('nav__label')
    }
    expect(within(nav).getByRole('link', { name: 'Health' }).getAttribute('aria-current')).toBe('page')
  })
})
