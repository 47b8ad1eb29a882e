-- Twin of core/src/algorithms/concurrency.ts. State: the sliding log's sorted set, one member per
-- unit of a live lease, scored by the time the lease was taken; a lease counts until its time +
-- leaseMs (the sorted set of lease expiries, shifted by leaseMs). Params: limit, leaseMs.
--
-- core's concurrencyStep is the sliding log's step with the lease duration as its window, so its
-- twin is the sliding log's read, step and write (slidingLog.lua precedes this file). A release is
-- refund.lua's sliding-log removal of exactly the take's own entries; a refund by key releases
-- nothing (it would have to pick another holder's lease).
local concurrencyRead, concurrencyStep, concurrencyWrite = slidingLogRead, slidingLogStep, slidingLogWrite
