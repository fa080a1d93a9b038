/**
 * The English side of a catalog section: exactly the French keys (a missing or extra key is a
 * type error), each an ICU message.
 */
export type Strings<T> = { readonly [K in keyof T]: string }
