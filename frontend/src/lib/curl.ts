// "Copy as curl": one captured request as a shell command that replays it
// against the proxy. Secrets never leave the log (they are "[REDACTED]"
// there), and the command carries none either: credential headers get a
// shell variable the user sets, $SLUICEGATE_KEY.

/** The shell variable a copied command uses in place of the key. */
export const KEY_PLACEHOLDER = '$SLUICEGATE_KEY'

/** The marker the server stores in place of a secret. */
export const REDACTED_MARKER = '[REDACTED]'

/** Hop-by-hop headers (RFC 9110 §7.6.1) and those curl sets itself. */
const DROPPED = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
  'content-length',
  // curl would print a compressed answer as bytes; without it the proxy
  // asks for (and passes through) a plain body.
  'accept-encoding',
])

/** Headers whose value is a credential whatever it looks like. */
const CREDENTIAL = new Set(['authorization', 'proxy-authorization', 'x-api-key', 'api-key'])

export interface CurlInput {
  method: string
  path: string
  headers: Record<string, string[]>
  body: string
}

/** Quotes s for a POSIX shell: single quotes, an inner ' as '\''. */
export function shellQuote(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`
}

/**
 * Quotes s like shellQuote but lets every KEY_PLACEHOLDER in it expand:
 * 'Authorization: Bearer '"$SLUICEGATE_KEY".
 */
function quoteWithPlaceholder(s: string): string {
  return s
    .split(KEY_PLACEHOLDER)
    .map((part) => (part === '' ? '' : shellQuote(part)))
    .join(`"${KEY_PLACEHOLDER}"`)
}

/** A credential header's value with the secret replaced: the scheme ("Bearer") is kept. */
function credentialValue(value: string): string {
  const m = /^(\S+)\s+\S/.exec(value)
  return m ? `${m[1]} ${KEY_PLACEHOLDER}` : KEY_PLACEHOLDER
}

/** The proxy's root URL from its OpenAI base URL ("http://127.0.0.1:8080/v1" → "http://127.0.0.1:8080"). */
export function proxyRoot(openaiBaseURL: string): string {
  return openaiBaseURL.replace(/\/+$/, '').replace(/\/v1$/, '')
}

/**
 * The curl command for a captured request sent to `root` (the proxy's
 * root URL). Header names are sorted so the command is stable.
 */
export function buildCurl(input: CurlInput, root: string): string {
  const method = input.method.toUpperCase()
  // curl sends GET, or POST when it has a body: name any other method.
  const verb = method === 'GET' || (method === 'POST' && input.body !== '') ? '' : ` -X ${method}`
  const parts = [`curl${verb} ${shellQuote(`${root.replace(/\/+$/, '')}${input.path}`)}`]
  for (const name of Object.keys(input.headers).sort()) {
    const lower = name.toLowerCase()
    if (DROPPED.has(lower)) continue
    for (const raw of input.headers[name] ?? []) {
      const value = CREDENTIAL.has(lower) ? credentialValue(raw) : raw.replaceAll(REDACTED_MARKER, KEY_PLACEHOLDER)
      parts.push(`-H ${quoteWithPlaceholder(`${name}: ${value}`)}`)
    }
  }
  if (input.body !== '') parts.push(`--data-raw ${shellQuote(input.body)}`)
  return parts.join(' \\\n  ')
}
