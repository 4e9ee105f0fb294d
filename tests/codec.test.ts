import assert from "node:assert/strict";
import { test } from "node:test";
import { decode, decodeArguments, encode, encodeArguments } from "../src/codec.ts";
import { makeSample } from "./fixtures/sample.ts";

test("codec round-trips every supported type", () => {
  const sample = makeSample();
  const restored = decode(encode(sample, "sample"));
  assert.deepStrictEqual(restored, sample);
});

test("codec keeps -0, NaN and the infinities apart", () => {
  const restored = decode(encode([-0, 0, NaN, Infinity, -Infinity], "numbers")) as number[];
  assert.ok(Object.is(restored[0], -0));
  assert.ok(Object.is(restored[1], 0));
  assert.ok(Number.isNaN(restored[2]));
  assert.equal(restored[3], Infinity);
  assert.equal(restored[4], -Infinity);
});

test("codec stores undefined arguments and holes", () => {
  // deno-lint-ignore no-sparse-arrays
  const args = [undefined, [1, , 3], { a: undefined }];
  const restored = decodeArguments(encodeArguments(args, "task"));
  assert.equal(restored.length, 3);
  assert.equal(restored[0], undefined);
  assert.deepStrictEqual(restored[1], [1, undefined, 3]);
  assert.ok(Object.hasOwn(restored[2] as object, "a"));
});

test("codec never takes a user object for a tag", () => {
  const value = { $: "date", v: "2020-01-01T00:00:00.000Z" };
  const restored = decode(encode(value, "value"));
  assert.deepStrictEqual(restored, value);
  assert.ok(!(restored instanceof Date));
});

test("codec stores errors with name, message and cause", () => {
  const error = new RangeError("out of range", { cause: new Error("inner") });
  const restored = decode(encode(error, "error")) as Error;
  assert.equal(restored.name, "RangeError");
  assert.equal(restored.message, "out of range");
  assert.equal((restored.cause as Error).message, "inner");
  assert.equal(restored.stack, error.stack);
});

test("codec output is plain JSON text", () => {
  const text = encodeArguments([new Date(0), 1n, new Map([[1, 2]])], "task");
  assert.equal(text, '[{"$":"date","v":"1970-01-01T00:00:00.000Z"},{"$":"bigint","v":"1"},{"$":"map","v":[[1,2]]}]');
});

test("codec rejects a function argument by position", () => {
  assert.throws(
    () => encodeArguments(["ok", () => 1], "resize"),
    (error: unknown) => {
      assert.ok(error instanceof TypeError);
      assert.match(error.message, /argument 2 of task "resize"/);
      assert.match(error.message, /function/);
      return true;
    },
  );
});

test("codec rejects a symbol nested in an argument", () => {
  assert.throws(
    () => encodeArguments([{ list: [1, Symbol("s")] }], "notify"),
    (error: unknown) => {
      assert.ok(error instanceof TypeError);
      assert.match(error.message, /argument 1 of task "notify" at \.list\[1\]/);
      assert.match(error.message, /symbol/);
      return true;
    },
  );
});

test("codec rejects class instances with a hint", () => {
  class Point {
    constructor(readonly x: number) {}
  }
  assert.throws(() => encodeArguments([new Point(1)], "draw"), /instance of Point.*plain object/);
  assert.throws(() => encodeArguments([new URL("https://example.org")], "fetch"), /instance of URL/);
});

test("codec rejects circular references", () => {
  const value: Record<string, unknown> = {};
  value.self = value;
  assert.throws(() => encodeArguments([value], "loop"), /argument 1 of task "loop" at \.self: it refers back to itself/);
});

test("codec allows the same object twice without a cycle", () => {
  const shared = { n: 1 };
  const restored = decodeArguments(encodeArguments([[shared, shared]], "task"));
  assert.deepStrictEqual(restored, [[{ n: 1 }, { n: 1 }]]);
});
