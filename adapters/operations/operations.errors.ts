/** The error body of everything outside both dialects (operations routes, unknown paths). */
export function plainErrorBody(code: string, message: string): { error: { code: string; message: string } } {
  return { error: { code, message } };
}
