/** A ticker as orders take it (upper-cased on use): the rule and the document's pattern share it. */
export const TICKER_PATTERN = '^[A-Za-z][A-Za-z0-9.-]{0,11}$';
export const TICKER = new RegExp(TICKER_PATTERN);
export const TICKER_MAX_LENGTH = 12;
