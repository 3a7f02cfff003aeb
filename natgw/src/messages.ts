import { defineMessages } from 'statuskit';

/**
 * The messages natgw writes itself (those not on its error-code page), in every language of the
 * catalog: data, kept here and nowhere else. A test walks the table and fails on a message
 * without its Chinese form.
 */
export const texts = {
  // Keystone's own words for a password, user or project that does not match.
  badLogin: {
    en: 'The request you have made requires authentication.',
    'zh-CN': '您发出的请求需要身份认证。',
  },
} as const satisfies Record<string, { en: string; 'zh-CN': string }>;

export const messages = defineMessages(texts);
