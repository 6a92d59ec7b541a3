import type { OpenAPIObject } from '@nestjs/swagger';
import { REQUEST_ID_HEADER } from '../common/index.js';

type Document = OpenAPIObject;
type Operation = NonNullable<Document['paths'][string]['get']>;
type Responses = Operation['responses'];
type Response = Exclude<Responses[string], { $ref: string }>;

export interface ContractOptions {
  /** AUTH_MODE=none: a scoped route answers without a token, so its bearer auth is optional. */
  authOptional: boolean;
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const;
const ERROR_BODY = { 'application/json': { schema: { $ref: '#/components/schemas/ErrorResponseBody' } } };
const REQUEST_ID = { $ref: '#/components/headers/RequestId' };
// Routes that answer without a token, though a token changes the answer (/health shows details with one).
const OPTIONAL_AUTH = new Set(['/health']);

// Answers any route can give, from Fastify or Node before the handler runs: documented on each.
const EVERY_ROUTE: Record<string, string> = {
  '400': 'The request could not be read (a bad URL, two Host headers) or is not valid: `details` per field',
  '408': 'The request did not arrive whole within HTTP_REQUEST_TIMEOUT_MS (the connection is closed)',
  '431': 'Headers larger than Node allows (the connection is closed)',
  '500': 'An unexpected failure: the body says nothing internal, the request id names it in the logs',
};
const WITH_BODY: Record<string, string> = {
  '413': 'Body larger than HTTP_BODY_LIMIT_BYTES',
  '415': 'A body that is not application/json (it is not parsed)',
};
const WITH_PATH_PARAMETER: Record<string, string> = { '414': 'A path parameter longer than 100 characters' };

/**
 * What the scanner cannot see, added to every operation so that a team's route gets it too: the
 * answers Fastify and Node give before any handler (400, 408, 413, 414, 415, 431, 500 and a
 * `default`, all in the one error body), `x-request-id` on every response, `additionalProperties:
 * false` on request bodies (the global pipe refuses unknown fields), and explicit security: none
 * on public routes, optional where a route answers without a token.
 */
export function applyContract(document: Document, options: ContractOptions): Document {
  document.components ??= {};
  document.components.headers = {
    ...document.components.headers,
    RequestId: {
      description: 'The id of this request in every log line; ours alone (a caller cannot choose it)',
      schema: { type: 'string' },
    },
  };
  const errorBody = document.components.schemas?.ErrorResponseBody;
  // Every error is built by toErrorResponse: nothing else ever appears in it.
  if (errorBody && !('$ref' in errorBody)) errorBody.additionalProperties = false;
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of METHODS) {
      const operation = item[method];
      if (!operation) continue;
      addResponses(operation.responses, EVERY_ROUTE);
      if (operation.requestBody) addResponses(operation.responses, WITH_BODY);
      if (path.includes('{')) addResponses(operation.responses, WITH_PATH_PARAMETER);
      operation.responses.default ??= { description: 'Any other error, in the one error body', content: ERROR_BODY };
      for (const response of Object.values(operation.responses) as Response[]) {
        if (!response) continue;
        response.headers = { [REQUEST_ID_HEADER]: REQUEST_ID, ...response.headers };
      }
      operation.security = securityOf(path, operation, options);
      closeBody(document, operation);
    }
  }
  return document;
}

function addResponses(responses: Responses, statuses: Record<string, string>): void {
  for (const [status, description] of Object.entries(statuses))
    responses[status] ??= { description, content: ERROR_BODY };
}

function securityOf(path: string, operation: Operation, options: ContractOptions): Operation['security'] {
  const declared = operation.security ?? [];
  if (declared.length === 0) return [];
  const scoped = (operation as unknown as Record<string, unknown>)['x-required-scopes'] !== undefined;
  if (OPTIONAL_AUTH.has(path) || (scoped && options.authOptional)) return [{}, ...declared];
  return declared;
}

/** The global ValidationPipe has `forbidNonWhitelisted`: a body with an unknown field is a 400. */
function closeBody(document: Document, operation: Operation): void {
  const body = operation.requestBody;
  if (!body || '$ref' in body) return;
  for (const media of Object.values(body.content)) {
    const ref = media.schema && '$ref' in media.schema ? media.schema.$ref : undefined;
    const schema = ref ? document.components?.schemas?.[ref.split('/').pop() ?? ''] : media.schema;
    if (schema && !('$ref' in schema)) schema.additionalProperties = false;
  }
}
