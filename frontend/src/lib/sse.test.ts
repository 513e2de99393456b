import { describe, expect, it } from 'vitest'
import { isEventStream, splitSSE } from './sse'

describe('splitSSE', () => {
  const cases = [
    { name: 'OpenAI chunks and [DONE]', body: 'data: {"a":1}\n\ndata: {"a":2}\n\ndata: [DONE]\n\n', want: [{ event: '', data: '{"a":1}' }, { event: '', data: '{"a":2}' }, { event: '', data: '[DONE]' }] },
    {
      name: 'Anthropic named events',
      body: 'event: message_start\ndata: {"type":"message_start"}\n\nevent: ping\ndata: {"type": "ping"}\n\n',
      want: [{ event: 'message_start', data: '{"type":"message_start"}' }, { event: 'ping', data: '{"type": "ping"}' }],
    },
    { name: 'CRLF line ends and multi-line data', body: 'data: a\r\ndata: b\r\n\r\ndata:c\r\n\r\n', want: [{ event: '', data: 'a\nb' }, { event: '', data: 'c' }] },
    { name: 'comments, id and retry skipped', body: ': keep-alive\n\nid: 7\nretry: 100\ndata: x\n\n', want: [{ event: '', data: 'x' }] },
    { name: 'a last event cut short is kept', body: 'data: {"a":1}\n\ndata: {"a":', want: [{ event: '', data: '{"a":1}' }, { event: '', data: '{"a":' }] },
    { name: 'empty', body: '', want: [] },
  ]
  for (const c of cases) it(c.name, () => expect(splitSSE(c.body)).toEqual(c.want))
})

describe('isEventStream', () => {
  it('reads Content-Type in any case', () => {
    expect(isEventStream({ 'content-type': ['text/event-stream; charset=utf-8'] })).toBe(true)
    expect(isEventStream({ 'Content-Type': ['application/json'] })).toBe(false)
    expect(isEventStream({})).toBe(false)
  })
})
