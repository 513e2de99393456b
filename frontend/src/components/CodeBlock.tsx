import { CopyButton } from './CopyButton'

interface CodeBlockProps {
  code: string
  /** Shown in the block's title row, e.g. "Python". */
  language: string
  copyLabel: string
}

export function CodeBlock({ code, language, copyLabel }: CodeBlockProps) {
  return (
    <div className="code">
      <div className="code__bar">
        <span className="code__lang">{language}</span>
        <CopyButton text={code} label={copyLabel} showText className="copy-btn--ghost" />
      </div>
      <pre className="code__body">
        <code>{code}</code>
      </pre>
    </div>
  )
}
