/** Base class of every error sluice throws. Denials are never errors: they are decisions. */
export class SluiceError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = new.target.name
  }
}

/**
 * Which error a shared check throws: `ConfigError` when it checks options at construction,
 * `InputError` when it checks the arguments of a call.
 */
export type ErrorClass = new (message: string, options?: ErrorOptions) => SluiceError

/** Bad options given to a factory: thrown at construction, before anything runs. */
export class ConfigError extends SluiceError {}

/**
 * Rate-limit rules that cannot be used: bad YAML, an unknown key, a bad unit or limit. The message
 * names where (`line 7, column 9` for YAML text, `descriptors[1].rate_limit.unit` always) and what
 * to change; `path`, `line` and `column` carry the same for tools.
 */
export class RulesError extends ConfigError {
  /** Where in the rules: `descriptors[1].rate_limit.unit`; `''` for the whole document. */
  readonly path: string
  /** 1-based line and column in the YAML or JSON text, when the rules came from text. */
  readonly line: number | undefined
  readonly column: number | undefined
  constructor(
    message: string,
    where: { path?: string; line?: number | undefined; column?: number | undefined } = {},
    options?: ErrorOptions,
  ) {
    super(message, options)
    this.path = where.path ?? ''
    this.line = where.line
    this.column = where.column
  }
}

/** The store cannot run an algorithm (or a composite) it was paired with. */
export class UnsupportedAlgorithmError extends ConfigError {}

/** Bad input to a call (`limit`, `peek`, `reset`): an empty key, a bad or impossible cost. */
export class InputError extends SluiceError {}

/** The store failed; `cause` holds the backend's own error. */
export class StoreError extends SluiceError {}

/** The store did not answer within its deadline. */
export class StoreTimeoutError extends StoreError {}
