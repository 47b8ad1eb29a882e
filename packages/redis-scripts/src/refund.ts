// What the refund script takes: the ARGV of `REFUND_SCRIPT` for a store's refund request.
import type { Algorithm } from '@sluice/core'
import type { RefundRequest } from '@sluice/core/store'
import { type ScriptClock, specOf } from './layout.ts'

/**
 * The ARGV of `REFUND_SCRIPT` for `request`, whose limits' keys are KEYS in order: now (`''` for
 * the server's clock), cost (per limit joined by ',' when they differ), the number of limits, then per limit its kind, three params (`''`
 * where a kind has two) and its `takenResetMs` (`''` for a refund by key).
 *
 * @example
 * client.run(REFUND_SCRIPT, storeKeys(prefix, request.key, request.limits), refundArgs(request, 'server'))
 */
export function refundArgs(request: RefundRequest, clock: ScriptClock): string[] {
  const now = request.now !== undefined ? String(request.now) : clock === 'client' ? String(Date.now()) : ''
  // Per-limit costs travel joined by ',' ('1,1200'); the usual refund, one number.
  const cost = request.costs === undefined ? String(request.cost) : request.costs.join(',')
  const args = [now, cost, String(request.limits.length)]
  const taken = request.takenResetMs
  request.limits.forEach((limit: Algorithm, i) => {
    const { kind, params } = specOf(limit)
    args.push(
      kind,
      params[0] as string,
      params[1] as string,
      params[2] ?? '',
      taken === undefined ? '' : String(taken[i]),
    )
  })
  return args
}
