import { defineMessages } from '../errors/index.js';

/**
 * Every message statuskit itself puts in an answer (the plugin's and the gateway's), in every
 * language of the catalog: data, kept here and nowhere else. A test walks the table and fails on
 * a message without its Chinese form, or one whose languages fill different values.
 */
export const texts = {
  // The plugin: routing and negotiation.
  routeNotFound: { en: 'The resource {path} could not be found.', 'zh-CN': '找不到资源 {path}。' },
  methodNotAllowed: {
    en: 'The method {method} is not allowed for {path}.',
    'zh-CN': '资源 {path} 不允许使用 {method} 方法。',
  },
  methodNotImplemented: {
    en: 'The method {method} is not implemented by this server.',
    'zh-CN': '本服务器未实现 {method} 方法。',
  },
  notAcceptable: {
    en: 'None of the media types in Accept can be produced; this route produces {types}.',
    'zh-CN': '无法生成 Accept 中的任何媒体类型；此路由生成 {types}。',
  },
  jobNotFound: { en: 'Job {id} could not be found.', 'zh-CN': '找不到任务 {id}。' },
  operationFailed: { en: 'The operation failed.', 'zh-CN': '操作失败。' },

  // The plugin: who is calling.
  authenticationRequired: { en: 'Authentication required.', 'zh-CN': '需要身份认证。' },
  forbidden: { en: 'You are not allowed to perform this action.', 'zh-CN': '您无权执行此操作。' },

  // The plugin: the request itself.
  hostRequired: {
    en: 'An HTTP/1.1 request must have a Host header (RFC 9112 §3.2).',
    'zh-CN': 'HTTP/1.1 请求必须带有 Host 头（RFC 9112 §3.2）。',
  },
  hostRepeated: {
    en: 'A request must have one Host header, not several (RFC 9112 §3.2).',
    'zh-CN': '请求只能带有一个 Host 头，不能有多个（RFC 9112 §3.2）。',
  },
  hostInvalid: {
    en: 'The Host header is not a valid host (RFC 9112 §3.2).',
    'zh-CN': 'Host 头不是有效的主机（RFC 9112 §3.2）。',
  },
  transferCodingNotImplemented: {
    en: 'The transfer coding "{coding}" is not implemented; only chunked is.',
    'zh-CN': '未实现传输编码“{coding}”；仅支持 chunked。',
  },
  invalidInput: {
    en: 'Invalid input for {field}: {problem} ({rule}).',
    'zh-CN': '{field} 的输入无效：{problem}（{rule}）。',
  },
  invalidJson: { en: 'The request body is not valid JSON.', 'zh-CN': '请求体不是有效的 JSON。' },
  emptyJsonBody: {
    en: 'The request body is empty, but its Content-Type is application/json.',
    'zh-CN': '请求体为空，但其 Content-Type 为 application/json。',
  },
  bodyTooLarge: {
    en: 'The request body is too large: this route takes at most {limit} bytes.',
    'zh-CN': '请求体过大：此路由最多接受 {limit} 字节。',
  },
  unsupportedMediaType: {
    en: 'The media type {type} of the request body is not supported.',
    'zh-CN': '不支持请求体的媒体类型 {type}。',
  },
  contentLengthMismatch: {
    en: 'The size of the request body does not match its Content-Length.',
    'zh-CN': '请求体的大小与其 Content-Length 不符。',
  },
  contentTypeRequired: {
    en: 'A {method} request with a body must have a Content-Type header.',
    'zh-CN': '带请求体的 {method} 请求必须带有 Content-Type 头。',
  },
  malformedUrl: { en: 'The request URL is malformed.', 'zh-CN': '请求的 URL 格式错误。' },
  asteriskForm: {
    en: 'The request target * (the server as a whole) is for OPTIONS only (RFC 9112 §3.2.4).',
    'zh-CN': '请求目标 *（整个服务器）只能用于 OPTIONS 方法（RFC 9112 §3.2.4）。',
  },
  parameterTooLong: {
    en: 'A path parameter is longer than this server takes.',
    'zh-CN': '路径参数超过了本服务器接受的长度。',
  },

  // The plugin: requests turned away (503; logged, the body carries the page's text).
  tooManyInFlight: { en: 'Too many requests in flight.', 'zh-CN': '同时处理的请求过多。' },
  shuttingDown: { en: 'The server is shutting down.', 'zh-CN': '服务器正在关闭。' },
  maintenance: { en: 'The service is in maintenance.', 'zh-CN': '服务正在维护中。' },
  underPressure: { en: 'The server is under pressure ({type}).', 'zh-CN': '服务器负载过高（{type}）。' },

  // The gateway.
  bodyBudgetFull: {
    en: 'The gateway holds as many request bodies as it can; try again.',
    'zh-CN': '网关暂存的请求体已达上限，请稍后重试。',
  },
  encodedSlash: {
    en: 'The path has a percent-encoded slash or backslash (%2F, %5C).',
    'zh-CN': '路径中含有百分号编码的斜杠或反斜杠（%2F、%5C）。',
  },
  proxyAuthenticationRequired: { en: 'Proxy authentication is required.', 'zh-CN': '需要代理身份认证。' },
  clientGone: { en: 'The client closed the connection.', 'zh-CN': '客户端关闭了连接。' },
  upstreamTimedOut: {
    en: 'The upstream did not answer within {ms} ms.',
    'zh-CN': '上游服务未在 {ms} 毫秒内应答。',
  },
  upstreamLate: { en: 'The upstream did not answer in time.', 'zh-CN': '上游服务未及时应答。' },
  upstreamFailed: { en: 'The upstream failed to answer.', 'zh-CN': '上游服务应答失败。' },
  upstreamBodyLate: {
    en: 'The upstream did not send its answer in time.',
    'zh-CN': '上游服务未及时发送其应答。',
  },
  upstreamBodyFailed: {
    en: 'The upstream failed to send its answer.',
    'zh-CN': '上游服务发送其应答失败。',
  },
  noUpstream: { en: 'No upstream is available.', 'zh-CN': '没有可用的上游服务。' },
} as const satisfies Record<string, { en: string; 'zh-CN': string }>;

/** The texts, compiled once: `messages.routeNotFound({ path })` is the message in every language. */
export const messages = defineMessages(texts);
