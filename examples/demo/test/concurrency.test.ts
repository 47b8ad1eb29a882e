import { describe, expect, it } from 'vitest'
import { renderConcurrency, simulateConcurrency } from '../src/concurrency.ts'
import { PLAIN } from '../src/terminalReport.ts'

describe('the concurrency section', () => {
  it('never runs more than 3 jobs at once: three start as each three end', async () => {
    const starts = await simulateConcurrency()
    expect(starts).toHaveLength(12)
    expect(starts.map((s) => s.atMs)).toEqual([0, 0, 0, 300, 300, 300, 600, 600, 600, 900, 900, 900])
    expect(starts.slice(0, 3).map((s) => s.free)).toEqual([2, 1, 0])
    const text = renderConcurrency(starts, PLAIN)
    expect(text).toContain('t= 300 ms  job 4, job 5, job 6 start')
  })
})
