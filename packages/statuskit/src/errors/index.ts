export { type AnswerContext, type ErrorAnswer, errorAnswer } from './answer.js';
export {
  BadGatewayError,
  BadRequestError,
  ConflictError,
  createError,
  type ErrorClass,
  errorClasses,
  ForbiddenError,
  GatewayTimeoutError,
  InternalServerError,
  isErrorStatus,
  MethodNotAllowedError,
  NotAcceptableError,
  NotFoundError,
  NotImplementedError,
  ProxyAuthenticationRequiredError,
  RequestTimeoutError,
  ServiceUnavailableError,
  UnauthorizedError,
} from './classes.js';
export {
  ContractError,
  type ContractErrorOptions,
  defaultErrorCode,
  isContractError,
} from './contract-error.js';
export {
  defineMessages,
  type MessageOf,
  type Messages,
  type MessageTemplates,
  messageIn,
  placeholdersOf,
} from './messages.js';
