/**
 * The one scope the core itself checks. A module declares its own scope strings next to its
 * routes and asks for them with @RequireScopes(...).
 */
export const SCOPES = {
  admin: 'admin',
} as const;

/** Who is calling: the token's subject and scopes, or the anonymous caller of AUTH_MODE=none. */
export interface Principal {
  sub: string;
  scopes: ReadonlySet<string>;
  /** AUTH_MODE=none: every scope is granted, and every resource belongs to `anonymous`. */
  anonymous: boolean;
}

export function hasScope(principal: Principal, scope: string): boolean {
  return principal.anonymous || principal.scopes.has(scope);
}

/** `admin` sees and acts on every subject's resources. */
export function isAdmin(principal: Principal): boolean {
  return hasScope(principal, SCOPES.admin);
}
