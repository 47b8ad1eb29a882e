// Every test worker runs this: with SLUICE_WINDOW_EDGE_MS=n set, `Date.now()` reads n ms before an
// hour boundary when each test starts (and runs on at real speed), so every 1 s, 1 min and 1 h
// window closes n ms into the test. A test that counts to a limit on the real clock then fails
// every time instead of once in a few thousand runs: `pnpm test:window-edges` runs the unit tests
// so. Such a test must count on a still clock (`clock: () => NOW`) or on a bucket that cannot refill
// within the test; see the README's Development section.

import { beforeEach } from 'vitest'

const edge = process.env.SLUICE_WINDOW_EDGE_MS
if (edge !== undefined && edge !== '') {
  const lead = Number(edge)
  const HOUR = 3_600_000
  const realNow = Date.now.bind(Date)
  let offset = 0
  Date.now = () => realNow() + offset
  beforeEach(() => {
    const now = realNow()
    // The next hour boundary but one, so the shifted clock never moves backwards between tests.
    offset = Math.ceil(now / HOUR) * HOUR + HOUR - lead - now
  })
}
