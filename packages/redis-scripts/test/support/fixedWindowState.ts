// The fixed window's Redis state as lua/fixedWindow.lua lays it out, for tests that write or read it directly.

/** 2^53 − 1: the top of each u53 field. */
const TOP = 2n ** 53n - 1n

/** One u53 field and 3 zero bits: 7 bytes, most significant first. */
function field(value: bigint): Buffer {
  const bytes = Buffer.alloc(7)
  let x = value << 3n
  for (let i = 6; i >= 0; i--) {
    bytes[i] = Number(x & 0xffn)
    x >>= 8n
  }
  return bytes
}

function read(bytes: Buffer, at: number): bigint {
  let x = 0n
  for (let i = 0; i < 7; i++) x = (x << 8n) | BigInt(bytes[at + i] as number)
  return x >> 3n
}

/**
 * The 14 bytes of `[windowStart, count]` for a fixed window of `limit`: u53 at bit 0 holds
 * 2^53 − 1 − limit + count, u53 at bit 56 holds windowStart + 1.
 *
 * @example await client.set(key, fixedWindowBytes(5, [1_700_000_000_000, 2]))
 */
export function fixedWindowBytes(limit: number, [start, count]: readonly number[]): Buffer {
  return Buffer.concat([
    field(TOP - BigInt(limit) + BigInt(count as number)),
    field(BigInt(start as number) + 1n),
  ])
}

/** `[windowStart, count]` from the 14 bytes of a fixed window of `limit` (undefined for no state). */
export function fixedWindowState(limit: number, bytes: Buffer): [number, number] | undefined {
  if (bytes.length !== 14) throw new Error(`a fixed-window state is 14 bytes, got ${bytes.length}`)
  const start = read(bytes, 7)
  if (start === 0n) return undefined
  return [Number(start - 1n), Number(read(bytes, 0) - (TOP - BigInt(limit)))]
}
