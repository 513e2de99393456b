import { render, screen } from '@testing-library/react'
import { describe, expect, it } from 'vitest'
import type { StatusState } from '../hooks/useStatus'
import { StatusBar } from './StatusBar'

describe('StatusBar', () => {
  it('puts each whole base URL in a title, beside its copy button, for when the bar has to shorten it', () => {
    const openai = 'http://127.0.0.1:8750/v1'
    const anthropic = 'http://127.0.0.1:8750'
    const state = {
      kind: 'ready',
      status: { addr: '127.0.0.1:8750', providers: 2, openai_base_url: openai, anthropic_base_url: anthropic, version: '0.1.0' },
    } as unknown as StatusState
    render(<StatusBar state={state} onRetry={() => {}} />)
    expect(screen.getByTestId('statusbar-openai-url').getAttribute('title')).toBe(openai)
    expect(screen.getByTestId('statusbar-anthropic-url').getAttribute('title')).toBe(anthropic)
    expect(screen.getByRole('button', { name: 'Copy OpenAI base URL' })).toBeTruthy()
    expect(screen.getByRole('button', { name: 'Copy Anthropic base URL' })).toBeTruthy()
  })
})
