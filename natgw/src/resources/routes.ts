import type { FastifyInstance, FastifyReply, FastifyRequest, HTTPMethods } from 'fastify';
import { type DocumentedCode, documented } from '../errors.js';
import type { Locate } from '../forms.js';
import type { TokenClaims } from '../identity/tokens.js';
import {
  isUuid,
  listOf,
  listPage,
  listQuery,
  schemaError,
  schemas,
  sent,
  success,
  text,
  uuid,
} from '../validate.js';
import { repeatable } from './filters.js';
import type { Form, Operation, OperationContext, ResourceRow, View } from './kind.js';
import { pageInfo, pageInfoOf, reversed } from './paging.js';
import type { ResourceStore } from './store.js';

type Params = { Params: Record<string, string> };

/** A route's own answer to a body that breaks its schema, for an operation whose page has one. */
function formatter(operation: { missing?: Operation<never, ResourceRow>['missing'] }) {
  return operation.missing ? { schemaErrorFormatter: schemaError(operation.missing) } : {};
}

/** The caller's project: every operation is scoped by it. */
export function tenantOf(request: FastifyRequest): string {
  return (request.principal as TokenClaims).projectId;
}

/**
 * A kind's routes under one form's prefix: create (201 with `Location`), batch create (201 with
 * the list), list (filters, marker paging, `limit`; another project's `tenant_id` finds nothing),
 * show, update, and delete (204). An operation declared for some forms only is left out of others.
 */
export function resourceRoutes<Row extends ResourceRow>(
  scope: FastifyInstance,
  store: ResourceStore<Row>,
  form: Form,
  location: Locate,
): void {
  const { kind } = store;
  const served = <Operation extends { forms?: readonly Form[] }>(operation: Operation | undefined) =>
    operation !== undefined && (operation.forms ?? kind.forms).includes(form) ? operation : undefined;
  const tags = [kind.names.many];
  // The v3 pages' answers carry the request's id beside the resource or list.
  const requestId = (request: FastifyRequest) => (kind.v3 ? { request_id: request.id } : {});
  const answered = kind.v3 ? { request_id: text } : {};
  // The kind's fields, and those it shows in this form only.
  const extra = kind.formFields?.[form] ?? {};
  const schema = {
    ...kind.schema,
    required: [...(kind.schema.required ?? []), ...Object.keys(extra)],
    properties: { ...kind.schema.properties, ...extra },
  };
  const one = sent({ [kind.one]: schema, ...answered });
  // What other forms show and this one does not: left out of its answers.
  const elsewhere = Object.entries(kind.formFields ?? {})
    .filter(([other]) => other !== form)
    .flatMap(([, fields]) => Object.keys(fields))
    .filter((name) => !(name in extra));
  const inForm = (view: View): View =>
    elsewhere.length === 0
      ? view
      : (Object.fromEntries(Object.entries(view).filter(([name]) => !elsewhere.includes(name))) as View);
  const byId = { type: 'object', properties: { [kind.idParam]: schemas.id } } as const;
  const idOf = (request: FastifyRequest<Params>) => {
    const value = request.params[kind.idParam] ?? '';
    // The v3 pages' not-found names the resource: a malformed id is one more id not found.
    if (kind.v3 && !isUuid(value)) throw store.missing(value);
    return uuid(value, kind.badId);
  };
  const context = (request: FastifyRequest, id: string): OperationContext<Row> => ({
    tenant: tenantOf(request),
    id,
    request,
    store,
    services: store.services,
  });
  /** A route on one resource, named by its id in the path. */
  const onOne = (
    method: HTTPMethods,
    operation: {
      summary: string;
      errors: DocumentedCode[];
      response: object;
      body?: object;
      missing?: Operation<never, Row>['missing'];
    },
    handler: (request: FastifyRequest<Params>, reply: FastifyReply) => Promise<unknown>,
  ) => {
    const { summary, errors, response, body } = operation;
    scope.route<Params>({
      method,
      url: `${kind.path}/:${kind.idParam}`,
      ...formatter(operation),
      schema: {
        summary,
        tags,
        params: byId,
        errors: documented(...errors),
        response,
        ...(body === undefined ? {} : { body }),
      },
      handler,
    });
  };

  const [create, update, batch] = [served(kind.create), served(kind.update), served(kind.batch)];
  if (create)
    scope.post<{ Body: unknown }>(
      kind.path,
      {
        ...formatter(create),
        schema: {
          summary: `Create ${kind.names.one}`,
          tags,
          errors: documented(...create.errors),
          response: success.created(one),
          body: create.body,
        },
      },
      async (request, reply) => {
        const created = await create.handle(request.body as never, context(request, ''));
        reply.created(location(request, `${kind.path}/${created.id}`));
        return { [kind.one]: inForm(created), ...requestId(request) };
      },
    );

  if (batch)
    scope.post<{ Body: unknown }>(
      `${kind.path}/batch`,
      {
        ...formatter(batch),
        schema: {
          summary: `Create ${kind.names.many} in a batch`,
          tags,
          errors: documented(...batch.errors),
          response: { 201: sent({ [kind.many]: listOf(schema) }) },
          body: batch.body,
        },
      },
      async (request, reply) => {
        const created = await batch.handle(request.body as never, context(request, ''));
        reply.code(201);
        return { [kind.many]: created.map(inForm) };
      },
    );

  const query = listQuery({
    page_reverse: { type: 'string', maxLength: 8 },
    ...Object.fromEntries(Object.entries(kind.filters).map(([name, filter]) => [name, filter.schema])),
  });
  // The v2.0 lists take every filter repeated, as Huawei Cloud's SDK sends them (the v3 filters
  // are arrays already); paging and the project are one value each.
  if (!kind.v3)
    for (const [name, schema] of Object.entries(query.properties))
      if (!['limit', 'marker', 'page_reverse', 'tenant_id'].includes(name))
        (query.properties as Record<string, object>)[name] = repeatable(schema);
  const pageErrors = [kind.page.limit, kind.page.marker].flatMap((error) =>
    error === undefined ? [] : [{ code: error[0], variant: error[1] }],
  );
  scope.get<{
    Querystring: Record<string, unknown> & {
      limit?: string;
      marker?: string;
      tenant_id?: string;
      page_reverse?: string;
    };
  }>(
    kind.path,
    {
      schema: {
        summary: `List ${kind.names.many}`,
        tags,
        errors: documented(...pageErrors, 'NAT.0001'),
        response: {
          200: sent({
            [kind.many]: listOf(schema),
            ...(kind.v3 ? { page_info: pageInfo } : {}),
            ...answered,
          }),
        },
        querystring: query,
      },
    },
    async (request) => {
      const tenant = tenantOf(request);
      const { tenant_id, page_reverse, ...query } = request.query;
      const { page, filters } = listPage(query, kind.page);
      const reverse = reversed(page_reverse);
      if (!kind.v3) {
        // Another project's id as a filter finds nothing, as any id outside the project does.
        if (tenant_id !== undefined && tenant_id !== tenant) return { [kind.many]: [] };
        return { [kind.many]: (await store.list(tenant, filters, { ...page, reverse })).map(inForm) };
      }
      const found = await store.list(tenant, filters, { ...page, reverse });
      return { [kind.many]: found, page_info: pageInfoOf(found), ...requestId(request) };
    },
  );

  onOne(
    'GET',
    { summary: `Show ${kind.names.one}`, errors: store.documentedMissing(), response: { 200: one } },
    async (request) => ({
      [kind.one]: inForm(await store.get(tenantOf(request), idOf(request))),
      ...requestId(request),
    }),
  );

  if (update) {
    const { errors, body, missing } = update;
    onOne(
      'PUT',
      { summary: `Update ${kind.names.one}`, errors, response: { 200: one }, body, missing },
      async (request) => {
        const id = idOf(request);
        return {
          [kind.one]: inForm(await update.handle(request.body as never, context(request, id))),
          ...requestId(request),
        };
      },
    );
  }

  const deletion = [...store.documentedMissing(true), ...(kind.deletion?.errors ?? [])];
  onOne(
    'DELETE',
    { summary: `Delete ${kind.names.one}`, errors: deletion, response: success.noContent },
    async (request, reply) => {
      await store.delete(tenantOf(request), idOf(request));
      return reply.noContent();
    },
  );
}

