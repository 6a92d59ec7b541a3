import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { authConfig } from '../auth.config.js';
import { KeyFetchError, shownUrl } from './key-errors.js';

// A discovery document or a JWKS is a few KB; anything far larger is not one.
const MAX_BYTES = 512 * 1024;

/**
 * The one way out to the token issuer: GET a JSON document, the whole exchange (headers and body)
 * bounded by AUTH_JWKS_TIMEOUT_MS, no redirects followed, the body bounded in size, credentials in
 * the URL sent as Basic auth. Fails with a KeyFetchError that names the URL without its
 * credentials or query, and never quotes the body.
 */
@Injectable()
export class IssuerHttpClient {
  private readonly timeoutMs: number;

  constructor(@Inject(authConfig.KEY) config: Pick<ConfigType<typeof authConfig>, 'jwksTimeoutMs'>) {
    this.timeoutMs = config.jwksTimeoutMs;
  }

  async getJson(url: URL): Promise<unknown> {
    const signal = AbortSignal.timeout(this.timeoutMs);
    const where = shownUrl(url);
    const failed = (error: unknown) =>
      error instanceof KeyFetchError
        ? error
        : signal.aborted
          ? new KeyFetchError('timeout', `${where} did not answer within ${this.timeoutMs} ms`, { cause: error })
          : new KeyFetchError('network', `${where} could not be reached`, { cause: error });
    let text: string;
    try {
      const response = await fetch(withoutCredentials(url), { signal, redirect: 'manual', headers: headersFor(url) });
      if (response.status !== 200) {
        await response.body?.cancel();
        throw new KeyFetchError('status', `${where} answered ${response.status}`);
      }
      text = await readBounded(response, where);
    } catch (error) {
      throw failed(error);
    }
    try {
      return JSON.parse(text) as unknown;
    } catch (error) {
      throw new KeyFetchError('not-json', `${where} did not answer JSON`, { cause: error });
    }
  }
}

// fetch refuses a URL with credentials: they travel as Basic auth instead.
function withoutCredentials(url: URL): URL {
  const bare = new URL(url.href);
  bare.username = '';
  bare.password = '';
  return bare;
}

function headersFor(url: URL): Record<string, string> {
  const headers: Record<string, string> = { accept: 'application/json, application/jwk-set+json' };
  if (url.username || url.password) {
    const pair = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
    headers.authorization = `Basic ${Buffer.from(pair).toString('base64')}`;
  }
  return headers;
}

async function readBounded(response: Response, where: string): Promise<string> {
  if (!response.body) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of response.body) {
    size += chunk.byteLength;
    // Leaving the loop cancels the stream.
    if (size > MAX_BYTES) throw new KeyFetchError('too-large', `${where} answered more than ${MAX_BYTES} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
