import type { ErrorStatus } from '../catalog/index.js';
import { ContractError, type ContractErrorOptions } from './contract-error.js';
import type { Messages } from './messages.js';

/** The class for one status: `new NotFoundError('No Snat Rule exist with id x', { code: 'NAT.0209' })`. */
export interface ErrorClass<S extends ErrorStatus = ErrorStatus> {
  new (message?: string | Messages, options?: ContractErrorOptions): ContractError & { readonly status: S };
  readonly status: S;
}

function errorClass<S extends ErrorStatus>(status: S, name: string): ErrorClass<S> {
  const named = class extends ContractError {
    static readonly status = status;
    constructor(message?: string | Messages, options?: ContractErrorOptions) {
      super(status, message, options);
    }
    override get name(): string {
      return name;
    }
  };
  Object.defineProperty(named, 'name', { value: name });
  return named as unknown as ErrorClass<S>;
}

export const BadRequestError = errorClass(400, 'BadRequestError');
export const UnauthorizedError = errorClass(401, 'UnauthorizedError');
export const ForbiddenError = errorClass(403, 'ForbiddenError');
export const NotFoundError = errorClass(404, 'NotFoundError');
export const MethodNotAllowedError = errorClass(405, 'MethodNotAllowedError');
export const NotAcceptableError = errorClass(406, 'NotAcceptableError');
export const ProxyAuthenticationRequiredError = errorClass(407, 'ProxyAuthenticationRequiredError');
export const RequestTimeoutError = errorClass(408, 'RequestTimeoutError');
export const ConflictError = errorClass(409, 'ConflictError');
export const InternalServerError = errorClass(500, 'InternalServerError');
export const NotImplementedError = errorClass(501, 'NotImplementedError');
export const BadGatewayError = errorClass(502, 'BadGatewayError');
export const ServiceUnavailableError = errorClass(503, 'ServiceUnavailableError');
export const GatewayTimeoutError = errorClass(504, 'GatewayTimeoutError');

/** One class for each error code of the catalog; the compiler fails if a code lacks one. */
export const errorClasses: { readonly [S in ErrorStatus]: ErrorClass<S> } = {
  400: BadRequestError,
  401: UnauthorizedError,
  403: ForbiddenError,
  404: NotFoundError,
  405: MethodNotAllowedError,
  406: NotAcceptableError,
  407: ProxyAuthenticationRequiredError,
  408: RequestTimeoutError,
  409: ConflictError,
  500: InternalServerError,
  501: NotImplementedError,
  502: BadGatewayError,
  503: ServiceUnavailableError,
  504: GatewayTimeoutError,
};

/** Whether the catalog documents `status` as an error code (on some page). */
export function isErrorStatus(status: number): status is ErrorStatus {
  return Object.hasOwn(errorClasses, status);
}

/**
 * An error of the right class for `status`.
 * @example createError(409, 'NatGateway x is not ACTIVE.', { code: 'NAT.0103' })
 */
export function createError(
  status: ErrorStatus,
  message?: string | Messages,
  options?: ContractErrorOptions,
): ContractError {
  return new errorClasses[status](message, options);
}
