/**
 * How the node-local IPAM API answers a refusal depends on who asks. Spiderpool's own CNI plugin
 * (and any client generated from its OpenAPI spec) decodes only what that spec defines: 200, or
 * 500 with a JSON string, so an answer in any other shape reaches the runtime as "response status
 * code does not match any response statuses defined for this endpoint". Spinneret's plugin sends
 * this header and gets `{code, message, details?}` with a status per code instead, from which it
 * derives structured CNI error codes.
 */
export const ERROR_FORMAT_HEADER = 'spinneret-error-format'
export const STRUCTURED_ERRORS = 'structured'
