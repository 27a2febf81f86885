/**
 * Kubernetes field errors (k8s.io/apimachinery/pkg/util/validation/field), printed the way the
 * API server prints them, so that `kubectl apply` shows our refusals in the words Spiderpool's
 * webhooks use: `spec.ips[0]: Invalid value: "10.6.0.300": invalid IP range format in IPv4 '10.6.0.300'`.
 */
export type FieldError =
  | { type: 'Invalid'; field: string; value: unknown; detail: string }
  | { type: 'Forbidden'; field: string; detail: string }
  | { type: 'Required'; field: string; detail: string }

export const invalid = (field: string, value: unknown, detail: string): FieldError => ({ type: 'Invalid', field, value, detail })
export const forbidden = (field: string, detail: string): FieldError => ({ type: 'Forbidden', field, detail })
export const required = (field: string, detail: string): FieldError => ({ type: 'Required', field, detail })

// Go prints strings with %q, numbers and booleans with %v, nil as "null". Other values (a label
// selector) Go prints as a Go struct literal; JSON says the same thing readably.
const formatValue = (value: unknown): string => {
  if (value === undefined || value === null) return '"null"'
  if (typeof value === 'string') return JSON.stringify(value)
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value)
  return JSON.stringify(value)
}

export const formatFieldError = (e: FieldError): string => {
  switch (e.type) {
    case 'Invalid':
      return `${e.field}: Invalid value: ${formatValue(e.value)}: ${e.detail}`
    case 'Forbidden':
      return `${e.field}: Forbidden: ${e.detail}`
    case 'Required':
      return e.detail === '' ? `${e.field}: Required value` : `${e.field}: Required value: ${e.detail}`
  }
}

/** utilerrors.NewAggregate(...).Error(): one error as is, several in brackets. */
export const aggregate = (errors: readonly FieldError[]): string => {
  const messages = errors.map(formatFieldError)
  return messages.length === 1 ? (messages[0] as string) : `[${messages.join(', ')}]`
}

/** Go's %v of a []string, as Spiderpool prints IP range lists: `[10.0.0.1-10.0.0.5 10.0.0.9]`. */
export const goList = (items: readonly string[]): string => `[${items.join(' ')}]`
