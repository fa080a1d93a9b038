/** Text of the attestations pages and messages (French: the reference; English mirrors its keys). */
export const attestations = {
} as const
