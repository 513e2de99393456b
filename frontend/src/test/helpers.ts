import { vi } from 'vitest'
import type { Status } from '../api/types'

export const STATUS: Status = {
  version: '0.1.0',
  addr: '127.0.0.1:8750',
  openai_base_url: 'http://127.0.0.1:8750/v1',
  anthropic_base_url: 'http://127.0.0.1:8750',
  data_dir: '/root/.config/sluicegate',
  started_at: '2026-11-25T21:00:00Z',
  providers: 0,
}

export function jsonResponse(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json' },
  })
}

/** Stubs global fetch with a mock that answers in order, then repeats the last answer. */
export function stubFetch(...answers: Array<() => Promise<Response>>) {
  let i = 0
  const fn = vi.fn((_input: RequestInfo | URL, _init?: RequestInit): Promise<Response> => {
    const answer = answers[Math.min(i, answers.length - 1)]
    i++
    if (!answer) return Promise.reject(new Error('no answer configured'))
    return answer()
  })
  vi.stubGlobal('fetch', fn)
  return fn
}

/** Installs navigator.clipboard (jsdom has none); returns its writeText mock. */
export function stubClipboard(writeText: (text: string) => Promise<void>) {
  const mock = vi.fn(writeText)
  Object.defineProperty(navigator, 'clipboard', {
    value: { writeText: mock },
    configurable: true,
  })
  return mock
}

export function removeClipboard() {
  Object.defineProperty(navigator, 'clipboard', { value: undefined, configurable: true })
}

/** Installs document.execCommand (jsdom has none); returns its mock. */
export function stubExecCommand(result: boolean) {
  const mock = vi.fn((_command: string) => result)
  Object.defineProperty(document, 'execCommand', { value: mock, configurable: true, writable: true })
  return mock
}
