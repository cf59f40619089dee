// The router's public types carry no `any`: every procedure's input and output, and the fields of each
// output, are checked at compile time (tsc -p . fails otherwise).
import type { inferRouterInputs, inferRouterOutputs } from "@trpc/server";
import { describe, expect, it } from "vitest";
import type { AppRouter } from "../src/app";

type IsAny<T> = 0 extends 1 & T ? true : false;
/** Fields of an object (or of an array's elements) typed `any`. */
type AnyKeys<T> = T extends readonly (infer U)[] ? (IsAny<U> extends true ? "[]" : AnyKeys<U>) : T extends object ? { [K in keyof T]-?: IsAny<T[K]> extends true ? K : never }[keyof T] : never;
type Each<T> = { [R in keyof T]: { [P in keyof T[R]]: IsAny<T[R][P]> extends true ? `${R & string}.${P & string}` : AnyKeys<T[R][P]> extends never ? never : `${R & string}.${P & string}.${AnyKeys<T[R][P]> & string}` }[keyof T[R]] }[keyof T];

type Outputs = inferRouterOutputs<AppRouter>;
type Inputs = inferRouterInputs<AppRouter>;
const noAnyOutputs: [Each<Outputs>] extends [never] ? true : Each<Outputs> = true;
const noAnyInputs: [Each<Inputs>] extends [never] ? true : Each<Inputs> = true;

describe("AppRouter's types", () => {
  it("have no any in inputs or outputs", () => {
    expect(noAnyOutputs && noAnyInputs).toBe(true);
  });
});
