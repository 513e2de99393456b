import { cleanup, configure } from '@testing-library/react'
import { afterEach, beforeEach, vi } from 'vitest'
import { resetAdminAuth } from '../lib/adminToken'
import { FakeSocket } from './fakeSocket'

// findBy*/waitFor wait up to 10 s (not 1 s): a loaded machine renders slowly,
// and a query that never matches still fails.
configure({ asyncUtilTimeout: 10_000 })

// Pages follow the live stream: no test opens a real WebSocket.
beforeEach(() => {
  FakeSocket.reset()
  vi.stubGlobal('WebSocket', FakeSocket)
})

afterEach(() => {
  cleanup()
  // The admin token prompt and the token stored for the tab are per test.
  resetAdminAuth()
  sessionStorage.clear()
  vi.unstubAllGlobals()
  window.location.hash = ''
  delete window.runtime
  delete window.go
})
