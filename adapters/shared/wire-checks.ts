/**
 * Compile-time proofs that a mapper, a reader and their contract agree. They cost nothing at run
 * time; their point is the error the compiler prints, naming the field or value, when a contract
 * (regenerated into `<dialect>.wire.ts`) or the core record gains one the code does not handle.
 */

/**
 * Pass the rest of destructuring a wire body: once every field the contract names was read, the
 * rest is `{}`. A field the contract gained and the mapper does not read fails this call, and the
 * error names the field ("Property 'x' is incompatible with index signature").
 */
export function everyFieldRead(_unread: Record<string, never>): void {}

/**
 * Use as `type _ = NoneLeft<Exclude<keyof A, keyof B>>`: compiles only when nothing is left, and
 * otherwise names what is ("Type '"timeout_ms"' does not satisfy the constraint 'never'").
 */
export type NoneLeft<T extends never> = T;

/** What one side has and the other lacks, both ways: the values two enums disagree on. */
export type Differ<A, B> = Exclude<A, B> | Exclude<B, A>;

/**
 * `true` when A and B have the same fields and each is assignable to the other: two descriptions
 * of one record (a zod schema's output and the core interface) that agree, field types included.
 */
export type Agree<A, B> = [Differ<keyof A, keyof B>] extends [never] ? ([A] extends [B] ? ([B] extends [A] ? true : false) : false) : false;

/** Use as `type _ = Proven<Agree<X, Y>>`: fails to compile unless the proof holds. */
export type Proven<T extends true> = T;

/** A table lookup that sees only the table's own entries, never `constructor` or `toString`. */
export function lookup<V>(table: Readonly<Record<string, V>>, key: string | undefined): V | undefined {
  return key !== undefined && Object.hasOwn(table, key) ? table[key] : undefined;
}
