import { useId, useState, type FormEvent } from 'react'
import { toApiError } from '../../api/client'
import type { Dialect } from '../../api/types'
import { useRefreshRoutes, useResolve } from '../../hooks/useRoutes'
import { effectiveUpstream } from '../../lib/routing'
import { Field } from '../Field'

/** "Test a model name": which route catches it and which members a request would try, in order, now. */
export function ResolveBox() {
  const [model, setModel] = useState('')
  const [dialect, setDialect] = useState<Dialect>('openai')
  const resolve = useResolve()
  const refreshRoutes = useRefreshRoutes()
  const selectId = useId()

  function onSubmit(e: FormEvent) {
    e.preventDefault()
    if (model.trim() === '') return
    resolve.mutate({ model: model.trim(), dialect }, { onSettled: refreshRoutes })
  }

  const r = resolve.data
  return (
    <section className="card" aria-labelledby="resolve-title">
      <h2 id="resolve-title" className="card__title">
        Test a model name
      </h2>
      <form className="resolve" onSubmit={onSubmit} aria-label="Test a model name">
        <Field label="Model name" mono value={model} placeholder="claude-opus-5-5" onChange={setModel} />
        <div className="field resolve__dialect">
          <label htmlFor={selectId} className="field__label">
            Client
          </label>
          <select id={selectId} className="input" value={dialect} onChange={(e) => setDialect(e.target.value as Dialect)}>
            <option value="openai">OpenAI-style (Chat Completions)</option>
            <option value="anthropic">Anthropic-style (Messages, Claude Code)</option>
          </select>
        </div>
        <button type="submit" className="btn btn--primary" disabled={resolve.isPending || model.trim() === ''}>
          {resolve.isPending ? 'Resolving…' : 'Resolve'}
        </button>
      </form>
      <div role="status" data-testid="resolve-result">
        {resolve.isError && <p className="resolve__result error-text">{toApiError(resolve.error).message}</p>}
        {r && !resolve.isPending && (
          <div className="resolve__result">
            <p>
              <code>{r.model}</code> is caught by {r.pattern ? 'the pattern' : 'the alias'} <code>{r.alias}</code>
              {r.group ? `, a route group: tried in this order now` : ''}.
            </p>
            <ol className="resolve__steps">
              {r.members.map((m) => (
                <li key={m.provider_key}>
                  <strong>{m.provider_key}</strong> as <code>{effectiveUpstream(m.upstream, r, r.model)}</code>
                </li>
              ))}
            </ol>
          </div>
        )}
      </div>
    </section>
  )
}
