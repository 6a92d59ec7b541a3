import { SetMetadata } from '@nestjs/common';

export const PUBLIC_ROUTE = 'AUTH:PUBLIC_ROUTE';

/**
 * A route anyone may call: probes, metrics, or routes guarded another way. Here rather than in
 * the auth module so that health and monitoring mark their routes without depending on it.
 */
export const Public = () => SetMetadata(PUBLIC_ROUTE, true);
