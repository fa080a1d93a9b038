/** Text of the access pages and messages (French: the reference; English mirrors its keys). */
export const access = {
} as const
