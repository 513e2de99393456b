import { describe, expect, it } from 'vitest'
import { buildCurl, proxyRoot, shellQuote } from './curl'

const ROOT = 'http://127.0.0.1:8750'

describe('shellQuote', () => {
  const cases = [
    { in: 'plain', want: `'plain'` },
    { in: `it's`, want: `'it'\\''s'` },
    { in: 'a $HOME `x` "q" \\n', want: `'a $HOME \`x\` "q" \\n'` },
    { in: '', want: `''` },
  ]
  for (const c of cases) it(JSON.stringify(c.in), () => expect(shellQuote(c.in)).toBe(c.want))
})

describe('proxyRoot', () => {
  const cases = [
    ['http://127.0.0.1:8750/v1', 'http://127.0.0.1:8750'],
    ['http://127.0.0.1:8750/v1/', 'http://127.0.0.1:8750'],
    ['http://h:1', 'http://h:1'],
  ] as const
  for (const [in_, want] of cases) it(in_, () => expect(proxyRoot(in_)).toBe(want))
})

describe('buildCurl', () => {
  it('puts the key placeholder in credential headers, keeps the scheme, drops hop-by-hop headers', () => {
    const got = buildCurl(
      {
        method: 'POST',
        path: '/v1/chat/completions',
        headers: {
          Authorization: ['Bearer [REDACTED]'],
          'X-Api-Key': ['[REDACTED]'],
          Connection: ['keep-alive'],
          'Transfer-Encoding': ['chunked'],
          Host: ['127.0.0.1:8750'],
          'Content-Length': ['17'],
          'Accept-Encoding': ['gzip'],
          'Content-Type': ['application/json'],
        },
        body: '{"model":"m"}',
      },
      ROOT,
    )
    expect(got).toBe(
      [
        `curl 'http://127.0.0.1:8750/v1/chat/completions'`,
        `-H 'Authorization: Bearer '"$SLUICEGATE_KEY"`,
        `-H 'Content-Type: application/json'`,
        `-H 'X-Api-Key: '"$SLUICEGATE_KEY"`,
        `--data-raw '{"model":"m"}'`,
      ].join(' \\\n  '),
    )
  })

  it('never copies a credential value, even one the log did not redact', () => {
    const got = buildCurl(
      { method: 'POST', path: '/v1/messages', headers: { 'x-api-key': ['sk-real-123'], authorization: ['sk-bare'], 'api-key': ['k'] }, body: '' },
      ROOT,
    )
    expect(got).not.toMatch(/sk-real-123|sk-bare|: k'/)
    expect(got).toContain(`-H 'x-api-key: '"$SLUICEGATE_KEY"`)
    expect(got).toContain(`-H 'authorization: '"$SLUICEGATE_KEY"`)
  })

  it('a redacted custom header gets the placeholder too', () => {
    const got = buildCurl({ method: 'GET', path: '/v1/models', headers: { 'X-Org-Token': ['[REDACTED]'] }, body: '' }, ROOT)
    expect(got).toBe(`curl 'http://127.0.0.1:8750/v1/models' \\\n  -H 'X-Org-Token: '"$SLUICEGATE_KEY"`)
  })

  it('escapes quotes in the body and header values', () => {
    const got = buildCurl(
      { method: 'POST', path: '/v1/chat/completions', headers: { 'X-Note': [`it's "x"`] }, body: `{"content":"it's $HOME"}` },
      ROOT,
    )
    expect(got).toContain(`-H 'X-Note: it'\\''s "x"'`)
    expect(got).toContain(`--data-raw '{"content":"it'\\''s $HOME"}'`)
  })

  it('names methods curl would not infer', () => {
    expect(buildCurl({ method: 'DELETE', path: '/x', headers: {}, body: '' }, ROOT + '/')).toBe(`curl -X DELETE 'http://127.0.0.1:8750/x'`)
    expect(buildCurl({ method: 'POST', path: '/x', headers: {}, body: '' }, ROOT)).toBe(`curl -X POST 'http://127.0.0.1:8750/x'`)
  })
})
