// The Redis Cluster hash slot of a store key: CRC16 (XMODEM) of the UTF-8 bytes of its hash tag,
// modulo 16384. Store keys always carry one tag, so only the tag is hashed.

const TABLE = (() => {
  const table = new Uint16Array(256)
  for (let i = 0; i < 256; i++) {
    let crc = i << 8
    for (let bit = 0; bit < 8; bit++)
      crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff
    table[i] = crc
  }
  return table
})()

function step(crc: number, byte: number): number {
  return ((crc << 8) & 0xffff) ^ (TABLE[((crc >> 8) ^ byte) & 0xff] as number)
}

/**
 * The Cluster slot Redis puts `key` in (`CLUSTER KEYSLOT`): the CRC16 of the part between the
 * first `{` and the next `}` when that part is not empty, else of the whole key.
 *
 * @example keySlot('{sluice:user:42}:fw:100:60000') === keySlot('{sluice:user:42}:gc:10:1000:10') // true
 */
export function keySlot(key: string): number {
  let from = 0
  let to = key.length
  const open = key.indexOf('{')
  if (open !== -1) {
    const close = key.indexOf('}', open + 1)
    if (close > open + 1) {
      from = open + 1
      to = close
    }
  }
  let crc = 0
  for (let i = from; i < to; i++) {
    let c = key.charCodeAt(i)
    if (c < 0x80) {
      crc = step(crc, c)
    } else if (c < 0x800) {
      crc = step(step(crc, 0xc0 | (c >> 6)), 0x80 | (c & 0x3f))
    } else {
      // A surrogate pair is one code point of four bytes; a lone surrogate is U+FFFD, as in UTF-8 encoders.
      if (c >= 0xd800 && c <= 0xdfff) {
        const low = i + 1 < to ? key.charCodeAt(i + 1) : 0
        if (c <= 0xdbff && low >= 0xdc00 && low <= 0xdfff) {
          const point = 0x10000 + ((c - 0xd800) << 10) + (low - 0xdc00)
          crc = step(crc, 0xf0 | (point >> 18))
          crc = step(crc, 0x80 | ((point >> 12) & 0x3f))
          crc = step(crc, 0x80 | ((point >> 6) & 0x3f))
          crc = step(crc, 0x80 | (point & 0x3f))
          i++
          continue
        }
        c = 0xfffd
      }
      crc = step(step(step(crc, 0xe0 | (c >> 12)), 0x80 | ((c >> 6) & 0x3f)), 0x80 | (c & 0x3f))
    }
  }
  return crc & 0x3fff
}
