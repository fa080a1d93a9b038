/** Text of the event-day screens and prints: projection (kiosk) mode, door posters, pass sheets. */
export const kiosk = {
} as const
