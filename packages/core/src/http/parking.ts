// The bound on requests held for their shaping delay (leaky bucket), one count per binding instance.

/** How many requests one binding holds at once, by default, while they wait their turn. */
export const DEFAULT_MAX_PARKED = 1000

/** Places for requests that may wait their turn: a count, reserved before the store call. */
export interface Parking {
  /** Takes a place, or answers false when all `maxParked` are taken. */
  reserve(): boolean
  /** Gives a place back (the wait ended, was not needed, or the client left). */
  release(): void
  /** Places taken now. */
  readonly parked: number
}

/**
 * A count of parked requests bounded by `maxParked` (`Infinity` for no bound). A place is taken
 * before the limiter is asked, so a request that finds none asks with a wait bound of 0 and takes
 * nothing from the queue; the place is given back when the wait ends, however it ends.
 *
 * @example
 * const parking = createParking(1000)
 * if (parking.reserve()) try { await waitForTurn(ms, signal) } finally { parking.release() }
 */
export function createParking(maxParked: number): Parking {
  let parked = 0
  return {
    reserve() {
      if (parked >= maxParked) return false
      parked++
      return true
    },
    release() {
      parked--
    },
    get parked() {
      return parked
    },
  }
}
