export const REQUIRED_SCOPES = 'AUTH:REQUIRED_SCOPES';
export const ANONYMOUS_SUBJECT = 'anonymous';
/** The length an owner column is given (varchar(128)): a longer `sub` could not own a resource. */
export const MAX_SUBJECT_LENGTH = 128;
