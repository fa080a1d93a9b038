/** Text of the attendance pages and messages (French: the reference; English mirrors its keys). */
export const attendance = {
} as const
