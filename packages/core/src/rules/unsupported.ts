// Keys of the Envoy service's format that sluice refuses, each with why: a file using one must not load and mean something else.

/**
 * The keys the current Envoy ratelimit service accepts that sluice cannot honour, with why and
 * what to do instead. Every other key of the service's format is accepted with its meaning (see
 * docs/envoy-compatibility.md).
 */
const UNSUPPORTED: Readonly<Record<string, string>> = Object.freeze({
  quota_mode:
    'with quota_mode: true a descriptor over its limit does not refuse the request (the service lists it in the response metadata for the caller to act on) unless every quota_mode descriptor of the request is over; a sluice decision has no such per-descriptor report. Use shadow_mode: true to count and report a limit without enforcing it (onShadowDeny), or remove quota_mode (false is accepted: it is the default)',
  soft_requests_per_unit:
    'sluice has no soft threshold that reports without refusing. Add a second descriptor with the lower limit and shadow_mode: true (reported through onShadowDeny), or remove soft_requests_per_unit',
})

/** The error message for a key of the service's format that sluice refuses, or undefined. */
export function unsupportedKey(key: string): string | undefined {
  return Object.hasOwn(UNSUPPORTED, key)
    ? `the Envoy service's \`${key}\` is not supported by sluice: ${UNSUPPORTED[key]}`
    : undefined
}

/** The keys {@link unsupportedKey} refuses, for the compatibility page's test. */
export const UNSUPPORTED_KEYS: readonly string[] = Object.freeze(Object.keys(UNSUPPORTED))
