import { cleanup } from '@testing-library/react'
import { afterEach, vi } from 'vitest'
import { resetAdminAuth } from '../lib/adminToken'

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
