/**
 * Express 5 with http-errors and the contract written by hand: request ids, 401 with a challenge,
 * 405 with Allow through `route().all()`, the 400 check of the body, 404 and one JSON error handler.
 */
import { STATUS_CODES } from 'node:http';
import express, { type ErrorRequestHandler, type RequestHandler } from 'express';
import createError, { type HttpError } from 'http-errors';
import { addItem, announce, errorBody, itemName, items, port, requestId, token } from './shared.js';

const app = express();
app.disable('x-powered-by');

app.use((request, response, next) => {
  const id = requestId(request.headers['x-request-id']);
  response.locals.requestId = id;
  response.set({ 'x-request-id': id, 'x-openstack-request-id': id });
  next();
});

const authenticate: RequestHandler = (request, _response, next) =>
  next(
    request.headers['x-auth-token'] === token
      ? undefined
      : createError(401, 'Authentication required.', { headers: { 'www-authenticate': 'Bearer' } }),
  );
const allow =
  (methods: string): RequestHandler =>
  (request, _response, next) =>
    next(
      createError(405, `The method ${request.method} is not allowed for ${request.path}.`, {
        headers: { allow: methods },
      }),
    );

app
  .route('/items/:id')
  .get(authenticate, (request, response, next) => {
    const item = items.get(request.params.id);
    if (!item) return next(createError(404, `Item ${request.params.id} could not be found.`));
    response.json({ item });
  })
  .all(allow('GET, HEAD, OPTIONS'));

app
  .route('/items')
  .post(authenticate, express.json(), (request, response, next) => {
    const name = itemName(request.body);
    if (name === undefined)
      return next(createError(400, 'Invalid input for item.name: must be a string of 1 to 64 characters.'));
    const item = addItem(name);
    response.status(201).location(`/items/${item.id}`).json({ item });
  })
  .all(allow('POST, OPTIONS'));

app.use((request, _response, next) =>
  next(createError(404, `The resource ${request.path} could not be found.`)),
);

const onError: ErrorRequestHandler = (error: HttpError, _request, response, _next) => {
  const status = error.status ?? 500;
  const title = STATUS_CODES[status] ?? 'Error';
  if (error.headers) response.set(error.headers);
  response
    .status(status)
    .type('application/json; charset=utf-8')
    .send(
      errorBody(status, title, error.expose ? error.message : title, response.locals.requestId as string),
    );
};
app.use(onError);

const server = app.listen(port(), '127.0.0.1', () => announce(server.address()));
