/**
 * The RBAC rule a request to the API server needs, from its method and path: what a 403 names so
 * that the operator knows which rule to add (`forbidden: update spiderippools/status.spiderpool.spidernet.io`).
 * Kubernetes' own request-info parsing, reduced to the paths this service calls.
 */
export interface RbacRule {
  verb: string
  /** `plural[/subresource][.group]`, as `kubectl auth can-i` takes it; the path itself for a non-resource URL. */
  resource: string
  namespace?: string
}

export function rbacRuleOf(method: string, path: string, query: Readonly<Record<string, unknown>> = {}): RbacRule {
  const parts = path
    .split('?')[0]!
    .split('/')
    .filter((p) => p !== '')
    .map(decodeURIComponent)
  let group = ''
  let rest: string[]
  if (parts[0] === 'api' && parts.length >= 2) rest = parts.slice(2)
  else if (parts[0] === 'apis' && parts.length >= 3) {
    group = parts[1]!
    rest = parts.slice(3)
  } else return { verb: method.toLowerCase(), resource: path }
  if (rest.length === 0) return { verb: method.toLowerCase(), resource: path }
  let namespace: string | undefined
  // namespaces/<ns>/<plural>...: a namespaced collection; namespaces[/<name>] alone is the namespace itself.
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    namespace = rest[1]
    rest = rest.slice(2)
  }
  const [plural = '', name, subresource] = rest
  const named = name !== undefined
  const verb =
    method === 'GET'
      ? query.watch === true || query.watch === 'true'
        ? 'watch'
        : named
          ? 'get'
          : 'list'
      : method === 'POST'
        ? 'create'
        : method === 'PUT'
          ? 'update'
          : method === 'PATCH'
            ? 'patch'
            : method === 'DELETE'
              ? named
                ? 'delete'
                : 'deletecollection'
              : method.toLowerCase()
  const resource = `${plural}${subresource ? `/${subresource}` : ''}${group ? `.${group}` : ''}`
  return { verb, resource, namespace }
}

/** `forbidden: <verb> <resource>[ in namespace <ns>]` */
export const forbiddenText = (rule: RbacRule): string =>
  `forbidden: ${rule.verb} ${rule.resource}${rule.namespace === undefined ? '' : ` in namespace ${rule.namespace}`}`
