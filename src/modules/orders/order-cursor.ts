import { Inject, Injectable, Logger } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { AppError, ErrorCode } from '../../core/common/index.js';
import type { Order } from './order.model.js';
import { ordersConfig } from './orders.config.js';

export interface OrderPage {
  orders: Order[];
  /** Pass as `cursor` for the next page; null on the last one. */
  nextCursor: string | null;
}

export interface Cursor {
  createdAt: string;
  id: string;
}

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const TAG_BYTES = 16;

/**
 * Keyset cursors the service issued: `base64url(position).base64url(HMAC-SHA256 tag)`. A cursor
 * that was forged, altered or signed with another key is a 400 on every store, before any query.
 */
@Injectable()
export class OrderCursors {
  private readonly key: Buffer;

  constructor(@Inject(ordersConfig.KEY) config: ConfigType<typeof ordersConfig>) {
    if (config.cursorKey) {
      this.key = Buffer.from(config.cursorKey);
    } else {
      this.key = randomBytes(32);
      new Logger('Orders').warn(
        'ORDERS_CURSOR_KEY is not set: cursors are signed with a random key and valid in this process only',
      );
    }
  }

  encode(order: Pick<Order, 'createdAt' | 'id'>): string {
    const body = Buffer.from(JSON.stringify({ createdAt: order.createdAt, id: order.id })).toString('base64url');
    return `${body}.${this.tag(body).toString('base64url')}`;
  }

  decode(text: string): Cursor {
    const [body, tag, extra] = text.split('.');
    if (body && tag && extra === undefined) {
      const given = Buffer.from(tag, 'base64url');
      if (given.length === TAG_BYTES && timingSafeEqual(given, this.tag(body))) {
        const cursor = parse(body);
        if (cursor) return cursor;
      }
    }
    throw new AppError(ErrorCode.VALIDATION_FAILED, 'cursor is not one this service issued', {
      details: { cursor: 'invalid' },
    });
  }

  private tag(body: string): Buffer {
    return createHmac('sha256', this.key).update(body).digest().subarray(0, TAG_BYTES);
  }
}

function parse(body: string): Cursor | undefined {
  try {
    const value = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Partial<Cursor>;
    const valid =
      typeof value.createdAt === 'string' &&
      ISO_UTC.test(value.createdAt) &&
      typeof value.id === 'string' &&
      UUID.test(value.id);
    return valid ? { createdAt: value.createdAt as string, id: value.id as string } : undefined;
  } catch {
    return undefined;
  }
}
