// The grammars the plugin's one-pass scanners are checked against, as regular expressions: the
// references of test/hostile.test.ts and test/hostile.property.test.ts.

/** An RFC 9110 token (1*tchar). */
export const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/

/** A list of tokens joined by OWS "," OWS (RFC 9110 §5.6.1). */
export const TOKEN_LIST = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+(?:[ \t]*,[ \t]*[!#$%&'*+\-.^_`|~0-9A-Za-z]+)*$/

/** A serialized origin as browsers send it (scheme, host or IPv6 literal, optional port), lower case. */
export const SERIALIZED_ORIGIN = /^[a-z][a-z0-9+.-]*:\/\/(?:[a-z0-9._~-]+|\[[0-9a-f:.]+\])(?::[0-9]{1,5})?$/
