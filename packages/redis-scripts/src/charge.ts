// What the charge script takes and answers: the ARGV of `CHARGE_SCRIPT`, and its reply as decisions.
import type { LimitDecision } from '@sluice/core'
import { type ChargeRequest, chargeCap } from '@sluice/core/store'
import { PER_LIMIT, parseSingleReply, type ScriptClock, specOf } from './layout.ts'

/**
 * The ARGV of `CHARGE_SCRIPT` for `request`, whose limits' keys are KEYS in order: now (`''` for
 * the server's clock), the number of limits, then per limit its kind, three params (`''` where a
 * kind has two), its cost (its entry of `costs`, else `cost`) and core's `chargeCap`, so the
 * script saturates exactly where core's `chargeStep` does.
 *
 * @example
 * client.run(CHARGE_SCRIPT, storeKeys(prefix, request.key, request.limits), chargeArgs(request, 'server'))
 */
export function chargeArgs(request: ChargeRequest, clock: ScriptClock): string[] {
  const now = request.now !== undefined ? String(request.now) : clock === 'client' ? String(Date.now()) : ''
  const args = [now, String(request.limits.length)]
  const { costs } = request
  request.limits.forEach((limit, i) => {
    const { kind, params } = specOf(limit)
    const cost = costs === undefined ? request.cost : (costs[i] as number)
    args.push(
      kind,
      params[0] as string,
      params[1] as string,
      params[2] ?? '',
      String(cost),
      String(chargeCap(limit)),
    )
  })
  return args
}

/**
 * The charge script's reply: four values per limit, each read as a lone decision's reply; a
 * `TypeError` for anything else.
 *
 * @example const decisions = parseChargeReply(reply, request)
 */
export function parseChargeReply(reply: unknown, request: ChargeRequest): readonly LimitDecision[] {
  const { limits } = request
  if (!Array.isArray(reply) || reply.length !== limits.length * PER_LIMIT) {
    throw new TypeError(
      `redis-scripts: expected ${limits.length * PER_LIMIT} values from the charge script, got ${Array.isArray(reply) ? `${reply.length}` : typeof reply}`,
    )
  }
  return limits.map((limit, i) => parseSingleReply(reply.slice(i * PER_LIMIT, (i + 1) * PER_LIMIT), limit))
}
