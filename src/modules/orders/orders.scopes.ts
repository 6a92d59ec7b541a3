/** The scopes a caller's token needs for orders (AUTH_SCOPE_CLAIMS); `admin` (core/auth) sees every owner's. */
export const ORDER_SCOPES = {
  read: 'orders:read',
  write: 'orders:write',
} as const;
