/** A small spinning ring in the current text colour; decorative (say what runs in text). */
export function Spinner({ size = 14 }: { size?: number }) {
  return <span className="spinner" style={{ width: size, height: size }} aria-hidden="true" />
}
