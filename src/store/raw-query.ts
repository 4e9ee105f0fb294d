import { type CompiledQuery, createQueryId, RawNode } from "kysely";

/**
 * Builds the same query as Kysely's `CompiledQuery.raw()` without freezing the
 * parameter list: on Bun, freezing a list of 900 parameters took longer than SQLite
 * took to insert the rows they describe.
 */
export function rawQuery<Row = unknown>(sql: string, parameters: unknown[]): CompiledQuery<Row> {
  return { sql, parameters, query: RawNode.createWithSql(sql), queryId: createQueryId() };
}
