import { act, fireEvent, render, screen } from '@testing-library/react'
import { describe, expect, it, vi } from 'vitest'
import { App } from '../../App'
import { STATUS, jsonResponse, stubFetch } from '../../test/helpers'

const conflict: DesktopStartupState = {
  state: 'conflict',
  addr: '127.0.0.1:8750',
  holder: 'other',
  suggested_addr: '127.0.0.1:8751',
  suggested_port: 8751,
  message: 'port 8750 is already in use',
  addr_override: false,
}

function bindings(over: Partial<SluicegateAppBindings>): SluicegateAppBindings {
  return { OpenDataDir: () => Promise.resolve(), ...over }
}

// Each test renders the whole app; on a busy machine that takes seconds.
describe('desktop start-up gate', { timeout: 20_000 }, () => {
  it('shows the conflict screen, then the dashboard after "Use port N instead"', async () => {
    stubFetch(async () => jsonResponse({ ...STATUS, addr: '127.0.0.1:8751' }))
    const UseAddr = vi.fn(() => Promise.resolve({ state: 'running', addr: '127.0.0.1:8751', addr_override: false } as DesktopStartupState))
    window.go = { app: { App: bindings({ StartupState: () => Promise.resolve(conflict), UseAddr }) } }
    render(<App />)
    expect(await screen.findByRole('heading', { name: /can’t use 127.0.0.1:8750/ })).toBeTruthy()
    expect(screen.getByText(/Another program is using 127.0.0.1:8750/)).toBeTruthy()
    // No dashboard behind it.
    expect(screen.queryByRole('navigation')).toBeNull()
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Use port 8751 instead' }))
    })
    expect(UseAddr).toHaveBeenCalledWith('127.0.0.1:8751', false)
    expect(await screen.findByRole('navigation')).toBeTruthy()
    expect(screen.queryByText(/can’t use/)).toBeNull()
  })

  it('"Change port…" checks the port and remembers it; a new conflict is shown', async () => {
    stubFetch(async () => jsonResponse(STATUS))
    const again: DesktopStartupState = { ...conflict, addr: '127.0.0.1:9000', holder: 'sluicegate', holder_version: '0.2.0', suggested_port: 9001, suggested_addr: '127.0.0.1:9001' }
    const UseAddr = vi.fn(() => Promise.resolve(again))
    window.go = { app: { App: bindings({ StartupState: () => Promise.resolve(conflict), UseAddr }) } }
    render(<App />)
    fireEvent.click(await screen.findByRole('button', { name: 'Change port…' }))
    const input = screen.getByLabelText('New port')
    fireEvent.change(input, { target: { value: '80' } })
    fireEvent.click(screen.getByRole('button', { name: 'Use and remember' }))
    expect(screen.getByText(/1024 to 65535/)).toBeTruthy()
    expect(UseAddr).not.toHaveBeenCalled()
    fireEvent.change(input, { target: { value: '9000' } })
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Use and remember' }))
    })
    expect(UseAddr).toHaveBeenCalledWith('127.0.0.1:9000', true)
    expect(await screen.findByText(/Another Sluicegate \(version 0.2.0\) is already running on 127.0.0.1:9000/)).toBeTruthy()
    expect(screen.getByRole('button', { name: 'Use port 9001 instead' })).toBeTruthy()
  })

  it('Quit calls the binding; a failure is shown', async () => {
    const Quit = vi.fn(() => Promise.reject('cannot quit'))
    window.go = { app: { App: bindings({ StartupState: () => Promise.resolve(conflict), Quit }) } }
    render(<App />)
    await act(async () => {
      fireEvent.click(await screen.findByRole('button', { name: 'Quit' }))
    })
    expect(Quit).toHaveBeenCalled()
    expect(screen.getByRole('alert').textContent).toContain('cannot quit')
  })

  it('renders the dashboard at once when the server runs', async () => {
    stubFetch(async () => jsonResponse(STATUS))
    window.go = { app: { App: bindings({ StartupState: () => Promise.resolve({ state: 'running', addr: '127.0.0.1:8750', addr_override: false }) }) } }
    render(<App />)
    expect(await screen.findByRole('navigation')).toBeTruthy()
  })
})
