/**
 * A virtual clock and its event queue: the regions simulation's time moves event by event, never
 * by sleeping, so a 150 ms link costs no wall time and every run of one seed gives the same figures.
 */

interface Event {
  readonly at: number
  readonly seq: number
  readonly run: () => void
}

/** Lets every promise continuation of the current event run (the memory stores answer in microtasks). */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

export class VirtualTime {
  now = 0
  private readonly heap: Event[] = []
  private seq = 0

  /** Runs `run` at virtual time `at` (events at one time run in the order they were scheduled). */
  at(at: number, run: () => void): void {
    const heap = this.heap
    heap.push({ at, seq: this.seq++, run })
    let i = heap.length - 1
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (!before(heap[i] as Event, heap[parent] as Event)) break
      ;[heap[i], heap[parent]] = [heap[parent] as Event, heap[i] as Event]
      i = parent
    }
  }

  /** Resolves `ms` of virtual time from now. */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.at(this.now + ms, resolve))
  }

  /** Runs every event up to `until`, letting each one's promise continuations finish first. */
  async run(until: number): Promise<void> {
    while (this.heap.length > 0 && (this.heap[0] as Event).at <= until) {
      const next = this.pop()
      this.now = next.at
      next.run()
      await settle()
    }
    this.now = until
  }

  private pop(): Event {
    const heap = this.heap
    const top = heap[0] as Event
    const last = heap.pop() as Event
    if (heap.length > 0) {
      heap[0] = last
      let i = 0
      for (;;) {
        const l = 2 * i + 1
        const r = l + 1
        let m = i
        if (l < heap.length && before(heap[l] as Event, heap[m] as Event)) m = l
        if (r < heap.length && before(heap[r] as Event, heap[m] as Event)) m = r
        if (m === i) break
        ;[heap[i], heap[m]] = [heap[m] as Event, heap[i] as Event]
        i = m
      }
    }
    return top
  }
}

function before(a: Event, b: Event): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq)
}
