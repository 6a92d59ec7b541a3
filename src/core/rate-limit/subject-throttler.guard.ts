import { Injectable } from '@nestjs/common';
import { ThrottlerGuard } from '@nestjs/throttler';
import type { Principal } from '../auth/index.js';

/** Counts per authenticated subject, or per client address for anonymous callers. */
@Injectable()
export class SubjectThrottlerGuard extends ThrottlerGuard {
  protected override getTracker(request: Record<string, unknown>): Promise<string> {
    const principal = request.principal as Principal | undefined;
    return Promise.resolve(principal && !principal.anonymous ? `sub:${principal.sub}` : `ip:${String(request.ip)}`);
  }
}