/**
 * A resource's deletion under its parent's path (Huawei Cloud's form of a rule's deletion:
 * `DELETE /v2/{project_id}/nat_gateways/{nat_gateway_id}/snat_rules/{snat_rule_id}`). One of
 * another parent is not found there.
 */
export function nestedDeletion<Row extends ResourceRow>(scope: FastifyInstance, store: ResourceStore<Row>) {
  const { kind } = store;
  const parent = kind.parent;
  if (!parent) throw new Error(`${kind.one} has no parent`);
  const { idParam, badId } = parent.kind;
  scope.delete<Params>(
    `${parent.kind.path}/:${idParam}${kind.path}/:${kind.idParam}`,
    {
      schema: {
        summary: `Delete ${kind.names.one} of ${parent.kind.names.one}`,
        tags: [kind.names.many],
        params: { type: 'object', properties: { [idParam]: schemas.id, [kind.idParam]: schemas.id } },
        errors: documented(badId, ...store.documentedMissing()),
        response: success.noContent,
      },
    },
    async (request, reply) => {
      const tenant = tenantOf(request);
      const parentId = uuid(request.params[idParam] ?? '', badId);
      const id = uuid(request.params[kind.idParam] ?? '', kind.badId);
      const now = store.services.clock.now();
      const row = (await store.find(store.services.database.db, tenant, id, now)) as unknown as Record<
        string,
        unknown
      >;
      if (row[parent.column] !== parentId) throw store.missing(id);
      await store.delete(tenant, id);
      return reply.noContent();
    },
  );
}
