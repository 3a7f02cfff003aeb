import type { Language, Profile } from '../catalog/index.js';
import { type DialectName, defaultDialectName, getDialect } from '../dialects/index.js';
import { defaultErrorCode } from '../errors/index.js';

/** A JSON Schema in the OpenAPI 3.0 subset, as far as the error bodies need it. */
export interface OpenApiSchema {
  type?: 'object' | 'string' | 'integer';
  description?: string;
  required?: string[];
  properties?: { [name: string]: OpenApiSchema };
  example?: unknown;
}

export interface OpenApiMediaType {
  schema: { $ref: string };
  example: unknown;
}

export interface OpenApiResponse {
  description: string;
  content?: { [mediaType: string]: OpenApiMediaType };
}

/** An OpenAPI 3.0 document with no paths: components to merge into an API's own document. */
export interface OpenApiDocument {
  openapi: '3.0.3';
  info: { title: string; version: string; description: string };
  paths: { [path: string]: never };
  components: {
    schemas: { [name: string]: OpenApiSchema };
    responses: { [name: string]: OpenApiResponse };
  };
}

/** The schema component of each dialect's error body. */
export const openApiSchemaNames: { readonly [N in DialectName]: string } = {
  error: 'ErrorBody',
  huawei: 'HuaweiErrorBody',
  problem: 'ProblemDetails',
};

/**
 * The name of the response component for `code`: `Status` and the code. Named by number, not
 * phrase, because the pages do not agree on phrases (one calls 500 "Internal Error"), and a
 * `$ref` should not change with the profile or the language.
 * @example openApiResponseName(404) // 'Status404', to use as { $ref: '#/components/responses/Status404' }
 */
export function openApiResponseName(code: number): string {
  return `Status${code}`;
}

const requestId = {
  type: 'string',
  description: 'The id of the request, the same as in the `X-Request-Id` header.',
  example: 'req-6f1c2a9e-3b4d-4c5e-8f70-91a2b3c4d5e6',
} as const;
const serviceCode = {
  type: 'string',
  description: "The service's error code, e.g. `NAT.0002`; `SK.` and the status when it names none.",
  example: 'SK.0404',
} as const;
const details = {
  description: 'Machine-readable detail, such as the field at fault or the conflicting id. 4xx only.',
};

// What each dialect's `serialize` writes, field for field (see src/dialects); every field but
// `details` is always there.
const schemas: { readonly [N in DialectName]: () => OpenApiSchema } = {
  error: () => ({
    type: 'object',
    description: 'An error body: `{"error": {"code", "title", "message", "request_id"}}`.',
    required: ['error'],
    properties: {
      error: {
        type: 'object',
        required: ['code', 'title', 'message', 'request_id'],
        properties: {
          code: { ...serviceCode },
          title: { type: 'string', description: "The status's reason phrase, from the catalog." },
          message: { type: 'string', description: 'What went wrong; the catalog description for a 5xx.' },
          request_id: { ...requestId },
          details: { ...details },
        },
      },
    },
  }),
  huawei: () => ({
    type: 'object',
    description: 'An error body in the flat shape of Huawei Cloud services.',
    required: ['error_code', 'error_msg', 'request_id'],
    properties: {
      error_code: { ...serviceCode },
      error_msg: { type: 'string', description: 'What went wrong; the catalog description for a 5xx.' },
      request_id: { ...requestId },
      details: { ...details },
    },
  }),
  problem: () => ({
    type: 'object',
    description: 'RFC 9457 problem details, with `error_code` and `request_id` as extension members.',
    required: ['type', 'title', 'status', 'detail', 'error_code', 'request_id'],
    properties: {
      type: {
        type: 'string',
        description: 'Always `about:blank`: the status alone says what the problem is.',
        example: 'about:blank',
      },
      title: { type: 'string', description: "The status's reason phrase, from the catalog." },
      status: { type: 'integer', description: 'The HTTP status code.' },
      detail: { type: 'string', description: 'What went wrong; the catalog description for a 5xx.' },
      error_code: { ...serviceCode },
      request_id: { ...requestId },
      details: { ...details },
    },
  }),
};

/**
 * The profile's codes as OpenAPI response components, one per code, named `Status<code>`. A
 * normal code is a description; an error code also has its body: the dialect's schema (a
 * component too, named in `openApiSchemaNames`) and an example of what the server sends for
 * that code.
 * @example openApiDocument(getProfile('nat'), 'en').components.responses.Status404?.description // 'The server could not find the requested page.'
 */
export function openApiDocument(
  profile: Profile,
  lang: Language,
  options: { dialect?: DialectName } = {},
): OpenApiDocument {
  const dialect = getDialect(options.dialect ?? defaultDialectName);
  const schemaName = openApiSchemaNames[dialect.name];
  // A media type key has no parameters; the charset belongs to the header, not the document.
  const mediaType = dialect.contentType.split(';')[0]?.trim() ?? 'application/json';
  const page = profile.pages[lang] ?? profile.pages.en;
  const responses: { [name: string]: OpenApiResponse } = {};
  for (const row of profile.rows) {
    const text = profile.text(row.code, lang);
    responses[openApiResponseName(row.code)] =
      row.kind === 'normal'
        ? { description: text.description }
        : {
            description: text.description,
            content: {
              [mediaType]: {
                schema: { $ref: `#/components/schemas/${schemaName}` },
                // What the server sends for a bare error of this status (see errorAnswer).
                example: JSON.parse(
                  dialect.serialize({
                    status: row.code,
                    code: defaultErrorCode(row.code),
                    title: text.phrase,
                    message: text.description,
                    requestId: requestId.example,
                  }),
                ),
              },
            },
          };
  }
  return {
    openapi: '3.0.3',
    info: {
      title: `${page.title} (${profile.name})`,
      version: '1.0.0',
      description:
        `The status codes of the \`${profile.name}\` profile as response components, texts in ${lang}, ` +
        `error bodies in the \`${dialect.name}\` dialect (${mediaType}). ` +
        "Refer to one as `$ref: '#/components/responses/Status404'`.",
    },
    paths: {},
    components: { schemas: { [schemaName]: schemas[dialect.name]() }, responses },
  };
}

/**
 * `openApiDocument` as JSON text.
 * @example JSON.parse(renderOpenApi(getProfile('dcaas'), 'en', { dialect: 'problem' })).components.schemas.ProblemDetails
 */
export function renderOpenApi(
  profile: Profile,
  lang: Language,
  options: { dialect?: DialectName } = {},
): string {
  return `${JSON.stringify(openApiDocument(profile, lang, options), null, 2)}\n`;
}
