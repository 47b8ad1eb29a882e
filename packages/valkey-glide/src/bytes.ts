// Script arguments as the Buffers GLIDE sends: the repeating short ones (numbers, plans) made once, not per call.

/** The most arguments kept: enough for every limit's params and plans of an app, bounded whatever it does. */
const MAX_CACHED = 1024

/** Longest argument kept: numbers and plans are short; keys (per user) are not kept. */
const MAX_LENGTH = 24

/** Digits, sign, point and the comma of a plan or per-limit costs: never a store key (every one holds its hash tag's braces). */
const CACHEABLE = /^[0-9.,-]*$/

/**
 * A maker of script arguments as Buffers, the repeating numeric ones shared across calls: GLIDE
 * turns every string argument into a new Buffer per call, and a decision's limit params, cost and
 * mode repeat on every call. The Buffers are only read (GLIDE copies them into its request), so
 * sharing one is safe. One per store: at most `MAX_CACHED` short Buffers each.
 *
 * @example
 * const argBuffers = argBufferCache()
 * argBuffers(['', '1', '1000']) // [<Buffer >, <Buffer 31>, <Buffer 31 30 30 30>], the same Buffers next call
 */
export function argBufferCache(): (args: readonly string[]) => Buffer[] {
  const cached = new Map<string, Buffer>()

  function argBuffer(arg: string): Buffer {
    if (arg.length > MAX_LENGTH) return Buffer.from(arg)
    let bytes = cached.get(arg)
    if (bytes !== undefined) return bytes
    bytes = Buffer.from(arg)
    if (CACHEABLE.test(arg)) {
      // Full (an app whose numbers never repeat): start over rather than grow.
      if (cached.size >= MAX_CACHED) cached.clear()
      cached.set(arg, bytes)
    }
    return bytes
  }

  return (args) => {
    const out = new Array<Buffer>(args.length)
    for (let i = 0; i < args.length; i++) out[i] = argBuffer(args[i] as string)
    return out
  }
}
