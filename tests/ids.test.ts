import assert from "node:assert/strict";
import { test } from "node:test";
import { createShortId, createTaskId } from "../src/ids.ts";

test("task ids are UUIDv7 with the time first", () => {
  const at = Date.parse("2026-12-04T23:00:00.123Z");
  const id = createTaskId(at);
  assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.equal(parseInt(id.replaceAll("-", "").slice(0, 12), 16), at);
  assert.ok(createTaskId(at) < createTaskId(at + 1), "ids sort by creation time");
});

test("task ids do not repeat", () => {
  const ids = new Set(Array.from({ length: 20_000 }, () => createTaskId(0)));
  assert.equal(ids.size, 20_000);
  const short = new Set(Array.from({ length: 1_000 }, () => createShortId()));
  assert.equal(short.size, 1_000);
  assert.match([...short][0]!, /^[0-9a-f]{12}$/);
});
