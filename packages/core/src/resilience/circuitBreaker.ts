// Stops a limiter from calling a store that keeps failing, and probes it back.
import type { Duration } from '../duration.ts'
import { StoreError } from '../errors.ts'
import { monotonicNow } from './runtime.ts'

/** The store failed too often in a row: calls are answered by the store-error mode (`onStoreError`) for a while. */
export class CircuitOpenError extends StoreError {}

/** Circuit breaker settings; see {@link CircuitBreaker}. */
export interface CircuitBreakerOptions {
  /** Consecutive store faults that open the circuit. Default 5. */
  readonly failures?: number
  /**
   * How long an open circuit answers without calling the store before one probe: milliseconds or
   * a string such as `'2s'`. Default 500 ms.
   */
  readonly coolDownMs?: Duration
}

/**
 * Stops a limiter from hammering a dead store. Closed: every call goes to the store; after
 * `failures` faults in a row it opens. Open: no call goes to the store for `coolDownMs`; then the
 * next call is a probe (half-open, one at a time, others still answered by the store-error mode). A probe that
 * succeeds closes the circuit; one that fails opens it for another `coolDownMs`. Any success,
 * even of a call started before the circuit opened, closes it: the store is answering.
 */
export class CircuitBreaker {
  #faults = 0
  #openUntil = 0
  #open = false
  #probing = false

  constructor(
    private readonly failures: number,
    private readonly coolDownMs: number,
  ) {}

  /** True when the store should be called; false when the store-error mode must answer the call. */
  admit(): boolean {
    if (!this.#open) return true
    if (this.#probing || monotonicNow() < this.#openUntil) return false
    this.#probing = true
    return true
  }

  success(): void {
    this.#faults = 0
    this.#open = false
    this.#probing = false
  }

  failure(): void {
    this.#faults++
    if (this.#probing || this.#faults >= this.failures) {
      this.#open = true
      this.#probing = false
      this.#openUntil = monotonicNow() + this.coolDownMs
    }
  }

  /** Milliseconds until the next probe while open (at least 1), else 0. */
  get retryAfterMs(): number {
    return this.#open ? Math.max(1, Math.ceil(this.#openUntil - monotonicNow())) : 0
  }

  get isOpen(): boolean {
    return this.#open
  }

  error(store: string): CircuitOpenError {
    return new CircuitOpenError(
      `${store} store: ${this.failures} calls in a row failed, so the limiter stops calling it for ${this.coolDownMs} ms and then probes it with one call; this call was answered without the store`,
    )
  }
}
