/** The scope a caller's token needs to read prices (AUTH_SCOPE_CLAIMS). */
export const QUOTE_SCOPES = {
  read: 'quotes:read',
} as const;
