import type { LogEntry } from '../api/types'

/** A finished log entry; override what the test is about. */
export function entry(id: string, over: Partial<LogEntry> = {}): LogEntry {
  return {
    id,
    started_at: '2026-11-25T21:00:00Z',
    method: 'POST',
    path: '/v1/chat/completions',
    model: 'gpt-4o',
    provider_key: 'openai',
    upstream_model: 'gpt-4o-2024-08-06',
    stream: false,
    status: 200,
    error_source: null,
    error_type: '',
    error_message: '',
    latency_ms: 412,
    ttfb_ms: 380,
    bytes_in: 100,
    bytes_out: 200,
    usage: { prompt_tokens: 12, completion_tokens: 34 },
    client_request_id: id,
    attempt: 1,
    attempts: 1,
    ...over,
  }
}
