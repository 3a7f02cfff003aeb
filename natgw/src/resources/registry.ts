import type { FastifyInstance } from 'fastify';
import type { Migration } from 'kysely';
import type { Locate } from '../forms.js';
import { tagRoutes } from '../tags/routes.js';
import type { Form, ResourceKind, Services } from './kind.js';
import { nestedDeletion, resourceRoutes } from './routes.js';
import { ResourceStore } from './store.js';

/** The migrations the kinds add, by name. */
export function kindMigrations(kinds: readonly ResourceKind[]): Record<string, Migration> {
  return Object.assign({}, ...kinds.map((kind) => kind.migrations ?? {}));
}

/** The store of every kind (a parent's declared before its children), and their routes in each form. */
export class Resources {
  readonly #stores: ResourceStore[] = [];

  constructor(kinds: readonly ResourceKind[], services: Services) {
    for (const kind of kinds) {
      const parent = this.#stores.find((store) => store.kind === kind.parent?.kind);
      if (kind.parent && !parent) throw new Error(`${kind.one} is declared before its parent`);
      const children = kinds.filter((child) => child.parent?.kind === kind);
      this.#stores.push(new ResourceStore(kind, services, children, parent));
    }
  }

  /** Registers in `scope` the routes of the kinds served in `form`, their nested deletions, then their tags. */
  routes(scope: FastifyInstance, form: Form, location: Locate): void {
    for (const store of this.#stores)
      if (store.kind.forms.includes(form)) resourceRoutes(scope, store, form, location);
    for (const store of this.#stores)
      if (store.kind.parent?.nestedDeletion?.includes(form)) nestedDeletion(scope, store);
    for (const store of this.#stores) if (store.kind.tags?.forms.includes(form)) tagRoutes(scope, store);
  }
}
