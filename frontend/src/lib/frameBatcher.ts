// Batches items that arrive faster than the screen refreshes into one flush
// per animation frame, so a burst of live events costs one React update per
// frame instead of one per event.

export interface Batcher<T> {
  push(items: readonly T[]): void
  /** Flushes what is pending now (e.g. before unmount or in tests). */
  flush(): void
  /** Drops what is pending and cancels the scheduled flush. */
  cancel(): void
}

export interface BatcherOptions {
  /** Schedules the next flush; requestAnimationFrame by default. */
  frame?: (cb: () => void) => number
  cancelFrame?: (handle: number) => void
  /**
   * A fallback timer: a hidden tab gets no animation frames, and the
   * pending items would pile up until it is shown again.
   */
  maxDelayMs?: number
}

/** Calls `flush` with everything pushed since the last flush, at most once per frame. */
export function createBatcher<T>(onFlush: (items: T[]) => void, opts: BatcherOptions = {}): Batcher<T> {
  const frame = opts.frame ?? ((cb: () => void) => requestAnimationFrame(cb))
  const cancelFrame = opts.cancelFrame ?? ((h: number) => cancelAnimationFrame(h))
  const maxDelayMs = opts.maxDelayMs ?? 250
  let pending: T[] = []
  let frameHandle: number | null = null
  let timer: ReturnType<typeof setTimeout> | null = null

  const clear = () => {
    if (frameHandle !== null) cancelFrame(frameHandle)
    if (timer !== null) clearTimeout(timer)
    frameHandle = null
    timer = null
  }
  const flush = () => {
    clear()
    if (pending.length === 0) return
    const items = pending
    pending = []
    onFlush(items)
  }
  return {
    push(items) {
      if (items.length === 0) return
      pending.push(...items)
      if (frameHandle === null) frameHandle = frame(flush)
      if (timer === null) timer = setTimeout(flush, maxDelayMs)
    },
    flush,
    cancel() {
      clear()
      pending = []
    },
  }
}
