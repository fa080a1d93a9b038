/** Text of the lti pages and messages (French: the reference; English mirrors its keys). */
export const lti = {
} as const
