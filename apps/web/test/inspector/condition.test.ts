import { describe, expect, it } from "vitest";
import { formatCondition, parseCondition } from "../../src/inspector";
import { mergeCondition } from "../../src/inspector/condition";

describe("condition text", () => {
  it("reads names, nested and/or, and quoted labels", () => {
    expect(parseCondition("  research ")).toEqual({ ok: true, value: "research" });
    expect(parseCondition("and(a, or(b, \"needs review\"), c)")).toEqual({
      ok: true,
      value: { and: ["a", { or: ["b", "needs review"] }, "c"] },
    });
    expect(parseCondition("")).toEqual({ ok: true, value: undefined });
    expect(parseCondition('{"weird": 1}')).toEqual({ ok: true, value: { weird: 1 } });
  });

  it("says where the text stops making sense", () => {
    expect(parseCondition("or(a b)")).toMatchObject({ ok: false, error: expect.stringContaining("expected ',' or ')' at position 6") });
    expect(parseCondition("or(a,")).toMatchObject({ ok: false, error: expect.stringContaining("expected a method or label name") });
    expect(parseCondition("a)")).toMatchObject({ ok: false, error: expect.stringContaining("unexpected ')'") });
    expect(parseCondition('"open')).toMatchObject({ ok: false, error: expect.stringContaining("unterminated quoted name") });
  });

  it("writes back what it reads", () => {
    for (const condition of ["a", "needs review", "and", { or: ["a", { and: ["b", "c d"] }] }, { and: [] }, { foo: 1 }]) {
      const text = formatCondition(condition);
      expect(parseCondition(text)).toEqual({ ok: true, value: condition });
    }
    expect(formatCondition({ or: ["a", { and: ["b", "c d"] }] })).toBe('or(a, and(b, "c d"))');
  });

  it("keeps extra keys of the trees it replaces when the operator stays", () => {
    expect(mergeCondition({ or: ["a", "c"] }, { or: ["a", "b"], note: 1 })).toEqual({ or: ["a", "c"], note: 1 });
    expect(mergeCondition({ or: ["a"] }, { and: ["a"], or: ["x"] })).toEqual({ or: ["a"] });
    expect(mergeCondition({ and: [{ or: ["x"] }] }, { and: [{ or: ["y"], keep: true }] })).toEqual({ and: [{ or: ["x"], keep: true }] });
  });
});
