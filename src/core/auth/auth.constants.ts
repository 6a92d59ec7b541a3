export const REQUIRED_SCOPES = 'AUTH:REQUIRED_SCOPES';
export const ANONYMOUS_SUBJECT = 'anonymous';
