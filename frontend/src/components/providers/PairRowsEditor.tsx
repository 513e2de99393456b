import type { PairList, PairRow, ProviderFormAction } from '../../lib/providerForm'
import { rowTarget } from '../../lib/providerForm'
import { Field } from '../Field'
import { Icon } from '../Icon'

interface PairRowsEditorProps {
  list: PairList
  rows: PairRow[]
  errors: Record<string, string>
  dispatch: (a: ProviderFormAction) => void
  /** Column headings, e.g. ["Alias", "Upstream model"]. */
  labels: [string, string]
  placeholders: [string, string]
  /** Names a row in accessible labels, e.g. "model" → "Model 2 alias". */
  noun: string
  addLabel: string
  mono?: boolean
}

/** Editable rows of two inputs (model map, custom headers), with add and remove. */
export function PairRowsEditor({ list, rows, errors, dispatch, labels, placeholders, noun, addLabel, mono = true }: PairRowsEditorProps) {
  return (
    <div className="pairs" data-testid={`${list}-editor`}>
      {rows.length > 0 && (
        <div className="pairs__head" aria-hidden="true">
          <span>{labels[0]}</span>
          <span />
          <span>{labels[1]}</span>
          <span />
        </div>
      )}
      <ul className="pairs__rows">
        {rows.map((r, i) => {
          const n = i + 1
          return (
            <li key={r.id} className="pairs__row">
              <Field
                label={`${noun} ${n} ${labels[0].toLowerCase()}`}
                hideLabel
                mono={mono}
                value={r.left}
                placeholder={placeholders[0]}
                error={errors[rowTarget(list, r.id, 'left')]}
                onChange={(value) => dispatch({ type: 'setRow', list, id: r.id, side: 'left', value })}
              />
              <span className="pairs__arrow" aria-hidden="true">→</span>
              <Field
                label={`${noun} ${n} ${labels[1].toLowerCase()}`}
                hideLabel
                mono={mono}
                value={r.right}
                placeholder={placeholders[1]}
                error={errors[rowTarget(list, r.id, 'right')]}
                onChange={(value) => dispatch({ type: 'setRow', list, id: r.id, side: 'right', value })}
              />
              <button
                type="button"
                className="icon-btn"
                aria-label={`Remove ${noun.toLowerCase()} ${n}`}
                title="Remove row"
                onClick={() => dispatch({ type: 'removeRow', list, id: r.id })}
              >
                <Icon name="close" size={15} />
              </button>
            </li>
          )
        })}
      </ul>
      {errors[list] && <p className="field__error" role="alert">{errors[list]}</p>}
      <button type="button" className="btn btn--small btn--ghost" onClick={() => dispatch({ type: 'addRow', list })}>
        <Icon name="plus" size={14} />
        {addLabel}
      </button>
    </div>
  )
}
