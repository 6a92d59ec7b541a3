export const REQUIRED_SCOPES = 'AUTH:REQUIRED_SCOPES';
export const ANONYMOUS_SUBJECT = 'anonymous';
/** The owner column's length (orders.owner, varchar(128)): a longer `sub` could not own an order. */
export const MAX_SUBJECT_LENGTH = 128;
