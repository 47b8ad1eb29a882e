/** Base class of every error sluice throws. Denials are never errors: they are decisions. */
export class SluiceError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = new.target.name
  }
}

/** Bad options given to a factory: thrown at construction, before anything runs. */
export class ConfigError extends SluiceError {}

/** The store cannot run an algorithm (or a composite) it was paired with. */
export class UnsupportedAlgorithmError extends ConfigError {}

/** Bad input to a call (`limit`, `peek`, `reset`): an empty key, a bad or impossible cost. */
export class InputError extends SluiceError {}

/** The store failed; `cause` holds the backend's own error. */
export class StoreError extends SluiceError {}

/** The store did not answer within its deadline. */
export class StoreTimeoutError extends StoreError {}
