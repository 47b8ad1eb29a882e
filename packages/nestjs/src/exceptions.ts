// The refusals as Nest exceptions, so exception filters see them: 429 (or 503) and 400.

import { BadRequestException, HttpException } from '@nestjs/common'
import type { Decision } from '@sluice/core'
import type { InvalidRequest, ProblemDetails, RateLimited } from '@sluice/core/http'

/**
 * A request the limiter refused: status 429 (your `statusCode`, or 503 when the store is down and
 * `onStoreError` is `'deny'`), the problem+json body as its response. Nest's default filter sends
 * that body; the rate-limit headers, `Retry-After` and `Cache-Control: no-store` are already set.
 *
 * @example
 * \@Catch(RateLimitException)
 * class TooManyFilter implements ExceptionFilter {
 *   catch(error: RateLimitException, host: ArgumentsHost) {
 *     host.switchToHttp().getResponse().status(error.getStatus()).json({ retryIn: error.retryAfterSeconds })
 *   }
 * }
 */
export class RateLimitException extends HttpException {
  /** The decision that refused the request. */
  readonly decision: Decision
  /** `Retry-After`, in whole seconds. */
  readonly retryAfterSeconds: number
  /** The problem body sent by default. */
  readonly problem: ProblemDetails

  constructor(limited: RateLimited) {
    super(limited.problem, limited.status, { description: limited.problem.title })
    this.decision = limited.decision
    this.retryAfterSeconds = limited.retryAfterSeconds
    this.problem = limited.problem
  }
}

/**
 * A request the limiter cannot use as sent: its key, cost, client address or descriptors are
 * empty, malformed or too large (the client's fault). Its response is a 400 problem body that says
 * what was unusable, never the value; `cause` is the `InputError`, for your logs only.
 */
export class RateLimitBadRequestException extends BadRequestException {
  constructor(invalid: InvalidRequest) {
    super(invalid.problem, { cause: invalid.error, description: invalid.problem.title })
  }
}
