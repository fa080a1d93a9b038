/** Text of the messages pages and messages (French: the reference; English mirrors its keys). */
export const messages = {
} as const
