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
 * A v3 filter: one value or several (a repeated key), any of which the row's `column` holds;
 * ids compared in lower case.
 */
export function anyOf(column: string, options: { maxLength?: number; ids?: boolean } = {}): Filter {
  const item = { type: 'string', maxLength: options.maxLength ?? 64 };
  return {
    schema: { type: 'array', maxItems: 100, items: item },
    where: (_, values: string[]) => {
      const wanted = options.ids ? values.map((value) => value.toLowerCase()) : values;
      return sql<SqlBool>`${sql.ref(column)} in (${sql.join(wanted)})`;
    },
  };
}
