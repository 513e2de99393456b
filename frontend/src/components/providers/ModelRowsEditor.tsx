import type { Route } from '../../api/types'
import type { PairRow, ProviderFormAction, RowSide } from '../../lib/providerForm'
import { rowTarget } from '../../lib/providerForm'
import { catchesText, isPattern, patternHint } from '../../lib/routing'
import { Field } from '../Field'
import { Icon } from '../Icon'
import '../../styles/routing.css'

interface ModelRowsEditorProps {
  rows: PairRow[]
  errors: Record<string, string>
  dispatch: (a: ProviderFormAction) => void
  /** The routes of the saved configuration (edit mode), for what a pattern caught recently; undefined when unknown. */
  routes: Route[] | undefined
}

/**
 * The model map: alias → upstream model, and per row the route-group
 * priority and the statuses that fail over to the next member. A pattern
 * row says what it catches (and, once saved, what it caught recently).
 */
export function ModelRowsEditor({ rows, errors, dispatch, routes }: ModelRowsEditorProps) {
  const set = (id: number, side: RowSide) => (value: string) => dispatch({ type: 'setRow', list: 'models', id, side, value })
  return (
    <div className="pairs mrows" data-testid="models-editor">
      {rows.length > 0 && (
        <div className="mrows__head" aria-hidden="true">
          <span>Alias</span>
          <span />
          <span>Upstream model</span>
          <span title="Route group: lower is tried first. Blank: not in a group.">Priority</span>
          <span title="Statuses that pass the request to the next member of the group">Fail over on</span>
          <span />
        </div>
      )}
      <ul className="pairs__rows">
        {rows.map((r, i) => {
          const n = i + 1
          const hint = patternHint(r.left, r.right)
          const caught = catchesText(routes, r.left) // '' unless a saved pattern caught models
          return (
            <li key={r.id} className="mrows__item" data-testid="model-row">
              <div className="mrows__row">
                <Field
                  label={`Model ${n} alias`}
                  hideLabel
                  mono
                  value={r.left}
                  placeholder="gpt-4o or claude-*"
                  error={errors[rowTarget('models', r.id, 'left')]}
                  onChange={set(r.id, 'left')}
                />
                <span className="pairs__arrow" aria-hidden="true">→</span>
                <Field
                  label={`Model ${n} upstream model`}
                  hideLabel
                  mono
                  value={r.right}
                  placeholder={isPattern(r.left) ? 'the name as sent' : 'gpt-4o-2024-08-06'}
                  error={errors[rowTarget('models', r.id, 'right')]}
                  onChange={set(r.id, 'right')}
                />
                <Field
                  label={`Model ${n} priority`}
                  hideLabel
                  mono
                  inputMode="numeric"
                  className="mrows__prio"
                  value={r.priority ?? ''}
                  placeholder="—"
                  error={errors[rowTarget('models', r.id, 'priority')]}
                  onChange={set(r.id, 'priority')}
                />
                <Field
                  label={`Model ${n} fail over on`}
                  hideLabel
                  mono
                  className="mrows__failover"
                  value={r.failoverOn ?? ''}
                  placeholder={r.priority ? 'e.g. 429, 529' : ''}
                  error={errors[rowTarget('models', r.id, 'failoverOn')]}
                  onChange={set(r.id, 'failoverOn')}
                />
                <button
                  type="button"
                  className="icon-btn"
                  aria-label={`Remove model ${n}`}
                  title="Remove row"
                  onClick={() => dispatch({ type: 'removeRow', list: 'models', id: r.id })}
                >
                  <Icon name="close" size={15} />
                </button>
              </div>
              {hint && (
                <p className="mrows__hint" data-testid="pattern-hint">
                  {hint}
                  {caught && (
                    <>
                      {' '}
                      <span className="mrows__caught">{caught}</span>
                    </>
                  )}
                </p>
              )}
            </li>
          )
        })}
      </ul>
      {errors.models && <p className="field__error" role="alert">{errors.models}</p>}
      <p className="mrows__note muted">
        Give the same alias a priority on several providers to make a route group: the lowest is tried first, the next
        only when it gave no response or answered a status listed under “Fail over on”.
      </p>
      <button type="button" className="btn btn--small btn--ghost" onClick={() => dispatch({ type: 'addRow', list: 'models' })}>
        <Icon name="plus" size={14} />
        Add model
      </button>
    </div>
  )
}
