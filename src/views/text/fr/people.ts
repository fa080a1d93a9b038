/** Text of the people pages and messages (French: the reference; English mirrors its keys). */
export const people = {
} as const
