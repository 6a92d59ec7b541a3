import { AppError, ErrorCode } from '../../core/common/index.js';
import type { Order } from './order.model.js';

export interface OrderPage {
  orders: Order[];
  /** Pass as `cursor` for the next page; null on the last one. */
  nextCursor: string | null;
}

interface Cursor {
  createdAt: string;
  id: string;
}

export function encodeCursor(order: Order): string {
  return Buffer.from(JSON.stringify({ createdAt: order.createdAt, id: order.id })).toString('base64url');
}

export function decodeCursor(text: string): Cursor {
  try {
    const cursor = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as Partial<Cursor>;
    if (typeof cursor.createdAt === 'string' && !Number.isNaN(Date.parse(cursor.createdAt)) && typeof cursor.id === 'string' && /^[0-9a-f-]{36}$/.test(cursor.id)) {
      return { createdAt: cursor.createdAt, id: cursor.id };
    }
  } catch {
    // reported below
  }
  throw new AppError(ErrorCode.VALIDATION_FAILED, 'cursor is not one this service issued', { details: { cursor: 'invalid' } });
}
