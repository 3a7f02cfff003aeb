import { type RawBuilder, type SqlBool, sql } from 'kysely';
import { statusSql } from '../db/lifecycle.js';
import { schemas } from '../validate.js';
import type { Filter } from './kind.js';

type Condition = (column: string, value: never, now: number) => RawBuilder<SqlBool>;

/** The column holds the value. */
export const equals = (column: string, value: unknown) => sql<SqlBool>`${sql.ref(column)} = ${value}`;

/** The column holds the value as given (text or a number). */
export function equal(schema: object): Filter {
  return { schema, where: equals };
}

/** An id: compared in lower case, as the lookups by id compare them. */
export function id(schema: object = schemas.id): Filter {
  return { schema, where: (column, value: string) => equals(column, value.toLowerCase()) };
}

/** The filters every kind has; their schemas are `listQuery`'s own. */
export const common: Record<string, Condition> = {
  id: (column, value: string) => equals(column, value.toLowerCase()),
  description: equals,
  created_at: equals,
  admin_state_up: (column, value: boolean) => equals(column, value ? 1 : 0),
  status: (_, value: string, now) => sql<SqlBool>`${statusSql(now)} = ${value}`,
};

/**
 * A filter the v3 pages take as an array of strings (repeated keys: `?status=ACTIVE&status=FROZEN`,
 * one value is an array of one): the column (`column`, or the filter's own name) holds one of the
 * values, as `normalize` spells them.
 */
export function anyOf(
  item: object = { type: 'string', maxLength: 255 },
  options: { column?: string; normalize?: (value: string) => string } = {},
): Filter {
  const { column, normalize = (value: string) => value } = options;
  return {
    schema: { type: 'array', items: item, maxItems: 100 },
    where: (name, values: string[]) =>
      sql<SqlBool>`${sql.ref(column ?? name)} in (${sql.join(values.map(normalize))})`,
  };
}

/** An id filter of the v3 pages: any of the ids, compared in lower case. */
export const anyId = (column?: string) =>
  anyOf(schemas.id, { normalize: (value) => value.toLowerCase(), ...(column ? { column } : {}) });

/**
 * A filter's query schema taking the value repeated (`?status=ACTIVE&status=PENDING_CREATE`, as
 * Huawei Cloud's SDK sends its list filters): one value is an array of one.
 */
export function repeatable(schema: object): object {
  return { type: 'array', items: schema, maxItems: 100 };
}

/** Rows whose column matches any of the values, each as `where` puts it. */
export function anyValue(
  where: Condition,
  column: string,
  values: unknown[],
  now: number,
): RawBuilder<SqlBool> {
  return sql<SqlBool>`(${sql.join(
    values.map((value) => where(column, value as never, now)),
    sql` or `,
  )})`;
}
