/** Text of the program pages and messages (French: the reference; English mirrors its keys). */
export const program = {
} as const
