/** Text of the synthesis pages and messages (French: the reference; English mirrors its keys). */
export const synthesis = {
} as const
