import { act, fireEvent, render, screen } from '@testing-library/react'
import { describe, expect, it, vi } from 'vitest'
import { App } from '../../App'
import { STATUS, jsonResponse, stubFetch } from '../../test/helpers'

const SETTINGS: DesktopSettings = {
  addr: '',
  close_to_tray: true,
  notifications: true,
  start_at_login: false,
  default_addr: '127.0.0.1:8750',
  current_addr: '127.0.0.1:8750',
  addr_override: false,
  tray_available: true,
  autostart_supported: true,
}

// Each test renders the whole app; on a busy machine that takes seconds.
describe('Settings → Desktop', { timeout: 20_000 }, () => {
  it('is absent in a browser', async () => {
    window.location.hash = '#/settings'
    stubFetch(async () => jsonResponse(STATUS))
    render(<App />)
    expect(await screen.findByText('/root/.config/sluicegate')).toBeTruthy()
    expect(screen.queryByRole('heading', { name: 'Desktop' })).toBeNull()
  })

  it('loads and saves the desktop preferences through the bindings', async () => {
    window.location.hash = '#/settings'
    stubFetch(async () => jsonResponse(STATUS))
    const SetDesktopSettings = vi.fn((input: DesktopPrefsInput) => Promise.resolve({ ...SETTINGS, ...input }))
    window.go = {
      app: { App: { OpenDataDir: () => Promise.resolve(), GetDesktopSettings: () => Promise.resolve(SETTINGS), SetDesktopSettings } },
    }
    render(<App />)
    expect(await screen.findByRole('heading', { name: 'Desktop' })).toBeTruthy()
    const addr = screen.getByLabelText('Listen address')
    fireEvent.change(addr, { target: { value: '0.0.0.0:8750' } })
    fireEvent.click(screen.getByRole('button', { name: 'Save desktop settings' }))
    expect(screen.getByText(/this machine only/)).toBeTruthy()
    expect(SetDesktopSettings).not.toHaveBeenCalled()

    fireEvent.change(addr, { target: { value: '127.0.0.1:8760' } })
    fireEvent.click(screen.getByRole('switch', { name: 'Start Sluicegate at login, hidden in the tray' }))
    fireEvent.click(screen.getByRole('switch', { name: 'Notify me when a provider turns unhealthy or recovers' }))
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Save desktop settings' }))
    })
    expect(SetDesktopSettings).toHaveBeenCalledWith({ addr: '127.0.0.1:8760', close_to_tray: true, notifications: false, start_at_login: true })
    expect(await screen.findByText(/applies when you restart/)).toBeTruthy()
  })

  it('without a tray, close-to-tray is off and explained', async () => {
    window.location.hash = '#/settings'
    stubFetch(async () => jsonResponse(STATUS))
    window.go = {
      app: {
        App: {
          OpenDataDir: () => Promise.resolve(),
          GetDesktopSettings: () => Promise.resolve({ ...SETTINGS, tray_available: false, addr_override: true }),
          SetDesktopSettings: () => Promise.reject('not now'),
        },
      },
    }
    render(<App />)
    const sw = await screen.findByRole('switch', { name: 'Closing the window keeps Sluicegate running in the tray' })
    expect(sw.getAttribute('aria-checked')).toBe('false')
    expect((sw as HTMLButtonElement).disabled).toBe(true)
    expect(screen.getByText(/closing the window quits Sluicegate/)).toBeTruthy()
    expect(screen.getByText(/take precedence over this setting/)).toBeTruthy()
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Save desktop settings' }))
    })
    expect(screen.getByRole('alert').textContent).toContain('not now')
  })
})
