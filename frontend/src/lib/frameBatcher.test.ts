import { describe, expect, it, vi } from 'vitest'
import { createBatcher } from './frameBatcher'

function manualFrames() {
  const cbs = new Map<number, () => void>()
  let next = 1
  return {
    frame: (cb: () => void) => {
      cbs.set(next, cb)
      return next++
    },
    cancelFrame: (h: number) => void cbs.delete(h),
    run: () => {
      const all = [...cbs.values()]
      cbs.clear()
      for (const cb of all) cb()
    },
    pending: () => cbs.size,
  }
}

describe('createBatcher', () => {
  it('flushes everything pushed before a frame in one call', () => {
    const f = manualFrames()
    const flush = vi.fn()
    const b = createBatcher<number>(flush, { ...f, maxDelayMs: 60_000 })
    for (let i = 0; i < 1000; i++) b.push([i])
    expect(f.pending()).toBe(1)
    expect(flush).not.toHaveBeenCalled()
    f.run()
    expect(flush).toHaveBeenCalledTimes(1)
    expect(flush.mock.calls[0]![0]).toHaveLength(1000)
    b.push([1])
    f.run()
    expect(flush).toHaveBeenCalledTimes(2)
    b.cancel()
  })

  it('flushes by timer when no frame comes (a hidden tab)', async () => {
    const f = manualFrames()
    const got: number[][] = []
    const done = new Promise<void>((resolve) => {
      const b = createBatcher<number>(
        (items) => {
          got.push(items)
          resolve()
        },
        { ...f, maxDelayMs: 5 },
      )
      b.push([1, 2])
    })
    await done
    expect(got).toEqual([[1, 2]])
    expect(f.pending()).toBe(0)
  })

  it('cancel drops what is pending', () => {
    const f = manualFrames()
    const flush = vi.fn()
    const b = createBatcher<number>(flush, { ...f, maxDelayMs: 60_000 })
    b.push([1])
    b.cancel()
    f.run()
    expect(flush).not.toHaveBeenCalled()
  })
})
