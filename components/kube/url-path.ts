// A URL path as the Gateway API validates an HTTPRoute's PathPrefix (and as a probe's httpGet
// path is sent): absolute, RFC 3986 path characters or %XX escapes, no empty or dot segments
// (`//`, `/./`, `/../`: the API server refuses them, and a proxy that normalises them routes
// elsewhere), no encoded '/', at most 1024 characters.

export const MAX_URL_PATH = 1024;

const PATH_CHARACTERS = /^(?:[-A-Za-z0-9/._~!$&'()*+,;=:@]|%[0-9a-fA-F]{2})+$/;

/** Why `path` is not an absolute URL path, or nothing. */
export function urlPathProblem(path: string): string | undefined {
  if (!path.startsWith("/")) return "does not start with '/'";
  if (path.length > MAX_URL_PATH) return `is longer than ${MAX_URL_PATH} characters`;
  if (path.includes("*"))
    return "holds '*': paths match literally, and a prefix already matches everything below it";
  if (!PATH_CHARACTERS.test(path))
    return "holds a character a URL path cannot (spaces, quotes, '?', '#', '*', '%' without two hex digits, non-ASCII)";
  if (path.includes("//")) return "has an empty segment ('//')";
  if (/\/\.\.?(\/|$)/.test(path)) return "has a '.' or '..' segment";
  if (/%2f/i.test(path)) return "holds an encoded '/' (%2F)";
  return undefined;
}
