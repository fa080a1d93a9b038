/** Text of the privacy pages and messages (French: the reference; English mirrors its keys). */
export const privacy = {
} as const
