/** Text of the system pages and messages (French: the reference; English mirrors its keys). */
export const system = {
} as const
