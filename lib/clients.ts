/**
 * The official Twilio and OpenAI clients, built from configuration. Pointing
 * them at the local simulators is configuration only (base URLs).
 */
import OpenAI from 'openai';
import twilio, { type Twilio } from 'twilio';
import type { Config } from './config.js';

export function createTwilioClient(config: Config): Twilio {
  const client = twilio(config.twilio.accountSid, config.twilio.authToken, { autoRetry: true });
  if (config.twilio.apiBaseUrl) client.api.baseUrl = config.twilio.apiBaseUrl;
  return client;
}

export function createOpenAIClient(config: Config): OpenAI {
  return new OpenAI({
    apiKey: config.openai.apiKey,
    baseURL: config.openai.baseUrl,
    maxRetries: 2,
    timeout: 60_000,
  });
}
